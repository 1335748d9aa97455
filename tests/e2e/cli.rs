//! The CLI's contract: build errors stop `petrel start` with file:line, `--json` logs, `PORT`.

use std::process::Command;
use std::time::Duration;

use crate::harness::{Server, project_with, repo_root};

#[test]
fn a_non_literal_config_is_a_build_error_naming_file_and_line() {
    let dir = project_with(&[
        (
            "pages/api/ok.ts",
            "export default (req: any, res: any) => res.send('ok');\n",
        ),
        (
            "pages/api/cfg.ts",
            "const size = '2mb';\nexport const config = { api: { bodyParser: { sizeLimit: size } } };\nexport default (req: any, res: any) => res.send('x');\n",
        ),
        (
            "pages/api/broken.ts",
            "export default function (req, res) {\n  res.send('unclosed';\n}\n",
        ),
        (
            "pages/api/missing.ts",
            "import { x } from './nope';\nexport default () => x;\n",
        ),
    ]);
    let out = Command::new(env!("CARGO_BIN_EXE_petrel"))
        .args(["start", "--port", "0", "-H", "127.0.0.1"])
        .arg(dir.path())
        .output()
        .expect("run petrel");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("3 problem(s)"), "{stderr}");
    assert!(stderr.contains("pages/api/cfg.ts:2:"), "{stderr}");
    assert!(
        stderr.contains("config.api.bodyParser.sizeLimit"),
        "{stderr}"
    );
    assert!(stderr.contains("pages/api/broken.ts:2:"), "{stderr}");
    assert!(stderr.contains("pages/api/missing.ts:1:"), "{stderr}");
    assert!(stderr.contains("./nope"), "{stderr}");
}

#[test]
fn json_logs_are_one_object_per_line() {
    let server = Server::start(
        &repo_root().join("examples").join("next-api"),
        &["--json", "--workers", "1"],
    );
    assert_eq!(server.get("/api/hello").status, 200);
    assert!(
        server.wait_for_log("\"path\":\"/api/hello\"", Duration::from_secs(5)),
        "{}",
        server.logs()
    );
    let line = server
        .logs()
        .lines()
        .find(|l| l.contains("\"path\":\"/api/hello\""))
        .unwrap()
        .to_string();
    let event: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
    assert_eq!(event["method"], "GET");
    assert_eq!(event["status"], 200);
    assert!(event["ms"].as_f64().is_some());
}

#[test]
fn start_without_a_folder_serves_the_current_one_on_port_from_env() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_petrel"))
        .args(["start", "-H", "127.0.0.1"])
        .current_dir(repo_root().join("examples").join("next-api"))
        .env("PORT", "0")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run petrel");
    let stdout = child.stdout.take().unwrap();
    let addr = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| {
            l.split("- Local:")
                .nth(1)
                .map(|u| u.trim().trim_start_matches("http://").to_string())
        })
        .expect("a ready line");
    let reply = crate::harness::request(&addr, "GET", "/api/hello", &[], b"");
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        !addr.ends_with(":3000"),
        "PORT=0 should pick a free port, got {addr}"
    );
    assert_eq!(reply.status, 200);
    assert_eq!(reply.text(), r#"{"message":"Hello from Next.js!"}"#);
}
