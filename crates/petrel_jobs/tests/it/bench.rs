//! Enqueue throughput with 50 concurrent callers, beside the disk's fsync latency (a commit
//! waits for one fsync, so that latency bounds what group commit has to amortise). Prints, never
//! asserts on time:
//!
//! ```text
//! cargo test --release -p petrel_jobs --test it -- --ignored --nocapture bench
//! ```
//!
//! `PETREL_JOBS_BENCH_DIR` picks the folder (default: the system temp folder); put it on the
//! disk the store will live on.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use petrel_jobs::{JobStore, SqliteStore};

use crate::common::{T0, new_job};

fn bench_dir() -> tempfile::TempDir {
    match std::env::var_os("PETREL_JOBS_BENCH_DIR") {
        Some(dir) => tempfile::tempdir_in(dir).unwrap(),
        None => tempfile::tempdir().unwrap(),
    }
}

/// Appends 4 KiB and syncs, `n` times; returns the sorted latencies.
fn sync_latencies(path: &Path, n: usize, data_only: bool) -> Vec<Duration> {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    let block = [0x5au8; 4096];
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        file.write_all(&block).unwrap();
        let start = Instant::now();
        if data_only {
            file.sync_data().unwrap()
        } else {
            file.sync_all().unwrap()
        }
        out.push(start.elapsed());
    }
    out.sort();
    out
}

fn summary(latencies: &[Duration]) -> String {
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    let mean = latencies.iter().sum::<Duration>() / latencies.len() as u32;
    format!("median {:?}, mean {mean:?}, p99 {:?}", at(0.5), at(0.99))
}

#[test]
#[ignore = "benchmark: run with --ignored --nocapture, in release"]
fn bench_enqueue_rate_50_callers() {
    let dir = bench_dir();
    println!("folder: {}", dir.path().display());
    let fdatasync = sync_latencies(&dir.path().join("fsync.bin"), 300, true);
    let fsync = sync_latencies(&dir.path().join("fsync2.bin"), 300, false);
    println!("fdatasync (4 KiB append): {}", summary(&fdatasync));
    println!("fsync     (4 KiB append): {}", summary(&fsync));

    let store = SqliteStore::open(&dir.path().join("jobs.db")).unwrap();
    // Warm up: schema pages, statement cache, threads.
    for _ in 0..50 {
        store.enqueue(new_job("warm"), T0).unwrap();
    }
    for (callers, per_caller) in [(1, 300), (50, 400)] {
        let start = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..callers {
                let store = &store;
                s.spawn(move || {
                    for _ in 0..per_caller {
                        store.enqueue(new_job("noop-background"), T0).unwrap();
                    }
                });
            }
        });
        let elapsed = start.elapsed();
        let total = callers * per_caller;
        println!(
            "{callers:>2} callers: {total} enqueues in {elapsed:.2?} = {:.0} enqueues/s",
            total as f64 / elapsed.as_secs_f64()
        );
    }
}
