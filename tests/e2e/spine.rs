//! The bundled example project (`examples/next-api`) behaves as the Next.js API routes docs say.

use crate::harness::{Server, repo_root};

fn example() -> Server {
    Server::start(
        &repo_root().join("examples").join("next-api"),
        &["--workers", "1"],
    )
}

#[test]
fn docs_examples_behave_as_documented() {
    let server = example();

    let hello = server.get("/api/hello");
    assert_eq!(hello.status, 200);
    assert_eq!(hello.text(), r#"{"message":"Hello from Next.js!"}"#);
    assert_eq!(
        hello.header("content-type"),
        Some("application/json; charset=utf-8")
    );

    // Precedence: static > [pid] > [...slug].
    let create = server.request(
        "POST",
        "/api/post/create",
        &[("content-type", "application/json")],
        br#"{"title":"first"}"#,
    );
    assert_eq!(create.status, 201);
    assert_eq!(
        create.json(),
        serde_json::json!({"created": {"title": "first"}})
    );
    assert_eq!(server.get("/api/post/abc").text(), "Post: abc");
    assert_eq!(server.get("/api/post/a/b/c").text(), "Post: a, b, c");

    // Optional catch-all.
    assert_eq!(server.get("/api/docs").json(), serde_json::json!({}));
    assert_eq!(
        server.get("/api/docs/a/b").json(),
        serde_json::json!({"slug": ["a", "b"]})
    );

    // Redirect defaults to 307; the tsconfig alias import works.
    let redirect = server.get("/api/redirect");
    assert_eq!(redirect.status, 307);
    assert_eq!(redirect.header("location"), Some("/api/hello"));
    assert_eq!(
        server.get("/api/greet?name=Ada").json(),
        serde_json::json!({"greeting": "Hello, Ada!"})
    );

    // An App Router route handler beside them.
    let item = server.request(
        "GET",
        "/api/items/a%20b?field=x&field=y",
        &[("cookie", "views=2")],
        b"",
    );
    assert_eq!(
        item.json(),
        serde_json::json!({"id": "a b", "fields": ["x", "y"], "views": 3})
    );
    assert_eq!(item.header("set-cookie"), Some("views=3; Path=/"));
    let deleted = server.request("DELETE", "/api/items/7", &[], b"");
    assert_eq!(
        (deleted.status, deleted.header("x-deleted")),
        (204, Some("7"))
    );
    let options = server.request("OPTIONS", "/api/items/7", &[], b"");
    assert_eq!(options.header("allow"), Some("DELETE, GET, HEAD, OPTIONS"));

    // Unmatched /api/* is Next's HTML 404 page.
    let missing = server.get("/api/nope");
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(missing.text().contains("404: This page could not be found"));
}

#[test]
fn custom_config_limits_and_raw_bodies() {
    let server = example();
    let echo = server.request(
        "POST",
        "/api/echo?x=1",
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("cookie", "session=abc; theme=dark"),
        ],
        b"a=1&a=2&b=hello+world",
    );
    assert_eq!(echo.status, 200);
    assert_eq!(
        echo.json(),
        serde_json::json!({
            "method": "POST",
            "body": {"a": ["1", "2"], "b": "hello world"},
            "cookies": {"session": "abc", "theme": "dark"},
            "query": {"x": "1"}
        })
    );
    // sizeLimit 500kb: one byte over is Next's 413.
    let big = vec![b'x'; 500 * 1024 + 1];
    let too_big = server.request("POST", "/api/echo", &[("content-type", "text/plain")], &big);
    assert_eq!(too_big.status, 413);
    assert_eq!(too_big.reason, "Body exceeded 500kb limit");
    assert_eq!(too_big.text(), "Body exceeded 500kb limit");

    // bodyParser: false leaves the stream to the handler, any size.
    let payload = vec![7u8; 2 * 1024 * 1024];
    let raw = server.request(
        "POST",
        "/api/webhook",
        &[("content-type", "application/json")],
        &payload,
    );
    assert_eq!(raw.status, 200);
    assert_eq!(raw.json()["bytes"], 2 * 1024 * 1024);
}

#[test]
fn trailing_slash_and_bad_escapes_are_answered_before_routing() {
    let server = example();
    let slash = server.get("/api/hello/?x=1");
    assert_eq!(slash.status, 308);
    assert_eq!(slash.header("location"), Some("/api/hello?x=1"));
    assert_eq!(slash.header("refresh"), Some("0;url=/api/hello?x=1"));
    assert_eq!(slash.text(), "/api/hello?x=1");
    assert!(slash.chunked, "Next sends its redirects chunked");
    let bad = server.get("/api/post/%ZZ");
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("400: Bad Request"));
}

#[test]
fn request_log_has_one_line_per_request() {
    let server = example();
    server.get("/api/hello");
    server.get("/api/nope");
    assert!(
        server.wait_for_log("GET /api/hello 200 in ", std::time::Duration::from_secs(5)),
        "{}",
        server.logs()
    );
    assert!(server.wait_for_log("GET /api/nope 404 in ", std::time::Duration::from_secs(5)));
}

#[test]
fn compressible_responses_vary_and_large_ones_are_gzipped() {
    let server = example();
    let small = server.request("GET", "/api/hello", &[("accept-encoding", "gzip")], b"");
    assert_eq!(small.header("vary"), Some("Accept-Encoding"));
    assert_eq!(
        small.header("content-encoding"),
        None,
        "under 1 KiB stays plain"
    );
    // A 4 KB JSON echo is compressed for a gzip client, and decompresses to the same JSON.
    let text = "y".repeat(4000);
    let plain = server.request(
        "POST",
        "/api/echo",
        &[("content-type", "text/plain")],
        text.as_bytes(),
    );
    let zipped = server.request(
        "POST",
        "/api/echo",
        &[("content-type", "text/plain"), ("accept-encoding", "gzip")],
        text.as_bytes(),
    );
    assert_eq!(zipped.header("content-encoding"), Some("gzip"));
    assert!(zipped.body.len() < plain.body.len() / 4);
    let mut child = std::process::Command::new("gzip")
        .arg("-dc")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gzip");
    {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(&zipped.body).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.stdout, plain.body);
}

#[test]
fn edge_runtime_routes_take_a_request_and_return_a_response() {
    let server = example();
    let reply = server.get("/api/edge?q=1");
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(
        reply.json(),
        serde_json::json!({"edge": true, "q": "1", "method": "GET"})
    );
}

#[test]
fn chunked_uploads_reach_the_handler_intact() {
    use std::io::{Read, Write};
    let server = example();
    let mut stream = std::net::TcpStream::connect(&server.addr).unwrap();
    let head = format!(
        "POST /api/webhook HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n",
        server.addr
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut sent = 0;
    for size in [1usize, 10, 4096, 70_000, 3] {
        stream
            .write_all(format!("{size:x}\r\n").as_bytes())
            .unwrap();
        stream.write_all(&vec![b'z'; size]).unwrap();
        stream.write_all(b"\r\n").unwrap();
        sent += size;
    }
    stream.write_all(b"0\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains(&format!("\"bytes\":{sent}")), "{text}");
}

#[test]
fn the_example_netlify_function_calls_a_next_api_route() {
    let server = example();
    let reply = server.get("/greeting/ada");
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.json(),
        serde_json::json!({"name": "ada", "fromNext": "Hello from Next.js!"})
    );
}
