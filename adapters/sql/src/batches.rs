//! Work that arrives while the database is busy waits in a queue and goes to it
//! together: lead reads as one `id IN (...)` statement (`reads/lead_batches.rs`),
//! lone writes as one multi-row statement (`write_batches.rs`).
//!
//! At most a fixed number of senders run, each a task that takes a batch from the
//! queue, sends it, and goes on until the queue is empty. Work that finds a
//! sender's place free starts one at once, alone: at low load nothing waits for
//! company; only work that would have queued for a connection or a core anyway is
//! grouped. Work waits in the queue no longer than it would have waited for a
//! connection (the pool's acquire timeout): past that, it is handed back overdue,
//! unsent, and its caller is told the database is busy (a 503 the client may
//! retry: nothing was read or written).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use djcrm_domain::DomainError;

/// The work waiting and the senders serving it, under one lock.
struct Queue<T> {
    /// Work, oldest first, with when it was queued.
    waiting: Vec<(Instant, T)>,
    /// Tasks sending batches; each serves the queue until it is empty.
    senders: usize,
}

/// The work of one kind waiting to be sent. Shared by the store's clones.
pub(crate) struct Batches<T> {
    queue: Mutex<Queue<T>>,
    /// Most senders at once.
    most_senders: usize,
    /// Longest wait in the queue.
    most_wait: Duration,
}

/// What a sender takes from the queue at its turn.
pub(crate) struct Turn<T> {
    /// Work to send together, oldest first.
    pub(crate) batch: Vec<T>,
    /// Work that waited longer than allowed, to be failed unsent.
    pub(crate) overdue: Vec<T>,
}

/// The answer to work handed back overdue: not started, retry shortly.
pub(crate) fn overdue() -> DomainError {
    DomainError::Busy {
        what: "database",
        retry_after_seconds: 1,
    }
}

impl<T> Batches<T> {
    /// Batches sent by at most `most_senders` tasks at once (at least one), work
    /// waiting at most `most_wait` for its turn.
    pub(crate) fn new(most_senders: usize, most_wait: Duration) -> Self {
        Self {
            queue: Mutex::new(Queue {
                waiting: Vec::new(),
                senders: 0,
            }),
            most_senders: most_senders.max(1),
            most_wait,
        }
    }

    /// Queues `work`; a sender's place when the caller must start a sender for it.
    pub(crate) fn enqueue(self: &Arc<Self>, work: T) -> Option<SenderSlot<T>> {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        queue.waiting.push((Instant::now(), work));
        (queue.senders < self.most_senders).then(|| {
            queue.senders += 1;
            SenderSlot {
                batches: Arc::clone(self),
                held: true,
            }
        })
    }
}

/// A sender's place among the most allowed, taken when its task is started. Given
/// back when the queue is empty, or when the task ends otherwise (a panic, the
/// runtime going away, the task never run): then, if no sender is left, the work
/// still queued is let go, and its callers get an error instead of waiting.
pub(crate) struct SenderSlot<T> {
    batches: Arc<Batches<T>>,
    held: bool,
}

impl<T> SenderSlot<T> {
    /// This sender's next turn: the work overdue, and a batch of the oldest work
    /// still in time with whatever else `joins(oldest, other)` admits, asked of
    /// each in queue order (the rest waits for the next turn). `None` when the
    /// queue is empty, and then this sender has given its place back and must stop.
    pub(crate) fn next(&mut self, mut joins: impl FnMut(&T, &T) -> bool) -> Option<Turn<T>> {
        let batches = &self.batches;
        let mut queue = batches.queue.lock().unwrap_or_else(PoisonError::into_inner);
        if queue.waiting.is_empty() {
            queue.senders -= 1;
            self.held = false;
            return None;
        }
        // The queue is oldest first: the overdue are at its front.
        let now = Instant::now();
        let late = queue
            .waiting
            .partition_point(|(queued, _)| now.duration_since(*queued) > batches.most_wait);
        let overdue = queue.waiting.drain(..late).map(|(_, work)| work).collect();
        let mut batch = Vec::new();
        if !queue.waiting.is_empty() {
            let (_, oldest) = queue.waiting.remove(0);
            batch.extend(
                queue
                    .waiting
                    .extract_if(.., |(_, other)| joins(&oldest, other))
                    .map(|(_, work)| work),
            );
            batch.insert(0, oldest);
        }
        Some(Turn { batch, overdue })
    }
}

impl<T> Drop for SenderSlot<T> {
    fn drop(&mut self) {
        if self.held {
            let mut queue = self
                .batches
                .queue
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            queue.senders -= 1;
            if queue.senders == 0 {
                queue.waiting.clear();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A_MINUTE: Duration = Duration::from_secs(60);

    fn batch<T>(turn: Option<Turn<T>>) -> Vec<T> {
        turn.map(|turn| turn.batch).unwrap_or_default()
    }

    #[test]
    fn a_batch_starts_with_the_oldest_and_takes_what_joins_it() {
        let batches = Arc::new(Batches::new(1, A_MINUTE));
        let mut slot = batches.enqueue(1).expect("the first starts a sender");
        for n in 2..=6 {
            assert!(batches.enqueue(n).is_none(), "one sender at most");
        }
        let odd = batch(slot.next(|oldest, other| oldest % 2 == other % 2));
        assert_eq!(odd, [1, 3, 5]);
        assert_eq!(batch(slot.next(|_, _| true)), [2, 4, 6]);
        assert!(slot.next(|_, _| true).is_none());
        assert!(
            batches.enqueue(7).is_some(),
            "a sender that found the queue empty gave its place back"
        );
    }

    #[test]
    fn work_waiting_longer_than_allowed_is_handed_back_overdue() {
        let batches = Arc::new(Batches::new(1, Duration::from_millis(20)));
        let mut slot = batches.enqueue(1).expect("a sender");
        std::thread::sleep(Duration::from_millis(40));
        assert!(batches.enqueue(2).is_none());
        let turn = slot.next(|_, _| true).expect("a turn");
        assert_eq!((turn.overdue, turn.batch), (vec![1], vec![2]));
    }

    #[test]
    fn work_left_by_the_last_sender_ending_abnormally_is_let_go() {
        let batches = Arc::new(Batches::new(1, A_MINUTE));
        let (answer, answered) = std::sync::mpsc::channel::<()>();
        let slot = batches.enqueue(answer);
        drop(slot);
        assert!(
            answered.recv().is_err(),
            "the queued work (and its answer) was dropped"
        );
        let (answer, _answered) = std::sync::mpsc::channel::<()>();
        assert!(
            batches.enqueue(answer).is_some(),
            "the place was given back"
        );
    }
}
