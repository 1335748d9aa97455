//! Response compression as `next start` does it (its `compression` middleware): for a
//! compressible content type, `Vary: Accept-Encoding` is always added; the body is gzipped
//! when the client accepts gzip and the body is at least 1 KiB or of unknown length.

use std::io::Write as _;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use hyper::body::{Body, Frame, SizeHint};
use hyper::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap,
    HeaderValue, VARY,
};
use hyper::{Method, Response};

use crate::body::ServerBody;

/// Bodies smaller than this stay uncompressed (the middleware's default threshold).
const THRESHOLD: u64 = 1024;

/// What the request said about encodings, taken before the request is handed on.
#[derive(Debug, Clone, Copy)]
pub struct Negotiation {
    gzip: bool,
    head: bool,
}

impl Negotiation {
    /// Reads `Accept-Encoding` and the method.
    pub fn from_request(method: &Method, headers: &HeaderMap) -> Self {
        let gzip = headers
            .get_all(ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|item| {
                let mut parts = item.split(';');
                let coding = parts.next().unwrap_or("").trim();
                let q_zero = parts.any(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                        .is_some_and(|q| q == 0.0)
                });
                (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !q_zero
            });
        Negotiation {
            gzip,
            head: method == Method::HEAD,
        }
    }
}

/// Applies the middleware's rules to a response from a worker.
pub fn apply(negotiation: Negotiation, response: Response<ServerBody>) -> Response<ServerBody> {
    let (mut parts, body) = response.into_parts();
    let headers = &mut parts.headers;
    let compressible = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_compressible);
    let no_transform = headers
        .get_all(CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("no-transform"));
    if !compressible || no_transform {
        return Response::from_parts(parts, body);
    }
    add_vary(headers);
    let length = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .or(body.size_hint().exact());
    let small = length.is_some_and(|n| n < THRESHOLD);
    let encoded = headers.contains_key(CONTENT_ENCODING);
    if small || encoded || negotiation.head || !negotiation.gzip {
        return Response::from_parts(parts, body);
    }
    headers.remove(CONTENT_LENGTH);
    headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    let body = ServerBody::Gzip(Box::new(GzipBody {
        inner: body,
        encoder: Some(GzEncoder::new(Vec::new(), Compression::default())),
    }));
    Response::from_parts(parts, body)
}

/// Appends `Accept-Encoding` to `Vary` unless it is there already or `Vary: *`.
fn add_vary(headers: &mut HeaderMap) {
    let existing: Vec<String> = headers
        .get_all(VARY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_string)
        .collect();
    let fields = existing.iter().flat_map(|v| v.split(',')).map(str::trim);
    let mut has_star = false;
    let mut has_ae = false;
    for field in fields {
        has_star |= field == "*";
        has_ae |= field.eq_ignore_ascii_case("accept-encoding");
    }
    if has_star || has_ae {
        return;
    }
    let value = if existing.is_empty() {
        "Accept-Encoding".to_string()
    } else {
        format!("{}, Accept-Encoding", existing.join(", "))
    };
    if let Ok(value) = HeaderValue::from_str(&value) {
        headers.insert(VARY, value);
    }
}

/// The `compressible` rule: text types, JSON, XML, JavaScript and friends.
fn is_compressible(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence.starts_with("text/") {
        return true;
    }
    if essence.ends_with("+json") || essence.ends_with("+xml") || essence.ends_with("+text") {
        return true;
    }
    matches!(
        essence.as_str(),
        "application/json"
            | "application/javascript"
            | "application/x-javascript"
            | "application/ecmascript"
            | "application/xml"
            | "application/xhtml+xml"
            | "application/rss+xml"
            | "application/atom+xml"
            | "application/graphql"
            | "application/manifest+json"
            | "application/x-www-form-urlencoded"
            | "application/wasm"
            | "image/svg+xml"
            | "image/bmp"
            | "image/x-icon"
            | "image/vnd.microsoft.icon"
            | "font/ttf"
            | "font/otf"
            | "application/vnd.ms-fontobject"
    )
}

/// A body gzipped frame by frame; every frame is sync-flushed so streamed responses still
/// reach the client as they are written.
pub struct GzipBody {
    inner: ServerBody,
    encoder: Option<GzEncoder<Vec<u8>>>,
}

impl Body for GzipBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        loop {
            if self.encoder.is_none() {
                return Poll::Ready(None);
            }
            match Pin::new(&mut self.inner).poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Err(err))) => return Poll::Ready(Some(Err(err))),
                Poll::Ready(Some(Ok(frame))) => {
                    let Ok(data) = frame.into_data() else {
                        continue;
                    };
                    let encoder = self.encoder.as_mut().expect("encoder present");
                    // Writing to a Vec cannot fail.
                    let _ = encoder.write_all(&data);
                    let _ = encoder.flush();
                    let out = std::mem::take(encoder.get_mut());
                    if !out.is_empty() {
                        return Poll::Ready(Some(Ok(Frame::data(Bytes::from(out)))));
                    }
                }
                Poll::Ready(None) => {
                    let encoder = self.encoder.take().expect("encoder present");
                    let out = encoder.finish().unwrap_or_default();
                    return Poll::Ready(Some(Ok(Frame::data(Bytes::from(out)))));
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.encoder.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vary_is_appended_once() {
        let mut headers = HeaderMap::new();
        headers.insert(VARY, HeaderValue::from_static("Origin"));
        add_vary(&mut headers);
        add_vary(&mut headers);
        assert_eq!(headers.get(VARY).unwrap(), "Origin, Accept-Encoding");
    }

    #[test]
    fn compressible_types_follow_the_middleware() {
        assert!(is_compressible("application/json; charset=utf-8"));
        assert!(is_compressible("text/plain"));
        assert!(is_compressible("application/vnd.api+json"));
        assert!(!is_compressible("application/octet-stream"));
        assert!(!is_compressible("image/png"));
    }

    #[test]
    fn gzip_is_negotiated_from_accept_encoding() {
        let mut headers = HeaderMap::new();
        headers.insert(
            ACCEPT_ENCODING,
            HeaderValue::from_static("br;q=1, gzip;q=0.8"),
        );
        assert!(Negotiation::from_request(&Method::GET, &headers).gzip);
        headers.insert(ACCEPT_ENCODING, HeaderValue::from_static("gzip;q=0"));
        assert!(!Negotiation::from_request(&Method::GET, &headers).gzip);
    }
}
