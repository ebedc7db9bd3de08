//! Work that arrives while the database is busy waits in a queue and goes to it
//! together: lead reads as one `id IN (...)` statement (`reads/lead_batches.rs`),
//! lone writes as one multi-row statement (`write_batches.rs`).
//!
//! At most a fixed number of senders run, each a task that takes a batch from the
//! queue, sends it, and goes on until the queue is empty. Work that finds a
//! sender's place free starts one at once, alone: at low load nothing waits for
//! company; only work that would have queued for a connection or a core anyway is
//! grouped.

use std::sync::{Arc, Mutex, PoisonError};

struct Queue<T> {
    waiting: Vec<T>,
    /// Tasks sending batches; each serves the queue until it is empty.
    senders: usize,
}

/// The work of one kind waiting to be sent. Shared by the store's clones.
pub(crate) struct Batches<T> {
    queue: Mutex<Queue<T>>,
    /// Most senders at once.
    most_senders: usize,
}

impl<T> Batches<T> {
    /// Batches sent by at most `most_senders` tasks at once (at least one).
    pub(crate) fn new(most_senders: usize) -> Self {
        Self {
            queue: Mutex::new(Queue {
                waiting: Vec::new(),
                senders: 0,
            }),
            most_senders: most_senders.max(1),
        }
    }

    /// Queues `work`; a sender's place when the caller must start a sender for it.
    pub(crate) fn enqueue(self: &Arc<Self>, work: T) -> Option<SenderSlot<T>> {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        queue.waiting.push(work);
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
    /// The next batch, oldest first: the oldest waiting work and whatever else
    /// `joins(oldest, other)` admits, asked of each in queue order (the rest waits
    /// for the next turn). Empty when the queue is, and then this sender gives its
    /// place back and must stop.
    pub(crate) fn next(&mut self, mut joins: impl FnMut(&T, &T) -> bool) -> Vec<T> {
        let mut queue = self
            .batches
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if queue.waiting.is_empty() {
            queue.senders -= 1;
            self.held = false;
            return Vec::new();
        }
        let oldest = queue.waiting.remove(0);
        let mut batch: Vec<T> = queue
            .waiting
            .extract_if(.., |other| joins(&oldest, other))
            .collect();
        batch.insert(0, oldest);
        batch
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

    #[test]
    fn a_batch_starts_with_the_oldest_and_takes_what_joins_it() {
        let batches = Arc::new(Batches::new(1));
        let mut slot = batches.enqueue(1).expect("the first starts a sender");
        for n in 2..=6 {
            assert!(batches.enqueue(n).is_none(), "one sender at most");
        }
        let odd = slot.next(|oldest, other| oldest % 2 == other % 2);
        assert_eq!(odd, [1, 3, 5]);
        assert_eq!(slot.next(|_, _| true), [2, 4, 6]);
        assert!(slot.next(|_, _| true).is_empty());
        assert!(
            batches.enqueue(7).is_some(),
            "a sender that found the queue empty gave its place back"
        );
    }

    #[test]
    fn work_left_by_the_last_sender_ending_abnormally_is_let_go() {
        let batches = Arc::new(Batches::new(1));
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
