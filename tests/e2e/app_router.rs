//! App Router route handlers (`app/**/route.ts`) end to end, on fixture `app-router`: the
//! `next/*` APIs handlers use (with and without `next` installed), a stream read as it is
//! produced, `after()`, the request's abort signal, `maxDuration`, errors in `start` and `dev`,
//! and one handler module served as an app route and as a Netlify Function alike.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::harness::{Reply, Server, copy_fixture, fixture};

const MULTIPART: &str = "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nReport\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"notes.txt\"\r\nContent-Type: text/plain\r\n\r\nfirst line\r\n--XyZ--\r\n";

/// What the fixture's feature routes answer, as `(what, status, location, set-cookie, body)`.
fn feature_answers(server: &Server) -> Vec<serde_json::Value> {
    let summary = |what: &str, reply: &Reply| {
        let cookies: Vec<&str> = reply
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.as_str())
            .collect();
        serde_json::json!({
            "what": what,
            "status": reply.status,
            "content-type": reply.header("content-type"),
            "location": reply.header("location"),
            "x-feature": reply.header("x-feature"),
            "set-cookie": cookies,
            "body": reply.text(),
        })
    };
    vec![
        summary(
            "json",
            &server.request(
                "GET",
                "/api/features/json?q=a+b",
                &[("cookie", "session=s%201")],
                b"",
            ),
        ),
        summary(
            "cookies",
            &server.request(
                "POST",
                "/api/features/cookies",
                &[("cookie", "visits=2; old=x")],
                b"",
            ),
        ),
        summary(
            "upload",
            &server.request(
                "POST",
                "/api/features/upload",
                &[("content-type", "multipart/form-data; boundary=XyZ")],
                MULTIPART.as_bytes(),
            ),
        ),
        summary("redirect", &server.get("/api/features/go?to=/elsewhere")),
        summary("notFound", &server.get("/api/features/missing")),
    ]
}

#[test]
fn next_apis_answer_as_in_next_with_and_without_next_installed() {
    let installed = fixture("app-router");
    assert!(
        installed.join("node_modules/next/package.json").is_file(),
        "run `npm ci` in {} first (scripts/test.sh does)",
        installed.display()
    );
    let with_next = {
        let server = Server::start(&installed, &["--workers", "1"]);
        feature_answers(&server)
    };
    let bare = copy_fixture("app-router");
    assert!(!bare.path().join("node_modules").exists());
    let without_next = {
        let server = Server::start(bare.path(), &["--workers", "1"]);
        feature_answers(&server)
    };
    assert_eq!(with_next, without_next);
    let expected = serde_json::json!([
        {"what": "json", "status": 200, "content-type": "application/json", "location": null, "x-feature": "json", "set-cookie": [],
         "body": "{\"q\":\"a b\",\"session\":\"s 1\"}"},
        {"what": "cookies", "status": 200, "content-type": "application/json", "location": null, "x-feature": null,
         "set-cookie": ["visits=3; Path=/; HttpOnly", "old=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"],
         "body": "{\"before\":\"2\",\"after\":\"3\"}"},
        {"what": "upload", "status": 200, "content-type": "application/json", "location": null, "x-feature": null, "set-cookie": [],
         "body": "{\"title\":\"Report\",\"file\":{\"name\":\"notes.txt\",\"type\":\"text/plain\",\"text\":\"first line\"}}"},
        {"what": "redirect", "status": 307, "content-type": null, "location": "/elsewhere", "x-feature": null, "set-cookie": [], "body": ""},
        {"what": "notFound", "status": 404, "content-type": null, "location": null, "x-feature": null, "set-cookie": [], "body": ""},
    ]);
    assert_eq!(serde_json::Value::Array(with_next), expected);
}

/// Reads a chunked response, noting when each chunk arrived.
fn timed_chunks(addr: &str, path: &str) -> Vec<(Duration, String)> {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let started = Instant::now();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
    }
    let mut chunks = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        let size = usize::from_str_radix(line.trim(), 16).unwrap();
        if size == 0 {
            return chunks;
        }
        let mut data = vec![0; size + 2];
        reader.read_exact(&mut data).unwrap();
        data.truncate(size);
        chunks.push((
            started.elapsed(),
            String::from_utf8_lossy(&data).into_owned(),
        ));
    }
}

