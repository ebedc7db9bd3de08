//! Waking an idle worker on an interval.
//!
//! apalis 1.0's `IntervalStrategy` re-creates its timer when it fires without
//! polling it, so when the fetch that follows finds nothing, no timer is armed and
//! the worker sleeps until its next heartbeat (30 s): found as mails that went out
//! half a minute late, now and then. This strategy arms the next tick at once.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use apalis::prelude::{PollSnapshot, PollStrategy};

/// Wakes the worker every `interval`, whatever the last fetch found.
pub(crate) struct EveryInterval {
    interval: Duration,
    tick: Pin<Box<tokio::time::Sleep>>,
}

impl EveryInterval {
    pub(crate) fn new(interval: Duration) -> Self {
        Self {
            interval,
            tick: Box::pin(tokio::time::sleep(interval)),
        }
    }
}

impl PollStrategy for EveryInterval {
    fn poll_drive(&mut self, cx: &mut Context<'_>, _snapshot: &PollSnapshot) -> Poll<Option<()>> {
        if self.tick.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        self.tick
            .as_mut()
            .reset(tokio::time::Instant::now() + self.interval);
        // Polled once so the new deadline wakes this task.
        let _ = self.tick.as_mut().poll(cx);
        Poll::Ready(Some(()))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Wake, Waker};

    use super::*;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[tokio::test]
    async fn a_fired_tick_arms_the_next_one() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        let mut strategy = EveryInterval::new(Duration::from_millis(10));
        let snapshot = PollSnapshot::default();
        assert!(strategy.poll_drive(&mut cx, &snapshot).is_pending());
        tokio::time::sleep(Duration::from_millis(11)).await;
        assert!(strategy.poll_drive(&mut cx, &snapshot).is_ready());
        let woken = count.0.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(11)).await;
        assert!(
            count.0.load(Ordering::SeqCst) > woken,
            "the next tick wakes the worker without another poll"
        );
    }
}
