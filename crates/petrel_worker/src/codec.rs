//! HTTP/1.1 on a virtual connection, host side: the request head is written straight into
//! frames, and response bytes are parsed inside the link's reader task. Keeping the codec out
//! of a per-connection task saves two task wake-ups per request compared with running hyper's
//! client on each virtual connection (see docs/worker-protocol.md).

use bytes::{Buf, Bytes, BytesMut};
use hyper::header::{HeaderName, HeaderValue};
use hyper::{HeaderMap, Method, StatusCode, Version};

/// Request headers that describe the client's connection, not the request; the virtual
/// connection has its own.
fn is_hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection" | "keep-alive" | "proxy-connection" | "te" | "upgrade" | "transfer-encoding"
    )
}

/// How the request body travels to the worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestFraming {
    /// No body bytes follow (a `content-length` the client sent is kept).
    Empty,
    /// Exactly this many bytes follow, raw.
    Length,
    /// Chunked: the length is unknown.
    Chunked,
}

/// Writes the request head. A client `content-length` is kept when the body has a known
/// length; otherwise the body is sent chunked.
pub(crate) fn encode_request_head(
    method: &Method,
    target: &str,
    headers: &HeaderMap,
    body_empty: bool,
    out: &mut BytesMut,
) -> RequestFraming {
    out.reserve(256);
    out.extend_from_slice(method.as_str().as_bytes());
    out.extend_from_slice(b" ");
    out.extend_from_slice(target.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    let has_length = headers.contains_key(hyper::header::CONTENT_LENGTH);
    for (name, value) in headers {
        if is_hop_by_hop(name) {
            continue;
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    let framing = if body_empty {
        RequestFraming::Empty
    } else if has_length {
        RequestFraming::Length
    } else {
        out.extend_from_slice(b"transfer-encoding: chunked\r\n");
        RequestFraming::Chunked
    };
    out.extend_from_slice(b"\r\n");
    framing
}

/// Wraps one piece of a chunked body.
pub(crate) fn encode_chunk(data: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(data.len() + 12);
    out.extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
    out.freeze()
}

/// The last chunk of a chunked body.
pub(crate) const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// A parsed response head.
#[derive(Debug)]
pub(crate) struct ResponseHead {
    pub status: StatusCode,
    pub reason: Option<hyper::ext::ReasonPhrase>,
    pub headers: HeaderMap,
    pub body: BodyFraming,
    /// The worker will close the connection after this response.
    pub close: bool,
}

/// How the response body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyFraming {
    /// No body (HEAD, 204, 304).
    None,
    /// `content-length`.
    Length(u64),
    /// `transfer-encoding: chunked`.
    Chunked,
    /// Until the worker closes the connection.
    UntilClose,
}

/// The response could not be parsed: the worker broke the protocol.
#[derive(Debug, thiserror::Error)]
#[error("malformed response from the worker: {0}")]
pub(crate) struct ParseError(pub String);

/// Parses a response head from the front of `buf`. `Ok(None)` means more bytes are needed.
/// Interim `1xx` responses (e.g. `100 Continue`) are consumed and skipped.
pub(crate) fn parse_response_head(
    buf: &mut BytesMut,
    head_request: bool,
) -> Result<Option<ResponseHead>, ParseError> {
    loop {
        let mut slots = [httparse::EMPTY_HEADER; 128];
        let mut response = httparse::Response::new(&mut slots);
        let consumed = match response.parse(buf) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(err) => return Err(ParseError(err.to_string())),
        };
        let code = response.code.unwrap_or(500);
        let status = StatusCode::from_u16(code).map_err(|e| ParseError(e.to_string()))?;
        if (100..200).contains(&code) && code != 101 {
            buf.advance(consumed);
            continue;
        }
        let reason = response.reason.and_then(|r| {
            (Some(r) != status.canonical_reason())
                .then(|| hyper::ext::ReasonPhrase::try_from(r.as_bytes()).ok())
                .flatten()
        });
        let mut headers = HeaderMap::with_capacity(response.headers.len());
        let mut length: Option<u64> = None;
        let mut chunked = false;
        let mut close = response.version == Some(0);
        for h in response.headers.iter() {
            let name =
                HeaderName::from_bytes(h.name.as_bytes()).map_err(|e| ParseError(e.to_string()))?;
            let value = HeaderValue::from_bytes(h.value).map_err(|e| ParseError(e.to_string()))?;
            match name.as_str() {
                "content-length" => {
                    length = std::str::from_utf8(h.value)
                        .ok()
                        .and_then(|v| v.trim().parse().ok());
                }
                "transfer-encoding" => {
                    chunked = std::str::from_utf8(h.value)
                        .map(|v| v.to_ascii_lowercase().contains("chunked"))
                        .unwrap_or(false);
                }
                "connection" => {
                    close |= std::str::from_utf8(h.value)
                        .map(|v| v.to_ascii_lowercase().contains("close"))
                        .unwrap_or(false);
                }
                _ => {}
            }
            headers.append(name, value);
        }
        buf.advance(consumed);
        let body = if head_request || code == 204 || code == 304 {
            BodyFraming::None
        } else if chunked {
            BodyFraming::Chunked
        } else if let Some(n) = length {
            BodyFraming::Length(n)
        } else {
            close = true;
            BodyFraming::UntilClose
        };
        return Ok(Some(ResponseHead {
            status,
            reason,
            headers,
            body,
            close,
        }));
    }
}

/// Incremental decoder of a response body.
#[derive(Debug)]
pub(crate) enum BodyDecoder {
    /// `remaining` raw bytes still to come.
    Length { remaining: u64 },
    /// Chunked, in one of its states.
    Chunked(ChunkState),
    /// Everything until the connection ends.
    UntilClose,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum ChunkState {
    /// Expecting a chunk-size line.
    Size,
    /// Inside a chunk's data.
    Data(u64),
    /// Expecting the CRLF after a chunk's data.
    DataEnd,
    /// After the last chunk: trailer lines until an empty line.
    Trailer,
}

/// What a decoding step produced.
#[derive(Debug, Default)]
pub(crate) struct Decoded {
    /// Body bytes ready for the client.
    pub data: Vec<Bytes>,
    /// The body is complete.
    pub done: bool,
}

impl BodyDecoder {
    pub(crate) fn new(framing: BodyFraming) -> Option<Self> {
        match framing {
            BodyFraming::None | BodyFraming::Length(0) => None,
            BodyFraming::Length(n) => Some(BodyDecoder::Length { remaining: n }),
            BodyFraming::Chunked => Some(BodyDecoder::Chunked(ChunkState::Size)),
            BodyFraming::UntilClose => Some(BodyDecoder::UntilClose),
        }
    }

    /// Consumes what it can from `buf`.
    pub(crate) fn decode(&mut self, buf: &mut BytesMut) -> Result<Decoded, ParseError> {
        let mut out = Decoded::default();
        match self {
            BodyDecoder::Length { remaining } => {
                let n = (*remaining).min(buf.len() as u64) as usize;
                if n > 0 {
                    out.data.push(buf.split_to(n).freeze());
                    *remaining -= n as u64;
                }
                out.done = *remaining == 0;
            }
            BodyDecoder::UntilClose => {
                if !buf.is_empty() {
                    out.data.push(buf.split().freeze());
                }
            }
            BodyDecoder::Chunked(state) => loop {
                match *state {
                    ChunkState::Size => {
                        let Some(line_end) = find_crlf(buf) else {
                            break;
                        };
                        let line = std::str::from_utf8(&buf[..line_end])
                            .map_err(|_| ParseError("bad chunk size".into()))?;
                        let size_text = line.split(';').next().unwrap_or("").trim();
                        let size = u64::from_str_radix(size_text, 16)
                            .map_err(|_| ParseError(format!("bad chunk size {size_text:?}")))?;
                        buf.advance(line_end + 2);
                        *state = if size == 0 {
                            ChunkState::Trailer
                        } else {
                            ChunkState::Data(size)
                        };
                    }
                    ChunkState::Data(left) => {
                        if buf.is_empty() {
                            break;
                        }
                        let n = left.min(buf.len() as u64) as usize;
                        out.data.push(buf.split_to(n).freeze());
                        *state = if left == n as u64 {
                            ChunkState::DataEnd
                        } else {
                            ChunkState::Data(left - n as u64)
                        };
                    }
                    ChunkState::DataEnd => {
                        if buf.len() < 2 {
                            break;
                        }
                        if &buf[..2] != b"\r\n" {
                            return Err(ParseError("missing CRLF after chunk".into()));
                        }
                        buf.advance(2);
                        *state = ChunkState::Size;
                    }
                    ChunkState::Trailer => {
                        let Some(line_end) = find_crlf(buf) else {
                            break;
                        };
                        buf.advance(line_end + 2);
                        if line_end == 0 {
                            out.done = true;
                            break;
                        }
                    }
                }
            },
        }
        Ok(out)
    }

    /// The connection ended: fine for a close-delimited body, an error otherwise.
    pub(crate) fn finish_on_close(&self) -> bool {
        matches!(self, BodyDecoder::UntilClose)
    }
}

fn find_crlf(buf: &[u8]) -> Option<usize> {
    buf.windows(2).position(|w| w == b"\r\n")
}

/// The HTTP version workers speak.
pub(crate) const VERSION: Version = Version::HTTP_11;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_head_keeps_headers_and_picks_framing() {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("x"));
        headers.insert("connection", HeaderValue::from_static("keep-alive"));
        headers.insert("content-length", HeaderValue::from_static("3"));
        let mut out = BytesMut::new();
        let framing = encode_request_head(&Method::POST, "/a?b", &headers, false, &mut out);
        assert_eq!(framing, RequestFraming::Length);
        assert_eq!(
            &out[..],
            b"POST /a?b HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\n\r\n"
        );
        headers.remove("content-length");
        let mut out = BytesMut::new();
        assert_eq!(
            encode_request_head(&Method::POST, "/", &headers, false, &mut out),
            RequestFraming::Chunked
        );
        assert!(out.ends_with(b"transfer-encoding: chunked\r\n\r\n"));
    }

    #[test]
    fn parses_heads_and_chunked_bodies_split_anywhere() {
        let wire = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 400 Invalid JSON\r\nTransfer-Encoding: chunked\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n";
        for split in 1..wire.len() {
            let mut buf = BytesMut::from(&wire[..split]);
            let mut rest = &wire[split..];
            let head = loop {
                if let Some(head) = parse_response_head(&mut buf, false).unwrap() {
                    break head;
                }
                buf.extend_from_slice(&rest[..1]);
                rest = &rest[1..];
            };
            assert_eq!(head.status, 400);
            assert_eq!(head.reason.unwrap().as_bytes(), b"Invalid JSON");
            assert_eq!(head.headers.get_all("set-cookie").iter().count(), 2);
            let mut decoder = BodyDecoder::new(head.body).unwrap();
            let mut body = Vec::new();
            let mut done = false;
            buf.extend_from_slice(rest);
            for _ in 0..8 {
                let step = decoder.decode(&mut buf).unwrap();
                body.extend(step.data.iter().flat_map(|b| b.to_vec()));
                if step.done {
                    done = true;
                    break;
                }
            }
            assert!(done, "split at {split}");
            assert_eq!(body, b"hello world");
        }
    }

    #[test]
    fn head_requests_and_204_have_no_body() {
        let mut buf = BytesMut::from(&b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n"[..]);
        let head = parse_response_head(&mut buf, true).unwrap().unwrap();
        assert_eq!(head.body, BodyFraming::None);
        assert!(head.reason.is_none());
        let mut buf = BytesMut::from(&b"HTTP/1.1 204 No Content\r\n\r\n"[..]);
        assert_eq!(
            parse_response_head(&mut buf, false).unwrap().unwrap().body,
            BodyFraming::None
        );
    }
}
