//! One Unix-socket link to a worker process, multiplexing virtual HTTP/1.1 connections.
//!
//! A writer task drains a queue of frames and writes everything queued in one syscall. A
//! reader task splits incoming frames by stream id and parses each stream's HTTP/1.1
//! response in place (`codec`), handing the response head to the waiting request and the
//! body bytes to the response body. A request therefore costs two task wake-ups on the host:
//! writer, then reader → requester.

use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use tokio::sync::{mpsc, oneshot};

use crate::codec::{self, BodyDecoder, ResponseHead};
use crate::protocol::{FrameKind, FromWorker, ToWorker, decode_frame, encode_frame};

/// A frame to write; `None` asks the writer to shut the socket down.
type Outgoing = Option<(FrameKind, u32, Bytes)>;

/// Where control messages from the worker go.
pub(crate) type ControlSink = mpsc::UnboundedSender<FromWorker>;

/// Body bytes of a response, as they are decoded.
pub(crate) type BodyChunks = mpsc::UnboundedReceiver<io::Result<Bytes>>;

/// A response body as the reader hands it over.
pub(crate) enum ReadBody {
    /// The whole body arrived together with the head (or there is none). `sized` is false
    /// when the worker sent it chunked: it goes on to the client chunked too.
    Complete { bytes: Option<Bytes>, sized: bool },
    /// More is coming on this channel.
    Streaming(BodyChunks),
}

type HeadResult = io::Result<(ResponseHead, ReadBody)>;
type HeadReply = oneshot::Sender<HeadResult>;

/// A started exchange: its stream id, where its response head arrives, and its abort guard.
pub(crate) type Exchange = (u32, oneshot::Receiver<HeadResult>, StreamGuard);

/// Per-stream state kept by the reader task. `token` identifies the exchange: a stream id is
/// reused by later exchanges, and an abort must only ever hit its own.
enum StreamState {
    AwaitHead {
        token: u64,
        buf: BytesMut,
        head_request: bool,
        reusable: bool,
        reply: HeadReply,
    },
    Body {
        token: u64,
        buf: BytesMut,
        decoder: BodyDecoder,
        reusable: bool,
        tx: mpsc::UnboundedSender<io::Result<Bytes>>,
    },
}

impl StreamState {
    fn token(&self) -> u64 {
        match self {
            StreamState::AwaitHead { token, .. } | StreamState::Body { token, .. } => *token,
        }
    }
}

/// Shared state of one link.
pub(crate) struct Link {
    out: mpsc::UnboundedSender<Outgoing>,
    streams: Mutex<HashMap<u32, StreamState>>,
    idle: Mutex<Vec<u32>>,
    pongs: Mutex<HashMap<u64, oneshot::Sender<()>>>,
    next_stream: AtomicU32,
    next_ping: AtomicU64,
    next_token: AtomicU64,
    closed: AtomicBool,
}

fn closed_error() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "the worker's link closed")
}

impl Link {
    /// Starts the reader and writer tasks on `stream`.
    pub(crate) fn start(stream: UnixStream, control: ControlSink) -> Arc<Link> {
        let (out_tx, out_rx) = mpsc::unbounded_channel();
        let link = Arc::new(Link {
            out: out_tx,
            streams: Mutex::new(HashMap::new()),
            idle: Mutex::new(Vec::new()),
            pongs: Mutex::new(HashMap::new()),
            next_stream: AtomicU32::new(1),
            next_ping: AtomicU64::new(1),
            next_token: AtomicU64::new(1),
            closed: AtomicBool::new(false),
        });
        let (read_half, write_half) = stream.into_split();
        tokio::spawn(write_loop(write_half, out_rx, link.clone()));
        tokio::spawn(read_loop(read_half, link.clone(), control));
        link
    }

