//! Connection guards below HTTP: a cap on open connections, and a deadline for a
//! request's headers. hyper as poem runs it has neither, so clients that connect and
//! stay silent, or trickle a header a byte at a time, could hold connections forever
//! (found when tried: five such connections were all still open after 60 s).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use poem::http::uri::Scheme;
use poem::listener::Acceptor;
use poem::web::{LocalAddr, RemoteAddr};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};

/// How an HTTP/2 connection (prior knowledge) starts: its frames are binary, so the
/// head deadline, which looks for the blank line ending an HTTP/1 head, stays off.
const HTTP2_PREFACE: &[u8] = b"PRI * HTTP/2.0";

/// Limits for connections.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Most connections open at once; further ones wait to be accepted.
    pub max_connections: usize,
    /// How long a request's head may take to arrive: from connecting for the first
    /// request, from its first byte for the next ones on a kept-alive connection.
    pub header_read_timeout: Duration,
}

/// An acceptor that applies [`ConnectionLimits`] to every connection of `inner`.
pub struct GuardedAcceptor<A> {
    inner: A,
    permits: Arc<Semaphore>,
    header_read_timeout: Duration,
}

impl<A> GuardedAcceptor<A> {
    /// Wraps `inner`.
    pub fn new(inner: A, limits: ConnectionLimits) -> Self {
        Self {
            inner,
            permits: Arc::new(Semaphore::new(limits.max_connections.max(1))),
            header_read_timeout: limits.header_read_timeout,
        }
    }
}

impl<A: Acceptor> Acceptor for GuardedAcceptor<A> {
    type Io = GuardedIo<A::Io>;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.inner.local_addr()
    }

    async fn accept(&mut self) -> io::Result<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        // At the cap, stop accepting: new clients wait in the kernel's backlog.
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(io::Error::other)?;
        let (io, local, remote, scheme) = self.inner.accept().await?;
        Ok((
            GuardedIo::new(io, permit, self.header_read_timeout),
            local,
            remote,
            scheme,
        ))
    }
}

/// Where a connection stands, as far as the head deadline cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// A head is being read and must be complete by the deadline.
    Head,
    /// The head is in; the request is being served.
    Served,
    /// A response was written; the next byte read starts a new head.
    Between,
    /// HTTP/2: no heads to watch.
    Unwatched,
}

/// A connection holding its place under the cap, and held to the head deadline.
pub struct GuardedIo<T> {
    inner: T,
    _permit: OwnedSemaphorePermit,
    timeout: Duration,
    deadline: Pin<Box<Sleep>>,
    phase: Phase,
    /// The last bytes of the head read so far, to find its end across reads.
    tail: [u8; 3],
    /// The first bytes of the connection, to recognise HTTP/2.
    opening: Vec<u8>,
}

impl<T> GuardedIo<T> {
    fn new(inner: T, permit: OwnedSemaphorePermit, timeout: Duration) -> Self {
        Self {
            inner,
            _permit: permit,
            timeout,
            deadline: Box::pin(tokio::time::sleep(timeout)),
            phase: Phase::Head,
            tail: [0; 3],
            opening: Vec::with_capacity(HTTP2_PREFACE.len()),
        }
    }

    /// Follows the bytes just read: starts a head deadline when a new request
    /// begins, and ends it at the blank line that closes the head.
    fn observe(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if self.opening.len() < HTTP2_PREFACE.len() {
            let take = (HTTP2_PREFACE.len() - self.opening.len()).min(bytes.len());
            self.opening.extend_from_slice(&bytes[..take]);
            if HTTP2_PREFACE.starts_with(&self.opening) {
                if self.opening.len() == HTTP2_PREFACE.len() {
                    self.phase = Phase::Unwatched;
                }
            } else {
                // Not HTTP/2: stop comparing.
                self.opening.resize(HTTP2_PREFACE.len(), 0);
            }
        }
        if self.phase == Phase::Between {
            self.phase = Phase::Head;
            self.tail = [0; 3];
            let deadline = Instant::now() + self.timeout;
            self.deadline.as_mut().reset(deadline);
        }
        if self.phase == Phase::Head {
            // The blank line may straddle the previous read: look at the seam, then
            // at this read; no copy of the read.
            let mut seam = [0u8; 6];
            let head = bytes.len().min(3);
            seam[..3].copy_from_slice(&self.tail);
            seam[3..3 + head].copy_from_slice(&bytes[..head]);
            let blank_line = |w: &[u8]| w == b"\r\n\r\n";
            if seam[..3 + head].windows(4).any(blank_line) || bytes.windows(4).any(blank_line) {
                self.phase = Phase::Served;
            }
            if bytes.len() >= 3 {
                self.tail.copy_from_slice(&bytes[bytes.len() - 3..]);
            } else {
                self.tail.rotate_left(bytes.len());
                self.tail[3 - bytes.len()..].copy_from_slice(bytes);
            }
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for GuardedIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                this.observe(&buf.filled()[before..]);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => {
                if this.phase == Phase::Head && this.deadline.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the request head did not arrive in time",
                    )));
                }
                Poll::Pending
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for GuardedIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.phase == Phase::Served {
            this.phase = Phase::Between;
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;

    use super::*;

    fn io() -> GuardedIo<tokio::io::DuplexStream> {
        let (near, _far) = tokio::io::duplex(64);
        let permit = Arc::new(Semaphore::new(1))
            .try_acquire_owned()
            .expect("a permit");
        GuardedIo::new(near, permit, Duration::from_secs(1))
    }

    #[tokio::test]
    async fn a_head_ends_at_its_blank_line_even_across_reads() {
        let mut io = io();
        io.observe(b"GET / HTTP/1.1\r\nHost: x\r\n\r");
        assert_eq!(io.phase, Phase::Head);
        io.observe(b"\n");
        assert_eq!(io.phase, Phase::Served);
    }

    #[tokio::test]
    async fn a_head_trickled_a_byte_at_a_time_still_ends() {
        let mut io = io();
        for byte in b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" {
            assert_eq!(io.phase, Phase::Head);
            io.observe(&[*byte]);
        }
        assert_eq!(io.phase, Phase::Served);
    }

    #[tokio::test]
    async fn the_next_request_on_a_kept_alive_connection_gets_a_new_deadline() {
        let mut io = io();
        io.observe(b"GET / HTTP/1.1\r\n\r\n");
        io.phase = Phase::Between;
        io.observe(b"G");
        assert_eq!(io.phase, Phase::Head);
    }

    #[tokio::test]
    async fn http2_is_not_watched() {
        let mut io = io();
        io.observe(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        assert_eq!(io.phase, Phase::Unwatched);
        assert!(
            Future::poll(
                io.deadline.as_mut(),
                &mut Context::from_waker(std::task::Waker::noop())
            )
            .is_pending()
        );
    }
}