#[test]
fn a_stream_is_sent_as_it_is_produced_and_after_runs_later() {
    let project = copy_fixture("app-router");
    let out = project.path().join("after.jsonl");
    let server = Server::start_with_env(
        "start",
        project.path(),
        &["--workers", "1"],
        &[("PETREL_TEST_OUT", out.to_str().unwrap())],
    );
    let chunks = timed_chunks(&server.addr, "/api/features/stream");
    let text: String = chunks.iter().map(|(_, c)| c.as_str()).collect();
    assert_eq!(text, "one\ntwo\nthree\n");
    let first = chunks.first().unwrap().0;
    let last = chunks.last().unwrap().0;
    assert!(
        last >= first + Duration::from_millis(400),
        "the first chunk ({first:?}) arrived long before the last ({last:?}): {chunks:?}"
    );

    let reply = server.request(
        "POST",
        "/api/features/after",
        &[("content-type", "application/json")],
        br#"{"id":7}"#,
    );
    assert_eq!(reply.json(), serde_json::json!({"accepted": 7}));
    assert!(
        std::fs::read_to_string(&out).unwrap_or_default().is_empty(),
        "after() runs once the response is sent, not before"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::read_to_string(&out).unwrap_or_default().is_empty() && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        std::fs::read_to_string(&out).unwrap_or_default(),
        "{\"after\":7}\n"
    );
}

#[test]
fn the_request_signal_aborts_when_the_client_goes_away() {
    let project = copy_fixture("app-router");
    let out = project.path().join("abort.jsonl");
    let server = Server::start_with_env(
        "start",
        project.path(),
        &["--workers", "1"],
        &[("PETREL_TEST_OUT", out.to_str().unwrap())],
    );
    {
        let mut stream = TcpStream::connect(&server.addr).unwrap();
        write!(
            stream,
            "GET /api/abort HTTP/1.1\r\nHost: {}\r\n\r\n",
            server.addr
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(300));
    } // the client goes away
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::read_to_string(&out).unwrap_or_default().is_empty() && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        std::fs::read_to_string(&out).unwrap_or_default(),
        "{\"aborted\":true}\n",
        "{}",
        server.logs()
    );
}

#[test]
fn max_duration_is_enforced_with_a_504() {
    let server = Server::start(&fixture("app-router"), &["--workers", "1"]);
    let started = Instant::now();
    let reply = server.get("/api/slow");
    assert_eq!(reply.status, 504, "{}", reply.text());
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "answered at maxDuration (1 s), not when the handler would finish (5 s)"
    );
    assert!(
        server.wait_for_log(
            "/api/slow did not respond within 1s",
            Duration::from_secs(5)
        ),
        "{}",
        server.logs()
    );
    // The other routes still answer.
    assert_eq!(server.get("/api/features/json").status, 200);
}

#[test]
fn a_throw_is_an_empty_500_in_start_and_a_located_error_in_dev() {
    let server = Server::start(&fixture("app-router"), &["--workers", "1"]);
    let reply = server.get("/api/boom");
    assert_eq!(reply.status, 500);
    assert_eq!(reply.text(), "");
    assert!(
        server.wait_for_log("boom from a route handler", Duration::from_secs(5)),
        "{}",
        server.logs()
    );
    assert_eq!(server.get("/api/features/json").status, 200);
    drop(server);

    let project = copy_fixture("app-router");
    let server = Server::start_dev(project.path(), &["--workers", "1"]);
    let reply = server.request("GET", "/api/boom", &[("accept", "text/html")], b"");
    assert_eq!(reply.status, 500);
    let page = reply.text();
    assert!(
        page.contains("boom from a route handler") && page.contains("app/api/boom/route.ts"),
        "the dev error page names the error and the file:\n{page}"
    );
    assert!(
        server.wait_for_log("app/api/boom/route.ts:2", Duration::from_secs(5)),
        "the terminal shows the source-mapped location:\n{}",
        server.logs()
    );
    assert_eq!(server.get("/api/features/json").status, 200);
}

