//! The response body type of the front server: a worker's streamed body, or bytes Petrel
//! produced itself (error pages, redirects).

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use petrel_worker::WorkerResponseBody;

/// A response body.
pub enum ServerBody {
    /// Streamed from a worker.
    Worker(WorkerResponseBody),
    /// Bytes with a known length (`Content-Length`).
    Full(Option<Bytes>),
    /// A body gzipped on the way out.
    Gzip(Box<crate::compress::GzipBody>),
    /// Bytes sent without a length (`Transfer-Encoding: chunked`), as Next does for its
    /// redirects and plain-text errors.
    Chunked(Option<Bytes>),
}

impl ServerBody {
    /// A body with `Content-Length`.
    pub fn full(bytes: impl Into<Bytes>) -> Self {
        ServerBody::Full(Some(bytes.into()))
    }

    /// A chunked body.
    pub fn chunked(bytes: impl Into<Bytes>) -> Self {
        ServerBody::Chunked(Some(bytes.into()))
    }
}

impl Body for ServerBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        match self.get_mut() {
            ServerBody::Worker(body) => Pin::new(body).poll_frame(cx),
            ServerBody::Gzip(body) => Pin::new(body.as_mut()).poll_frame(cx),
            ServerBody::Full(bytes) | ServerBody::Chunked(bytes) => Poll::Ready(
                bytes
                    .take()
                    .filter(|b| !b.is_empty())
                    .map(|b| Ok(Frame::data(b))),
            ),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ServerBody::Worker(body) => body.is_end_stream(),
            ServerBody::Gzip(body) => body.is_end_stream(),
            ServerBody::Full(bytes) => bytes.as_ref().is_none_or(|b| b.is_empty()),
            // Reporting "not ended" keeps hyper from computing a length: it sends chunked.
            ServerBody::Chunked(bytes) => bytes.is_none(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ServerBody::Worker(body) => body.size_hint(),
            ServerBody::Gzip(body) => body.size_hint(),
            ServerBody::Full(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            ServerBody::Chunked(_) => SizeHint::default(),
        }
    }
}
