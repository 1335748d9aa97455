//! When a failed run goes again. Netlify retries a background function after one minute, then
//! two minutes more, and gives up after the third run; [`RetryPolicy::netlify`] is that.

/// Delays between failed runs, with optional jitter.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// `delays_ms[i]` is the wait after the `i + 1`-th failed run; past the end: give up.
    pub delays_ms: Vec<i64>,
    /// Spread each delay by up to ± this fraction (0.0 = exact). The spread is a deterministic
    /// function of (job id, attempt): the same job gets the same schedule every time, different
    /// jobs that failed together do not all come back in the same millisecond.
    pub jitter: f64,
}

impl RetryPolicy {
    /// Netlify's: retry after 1 min, then 2 min more (3 runs in all).
    pub fn netlify() -> Self {
        RetryPolicy {
            delays_ms: vec![60_000, 120_000],
            jitter: 0.0,
        }
    }

    /// `retries` delays growing from `base_ms` by `factor`, each at most `cap_ms`.
    pub fn exponential(base_ms: i64, factor: f64, cap_ms: i64, retries: u32, jitter: f64) -> Self {
        let mut delays_ms = Vec::with_capacity(retries as usize);
        let mut delay = base_ms.max(0) as f64;
        for _ in 0..retries {
            delays_ms.push((delay.round() as i64).min(cap_ms).max(0));
            delay *= factor;
        }
        RetryPolicy { delays_ms, jitter }
    }

    /// After `attempts_done` runs that counted (the last of them failed), when to run again;
    /// `None` = give up. `max_attempts` caps the runs too, whatever the delays list allows.
    pub fn next_run_at(
        &self,
        job_id: &str,
        attempts_done: u32,
        max_attempts: u32,
        now_ms: i64,
    ) -> Option<i64> {
        if attempts_done >= max_attempts {
            return None;
        }
        let index = attempts_done.saturating_sub(1) as usize;
        let delay = *self.delays_ms.get(index)?;
        Some(now_ms.saturating_add(self.jittered(delay, job_id, attempts_done)))
    }

    fn jittered(&self, delay_ms: i64, job_id: &str, attempt: u32) -> i64 {
        if self.jitter <= 0.0 || delay_ms <= 0 {
            return delay_ms;
        }
        // unit in [-1, 1), from a fixed hash: std's hashers may change between Rust releases,
        // and a schedule that moves with the compiler would make tests flaky.
        let unit = (fnv1a(job_id, attempt) >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
        let factor = 1.0 + self.jitter.min(1.0) * unit;
        ((delay_ms as f64) * factor).round().max(0.0) as i64
    }
}

/// FNV-1a over the id and the attempt, then a SplitMix64 finaliser so nearby ids spread out.
fn fnv1a(job_id: &str, attempt: u32) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in job_id.bytes().chain(attempt.to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netlify_schedule() {
        let p = RetryPolicy::netlify();
        assert_eq!(p.next_run_at("j", 1, 3, 1_000), Some(61_000));
        assert_eq!(p.next_run_at("j", 2, 3, 61_000), Some(181_000));
        assert_eq!(p.next_run_at("j", 3, 3, 181_000), None);
        // max_attempts caps below the list…
        assert_eq!(p.next_run_at("j", 1, 1, 0), None);
        // …and the list caps below max_attempts.
        assert_eq!(p.next_run_at("j", 3, 10, 0), None);
    }

    #[test]
    fn exponential_is_capped() {
        let p = RetryPolicy::exponential(1_000, 2.0, 5_000, 5, 0.0);
        assert_eq!(p.delays_ms, vec![1_000, 2_000, 4_000, 5_000, 5_000]);
        assert_eq!(p.next_run_at("j", 4, 10, 0), Some(5_000));
        assert_eq!(p.next_run_at("j", 6, 10, 0), None);
    }

    #[test]
    fn jitter_is_deterministic_and_bounded() {
        let p = RetryPolicy::exponential(10_000, 1.0, 10_000, 3, 0.2);
        let mut seen = std::collections::HashSet::new();
        for i in 0..200 {
            let id = format!("01HF7YAT00000000000000{i:04}");
            let at = p.next_run_at(&id, 1, 3, 0).unwrap();
            assert_eq!(p.next_run_at(&id, 1, 3, 0), Some(at));
            assert!((8_000..=12_000).contains(&at), "{at}");
            seen.insert(at);
        }
        assert!(
            seen.len() > 100,
            "jitter should spread ids: {} distinct",
            seen.len()
        );
    }
}
