//! Differential conformance against the real platforms: for every suite folder
//! `tests/conformance/nextjs_*/` (and `netlify_*/`, recorded from `netlify dev` by
//! `record_netlify.sh`), replays each case of its `cases.json` against Petrel serving
//! the suite's fixture `project/` and compares with its `golden.json`, which
//! `tests/conformance/record.sh` recorded from `next start` (never edited by hand). The
//! comparison is the one of `tests/conformance/tools/http-diff compare`: status (and status text
//! when checked), each checked header as its joined value (volatile headers never), the body as
//! JSON when the golden body is JSON, else its SHA-256.
//!
//! Cases Petrel knowingly answers differently are listed with a reason in the suite's
//! `expected_failures.txt`; a listed case that passes fails the test too, so the list only
//! shrinks. One `#[test]` per suite; `every_suite_folder_has_a_test` keeps the list complete.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::harness::{Server, repo_root};

/// Headers the comparison never looks at (they vary per run).
const VOLATILE: &[&str] = &["date", "etag", "keep-alive"];
/// `check` entries that are not header names.
const NOT_HEADERS: &[&str] = &["status", "reason", "body"];
/// Methods for which Python's `http.client` sends `Content-Length: 0` without a body.
const METHODS_EXPECTING_BODY: &[&str] = &["PATCH", "POST", "PUT"];
/// Every suite folder under `tests/conformance/`, each run by the test of the same name.
const SUITES: &[&str] = &[
    "netlify_functions",
    "nextjs_app",
    "nextjs_config",
    "nextjs_env",
    "nextjs_pages",
];

fn conformance_dir() -> PathBuf {
    repo_root().join("tests").join("conformance")
}

/// Fixture a: the Pages API routes of the reference (§9.2 cases 1-99).
#[test]
fn nextjs_pages_conformance() {
    run_suite("nextjs_pages");
}

/// The `.env*` files of case 100, read by `next start` (no variable set in the environment).
#[test]
fn nextjs_env_conformance() {
    run_suite("nextjs_env");
}

/// Fixture c: `basePath`, `trailingSlash`, `pageExtensions` in `next.config.js` (cases 102-107).
#[test]
fn nextjs_config_conformance() {
    run_suite("nextjs_config");
}

/// Fixture b: App Router route handlers (reference §9.3 cases 108-133 and cases 140+ of our
/// own), with one Pages API route beside them.
#[test]
fn nextjs_app_conformance() {
    run_suite("nextjs_app");
}

#[test]
fn netlify_functions_conformance() {
    run_suite("netlify_functions");
}

#[test]
fn every_suite_folder_has_a_test() {
    let mut found: Vec<String> = std::fs::read_dir(conformance_dir())
        .expect("tests/conformance exists")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with("nextjs_") || n.starts_with("netlify_"))
        .collect();
    found.sort();
    assert_eq!(
        found, SUITES,
        "tests/conformance/{{nextjs,netlify}}_*/ folders and SUITES in tests/e2e/conformance.rs differ: \
         add a #[test] calling run_suite for each suite folder"
    );
}

