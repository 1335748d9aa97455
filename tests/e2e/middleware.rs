//! Real npm middleware inside Pages API routes: `cors`, and `busboy` on a `bodyParser: false`
//! route (fixture `middleware`, installed by `npm ci` from its lockfile in scripts/test.sh).

use crate::harness::{Server, fixture};

fn server() -> Server {
    let dir = fixture("middleware");
    assert!(
        dir.join("node_modules").join("cors").is_dir(),
        "run `npm ci` in {} first (scripts/test.sh does)",
        dir.display()
    );
    Server::start(&dir, &["--workers", "1"])
}

#[test]
fn cors_middleware_sets_its_headers() {
    let server = server();
    let reply = server.request(
        "GET",
        "/api/cors",
        &[("origin", "https://app.example")],
        b"",
    );
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(
        reply.json(),
        serde_json::json!({"message": "Hello with CORS"})
    );
    // The preflight is answered by the middleware itself (204, methods listed).
    let preflight = server.request(
        "OPTIONS",
        "/api/cors",
        &[
            ("origin", "https://app.example"),
            ("access-control-request-method", "POST"),
        ],
        b"",
    );
    assert_eq!(preflight.status, 204);
    assert_eq!(
        preflight.header("access-control-allow-methods"),
        Some("POST,GET,HEAD")
    );
}

#[test]
fn busboy_parses_a_multipart_upload() {
    let server = server();
    let file: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let boundary = "----petrelboundary42";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nholiday\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(&file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let reply = server.request(
        "POST",
        "/api/upload",
        &[("content-type", &content_type)],
        &body,
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let json = reply.json();
    assert_eq!(json["fields"], serde_json::json!({"title": "holiday"}));
    assert_eq!(json["files"][0]["name"], "a.bin");
    assert_eq!(json["files"][0]["bytes"], 200_000);
    let expected = {
        // sha256 of the file, computed independently of the handler.
        let out = std::process::Command::new("sha256sum")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().unwrap().write_all(&file)?;
                child.wait_with_output()
            })
            .expect("sha256sum");
        String::from_utf8(out.stdout).unwrap()[..64].to_string()
    };
    assert_eq!(json["files"][0]["sha256"], expected);
}
