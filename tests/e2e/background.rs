//! Durable background functions through the real binary: 202 after the job is on disk, runs on
//! the background workers, retries, and no accepted job lost to a `kill -9`.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::harness::{Server, copy_fixture, kill_hard};

/// The JSON lines the fixture's functions append to `$PETREL_TEST_OUT`.
fn runs(out: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(out)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn wait_for_runs(out: &Path, n: usize, timeout: Duration) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + timeout;
    loop {
        let got = runs(out);
        if got.len() >= n || Instant::now() > deadline {
            return got;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn start(project: &Path, out: &Path) -> Server {
    Server::start_with_env(
        "start",
        project,
        &["--workers", "1"],
        &[("PETREL_TEST_OUT", out.to_str().unwrap())],
    )
}

#[test]
fn both_kinds_answer_202_and_run_from_the_queue() {
    let project = copy_fixture("background");
    let out = project.path().join("runs.jsonl");
    let server = start(project.path(), &out);

    // The Netlify `-background` function with a `config.path` and params.
    let reply = server.request(
        "POST",
        "/api/shop/import",
        &[("content-type", "application/json")],
        br#"{"items":3}"#,
    );
    assert_eq!(reply.status, 202, "{}", reply.text());
    assert_eq!(reply.header("content-length"), Some("0"));
    assert!(reply.body.is_empty());
    // The legacy Next.js advanced route at its normal URL, with its dynamic param and body.
    let reply = server.request(
        "POST",
        "/api/blog/background-function",
        &[("content-type", "application/json")],
        br#"{"paths":["/a"]}"#,
    );
    assert_eq!(reply.status, 202, "{}", reply.text());

    let got = wait_for_runs(&out, 2, Duration::from_secs(20));
    let netlify = got
        .iter()
        .find(|r| r["fn"] == "import-background")
        .unwrap_or_else(|| panic!("no run of import-background: {got:?}\n{}", server.logs()));
    assert_eq!(netlify["slug"], "shop");
    assert_eq!(netlify["body"], serde_json::json!({"items": 3}));
    assert_eq!(netlify["attempt"], "1");
    assert_eq!(netlify["job"].as_str().map(str::len), Some(26));
    let next = got
        .iter()
        .find(|r| r["fn"] == "next-background")
        .unwrap_or_else(|| panic!("no run of the Next route: {got:?}"));
    assert_eq!(next["slug"], "blog");
    assert_eq!(next["body"], serde_json::json!({"paths": ["/a"]}));
    assert!(
        server.wait_for_log(
            "Done executing background function import-background",
            Duration::from_secs(5)
        ),
        "{}",
        server.logs()
    );
}

#[test]
fn an_oversized_payload_is_refused_and_nothing_is_queued() {
    let project = copy_fixture("background");
    let out = project.path().join("runs.jsonl");
    let server = start(project.path(), &out);
    let big = format!(r#"{{"x":"{}"}}"#, "y".repeat(300 * 1024));
    let reply = server.request(
        "POST",
        "/api/shop/import",
        &[("content-type", "application/json")],
        big.as_bytes(),
    );
    assert_eq!(reply.status, 413);
    assert!(reply.text().contains("256 KB"), "{}", reply.text());
    std::thread::sleep(Duration::from_millis(500));
    assert!(runs(&out).is_empty());
    assert!(!server.logs().contains("Queueing background function"));
}

#[test]
fn a_throw_and_a_worker_exit_are_retried_until_the_job_succeeds() {
    let project = copy_fixture("background");
    let out = project.path().join("runs.jsonl");
    let server = start(project.path(), &out);
    let reply = server.request("POST", "/.netlify/functions/flaky-background", &[], b"");
    assert_eq!(reply.status, 202);
    let got = wait_for_runs(&out, 3, Duration::from_secs(30));
    let attempts: Vec<i64> = got.iter().filter_map(|r| r["attempt"].as_i64()).collect();
    assert_eq!(attempts, vec![1, 2, 3], "{}", server.logs());
    assert!(
        server.wait_for_log(
            "Done executing background function flaky-background",
            Duration::from_secs(10)
        ),
        "{}",
        server.logs()
    );
    let logs = server.logs();
    assert!(logs.contains("first run fails"), "{logs}");
}

/// Accept 200 jobs, `kill -9` while they run, start again: every job runs (at least once).
#[test]
fn no_accepted_job_is_lost_to_a_kill() {
    let project = copy_fixture("background");
    let out = project.path().join("runs.jsonl");
    let mut server = start(project.path(), &out);
    let total = 200;
    for n in 0..total {
        let body = format!(r#"{{"n":{n}}}"#);
        let reply = server.request(
            "POST",
            "/.netlify/functions/slow-background",
            &[("content-type", "application/json")],
            body.as_bytes(),
        );
        assert_eq!(reply.status, 202, "job {n}: {}", reply.text());
    }
    kill_hard(&mut server);
    let before_restart = runs(&out).len();
    let server = start(project.path(), &out);
    // Wait for every job (a job may run twice: at least once is the contract, and a run that
    // ended just before the kill but was not yet recorded runs again).
    let deadline = Instant::now() + Duration::from_secs(60);
    let unique = |got: &[serde_json::Value]| {
        let mut seen: Vec<i64> = got.iter().filter_map(|r| r["n"].as_i64()).collect();
        seen.sort();
        seen.dedup();
        seen.len()
    };
    let mut got = runs(&out);
    while unique(&got) < total && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        got = runs(&out);
    }
    let mut seen: Vec<i64> = got.iter().filter_map(|r| r["n"].as_i64()).collect();
    let runs_total = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(
        seen.len(),
        total,
        "every accepted job must run; {} ran before the kill, {} runs in all\n{}",
        before_restart,
        runs_total,
        server.logs()
    );
    println!(
        "crash test: {before_restart} jobs ran before kill -9, {} duplicate run(s) after restart",
        runs_total - total
    );
}

#[test]
fn a_run_past_its_time_limit_fails_and_is_retried() {
    let project = copy_fixture("background");
    let out = project.path().join("runs.jsonl");
    let server = start(project.path(), &out);
    assert_eq!(
        server
            .request("POST", "/.netlify/functions/sleepy-background", &[], b"")
            .status,
        202
    );
    let got = wait_for_runs(&out, 2, Duration::from_secs(20));
    let attempts: Vec<i64> = got.iter().filter_map(|r| r["attempt"].as_i64()).collect();
    assert_eq!(attempts, vec![1, 2], "{}", server.logs());
    assert!(
        server.wait_for_log(
            "Done executing background function sleepy-background",
            Duration::from_secs(10)
        ),
        "{}",
        server.logs()
    );
    assert!(
        server.logs().contains("passed its time limit"),
        "{}",
        server.logs()
    );
}

fn petrel(args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_petrel"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn jobs_command_lists_shows_with_the_handler_output_and_retries() {
    let project = copy_fixture("background");
    let dir = project.path().to_str().unwrap().to_string();
    let out = project.path().join("runs.jsonl");
    let server = start(project.path(), &out);
    server.request(
        "POST",
        "/api/shop/import",
        &[("content-type", "application/json")],
        br#"{"items":3}"#,
    );
    wait_for_runs(&out, 1, Duration::from_secs(20));
    assert!(server.wait_for_log(
        "Done executing background function import-background",
        Duration::from_secs(10)
    ));
    // The job's log lines are written a moment after the run.
    std::thread::sleep(Duration::from_millis(300));

    let (ok, list, err) = petrel(&["jobs", &dir]);
    assert!(ok, "{err}");
    let row = list
        .lines()
        .find(|l| l.contains("import-background"))
        .unwrap_or_else(|| panic!("{list}"));
    assert!(row.contains("succeeded") && row.contains("1/3"), "{row}");
    let id = row.split_whitespace().next().unwrap().to_string();

    let (ok, shown, err) = petrel(&["jobs", "show", &id, &dir]);
    assert!(ok, "{err}");
    assert!(shown.contains("Status    succeeded"), "{shown}");
    assert!(shown.contains("Request   POST /api/shop/import"), "{shown}");
    assert!(
        shown.contains(r#"[attempt 1] importing {"items":3} for shop"#),
        "the handler's console output is kept per attempt:\n{shown}"
    );

    // Only a failed job can be retried.
    let (ok, _, err) = petrel(&["jobs", "retry", &id, &dir]);
    assert!(!ok);
    assert!(err.contains("succeeded"), "{err}");
}

#[test]
fn a_corrupt_job_store_stops_start_with_a_clear_error() {
    let project = copy_fixture("background");
    std::fs::create_dir_all(project.path().join(".petrel")).unwrap();
    std::fs::write(
        project.path().join(".petrel/jobs.sqlite"),
        b"this is not a database, it is a text file of some length to look like one",
    )
    .unwrap();
    let (ok, _, err) = petrel(&["start", project.path().to_str().unwrap(), "--port", "0"]);
    assert!(!ok);
    assert!(err.contains("jobs.sqlite"), "{err}");
    assert!(err.contains("move it away"), "{err}");
}

#[test]
fn dev_queues_a_background_function_added_while_it_runs() {
    let project = crate::harness::project_with(&[(
        "pages/api/hello.ts",
        "export default (req: any, res: any) => res.send('hi');\n",
    )]);
    let out = project.path().join("runs.jsonl");
    let server = Server::start_with_env(
        "dev",
        project.path(),
        &[],
        &[("PETREL_TEST_OUT", out.to_str().unwrap())],
    );
    assert_eq!(server.get("/api/hello").text(), "hi");
    crate::harness::write_file(
        project.path(),
        "netlify/functions/later-background.mts",
        "import { appendFileSync } from 'node:fs';\nexport default async (request: Request) => {\n  appendFileSync(process.env.PETREL_TEST_OUT!, JSON.stringify({ fn: 'later', body: await request.text() }) + '\\n');\n};\n",
    );
    let reply = server.request(
        "POST",
        "/.netlify/functions/later-background",
        &[],
        b"payload",
    );
    assert_eq!(reply.status, 202, "{}", reply.text());
    let got = wait_for_runs(&out, 1, Duration::from_secs(20));
    assert_eq!(
        got.first().map(|r| r["body"].clone()),
        Some(serde_json::json!("payload")),
        "{}",
        server.logs()
    );
}
