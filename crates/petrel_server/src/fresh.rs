//! Holding requests back while `petrel dev` builds a change, so the first request after a
//! save sees the new code rather than racing the rebuild.
//!
//! The file watcher bumps a counter the moment it sees a change; the rebuild task records which
//! count its build covered once the new generation is serving. A request first runs the
//! watcher's *probe* (which picks up change events the kernel has queued but the watcher has
//! not read yet, so a save that finished before the request was sent is always seen), then
//! waits while the covered count is behind the seen one.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::watch;

/// The longest a request waits for a build before it is served by what is there.
const MAX_WAIT: Duration = Duration::from_secs(30);

/// The request side: cheap to clone.
#[derive(Clone)]
pub struct Freshness {
    seen: Arc<AtomicU64>,
    built: watch::Receiver<u64>,
    probe: Option<Arc<dyn Fn() + Send + Sync>>,
}

/// The watcher and builder side.
#[derive(Clone)]
pub struct FreshnessPublisher {
    seen: Arc<AtomicU64>,
    built: Arc<watch::Sender<u64>>,
}

impl Freshness {
    /// A new pair, with nothing seen and nothing built.
    pub fn new() -> (Freshness, FreshnessPublisher) {
        let seen = Arc::new(AtomicU64::new(0));
        let (tx, rx) = watch::channel(0);
        (
            Freshness {
                seen: seen.clone(),
                built: rx,
                probe: None,
            },
            FreshnessPublisher {
                seen,
                built: Arc::new(tx),
            },
        )
    }

    /// Runs `probe` at the start of every [`Freshness::wait`]: it should report changes that
    /// happened but were not seen yet (through the publisher).
    pub fn with_probe(mut self, probe: impl Fn() + Send + Sync + 'static) -> Self {
        self.probe = Some(Arc::new(probe));
        self
    }

    /// Returns once every change seen so far is built (or after a long bound).
    pub async fn wait(&self) {
        if let Some(probe) = &self.probe {
            probe();
        }
        let target = self.seen.load(Ordering::Acquire);
        if *self.built.borrow() >= target {
            return;
        }
        let mut built = self.built.clone();
        let _ = tokio::time::timeout(MAX_WAIT, built.wait_for(|&b| b >= target)).await;
    }
}

impl FreshnessPublisher {
    /// A change was seen on disk; returns the new count.
    pub fn changed(&self) -> u64 {
        self.seen.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// The count of changes seen so far (what a build that starts now covers).
    pub fn seen(&self) -> u64 {
        self.seen.load(Ordering::Acquire)
    }

    /// Every change up to `count` is built and serving.
    pub fn built(&self, count: u64) {
        self.built.send_if_modified(|b| {
            if count > *b {
                *b = count;
                true
            } else {
                false
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waits_until_the_seen_changes_are_built() {
        let (freshness, publisher) = Freshness::new();
        tokio::time::timeout(Duration::from_millis(50), freshness.wait())
            .await
            .expect("nothing seen: no wait");
        publisher.changed();
        let covered = publisher.seen();
        let waiting = tokio::spawn({
            let freshness = freshness.clone();
            async move { freshness.wait().await }
        });
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(!waiting.is_finished(), "must wait for the build");
        publisher.built(covered);
        tokio::time::timeout(Duration::from_millis(500), waiting)
            .await
            .expect("released by the build")
            .unwrap();
    }
}
