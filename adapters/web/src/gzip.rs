//! Gzip for what the UI sends: the assets (compressed once, at the best level) and
//! the pages (compressed as they go, at the fastest level: the board at 100,000
//! leads is about 300 KiB of HTML and a tenth of that gzipped). Pages are safe to
//! compress because their only secret, the CSRF token, is masked afresh on every
//! response (see `csrf`).

use std::io::Write as _;
use std::sync::Arc;

use flate2::Compression;
use flate2::write::GzEncoder;
use poem::http::{HeaderMap, HeaderValue, header};
use poem::{Body, Endpoint, IntoResponse, Request, Response};

/// Pages smaller than this go as they are: gzip's header would eat the gain.
const SMALLEST: usize = 1024;

/// `bytes` gzipped at `level`, or `None` if the encoder failed.
pub fn compress(bytes: &[u8], level: Compression) -> Option<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(bytes.len() / 4), level);
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok()
}

/// Whether the client takes gzip: `Accept-Encoding` names `gzip` with a quality
/// above zero, or does not name it and accepts `*`.
pub fn accepted(headers: &HeaderMap) -> bool {
    let mut gzip = None;
    let mut any = None;
    let codings = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','));
    for coding in codings {
        let mut parts = coding.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let quality = parts
            .find_map(|p| p.strip_prefix("q="))
            .map_or(1.0, |q| q.parse::<f32>().unwrap_or(0.0));
        if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
            gzip = Some(quality);
        } else if name == "*" {
            any = Some(quality);
        }
    }
    gzip.or(any).is_some_and(|quality| quality > 0.0)
}

/// Whether `response` is a rendered page: HTML, not already encoded.
fn is_page(response: &Response) -> bool {
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    html && !response.headers().contains_key(header::CONTENT_ENCODING)
}

/// Gzips the pages `next` renders for a client that takes gzip. Other responses
/// (assets, which carry their own, downloads, redirects) pass as they are.
pub async fn pages<E: Endpoint>(next: Arc<E>, request: Request) -> poem::Result<Response> {
    let wanted = accepted(request.headers());
    let response = next.call(request).await?.into_response();
    if !is_page(&response) {
        return Ok(response);
    }
    let (mut parts, body) = response.into_parts();
    parts
        .headers
        .append(header::VARY, HeaderValue::from_static("accept-encoding"));
    // A rendered page is already whole in memory: this reads no network.
    let html = body.into_bytes().await?;
    let gzipped = (wanted && html.len() >= SMALLEST)
        .then(|| compress(&html, Compression::fast()))
        .flatten();
    let body = match gzipped {
        Some(gzipped) => {
            parts
                .headers
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            parts.headers.remove(header::CONTENT_LENGTH);
            Body::from(gzipped)
        }
        None => Body::from(html),
    };
    Ok(Response::from_parts(parts, body))
}

#[cfg(test)]
mod tests {
    use poem::web::Html;
    use poem::{EndpointExt, get, handler};

    use super::*;

    #[handler]
    fn big() -> Html<String> {
        Html("<li>a card</li>".repeat(500))
    }

    #[handler]
    fn small() -> Html<&'static str> {
        Html("<p>hi</p>")
    }

    #[handler]
    fn csv() -> Response {
        Response::builder()
            .content_type("text/csv")
            .body("line,column\n".repeat(500))
    }

    async fn call(path: &str, accept: Option<&str>) -> Response {
        let app = poem::Route::new()
            .at("/big", get(big))
            .at("/small", get(small))
            .at("/csv", get(csv))
            .around(pages);
        let mut request = Request::builder().uri_str(path);
        if let Some(accept) = accept {
            request = request.header(header::ACCEPT_ENCODING, accept);
        }
        app.call(request.finish()).await.expect("a response")
    }

    #[tokio::test]
    async fn a_page_goes_gzipped_to_a_browser_that_takes_gzip() {
        let response = call("/big", Some("gzip, br")).await;
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(response.headers()[header::VARY], "accept-encoding");
        let gzipped = response.into_body().into_vec().await.expect("a body");
        let mut html = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(gzipped.as_slice()),
            &mut html,
        )
        .expect("valid gzip");
        assert_eq!(html, "<li>a card</li>".repeat(500));
        assert!(gzipped.len() < html.len() / 10, "{}", gzipped.len());
    }

    #[tokio::test]
    async fn a_page_goes_as_it_is_to_a_client_that_does_not_take_gzip() {
        let response = call("/big", None).await;
        assert!(!response.headers().contains_key(header::CONTENT_ENCODING));
        let html = response.into_body().into_string().await.expect("a body");
        assert_eq!(html, "<li>a card</li>".repeat(500));
    }

    #[tokio::test]
    async fn a_small_page_or_a_download_goes_as_it_is() {
        for path in ["/small", "/csv"] {
            let response = call(path, Some("gzip")).await;
            assert!(
                !response.headers().contains_key(header::CONTENT_ENCODING),
                "{path}"
            );
        }
    }

    #[test]
    fn gzip_is_taken_when_named_or_covered_by_a_star() {
        let takes = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(value).expect("a header value"),
            );
            accepted(&headers)
        };
        assert!(takes("gzip"));
        assert!(takes("br;q=1.0, GZIP;q=0.5"));
        assert!(takes("*"));
        assert!(!takes("*, gzip;q=0"));
        assert!(!takes("gzip;q=0.0"));
        assert!(!takes("deflate"));
    }
}
