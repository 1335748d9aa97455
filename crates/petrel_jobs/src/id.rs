//! Job ids: ULID layout (48-bit milliseconds + 80 random bits, 26 characters of Crockford
//! base32), written by hand to avoid a dependency.
//!
//! Ids made by one process are strictly increasing (monotonic within a millisecond, as the ULID
//! spec describes); ids made by two processes differ by their random bits. The randomness comes
//! from std's `RandomState`, whose keys are seeded from the OS: good enough for uniqueness,
//! and ids are not secrets.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Mutex, OnceLock};

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const RANDOM_BITS: u32 = 80;
const RANDOM_MASK: u128 = (1 << RANDOM_BITS) - 1;
const MAX_MS: i64 = (1 << 48) - 1;

struct Generator {
    seed: RandomState,
    counter: u64,
    last: u128,
}

impl Generator {
    fn random64(&mut self) -> u64 {
        self.counter = self.counter.wrapping_add(1);
        let mut h = self.seed.build_hasher();
        h.write_u64(self.counter);
        h.finish()
    }

    fn next(&mut self, now_ms: i64) -> u128 {
        let ms = now_ms.clamp(0, MAX_MS) as u128;
        let candidate = (ms << RANDOM_BITS)
            | ((u128::from(self.random64()) << 64 | u128::from(self.random64())) & RANDOM_MASK);
        // Same (or an earlier) millisecond as the last id: the next value after it, so ids of
        // one process never repeat and keep their order even if the clock steps back.
        let id = if candidate > self.last {
            candidate
        } else {
            self.last + 1
        };
        self.last = id;
        id
    }
}

/// A new job id for a job created at `now_ms`: 26 characters, time-ordered, unique.
pub fn new_job_id(now_ms: i64) -> String {
    static GENERATOR: OnceLock<Mutex<Generator>> = OnceLock::new();
    let generator = GENERATOR.get_or_init(|| {
        Mutex::new(Generator {
            seed: RandomState::new(),
            counter: 0,
            last: 0,
        })
    });
    // A poisoned lock only means another thread panicked while holding plain integers.
    let value = generator
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .next(now_ms);
    encode(value)
}

fn encode(mut value: u128) -> String {
    let mut out = [0u8; 26];
    for slot in out.iter_mut().rev() {
        *slot = CROCKFORD[(value & 31) as usize];
        value >>= 5;
    }
    out.iter().map(|&b| b as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generator() -> Generator {
        Generator {
            seed: RandomState::new(),
            counter: 0,
            last: 0,
        }
    }

    #[test]
    fn layout_and_order() {
        let mut g = generator();
        let a = encode(g.next(1_700_000_000_000));
        let b = encode(g.next(1_700_000_000_000));
        let c = encode(g.next(1_700_000_000_001));
        let stepped_back = encode(g.next(5));
        assert_eq!(a.len(), 26);
        assert!(a.bytes().all(|b| CROCKFORD.contains(&b)));
        assert!(
            a < b && b < c && c < stepped_back,
            "{a} {b} {c} {stepped_back}"
        );
        assert_eq!(&encode(generator().next(i64::MAX))[..10], "7ZZZZZZZZZ");
        assert_eq!(&encode(generator().next(-1))[..10], "0000000000");
        assert_eq!(new_job_id(0).len(), 26);
    }

    #[test]
    fn encode_known_values() {
        assert_eq!(encode(0), "00000000000000000000000000");
        assert_eq!(encode(u128::MAX), "7ZZZZZZZZZZZZZZZZZZZZZZZZZ");
        assert_eq!(encode(1_700_000_000_000u128 << 80)[..10], *"01HF7YAT00");
    }
}
