//! Netlify Functions (v1 and v2) served beside Next.js API routes by the real binary, with the
//! behaviour of `shared/reference/netlify-functions-semantics.md` (case numbers refer to its §14).

use std::time::Duration;

use crate::harness::{Server, fixture};

fn server() -> Server {
    Server::start(&fixture("netlify-mixed"), &["--workers", "1"])
}

#[test]
fn default_urls_names_and_layouts() {
    let server = server();
    // Cases 1 and 2: the default URL, with any sub-path.
    let reply = server.get("/.netlify/functions/hello");
    assert_eq!(reply.status, 200, "{}", reply.text());
    let json = reply.json();
    assert_eq!(json["hello"], "world");
    assert_eq!(json["params"], serde_json::json!({}));
    assert_eq!(json["requestId"], 26);
    let json = server.get("/.netlify/functions/hello/any/sub?x=1").json();
    assert_eq!(json["path"], "/.netlify/functions/hello/any/sub");
    assert_eq!(json["query"], "?x=1");
    // Case 3: unknown function.
    let reply = server.get("/.netlify/functions/nope");
    assert_eq!(
        (reply.status, reply.text().as_str()),
        (404, "Function not found...")
    );
    // Case 4: invalid name.
    let reply = server.get("/.netlify/functions/bad.name");
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.text(),
        "Function name should consist only of alphanumeric characters, hyphen & underscores."
    );
    // Folder layouts.
    assert_eq!(server.get("/.netlify/functions/nested").text(), "nested");
    assert_eq!(
        server.get("/.netlify/functions/folder-fn").text(),
        "folder index"
    );
}

#[test]
fn config_paths_methods_and_exclusions() {
    let server = server();
    // Cases 7, 8: params, optional trailing slash.
    let json = server.get("/api/items/42").json();
    assert_eq!(json["params"], serde_json::json!({"id": "42"}));
    assert_eq!(server.get("/api/items/42/").json()["params"]["id"], "42");
    // Case 9: a function with `path` is not at its default URL.
    assert_eq!(server.get("/.netlify/functions/items").status, 404);
    // Case 10: excluded path falls through (to the Next routes: their 404 page).
    assert_eq!(server.get("/api/items/secret").status, 404);
    // Cases 11, 12: method filter ("post" upper-cased).
    let reply = server.request("POST", "/api/items/42", &[], b"");
    assert_eq!(reply.json()["method"], "POST");
    assert_eq!(
        server.request("DELETE", "/api/items/42", &[], b"").status,
        404
    );
    // Case 13: unnamed wildcard.
    assert_eq!(
        server.get("/api/wild/a/b/c").json()["params"],
        serde_json::json!({"0": "a/b/c"})
    );
    assert_eq!(server.get("/api/wild").status, 404);
    // Case 14: optional segment.
    assert_eq!(
        server.get("/api/opt").json()["params"],
        serde_json::json!({})
    );
    assert_eq!(
        server.get("/api/opt/zz").json()["params"],
        serde_json::json!({"x": "zz"})
    );
    // Case 15: params are not decoded.
    assert_eq!(
        server.get("/api/items/a%20b").json()["params"]["id"],
        "a%20b"
    );
    // A function path comes before a Next.js route with the same URL (as on Netlify).
    assert_eq!(server.get("/api/shadowed").text(), "netlify function");
}

#[test]
fn a_v2_function_fetches_a_next_api_route_of_the_same_server() {
    let server = server();
    let reply = server.get("/refresh");
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.json(),
        serde_json::json!({"revalidated": ["/blog", "/news"], "method": "POST"})
    );
}

#[test]
fn v2_results_errors_and_cookies() {
    let server = server();
    // Case 27: undefined → 204.
    let reply = server.get("/.netlify/functions/undef");
    assert_eq!((reply.status, reply.text().as_str()), (204, ""));
    // Case 28: an unsupported value → 500.
    let reply = server.get("/.netlify/functions/badret");
    assert_eq!(reply.status, 500);
    assert!(
        reply.text().contains(
            "Function returned an unsupported value. Accepted types are 'Response' or 'undefined'"
        ),
        "{}",
        reply.text()
    );
    // Case 29: a throw → 500 with the error.
    let reply = server.get("/.netlify/functions/kaboom");
    assert_eq!(reply.status, 500);
    assert!(
        reply.text().starts_with("Error: kaboom"),
        "{}",
        reply.text()
    );
    // Case 30: cookies.
    let reply = server.request(
        "GET",
        "/.netlify/functions/cookies",
        &[("cookie", "foo=bar")],
        b"",
    );
    assert_eq!(reply.text(), "foo=bar");
    let cookies: Vec<&str> = reply
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(
        cookies,
        vec![
            "c1=v1; HttpOnly; Path=/",
            "gone=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
        ]
    );
}

