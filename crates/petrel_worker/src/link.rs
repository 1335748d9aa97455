//! One Unix-socket link to a worker process, multiplexing virtual HTTP/1.1 connections.
//!
//! A writer task drains a queue of frames and writes everything queued in one syscall; a
//! reader task splits incoming frames by stream id. A [`VirtualConn`] is an in-memory
//! `AsyncRead + AsyncWrite` over one stream id, so hyper's ordinary HTTP/1.1 client runs on
//! top of it unchanged (keep-alive, chunked bodies, HEAD handling).

use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::UnixStream;
use tokio::sync::{mpsc, oneshot};

use crate::protocol::{FrameKind, FromWorker, ToWorker, decode_frame, encode_frame};

type Outgoing = (FrameKind, u32, Bytes);

/// Shared state of one link.
pub(crate) struct Link {
    out: mpsc::UnboundedSender<Outgoing>,
    streams: Mutex<HashMap<u32, mpsc::UnboundedSender<Bytes>>>,
    pongs: Mutex<HashMap<u64, oneshot::Sender<()>>>,
    next_stream: AtomicU32,
    next_ping: AtomicU64,
    closed: AtomicBool,
}

/// Where control messages from the worker go.
pub(crate) type ControlSink = mpsc::UnboundedSender<FromWorker>;

impl Link {
    /// Starts the reader and writer tasks on `stream`.
    pub(crate) fn start(stream: UnixStream, control: ControlSink) -> Arc<Link> {
        let (out_tx, out_rx) = mpsc::unbounded_channel();
        let link = Arc::new(Link {
            out: out_tx,
            streams: Mutex::new(HashMap::new()),
            pongs: Mutex::new(HashMap::new()),
            next_stream: AtomicU32::new(1),
            next_ping: AtomicU64::new(1),
            closed: AtomicBool::new(false),
        });
        let (read_half, write_half) = stream.into_split();
        tokio::spawn(write_loop(write_half, out_rx, link.clone()));
        tokio::spawn(read_loop(read_half, link.clone(), control));
        link
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    fn send(&self, kind: FrameKind, stream: u32, payload: Bytes) -> io::Result<()> {
        if self.is_closed() {
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "worker link closed",
            ));
        }
        self.out
            .send((kind, stream, payload))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "worker link closed"))
    }

    /// Sends a control message on stream 0.
    pub(crate) fn send_control(&self, message: &ToWorker) -> io::Result<()> {
        let json = serde_json::to_vec(message).map_err(io::Error::other)?;
        self.send(FrameKind::Control, 0, Bytes::from(json))
    }

    /// Opens a new virtual connection.
    pub(crate) fn open(self: &Arc<Self>) -> io::Result<VirtualConn> {
        let id = self.next_stream.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::unbounded_channel();
        self.streams.lock().expect("streams lock").insert(id, tx);
        if self.is_closed() {
            self.streams.lock().expect("streams lock").remove(&id);
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "worker link closed",
            ));
        }
        Ok(VirtualConn {
            id,
            link: self.clone(),
            rx,
            pending: Bytes::new(),
            ended: false,
        })
    }

    /// Sends request metadata ahead of the next request on `stream`.
    pub(crate) fn send_meta(&self, stream: u32, json: Vec<u8>) -> io::Result<()> {
        self.send(FrameKind::Meta, stream, Bytes::from(json))
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
        // Dropping the senders gives every virtual connection EOF, so hyper fails the
        // in-flight requests of this worker (and only those).
        self.streams.lock().expect("streams lock").clear();
        self.pongs.lock().expect("pongs lock").clear();
    }
}

async fn write_loop(
    mut sock: tokio::net::unix::OwnedWriteHalf,
    mut rx: mpsc::UnboundedReceiver<Outgoing>,
    link: Arc<Link>,
) {
    let mut buf = BytesMut::with_capacity(64 * 1024);
    while let Some((kind, stream, payload)) = rx.recv().await {
        encode_frame(&mut buf, kind, stream, &payload);
        // Batch whatever else is already queued into the same write.
        while buf.len() < 256 * 1024 {
            match rx.try_recv() {
                Ok((kind, stream, payload)) => encode_frame(&mut buf, kind, stream, &payload),
                Err(_) => break,
            }
        }
        if sock.write_all(&buf).await.is_err() {
            break;
        }
        buf.clear();
    }
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
                FrameKind::Data => {
                    let tx = link
                        .streams
                        .lock()
                        .expect("streams lock")
                        .get(&frame.stream)
                        .cloned();
                    if let Some(tx) = tx {
                        let _ = tx.send(frame.payload);
                    }
                }
                FrameKind::End => {
                    link.streams
                        .lock()
                        .expect("streams lock")
                        .remove(&frame.stream);
                }
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
    }
    link.mark_closed();
}

/// One virtual HTTP/1.1 connection to a worker.
pub(crate) struct VirtualConn {
    id: u32,
    link: Arc<Link>,
    rx: mpsc::UnboundedReceiver<Bytes>,
    pending: Bytes,
    ended: bool,
}

impl VirtualConn {
    pub(crate) fn id(&self) -> u32 {
        self.id
    }

    fn end(&mut self) {
        if !self.ended {
            self.ended = true;
            self.link
                .streams
                .lock()
                .expect("streams lock")
                .remove(&self.id);
            let _ = self.link.send(FrameKind::End, self.id, Bytes::new());
        }
    }
}

impl Drop for VirtualConn {
    fn drop(&mut self) {
        self.end();
    }
}

impl AsyncRead for VirtualConn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.pending.is_empty() {
            match self.rx.poll_recv(cx) {
                Poll::Ready(Some(bytes)) => self.pending = bytes,
                // EOF: the worker closed the stream or died.
                Poll::Ready(None) => return Poll::Ready(Ok(())),
                Poll::Pending => return Poll::Pending,
            }
        }
        let n = self.pending.len().min(buf.remaining());
        let chunk = self.pending.split_to(n);
        buf.put_slice(&chunk);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for VirtualConn {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = self
            .link
            .send(FrameKind::Data, self.id, Bytes::copy_from_slice(buf));
        Poll::Ready(result.map(|()| buf.len()))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        let mut joined = BytesMut::with_capacity(total);
        for b in bufs {
            joined.extend_from_slice(b);
        }
        let result = self.link.send(FrameKind::Data, self.id, joined.freeze());
        Poll::Ready(result.map(|()| total))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.end();
        Poll::Ready(Ok(()))
    }
}