/// Replays one suite against Petrel and enforces its `expected_failures.txt` both ways.
fn run_suite(suite: &str) {
    let dir = conformance_dir().join(suite);
    let cases = read_json(&dir.join("cases.json"));
    let golden = read_json(&dir.join("golden.json"));
    let expected = read_expected_failures(&dir.join("expected_failures.txt"));
    let cases = cases.as_array().expect("cases.json is a list");
    let meta = golden.get("_meta");
    let platform = if let Some(next) = meta.and_then(|m| m.get("next")).and_then(Value::as_str) {
        format!("Next.js {next}")
    } else if let Some(cli) = meta
        .and_then(|m| m.get("netlify-cli"))
        .and_then(Value::as_str)
    {
        format!("netlify dev (netlify-cli {cli})")
    } else {
        panic!(
            "golden.json has no _meta.next or _meta.netlify-cli: re-record it with tests/conformance/record.sh or record_netlify.sh"
        )
    };

    let names: Vec<&str> = cases.iter().map(|c| str_field(c, "name")).collect();
    for name in expected.keys() {
        assert!(
            names.contains(&name.as_str()),
            "{suite}/expected_failures.txt lists {name}, which is not a case in cases.json"
        );
    }

    // record.sh starts `next build`/`next start` without the variables the fixture's .env*
    // files set; Petrel inherits this process's environment, so it must not have them either.
    let project = dir.join("project");
    let inherited: Vec<String> = dotenv_keys(&project)
        .into_iter()
        .filter(|k| std::env::var_os(k).is_some())
        .collect();
    assert!(
        inherited.is_empty(),
        "{suite}: {inherited:?} set in the environment of the test run, but the golden was \
         recorded without them (the project's .env* files decide): unset them"
    );

    let server = Server::start(&project, &["--workers", "1"]);
    let mut failures: Vec<(String, Vec<String>)> = Vec::new();
    let mut passed = 0;
    for case in cases {
        let name = str_field(case, "name");
        let want = golden.get(name).unwrap_or_else(|| {
            panic!("{suite}/golden.json has no entry for {name}: re-record with tests/conformance/record.sh {suite}")
        });
        let diffs = match send(&server.addr, case) {
            Ok(got) => differences(case, want, &got),
            Err(e) => vec![format!("error {e}")],
        };
        if diffs.is_empty() {
            passed += 1;
        } else {
            failures.push((name.to_string(), diffs));
        }
    }

    let mut problems = Vec::new();
    for (name, diffs) in &failures {
        if !expected.contains_key(name) {
            problems.push(format!("FAIL {name}: {}", diffs.join("; ")));
        }
    }
    for name in expected.keys() {
        if !failures.iter().any(|(n, _)| n == name) {
            problems.push(format!(
                "PASS {name}: it now matches {platform}; remove it from {suite}/expected_failures.txt"
            ));
        }
    }
    for (name, diffs) in &failures {
        if let Some(reason) = expected.get(name) {
            eprintln!("expected failure {name} ({reason}): {}", diffs.join("; "));
        }
    }
    let expected_failing = failures
        .iter()
        .filter(|(n, _)| expected.contains_key(n))
        .count();
    println!(
        "conformance {suite}: {passed} passed, {expected_failing} expected failures (golden: {platform})"
    );
    assert!(
        problems.is_empty(),
        "conformance {suite} against {platform}: {} problem(s)\n{}\n\npetrel output:\n{}",
        problems.len(),
        problems.join("\n"),
        server.logs()
    );
}

/// The variable names assigned in the project's `.env*` files (`KEY=…` or `export KEY=…`).
fn dotenv_keys(project: &Path) -> Vec<String> {
    let mut keys = Vec::new();
    let Ok(entries) = std::fs::read_dir(project) else {
        return keys;
    };
    for entry in entries.filter_map(Result::ok) {
        let is_env = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n == ".env" || n.starts_with(".env."));
        if !is_env {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        for line in text.lines() {
            let line = line.trim_start();
            let line = line.strip_prefix("export ").unwrap_or(line);
            if let Some((key, _)) = line.split_once('=') {
                let key = key.trim();
                let ident = !key.is_empty()
                    && !key.starts_with(|c: char| c.is_ascii_digit())
                    && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if ident && !keys.iter().any(|k| k == key) {
                    keys.push(key.to_string());
                }
            }
        }
    }
    keys
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// `case-name  # reason` per line; blank lines and lines starting with `#` are skipped.
fn read_expected_failures(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, reason) = line
            .split_once('#')
            .unwrap_or_else(|| panic!("{}:{}: `{line}` has no `# reason`", path.display(), i + 1));
        let (name, reason) = (name.trim(), reason.trim());
        assert!(
            !name.is_empty() && !reason.is_empty(),
            "{}:{}: needs `case-name  # reason`",
            path.display(),
            i + 1
        );
        assert!(
            out.insert(name.to_string(), reason.to_string()).is_none(),
            "{} lists {name} twice",
            path.display()
        );
    }
    out
}

fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("case without string field {key:?}: {v}"))
}

/// What one response looked like, in the terms of http-diff.
struct Got {
    status: u16,
    reason: String,
    /// (lower-case name, value) in wire order.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Got {
    /// All values of a header joined with ", " (as http-diff records them), `None` if absent.
    fn header(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    }
}

fn body_of(case: &Value) -> Option<Vec<u8>> {
    match case.get("body") {
        Some(Value::String(s)) => Some(s.clone().into_bytes()),
        Some(Value::Null) | None => case.get("body_repeat").map(|rep| {
            let text = str_field(rep, "text");
            let times = rep
                .get("times")
                .and_then(Value::as_u64)
                .expect("body_repeat.times");
            text.repeat(usize::try_from(times).expect("times fits usize"))
                .into_bytes()
        }),
        Some(other) => panic!(
            "case {}: only string bodies are supported here (http-diff would send \
             Python's json.dumps of {other}); write the body as a string",
            str_field(case, "name")
        ),
    }
}

/// Sends the case exactly as Python's `http.client` does in http-diff: request line, `Host`
/// and `Accept-Encoding: identity` unless the case sets them, `Content-Length` when there is a
/// body (or 0 for POST/PUT/PATCH), then the case's headers sorted by name, then the body.
fn send(addr: &str, case: &Value) -> Result<Got, String> {
    let method = case.get("method").and_then(Value::as_str).unwrap_or("GET");
    let path = str_field(case, "path");
    let mut headers: Vec<(&str, &str)> = case
        .get("headers")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.as_str(), v.as_str().expect("header values are strings")))
                .collect()
        })
        .unwrap_or_default();
    headers.sort_by_key(|(k, _)| k.to_ascii_lowercase());
    let has = |name: &str| headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name));
    let body = body_of(case);

    let mut head = format!("{method} {path} HTTP/1.1\r\n");
    if !has("host") {
        head.push_str(&format!("Host: {addr}\r\n"));
    }
    if !has("accept-encoding") {
        head.push_str("Accept-Encoding: identity\r\n");
    }
    if !has("content-length") {
        match &body {
            Some(b) => head.push_str(&format!("Content-Length: {}\r\n", b.len())),
            None if METHODS_EXPECTING_BODY.contains(&method.to_ascii_uppercase().as_str()) => {
                head.push_str("Content-Length: 0\r\n");
            }
            None => {}
        }
    }
    for (k, v) in &headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");

    let stream = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    // The server may answer (413) and close before the whole body is written: keep reading.
    let written = writer.write_all(head.as_bytes()).and_then(|()| {
        body.as_deref()
            .map_or(Ok(()), |b| writer.write_all(b))
            .and_then(|()| writer.flush())
    });
    let got = read_response(&mut BufReader::new(stream), method == "HEAD");
    match (got, written) {
        (Ok(got), _) => Ok(got),
        (Err(e), Err(w)) => Err(format!("{e} (while sending: {w})")),
        (Err(e), Ok(())) => Err(e),
    }
}

