//! The CSS and scripts, built by `frontend/` (npm) and committed, embedded in the
//! binary and served under fingerprinted names (`app.3f2a9c1e0b.css`), so browsers
//! keep them for a year and a new build is fetched at once.

use std::sync::LazyLock;

use poem::http::{HeaderValue, StatusCode, header};
use poem::{IntoResponse, Request, Response};
use sha2::{Digest, Sha256};

struct Asset {
    name: &'static str,
    path: String,
    content_type: &'static str,
    bytes: &'static [u8],
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
    let mut response = Response::builder()
        .content_type(asset.content_type)
        .body(asset.bytes);
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

    #[test]
    fn a_different_content_has_a_different_name() {
        assert_ne!(
            fingerprinted("app.css", b"a"),
            fingerprinted("app.css", b"b")
        );
    }
}