/// Status, content-type, the handler's own header and the body.
fn essentials(reply: &Reply) -> (u16, Option<String>, Option<String>, String) {
    (
        reply.status,
        reply.header("content-type").map(str::to_string),
        reply.header("x-shared").map(str::to_string),
        reply.text(),
    )
}

#[test]
fn one_handler_answers_alike_as_an_app_route_and_a_netlify_function() {
    let server = Server::start(&fixture("app-router"), &["--workers", "1"]);
    for (method, body) in [("GET", &b""[..]), ("POST", &br#"{"n":1}"#[..])] {
        let headers = [("content-type", "application/json")];
        let app = server.request(method, "/api/shared?name=petrel", &headers, body);
        let function = server.request(method, "/fn/shared?name=petrel", &headers, body);
        assert_eq!(app.status, 201, "{}", app.text());
        assert_eq!(essentials(&app), essentials(&function), "{method}");
    }
}

#[test]
fn petrel_routes_lists_app_routes_with_methods_and_segment_config() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_petrel"))
        .arg("routes")
        .arg(fixture("app-router"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let line = |route: &str| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(route))
            .unwrap_or_else(|| panic!("{route} is listed:\n{text}"))
            .to_string()
    };
    assert!(line("/api/shared").contains("app GET POST"), "{text}");
    assert!(line("/api/slow").contains("maxDuration=1"), "{text}");
    assert!(
        line("/api/features/cookies").contains("app/api/features/cookies/route.ts"),
        "{text}"
    );
}

#[test]
fn an_app_route_and_a_pages_route_on_one_url_stop_the_start_naming_both_files() {
    let project = crate::harness::project_with(&[
        ("package.json", "{\"private\":true}"),
        (
            "app/api/hello/route.ts",
            "export const GET = () => Response.json({ from: \"app\" });\n",
        ),
        (
            "pages/api/hello.ts",
            "export default (req, res) => res.json({ from: \"pages\" });\n",
        ),
    ]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_petrel"))
        .arg("routes")
        .arg(project.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        text.contains("App Router and Pages Router both match path: /api/hello")
            && text.contains("app/api/hello/route.ts")
            && text.contains("pages/api/hello.ts"),
        "{text}"
    );
    let server = Server::try_start(project.path(), &[]);
    assert!(server.is_err(), "petrel start refuses the project");
}

#[test]
fn dev_serves_a_saved_route_handler_and_a_new_one_on_the_next_request() {
    let project = copy_fixture("app-router");
    let server = Server::start_dev(project.path(), &["--workers", "1"]);
    assert_eq!(server.get("/api/features/json?q=1").status, 200);
    crate::harness::write_file(
        project.path(),
        "app/api/features/json/route.ts",
        "export const GET = () => Response.json({ edited: true });\n",
    );
    assert_eq!(
        server.get("/api/features/json").json(),
        serde_json::json!({"edited": true})
    );
    crate::harness::write_file(
        project.path(),
        "app/api/(new)/fresh/route.ts",
        "export const POST = () => new Response(\"fresh\", { status: 201 });\n",
    );
    let fresh = server.request("POST", "/api/fresh", &[], b"");
    assert_eq!((fresh.status, fresh.text()), (201, "fresh".to_string()));
    assert_eq!(server.get("/api/fresh").status, 405);
}

#[test]
fn a_non_literal_segment_config_is_a_build_error_and_edge_is_shown() {
    let project = crate::harness::project_with(&[
        ("package.json", "{\"private\":true}"),
        (
            "app/api/cached/route.ts",
            "const mode = \"force-static\";\nexport const dynamic = mode;\nexport const GET = () => Response.json({});\n",
        ),
        (
            "app/api/edgy/route.ts",
            "export const runtime = \"edge\";\nexport const GET = () => Response.json({});\n",
        ),
    ]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_petrel"))
        .arg("routes")
        .arg(project.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(
        text.contains("app/api/cached/route.ts:2:24 (route /api/cached)")
            && text.contains("`mode` is an identifier"),
        "{text}"
    );
    assert!(
        text.contains("runtime=edge (run in Node with the Web APIs)"),
        "{text}"
    );
}
