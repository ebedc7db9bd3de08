//! The CSS and scripts, built by `frontend/` (npm) and committed, embedded in the
//! binary and served under fingerprinted names (`app.3f2a9c1e0b.css`), so browsers
//! keep them for a year and a new build is fetched at once. Each is compressed
//! once, when first served, and sent gzipped to every browser that takes it: a
//! third of the bytes (what the closing notes call their gzipped size).

use std::sync::LazyLock;

use flate2::Compression;
use poem::http::{HeaderValue, StatusCode, header};
use poem::{IntoResponse, Request, Response};
use sha2::{Digest, Sha256};

use crate::gzip;

struct Asset {
    name: &'static str,
    path: String,
    content_type: &'static str,
    bytes: &'static [u8],
    /// `bytes` gzipped, or `None` if compressing failed (then they go as they are).
    gzipped: Option<Vec<u8>>,
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    [
        (
            "app.css",
            "text/css; charset=utf-8",
            include_bytes!("../assets/app.css").as_slice(),
        ),
        (
            "app.js",
            "text/javascript; charset=utf-8",
            include_bytes!("../assets/app.js").as_slice(),
        ),
        (
            "theme.js",
            "text/javascript; charset=utf-8",
            include_bytes!("../assets/theme.js").as_slice(),
        ),
    ]
    .into_iter()
    .map(|(name, content_type, bytes)| Asset {
        name,
        path: fingerprinted(name, bytes),
        content_type,
        bytes,
        gzipped: gzip::compress(bytes, Compression::best()),
    })
    .collect()
});

/// `name` with the first 10 hex digits of its content's SHA-256 before the
/// extension: `/assets/app.<hash>.css`.
fn fingerprinted(name: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hash: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
    let (stem, extension) = name.rsplit_once('.').unwrap_or((name, ""));
    format!("/assets/{stem}.{hash}.{extension}")
}

/// Whether `path` is under `/assets/` (public, cacheable, no session needed).
pub fn is_asset(path: &str) -> bool {
    path.starts_with("/assets/")
}

/// The path that serves the asset `name` (one of ours: `app.css`, `app.js`,
/// `theme.js`).
pub fn path(name: &str) -> &'static str {
    ASSETS
        .iter()
        .find(|a| a.name == name)
        .map_or("/assets/missing", |a| a.path.as_str())
}

/// Serves an asset by its fingerprinted path; an old or unknown name is not found.
pub fn serve(request: Request) -> Response {
    let path = request.uri().path();
    let Some(asset) = ASSETS.iter().find(|a| a.path == path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let gzipped = asset
        .gzipped
        .as_deref()
        .filter(|_| gzip::accepted(request.headers()));
    let mut response = match gzipped {
        Some(gzipped) => Response::builder()
            .content_type(asset.content_type)
            .header(header::CONTENT_ENCODING, "gzip")
            .body(gzipped),
        None => Response::builder()
            .content_type(asset.content_type)
            .body(asset.bytes),
    };
    // A shared cache keeps one copy per encoding.
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_has_a_fingerprinted_path() {
        for name in ["app.css", "app.js", "theme.js"] {
            let path = path(name);
            let (stem, extension) = name.rsplit_once('.').expect("an extension");
            assert!(path.starts_with(&format!("/assets/{stem}.")), "{path}");
            assert!(path.ends_with(&format!(".{extension}")), "{path}");
            assert_eq!(path.len(), name.len() + "/assets/".len() + 11, "{path}");
        }
    }

    fn get(name: &str, accept_encoding: Option<&str>) -> Response {
        let mut request = Request::builder().uri_str(path(name));
        if let Some(value) = accept_encoding {
            request = request.header(header::ACCEPT_ENCODING, value);
        }
        serve(request.finish())
    }

    async fn body(response: Response) -> Vec<u8> {
        response
            .into_body()
            .into_vec()
            .await
            .expect("an in-memory body")
    }

    #[tokio::test]
    async fn an_asset_goes_gzipped_to_a_browser_that_takes_gzip() {
        let response = get("app.js", Some("gzip, deflate, br"));
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(response.headers()[header::VARY], "accept-encoding");
        let gzipped = body(response).await;
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(gzipped.as_slice()),
            &mut unzipped,
        )
        .expect("valid gzip");
        assert!(gzipped.len() < unzipped.len() / 2, "{}", gzipped.len());
        assert_eq!(unzipped, include_bytes!("../assets/app.js"));
    }

    #[tokio::test]
    async fn an_asset_goes_as_it_is_to_a_client_that_does_not_take_gzip() {
        for accept in [None, Some("identity"), Some("br"), Some("gzip;q=0, *")] {
            let response = get("app.css", accept);
            assert!(
                !response.headers().contains_key(header::CONTENT_ENCODING),
                "{accept:?}"
            );
            assert_eq!(
                body(response).await,
                include_bytes!("../assets/app.css"),
                "{accept:?}"
            );
        }
    }

    #[test]
    fn a_different_content_has_a_different_name() {
        assert_ne!(
            fingerprinted("app.css", b"a"),
            fingerprinted("app.css", b"b")
        );
    }
}
