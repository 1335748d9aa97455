//! The framed protocol on the Unix socket between the host and one Node worker.
//!
//! Every frame is `[u32 LE payload length][u32 LE stream id][u8 kind][payload]`. Stream 0
//! carries JSON control messages; every other stream id is one virtual HTTP/1.1 connection
//! whose bytes travel in `Data` frames. See `docs/worker-protocol.md`.

use std::path::PathBuf;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use serde::{Deserialize, Serialize};

/// Length of a frame header in bytes.
pub const HEADER_LEN: usize = 9;
/// Largest payload accepted from a worker; a bigger length means a corrupt stream.
pub const MAX_PAYLOAD: usize = 64 * 1024 * 1024;

/// What a frame carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum FrameKind {
    /// JSON control message on stream 0.
    Control = 0,
    /// JSON metadata for the next request on a virtual connection (host → worker).
    Meta = 1,
    /// Raw HTTP/1.1 bytes of a virtual connection.
    Data = 2,
    /// The sender closed the virtual connection.
    End = 3,
}

impl FrameKind {
    fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            0 => Self::Control,
            1 => Self::Meta,
            2 => Self::Data,
            3 => Self::End,
            _ => return None,
        })
    }
}

/// One decoded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// What the payload is.
    pub kind: FrameKind,
    /// Virtual connection id (0 = control).
    pub stream: u32,
    /// The payload bytes.
    pub payload: Bytes,
}

/// Appends one encoded frame to `buf`.
pub fn encode_frame(buf: &mut BytesMut, kind: FrameKind, stream: u32, payload: &[u8]) {
    buf.reserve(HEADER_LEN + payload.len());
    buf.put_u32_le(payload.len() as u32);
    buf.put_u32_le(stream);
    buf.put_u8(kind as u8);
    buf.put_slice(payload);
}

/// A malformed frame stream; the link is unusable after this.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// Unknown frame kind byte.
    #[error("unknown frame kind {0}")]
    UnknownKind(u8),
    /// Payload length above [`MAX_PAYLOAD`].
    #[error("frame payload of {0} bytes is too large")]
    TooLarge(usize),
}

/// Takes one complete frame off the front of `buf`, if there is one.
pub fn decode_frame(buf: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
    if buf.len() < HEADER_LEN {
        return Ok(None);
    }
    let len = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
    if len > MAX_PAYLOAD {
        return Err(FrameError::TooLarge(len));
    }
    if buf.len() < HEADER_LEN + len {
        buf.reserve(HEADER_LEN + len - buf.len());
        return Ok(None);
    }
    let stream = u32::from_le_bytes([buf[4], buf[5], buf[6], buf[7]]);
    let kind = FrameKind::from_u8(buf[8]).ok_or(FrameError::UnknownKind(buf[8]))?;
    buf.advance(HEADER_LEN);
    let payload = buf.split_to(len).freeze();
    Ok(Some(Frame {
        kind,
        stream,
        payload,
    }))
}

/// What a worker needs to know about one route.
#[derive(Debug, Clone, Serialize)]
pub struct WorkerRoute {
    /// Id the host puts in each request's metadata.
    pub id: u32,
    /// Route pattern, e.g. `/api/items/[id]` (used in messages).
    pub page: String,
    /// Absolute path of the built JavaScript module to import.
    pub module: PathBuf,
    /// Which adapter serves it (`pages` or `netlify`).
    pub kind: &'static str,
    /// Adapter-specific settings (for `pages`: bodyParser, sizeLimit, responseLimit, externalResolver).
    pub config: serde_json::Value,
}

/// Host → worker control messages.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "t", rename_all = "camelCase")]
pub enum ToWorker {
    /// Sent once after connecting, and again whenever the route table changes.
    Init {
        /// All routes this worker may be asked to serve.
        routes: Vec<WorkerRoute>,
        /// `petrel dev` (true) or `petrel start`.
        dev: bool,
        /// `basePath` from next.config, "" when none.
        #[serde(rename = "basePath")]
        base_path: String,
        /// Project root, used to shorten paths in stack traces.
        root: PathBuf,
        /// Where the front server listens (for `x-forwarded-host`).
        server: ServerAddress,
        /// Variables set in `process.env` before any route module is imported (the `.env*`
        /// files and next.config `env`; later pairs win). Next too loads them into
        /// `process.env` at run time, so workers can be started before the project is read.
        env: Vec<(String, String)>,
    },
    /// Liveness probe; the worker answers `Pong` with the same id if its event loop runs.
    Ping {
        /// Echoed back.
        id: u64,
    },
}

/// Address of the front server.
#[derive(Debug, Clone, Serialize)]
pub struct ServerAddress {
    /// Host as clients reach it.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

/// Worker → host control messages.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "t", rename_all = "camelCase")]
pub enum FromWorker {
    /// `Init` was applied; the worker serves requests.
    Ready {
        /// The worker's process id.
        #[serde(default)]
        pid: u32,
    },
    /// Answer to `Ping`.
    Pong {
        /// The ping's id.
        id: u64,
    },
    /// A line a background job's handler printed (console.*), for the job's log.
    #[serde(rename = "joblog")]
    JobLog {
        /// The job id (from the request's `x-petrel-job-id`).
        job: String,
        /// The attempt (from `x-petrel-attempt`).
        attempt: u32,
        /// The printed line.
        line: String,
    },
    /// A log line from the adapter (handler errors, Next's warnings).
    Log {
        /// `error`, `warn` or `info`.
        level: String,
        /// The route pattern the line is about, if any.
        page: Option<String>,
        /// The text, possibly with a stack trace.
        msg: String,
    },
}

/// Per-request metadata sent in a `Meta` frame right before the request bytes.
#[derive(Debug, Clone, Serialize)]
pub struct RequestMeta {
    /// Route id from [`WorkerRoute::id`].
    #[serde(rename = "r")]
    pub route: u32,
    /// Route params in path order (already percent-decoded): string or array of strings.
    #[serde(rename = "p")]
    pub params: serde_json::Map<String, serde_json::Value>,
    /// Client IP address.
    #[serde(rename = "a")]
    pub remote_addr: String,
    /// Client port.
    #[serde(rename = "rp")]
    pub remote_port: u16,
    /// The Netlify `config.path` pattern that matched (Netlify Functions only).
    #[serde(rename = "rt", skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_wait_for_missing_bytes() {
        let mut buf = BytesMut::new();
        encode_frame(&mut buf, FrameKind::Data, 7, b"hello");
        encode_frame(&mut buf, FrameKind::End, 7, b"");
        let mut partial = BytesMut::from(&buf[..HEADER_LEN + 2]);
        assert_eq!(decode_frame(&mut partial).unwrap(), None);
        let first = decode_frame(&mut buf).unwrap().unwrap();
        assert_eq!(
            (first.kind, first.stream, &first.payload[..]),
            (FrameKind::Data, 7, &b"hello"[..])
        );
        let second = decode_frame(&mut buf).unwrap().unwrap();
        assert_eq!((second.kind, second.payload.len()), (FrameKind::End, 0));
        assert!(buf.is_empty());
    }

    #[test]
    fn rejects_unknown_kinds() {
        let mut buf = BytesMut::from(&[0u8, 0, 0, 0, 1, 0, 0, 0, 9][..]);
        assert!(matches!(
            decode_frame(&mut buf),
            Err(FrameError::UnknownKind(9))
        ));
    }
}
