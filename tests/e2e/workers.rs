//! Worker supervision: crashes, hangs, import errors and saturation (fixture `crashy`, one
//! worker with two request slots and a one-request wait queue, from its petrel.toml).

use std::time::{Duration, Instant};

use crate::harness::{Server, fixture};

fn pid(server: &Server) -> u64 {
    let reply = server.get("/api/pid");
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()["pid"].as_u64().expect("pid")
}

#[test]
fn a_worker_that_exits_is_replaced_and_only_its_request_fails() {
    let server = Server::start(&fixture("crashy"), &[]);
    let before = pid(&server);
    let crashed = server.get("/api/exit");
    assert_eq!(crashed.status, 500);
    // The replacement serves the next request. It may still be booting (this fixture lets a
    // request wait only 300 ms for a worker, and a loaded machine boots Node slower): a 503
    // then means "not yet", not a lost request.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut reply = server.get("/api/pid");
    while reply.status == 503 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        reply = server.get("/api/pid");
    }
    assert_eq!(reply.status, 200, "{}", reply.text());
    let after = reply.json()["pid"].as_u64().expect("pid");
    assert_ne!(before, after, "the exited worker should have been replaced");
    assert!(
        server.wait_for_log("exited", Duration::from_secs(5)),
        "{}",
        server.logs()
    );
}

#[test]
fn errors_after_the_response_are_logged_and_the_worker_keeps_serving() {
    let server = Server::start(&fixture("crashy"), &[]);
    let before = pid(&server);
    let reply = server.get("/api/late-throw");
    assert_eq!(reply.status, 200);
    assert!(
        server.wait_for_log("thrown after the response", Duration::from_secs(5)),
        "{}",
        server.logs()
    );
    assert!(server.wait_for_log("rejected after the response", Duration::from_secs(5)));
    assert_eq!(pid(&server), before);
}

#[test]
fn a_handler_throw_is_a_500_with_a_source_mapped_stack() {
    let server = Server::start(&fixture("crashy"), &[]);
    let reply = server.get("/api/boom");
    assert_eq!(reply.status, 500);
    assert_eq!(reply.text(), "Internal Server Error");
    assert!(server.wait_for_log("boom sync", Duration::from_secs(5)));
    // The stack points at the TypeScript source line of the throw.
    assert!(
        server.wait_for_log("pages/api/boom.ts:4:", Duration::from_secs(5)),
        "{}",
        server.logs()
    );
}

#[test]
fn an_import_error_fails_only_that_route() {
    let server = Server::start(&fixture("crashy"), &[]);
    let reply = server.get("/api/importthrow");
    assert_eq!(reply.status, 500);
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(reply.text().contains("500: Internal Server Error"));
    assert!(server.wait_for_log("import time failure", Duration::from_secs(5)));
    assert!(
        server.wait_for_log("pages/api/importthrow.ts:1:", Duration::from_secs(5)),
        "{}",
        server.logs()
    );
    // Retried on every request, as Next does, and other routes are unaffected.
    assert_eq!(server.get("/api/importthrow").status, 500);
    pid(&server);
}

#[test]
fn an_infinite_loop_past_max_duration_gets_504_and_the_worker_is_replaced() {
    let server = Server::start(&fixture("crashy"), &[]);
    let before = pid(&server);
    let started = Instant::now();
    let reply = server.get("/api/loop");
    assert_eq!(reply.status, 504);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        server.wait_for_log(
            "/api/loop did not respond within 1s",
            Duration::from_secs(5)
        ),
        "{}",
        server.logs()
    );
    // The stuck worker fails its health probe and is replaced.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let reply = server.get("/api/pid");
        if reply.status == 200 && reply.json()["pid"].as_u64() != Some(before) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "worker was not replaced: {}",
            server.logs()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn saturation_queues_then_answers_503() {
    let server = Server::start(&fixture("crashy"), &[]);
    let addr = server.addr.clone();
    // Two slots busy for 1.5 s, one request queued (it waits 300 ms, then 503), one rejected at once.
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(50 * i));
                crate::harness::request(&addr, "GET", "/api/slow?ms=1500", &[], b"")
            })
        })
        .collect();
    let replies: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let ok = replies.iter().filter(|r| r.status == 200).count();
    let unavailable: Vec<_> = replies.iter().filter(|r| r.status == 503).collect();
    assert_eq!(ok, 2, "{replies:?}");
    assert_eq!(unavailable.len(), 2, "{replies:?}");
    for reply in unavailable {
        assert_eq!(reply.header("retry-after"), Some("1"));
    }
    // Once the load is gone, requests are served again.
    assert_eq!(server.get("/api/slow?ms=1").status, 200);
}

#[test]
fn concurrent_requests_never_interfere() {
    // Many exchanges at once reuse virtual connections as soon as they complete; a reused
    // connection must never be disturbed by the exchange that used it before.
    let server = Server::start(
        &crate::harness::repo_root()
            .join("examples")
            .join("next-api"),
        &["--workers", "1"],
    );
    let addr = server.addr.clone();
    let threads: Vec<_> = (0..16)
        .map(|t| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let mut failures = Vec::new();
                for i in 0..100 {
                    let reply = crate::harness::request(
                        &addr,
                        "GET",
                        &format!("/api/greet?name=t{t}r{i}"),
                        &[],
                        b"",
                    );
                    let expected = format!("{{\"greeting\":\"Hello, t{t}r{i}!\"}}");
                    if reply.status != 200 || reply.text() != expected {
                        failures.push(format!("{} {}", reply.status, reply.text()));
                    }
                }
                failures
            })
        })
        .collect();
    let failures: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert!(
        failures.is_empty(),
        "{} failed, e.g. {:?}\n{}",
        failures.len(),
        failures.first(),
        server.logs()
    );
}

#[test]
fn sigterm_stops_the_server_and_its_workers() {
    let mut server = Server::start(&fixture("crashy"), &[]);
    let worker = pid(&server);
    let status = server
        .terminate(Duration::from_secs(10))
        .expect("petrel exits after SIGTERM");
    assert!(status.success(), "{status:?}\n{}", server.logs());
    // The worker process is gone too (no zombie left behind for long).
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::path::Path::new(&format!("/proc/{worker}")).exists() {
        let state = std::fs::read_to_string(format!("/proc/{worker}/stat")).unwrap_or_default();
        if state.split_whitespace().nth(2) == Some("Z") {
            break;
        }
        assert!(Instant::now() < deadline, "worker {worker} still running");
        std::thread::sleep(Duration::from_millis(20));
    }
}
