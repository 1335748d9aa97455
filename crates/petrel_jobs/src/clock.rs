//! Where "now" comes from. The store never reads the system time itself: callers pass `now_ms`
//! taken from a [`Clock`], so tests drive time with a [`FakeClock`] and assert exact schedules.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A source of wall-clock time in milliseconds since the Unix epoch.
pub trait Clock: Send + Sync + 'static {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;

    /// How long to really wait for `clock_ms` of this clock's time to pass (a
    /// [`ScaledClock`] runs faster than real time). Negative means no wait.
    fn real_delay(&self, clock_ms: i64) -> Duration {
        Duration::from_millis(clock_ms.max(0) as u64)
    }

    /// How many times faster than real time this clock runs (1 for real clocks).
    fn speed(&self) -> f64 {
        1.0
    }
}

/// A clock that starts at a chosen time and runs `speed` times faster than real time:
/// `petrel dev --clock-speed 60` makes a minute pass each second, so schedules can be watched
/// firing (and tested) without waiting for them. It shows `start_ms` when first read (the end
/// of start-up, when the runner and the scheduler start), not when it is made, so a slow
/// start-up does not eat into the fast-forwarded time. Clones share the same time.
#[derive(Debug, Clone)]
pub struct ScaledClock {
    start_ms: i64,
    started: Arc<std::sync::OnceLock<Instant>>,
    speed: f64,
}

impl ScaledClock {
    /// A clock showing `start_ms` when first read, then running `speed` (> 0) times faster
    /// than real time.
    pub fn new(start_ms: i64, speed: f64) -> Self {
        ScaledClock {
            start_ms,
            started: Arc::default(),
            speed: if speed > 0.0 { speed } else { 1.0 },
        }
    }
}

impl Clock for ScaledClock {
    fn now_ms(&self) -> i64 {
        let started = self.started.get_or_init(Instant::now);
        self.start_ms + (started.elapsed().as_secs_f64() * 1000.0 * self.speed) as i64
    }

    fn real_delay(&self, clock_ms: i64) -> Duration {
        Duration::from_secs_f64(clock_ms.max(0) as f64 / 1000.0 / self.speed)
    }

    fn speed(&self) -> f64 {
        self.speed
    }
}

/// The real wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
            // A clock set before 1970: negative time rather than a panic.
            Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
        }
    }
}

/// A clock that only moves when told to. Clones share the same time.
#[derive(Debug, Clone)]
pub struct FakeClock {
    ms: Arc<AtomicI64>,
}

impl FakeClock {
    /// A clock showing `start_ms`.
    pub fn new(start_ms: i64) -> Self {
        FakeClock {
            ms: Arc::new(AtomicI64::new(start_ms)),
        }
    }

    /// Sets the time to `ms` (backwards too).
    pub fn set(&self, ms: i64) {
        self.ms.store(ms, Ordering::SeqCst);
    }

    /// Moves the time forward by `ms`.
    pub fn advance(&self, ms: i64) {
        self.ms.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for FakeClock {
    fn now_ms(&self) -> i64 {
        self.ms.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_clock_clones_share_time() {
        let a = FakeClock::new(1_000);
        let b = a.clone();
        a.advance(500);
        assert_eq!(b.now_ms(), 1_500);
        b.set(10);
        assert_eq!(a.now_ms(), 10);
    }

    #[test]
    fn scaled_clock_runs_faster() {
        let clock = ScaledClock::new(1_000_000, 100.0);
        assert_eq!(clock.real_delay(60_000), Duration::from_millis(600));
        assert_eq!(clock.real_delay(-5), Duration::ZERO);
        let before = clock.now_ms();
        std::thread::sleep(Duration::from_millis(20));
        let passed = clock.now_ms() - before;
        assert!(
            passed >= 2_000,
            "20 ms at 100× is at least 2 s of clock time: {passed}"
        );
    }

    #[test]
    fn system_clock_is_after_2020() {
        assert!(SystemClock.now_ms() > 1_577_836_800_000);
    }
}