#[test]
fn v1_event_and_result_mapping() {
    let server = server();
    // Cases 22, 25: multi-value headers and query parameters.
    let reply = server.get("/.netlify/functions/legacy/extra?a=1&a=2&b=x");
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("x-single"), Some("a"));
    let cookies = reply
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .count();
    assert_eq!(cookies, 2);
    let event = reply.json();
    assert_eq!(event["path"], "/.netlify/functions/legacy/extra");
    assert_eq!(event["httpMethod"], "GET");
    assert_eq!(
        event["queryStringParameters"],
        serde_json::json!({"a": "1, 2", "b": "x"})
    );
    assert_eq!(
        event["multiValueQueryStringParameters"],
        serde_json::json!({"a": ["1", "2"], "b": ["x"]})
    );
    assert_eq!(event["functionName"], "legacy");
    // Case 26: binary bodies are base64, JSON bodies are not.
    let event = server
        .request(
            "POST",
            "/.netlify/functions/legacy",
            &[("content-type", "application/octet-stream")],
            b"abc",
        )
        .json();
    assert_eq!(
        (event["body"].as_str(), event["isBase64Encoded"].as_bool()),
        (Some("YWJj"), Some(true))
    );
    let event = server
        .request(
            "POST",
            "/.netlify/functions/legacy",
            &[("content-type", "application/json")],
            br#"{"x":1}"#,
        )
        .json();
    assert_eq!(
        (event["body"].as_str(), event["isBase64Encoded"].as_bool()),
        (Some(r#"{"x":1}"#), Some(false))
    );
}

#[test]
fn background_scheduled_limits_and_timeouts() {
    let server = server();
    // A background function is queued (202 at once), never run as if synchronous.
    let reply = server.request(
        "POST",
        "/api/shop/import",
        &[("content-type", "application/json")],
        b"{}",
    );
    assert_eq!(reply.status, 202, "{}", reply.text());
    assert!(reply.body.is_empty());
    // A scheduled function is not reachable by URL in `start` (as on Netlify).
    assert_eq!(server.get("/.netlify/functions/nightly-report").status, 404);
    // Case 45: a body over 6 MB is refused with 413, and the server keeps serving.
    let big = vec![b'x'; 7_000_000];
    let reply = server.request(
        "POST",
        "/.netlify/functions/legacy",
        &[("content-type", "text/plain")],
        &big,
    );
    assert_eq!(reply.status, 413, "{}", reply.text());
    assert_eq!(server.get("/.netlify/functions/nested").text(), "nested");
    // Case 44 (with `timeout: 1`): past the limit → 504 naming the function.
    let reply = server.get("/slow");
    assert_eq!(reply.status, 504);
    assert!(reply.text().contains("slow"), "{}", reply.text());
    assert_eq!(server.get("/.netlify/functions/nested").text(), "nested");
}

/// Reference cases 38–39 in `petrel dev`: a request to a scheduled function runs it now, sent
/// what the scheduler sends (POST, `next_run` of the following slot, Netlify's user agent),
/// whatever the request was; the answer is the handler's.
#[test]
fn dev_runs_a_scheduled_function_on_request() {
    let server = Server::start_dev(&fixture("netlify-mixed"), &[]);
    let reply = server.get("/.netlify/functions/nightly-report");
    assert_eq!((reply.status, reply.text().as_str()), (200, "report done"));
    assert!(
        server.wait_for_log("nightly report, next run 20", Duration::from_secs(5)),
        "{}",
        server.logs()
    );
    let logs = server.logs();
    let line = logs
        .lines()
        .find(|l| l.contains("nightly report, next run"))
        .unwrap();
    // `*/5 * * * *`: the next slot, a multiple of five minutes, in Netlify's ISO format.
    let next_run = line.rsplit(' ').next().unwrap();
    assert_eq!(next_run.len(), "2026-11-24T22:00:00.000Z".len(), "{line}");
    assert!(next_run.ends_with(":00.000Z"), "{line}");
    let minute: u32 = next_run[14..16].parse().unwrap();
    assert_eq!(minute % 5, 0, "{line}");
}

/// Reference cases 19–21 and a module with neither export: `petrel start` refuses to serve and
/// names the file and the problem, in Netlify's words.
#[test]
fn bad_function_config_stops_start_with_netlifys_message() {
    let cases = [
        (
            "export default async () => new Response('x');\nexport const config = { path: 'noslash' };\n",
            "Function broken has a configuration error on 'path': Must start with a '/'",
        ),
        (
            "export default async () => new Response('x');\nexport const config = { path: '/m', method: 'FOO' };\n",
            "Function broken has a configuration error on 'method': Must be a string or array of strings",
        ),
        (
            "export default async () => new Response('x');\nexport const config = { memory: 2048, vcpu: 1 };\n",
            "Function broken has a configuration error on 'vcpu': `memory` and `vcpu` cannot both be set.",
        ),
        (
            "export const notAHandler = 1;\n",
            "exports neither a default function (v2) nor a `handler` (v1)",
        ),
    ];
    for (source, message) in cases {
        let project = crate::harness::project_with(&[("netlify/functions/broken.mts", source)]);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_petrel"))
            .arg("start")
            .arg(project.path())
            .args(["--port", "0"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{source}");
        assert!(stderr.contains("netlify/functions/broken.mts"), "{stderr}");
        assert!(stderr.contains(message), "{message}\n{stderr}");
    }
}

#[test]
fn dev_reloads_an_edited_function() {
    let project = crate::harness::project_with(&[(
        "netlify/functions/greet.mts",
        "export default async () => new Response('hello');\nexport const config = { path: '/greet' };\n",
    )]);
    let root = project.path();
    let server = Server::start_dev(root, &[]);
    assert_eq!(server.get("/greet").text(), "hello");
    crate::harness::write_file(
        root,
        "netlify/functions/greet.mts",
        "export default async () => new Response('bonjour');\nexport const config = { path: '/salut' };\n",
    );
    assert_eq!(server.get("/salut").text(), "bonjour");
    assert_eq!(server.get("/greet").status, 404);
    // A config error in dev answers that function's requests with the error.
    crate::harness::write_file(
        root,
        "netlify/functions/greet.mts",
        "export default async () => new Response('x');\nexport const config = { path: 'nope' };\n",
    );
    let reply = server.get("/.netlify/functions/greet");
    assert_eq!(reply.status, 500, "{}", reply.text());
    assert!(
        reply.text().contains("Must start with a '/'"),
        "{}",
        reply.text()
    );
}
