//! Responses Petrel writes itself, in the shape `next start` gives them: the HTML error
//! pages (404, 400), the trailing-slash redirect, and the plain-text 5xx answers of the host.

use hyper::header::{HeaderValue, RETRY_AFTER};
use hyper::{Response, StatusCode};

use crate::body::ServerBody;

/// Next's strong ETag: `"` + a 52-bit fold of FNV-1a-64 over the payload's UTF-16 code
/// units, in base 36, + the payload length in UTF-16 code units, in base 36, + `"`.
pub fn next_etag(payload: &str) -> String {
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut units: u64 = 0;
    for unit in payload.encode_utf16() {
        hash ^= u64::from(unit);
        hash = hash.wrapping_mul(PRIME);
        units += 1;
    }
    let folded = (hash & ((1 << 52) - 1)) ^ (hash >> 52);
    format!("\"{}{}\"", base36(folded), base36(units))
}

fn base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    if n == 0 {
        return "0".into();
    }
    let mut out = Vec::new();
    while n > 0 {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
    }
    out.reverse();
    String::from_utf8(out).expect("ascii digits")
}

/// `vary` of the App Router's not-found page (its RSC headers, then the compression's).
pub const APP_NOT_FOUND_VARY: &str = "rsc, next-router-state-tree, next-router-prefetch, next-router-segment-prefetch, Accept-Encoding";

/// An HTML error page (404, 400, 500) with the headers Next's error pages carry.
pub fn error_page(status: StatusCode, dev: bool) -> Response<ServerBody> {
    let title = match status.as_u16() {
        404 => "404: This page could not be found".to_string(),
        code => format!("{code}: {}", status.canonical_reason().unwrap_or("Error")),
    };
    let heading = status.as_u16();
    let message = title.split_once(": ").map_or("", |(_, m)| m);
    let html = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title></head>\
<body><div style=\"font-family:system-ui,sans-serif;height:100vh;text-align:center;display:flex;flex-direction:column;align-items:center;justify-content:center\">\
<div><h1 class=\"next-error-h1\" style=\"display:inline-block;margin:0 20px 0 0;padding:0 23px 0 0;font-size:24px;font-weight:500;vertical-align:top;line-height:49px;border-right:1px solid rgba(0,0,0,.3)\">{heading}</h1>\
<div style=\"display:inline-block\"><h2 style=\"font-size:14px;font-weight:400;line-height:49px;margin:0\">{message}.</h2></div></div></div></body></html>"
    );
    let etag = next_etag(&html);
    let mut response = Response::new(ServerBody::full(html));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        "cache-control",
        HeaderValue::from_static(if dev {
            "no-store"
        } else {
            "private, no-cache, no-store, max-age=0, must-revalidate"
        }),
    );
    headers.insert("x-powered-by", HeaderValue::from_static("Next.js"));
    headers.insert("etag", HeaderValue::from_str(&etag).expect("etag is ascii"));
    headers.insert(
        "content-type",
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert("vary", HeaderValue::from_static("Accept-Encoding"));
    response
}

/// `petrel dev`'s answer for a route that failed to build: 500 with the build error (file,
/// line, column, message, code frame), as an HTML page for browsers and as plain text for
/// everything else.
pub fn build_error(message: &str, html: bool) -> Response<ServerBody> {
    let (body, content_type) = if html {
        let escaped = escape_html(message);
        (
            format!(
                "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>500: Build Error</title></head>\
<body style=\"font-family:system-ui,sans-serif;margin:2rem\"><h1 style=\"font-size:20px;font-weight:500\">Build Error</h1>\
<pre style=\"font-size:13px;white-space:pre-wrap;background:#f6f6f6;padding:1rem;border-radius:6px\">{escaped}</pre>\
<p style=\"font-size:13px;color:#666\">Fix the file and save: petrel rebuilds it and this page serves the route again.</p></body></html>"
            ),
            "text/html; charset=utf-8",
        )
    } else {
        (
            format!("Build Error\n\n{message}\n"),
            "text/plain; charset=utf-8",
        )
    };
    let mut response = Response::new(ServerBody::full(body));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    let headers = response.headers_mut();
    headers.insert("cache-control", HeaderValue::from_static("no-store"));
    headers.insert("x-powered-by", HeaderValue::from_static("Next.js"));
    headers.insert("content-type", HeaderValue::from_static(content_type));
    response
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Next's normalisation redirect: 308 with `Location`, `Refresh` and the target as a chunked body.
pub fn normalize_redirect(location: &str) -> Response<ServerBody> {
    let mut response = Response::new(ServerBody::chunked(location.to_string()));
    *response.status_mut() = StatusCode::PERMANENT_REDIRECT;
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert("location", value);
    }
    if let Ok(value) = HeaderValue::from_str(&format!("0;url={location}")) {
        response.headers_mut().insert("refresh", value);
    }
    response
}

/// Node's answer to a method token its parser does not know: `400 Bad Request`, empty, and
/// the connection closed. (Node sends no framing header at all; hyper always frames an
/// HTTP/1.1 body, so ours carries `content-length: 0`.)
pub fn unknown_method() -> Response<ServerBody> {
    let mut response = Response::new(ServerBody::Full(None));
    *response.status_mut() = StatusCode::BAD_REQUEST;
    response
        .headers_mut()
        .insert("connection", HeaderValue::from_static("close"));
    response
}

/// A short plain-text answer from the host itself (503, 504, 500 after a crash).
pub fn host_error(status: StatusCode, text: &str) -> Response<ServerBody> {
    let mut response = Response::new(ServerBody::full(text.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from_static("1"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_matches_next_for_known_payloads() {
        assert_eq!(next_etag("{\"ok\":true}"), "\"w6gfy8q1ypb\"");
        assert_eq!(next_etag("plain words"), "\"160xkpmvkarb\"");
        assert_eq!(next_etag(""), "\"78p3gz236i0\"");
    }
}