    /// Shuts the socket down; the worker exits when it sees the end of the link.
    pub(crate) fn close(&self) {
        let _ = self.out.send(None);
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    pub(crate) fn send(&self, kind: FrameKind, stream: u32, payload: Bytes) -> io::Result<()> {
        if self.is_closed() {
            return Err(closed_error());
        }
        self.out
            .send(Some((kind, stream, payload)))
            .map_err(|_| closed_error())
    }

    /// Sends a control message on stream 0.
    pub(crate) fn send_control(&self, message: &ToWorker) -> io::Result<()> {
        let json = serde_json::to_vec(message).map_err(io::Error::other)?;
        self.send(FrameKind::Control, 0, Bytes::from(json))
    }

    /// Starts an exchange on an idle virtual connection (or a new one) and returns its id,
    /// the receiver of the response head, and a guard that aborts the exchange if dropped
    /// before the response is complete. `reusable` is false when the request has a body:
    /// such a connection is closed after the response, so a body still being sent can never
    /// mix with the next request.
    pub(crate) fn begin(
        self: &Arc<Self>,
        head_request: bool,
        reusable: bool,
    ) -> io::Result<Exchange> {
        let stream = self
            .idle
            .lock()
            .expect("idle lock")
            .pop()
            .unwrap_or_else(|| self.next_stream.fetch_add(1, Ordering::Relaxed));
        let (reply, rx) = oneshot::channel();
        let token = self.next_token.fetch_add(1, Ordering::Relaxed);
        {
            let mut streams = self.streams.lock().expect("streams lock");
            if self.is_closed() {
                return Err(closed_error());
            }
            streams.insert(
                stream,
                StreamState::AwaitHead {
                    token,
                    buf: BytesMut::new(),
                    head_request,
                    reusable,
                    reply,
                },
            );
        }
        let guard = StreamGuard {
            link: self.clone(),
            stream,
            token,
        };
        Ok((stream, rx, guard))
    }

    /// True when the worker answers a ping within `deadline`.
    pub(crate) async fn ping(&self, deadline: Duration) -> bool {
        let id = self.next_ping.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.pongs.lock().expect("pongs lock").insert(id, tx);
        if self.send_control(&ToWorker::Ping { id }).is_err() {
            return false;
        }
        let answered = matches!(tokio::time::timeout(deadline, rx).await, Ok(Ok(())));
        self.pongs.lock().expect("pongs lock").remove(&id);
        answered
    }

    fn mark_closed(&self) {
        self.closed.store(true, Ordering::Release);
        // Fail the exchanges in flight on this worker (and only those).
        let states: Vec<StreamState> = self
            .streams
            .lock()
            .expect("streams lock")
            .drain()
            .map(|(_, s)| s)
            .collect();
        for state in states {
            match state {
                StreamState::AwaitHead { reply, .. } => {
                    let _ = reply.send(Err(closed_error()));
                }
                StreamState::Body { tx, .. } => {
                    let _ = tx.send(Err(closed_error()));
                }
            }
        }
        self.pongs.lock().expect("pongs lock").clear();
    }

    /// Feeds response bytes of `stream` to its parser.
    fn on_data(&self, stream: u32, payload: Bytes) {
        let mut streams = self.streams.lock().expect("streams lock");
        let Some(state) = streams.remove(&stream) else {
            return;
        };
        match self.advance(stream, state, Some(payload)) {
            Ok(Some(state)) => {
                streams.insert(stream, state);
            }
            Ok(None) => {}
            Err(()) => {
                // Protocol error or the receiver is gone: close this virtual connection.
                let _ = self.send(FrameKind::End, stream, Bytes::new());
            }
        }
    }

    /// The worker closed `stream`.
    fn on_end(&self, stream: u32) {
        let state = self.streams.lock().expect("streams lock").remove(&stream);
        match state {
            Some(StreamState::AwaitHead { reply, .. }) => {
                let _ = reply.send(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the worker closed the connection before answering",
                )));
            }
            Some(StreamState::Body { decoder, tx, .. }) if !decoder.finish_on_close() => {
                let _ = tx.send(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the worker closed the connection in the middle of the body",
                )));
            }
            _ => {}
        }
    }

    /// Runs the parser of one stream as far as the buffered bytes allow. Returns the state to
    /// keep, `None` when the exchange is complete, `Err` when the stream must be closed.
    fn advance(
        &self,
        stream: u32,
        state: StreamState,
        payload: Option<Bytes>,
    ) -> Result<Option<StreamState>, ()> {
        match state {
            StreamState::AwaitHead {
                token,
                mut buf,
                head_request,
                reusable,
                reply,
            } => {
                if let Some(p) = payload {
                    buf.extend_from_slice(&p);
                }
                let head = match codec::parse_response_head(&mut buf, head_request) {
                    Ok(Some(head)) => head,
                    Ok(None) => {
                        return Ok(Some(StreamState::AwaitHead {
                            token,
                            buf,
                            head_request,
                            reusable,
                            reply,
                        }));
                    }
                    Err(err) => {
                        let _ = reply.send(Err(io::Error::other(err)));
                        return Err(());
                    }
                };
                let reusable = reusable && !head.close;
                let sized = !matches!(
                    head.body,
                    codec::BodyFraming::Chunked | codec::BodyFraming::UntilClose
                );
                let Some(mut decoder) = BodyDecoder::new(head.body) else {
                    let _ = reply.send(Ok((head, ReadBody::Complete { bytes: None, sized })));
                    self.finish(stream, reusable);
                    return Ok(None);
                };
                let decoded = match decoder.decode(&mut buf) {
                    Ok(d) => d,
                    Err(err) => {
                        let _ = reply.send(Err(io::Error::other(err)));
                        return Err(());
                    }
                };
                if decoded.done {
                    let body = match decoded.data.len() {
                        0 => None,
                        1 => decoded.data.into_iter().next(),
                        _ => Some(Bytes::from(decoded.data.concat())),
                    };
                    let _ = reply.send(Ok((head, ReadBody::Complete { bytes: body, sized })));
                    self.finish(stream, reusable);
                    return Ok(None);
                }
                let (tx, rx) = mpsc::unbounded_channel();
                for chunk in decoded.data {
                    let _ = tx.send(Ok(chunk));
                }
                if reply.send(Ok((head, ReadBody::Streaming(rx)))).is_err() {
                    return Err(());
                }
                Ok(Some(StreamState::Body {
                    token,
                    buf,
                    decoder,
                    reusable,
                    tx,
                }))
            }
            StreamState::Body {
                token,
                mut buf,
                mut decoder,
                reusable,
                tx,
            } => {
                if let Some(p) = payload {
                    if buf.is_empty()
                        && matches!(
                            decoder,
                            BodyDecoder::Length { .. } | BodyDecoder::UntilClose
                        )
                    {
                        // Common case: pass the frame through without copying.
                        buf = BytesMut::from(p);
                    } else {
                        buf.extend_from_slice(&p);
                    }
                }
                let decoded = match decoder.decode(&mut buf) {
                    Ok(d) => d,
                    Err(err) => {
                        let _ = tx.send(Err(io::Error::other(err)));
                        return Err(());
                    }
                };
                for chunk in decoded.data {
                    if tx.send(Ok(chunk)).is_err() {
                        // The client went away: stop the worker's side too.
                        return Err(());
                    }
                }
                if decoded.done {
                    self.finish(stream, reusable);
                    return Ok(None);
                }
                Ok(Some(StreamState::Body {
                    token,
                    buf,
                    decoder,
                    reusable,
                    tx,
                }))
            }
        }
    }

    /// The exchange on `stream` is complete: keep the connection for the next request, or
    /// close it.
    fn finish(&self, stream: u32, reusable: bool) {
        if reusable {
            let mut idle = self.idle.lock().expect("idle lock");
            if idle.len() < 1024 {
                idle.push(stream);
                return;
            }
        }
        let _ = self.send(FrameKind::End, stream, Bytes::new());
    }
}