fn read_line(r: &mut impl BufRead) -> Result<String, String> {
    let mut line = Vec::new();
    r.read_until(b'\n', &mut line)
        .map_err(|e| format!("reading the response: {e}"))?;
    if line.is_empty() {
        return Err("connection closed without a (complete) response".into());
    }
    while matches!(line.last(), Some(b'\n' | b'\r')) {
        line.pop();
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

/// Reads one response with HTTP/1.1 framing (as `http.client` does), so keep-alive servers
/// work without `Connection: close`.
fn read_response(r: &mut impl BufRead, head_only: bool) -> Result<Got, String> {
    let status_line = read_line(r)?;
    let mut parts = status_line.splitn(3, ' ');
    let _version = parts.next();
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let reason = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    loop {
        let line = read_line(r)?;
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let find = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    if head_only || status == 204 || status == 304 || (100..200).contains(&status) {
        // no body
    } else if find("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    {
        loop {
            let size_line = read_line(r)?;
            let size = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| format!("bad chunk size {size_line:?}"))?;
            if size == 0 {
                while !read_line(r)?.is_empty() {} // trailers
                break;
            }
            let start = body.len();
            body.resize(start + size, 0);
            r.read_exact(&mut body[start..])
                .map_err(|e| format!("reading a chunk: {e}"))?;
            read_line(r)?;
        }
    } else if let Some(len) = find("content-length") {
        let len: usize = len
            .parse()
            .map_err(|_| format!("bad content-length {len:?}"))?;
        body.resize(len, 0);
        r.read_exact(&mut body)
            .map_err(|e| format!("reading {len} body bytes: {e}"))?;
    } else {
        r.read_to_end(&mut body)
            .map_err(|e| format!("reading the body to EOF: {e}"))?;
    }
    Ok(Got {
        status,
        reason,
        headers,
        body,
    })
}

/// Lower-cased content type with the spaces around `;` removed (http-diff's `norm_ct`).
fn norm_ct(v: Option<String>) -> Option<String> {
    v.map(|v| {
        v.split(';')
            .map(|p| p.trim().to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join(";")
    })
}

fn short(s: &str) -> String {
    s.chars().take(200).collect()
}

fn differences(case: &Value, want: &Value, got: &Got) -> Vec<String> {
    let checks: Vec<String> = match case.get("check").and_then(Value::as_array) {
        Some(list) => list
            .iter()
            .map(|c| {
                c.as_str()
                    .expect("check entries are strings")
                    .to_ascii_lowercase()
            })
            .collect(),
        None => vec!["status".into(), "body".into(), "content-type".into()],
    };
    let mut diffs = Vec::new();
    let want_status = want.get("status").and_then(Value::as_u64);
    if checks.iter().any(|c| c == "status") && want_status != Some(u64::from(got.status)) {
        diffs.push(format!(
            "status {} != {}",
            got.status,
            want_status.unwrap_or(0)
        ));
    }
    if checks.iter().any(|c| c == "reason") {
        let want_reason = want.get("reason").and_then(Value::as_str);
        if want_reason != Some(got.reason.as_str()) {
            diffs.push(format!("reason {:?} != {want_reason:?}", got.reason));
        }
    }
    for h in &checks {
        if NOT_HEADERS.contains(&h.as_str()) || VOLATILE.contains(&h.as_str()) {
            continue;
        }
        let mut w = want
            .get("headers")
            .and_then(|hs| hs.get(h.as_str()))
            .and_then(Value::as_str)
            .map(str::to_string);
        let mut g = got.header(h);
        if h == "content-type" {
            (w, g) = (norm_ct(w), norm_ct(g));
        }
        if w != g {
            diffs.push(format!("{h} {g:?} != {w:?}"));
        }
    }
    if checks.iter().any(|c| c == "body") {
        if let Some(want_json) = want.get("json") {
            let got_json: Option<Value> = serde_json::from_slice(&got.body).ok();
            if got_json.as_ref() != Some(want_json) {
                let shown = got_json.map_or_else(
                    || format!("{:?}", String::from_utf8_lossy(&got.body)),
                    |j| j.to_string(),
                );
                diffs.push(format!(
                    "json {} != {}",
                    short(&shown),
                    short(&want_json.to_string())
                ));
            }
        } else if want.get("sha256").and_then(Value::as_str) != Some(sha256_hex(&got.body).as_str())
        {
            let want_text = want
                .get("text")
                .and_then(Value::as_str)
                .unwrap_or("<large>");
            diffs.push(format!(
                "body {:?} != {:?}",
                short(&String::from_utf8_lossy(&got.body)),
                short(want_text)
            ));
        }
    }
    diffs
}

/// SHA-256 (FIPS 180-4), hex: the goldens store non-JSON bodies by their digest.
fn sha256_hex(data: &[u8]) -> String {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
}

#[test]
fn sha256_matches_known_digests() {
    assert_eq!(
        sha256_hex(b""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    let million_a = vec![b'a'; 1_000_000];
    assert_eq!(
        sha256_hex(&million_a),
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
    );
}