/// Aborts an unfinished exchange when dropped: the client went away, or the time limit
/// passed. The worker then sees its connection close (`req` emits `close`).
pub(crate) struct StreamGuard {
    link: Arc<Link>,
    stream: u32,
    token: u64,
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        // Under the streams lock, and only for this exchange: once the reader completed it,
        // the id may already carry another exchange, which must not be touched.
        let mut streams = self.link.streams.lock().expect("streams lock");
        if streams
            .get(&self.stream)
            .is_some_and(|state| state.token() == self.token)
        {
            streams.remove(&self.stream);
            let _ = self.link.send(FrameKind::End, self.stream, Bytes::new());
        }
    }
}

async fn write_loop(
    mut sock: tokio::net::unix::OwnedWriteHalf,
    mut rx: mpsc::UnboundedReceiver<Outgoing>,
    link: Arc<Link>,
) {
    let mut buf = BytesMut::with_capacity(64 * 1024);
    'outer: while let Some(Some((kind, stream, payload))) = rx.recv().await {
        encode_frame(&mut buf, kind, stream, &payload);
        // Batch whatever else is already queued into the same write.
        let mut closing = false;
        while buf.len() < 256 * 1024 {
            match rx.try_recv() {
                Ok(Some((kind, stream, payload))) => encode_frame(&mut buf, kind, stream, &payload),
                Ok(None) => {
                    closing = true;
                    break;
                }
                Err(_) => break,
            }
        }
        if sock.write_all(&buf).await.is_err() {
            break 'outer;
        }
        buf.clear();
        if closing {
            break;
        }
    }
    let _ = sock.shutdown().await;
    link.mark_closed();
}

async fn read_loop(
    mut sock: tokio::net::unix::OwnedReadHalf,
    link: Arc<Link>,
    control: ControlSink,
) {
    let mut buf = BytesMut::with_capacity(64 * 1024);
    'outer: loop {
        match sock.read_buf(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        loop {
            let frame = match decode_frame(&mut buf) {
                Ok(Some(frame)) => frame,
                Ok(None) => break,
                Err(err) => {
                    tracing::error!("worker sent a malformed frame: {err}");
                    break 'outer;
                }
            };
            match frame.kind {
                FrameKind::Data => link.on_data(frame.stream, frame.payload),
                FrameKind::End => link.on_end(frame.stream),
                FrameKind::Control => match serde_json::from_slice::<FromWorker>(&frame.payload) {
                    Ok(FromWorker::Pong { id }) => {
                        if let Some(tx) = link.pongs.lock().expect("pongs lock").remove(&id) {
                            let _ = tx.send(());
                        }
                    }
                    Ok(message) => {
                        let _ = control.send(message);
                    }
                    Err(err) => tracing::warn!("worker sent an unreadable control message: {err}"),
                },
                FrameKind::Meta => {}
            }
        }
        if buf.capacity() < 16 * 1024 {
            buf.reserve(64 * 1024);
        }
    }
    link.mark_closed();
}
