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

#[test]
fn routes_prints_the_table_with_kinds_config_and_errors() {
    let dir = project_with(&[
        (
            "pages/api/items/[id].ts",
            "export const config = { api: { bodyParser: false }, maxDuration: 5 };\nexport default (req: any, res: any) => res.send('x');\n",
        ),
        (
            "pages/api/edge.ts",
            "export const config = { runtime: 'edge' };\nexport default () => new Response('x');\n",
        ),
        (
            "pages/api/job.ts",
            "export const config = { type: 'experimental-background' };\nexport default (req: any, res: any) => res.send('x');\n",
        ),
        (
            "netlify/functions/items.mts",
            "export default async () => new Response('x');\nexport const config = { path: '/api/items/:id', method: ['get'] };\n",
        ),
        (
            "netlify/functions/legacy.js",
            "exports.handler = async () => ({ statusCode: 200, body: 'x' });\n",
        ),
        (
            "netlify/functions/send-background.mts",
            "export default async () => {};\n",
        ),
    ]);
    let out = Command::new(env!("CARGO_BIN_EXE_petrel"))
        .arg("routes")
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("Route"), "{text}");
    let row = |route: &str| {
        lines
            .iter()
            .find(|l| l.starts_with(&format!("{route} ")))
            .unwrap_or_else(|| panic!("{route} not in {text}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(
        row("/api/items/[id]"),
        "/api/items/[id] pages/api/items/[id].ts pages bodyParser=false, maxDuration=5"
    );
    assert_eq!(row("/api/edge"), "/api/edge pages/api/edge.ts pages (edge)");
    assert_eq!(row("/api/job"), "/api/job pages/api/job.ts background");
    // Netlify Functions first (they are matched before the Next.js routes).
    assert!(lines[1].starts_with("/api/items/:id"), "{text}");
    assert_eq!(
        row("/api/items/:id"),
        "/api/items/:id netlify/functions/items.mts netlify v2 method=GET"
    );
    assert_eq!(
        row("/.netlify/functions/legacy"),
        "/.netlify/functions/legacy netlify/functions/legacy.js netlify v1"
    );
    assert_eq!(
        row("/.netlify/functions/send-background"),
        "/.netlify/functions/send-background netlify/functions/send-background.mts netlify v2 background"
    );

    // A broken route is listed with its error, and the command fails.
    std::fs::write(
        dir.path().join("pages/api/job.ts"),
        "export default (req: any, res: any) => res.send('x' +);\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_petrel"))
        .args(["routes", "--json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let job = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["route"] == "/api/job")
        .unwrap();
    assert!(
        job["error"]
            .as_str()
            .unwrap()
            .starts_with("pages/api/job.ts:1:54: Unexpected token"),
        "{job}"
    );
}

#[test]
fn a_throwing_next_config_stops_start_naming_file_and_line() {
    let dir = project_with(&[
        (
            "next.config.mjs",
            "const base = process.env.BASE;\nif (!base) throw new Error(\"BASE is not set\");\nexport default { basePath: base };\n",
        ),
        (
            "pages/api/ok.ts",
            "export default (req: any, res: any) => res.send('ok');\n",
        ),
    ]);
    let out = Command::new(env!("CARGO_BIN_EXE_petrel"))
        .arg("start")
        .arg(dir.path())
        .args(["--port", "0"])
        .env_remove("BASE")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("next.config.mjs:2:18"), "{stderr}");
    assert!(stderr.contains("BASE is not set"), "{stderr}");

    // With the variable from .env.production (read before the config, as Next does) it serves.
    std::fs::write(dir.path().join(".env.production"), "BASE=/docs\n").unwrap();
    let server = Server::start(dir.path(), &[]);
    assert_eq!(server.get("/docs/api/ok").text(), "ok");
}

#[test]
fn schedules_lists_every_source_and_reports_bad_crons() {
    let dir = project_with(&[
        (
            "netlify/functions/report.mts",
            "export default async () => {};\nexport const config = { schedule: '*/5 * * * *' };\n",
        ),
        (
            "netlify/functions/legacy.js",
            "const { schedule } = require('@netlify/functions');\nexports.handler = schedule('@daily', async () => ({ statusCode: 200 }));\n",
        ),
        (
            "netlify/functions/tomlsched.mts",
            "export default async () => {};\n",
        ),
        (
            "netlify.toml",
            "[functions.\"tomlsched\"]\nschedule = \"@hourly\"\n",
        ),
        (
            "pages/api/cron.ts",
            "export const config = { type: 'experimental-scheduled', schedule: '0 3 * * MON' };\nexport default (req: any, res: any) => res.end();\n",
        ),
    ]);
    let out = Command::new(env!("CARGO_BIN_EXE_petrel"))
        .args(["schedules", "--json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let by_name = |name: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["function"] == name)
            .unwrap_or_else(|| panic!("{name} not in {rows}"))
            .clone()
    };
    assert_eq!(by_name("report")["schedule"], "*/5 * * * *");
    assert_eq!(by_name("legacy")["schedule"], "@daily");
    assert_eq!(by_name("tomlsched")["schedule"], "@hourly");
    let next = by_name("/api/cron")["next"].clone();
    assert_eq!(next.as_array().unwrap().len(), 3);
    assert!(
        next[0].as_str().unwrap().ends_with("T03:00:00.000Z"),
        "{next}"
    );

    // Invalid schedules are errors naming the file, the line and the bad field, and stop
    // nothing else: `start` serves the rest (and `petrel schedules` exits 1).
    std::fs::write(
        dir.path().join("netlify/functions/report.mts"),
        "export default async () => {};\nexport const config = { schedule: '61 * * * *' };\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("pages/api/cron.ts"),
        "export const config = { type: 'experimental-scheduled' };\nexport default (req: any, res: any) => res.end();\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("pages/api/ok.ts"),
        "export default (req: any, res: any) => res.json({ ok: true });\n",
    )
    .unwrap();
    let listed = Command::new(env!("CARGO_BIN_EXE_petrel"))
        .args(["schedules"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!listed.status.success());
    let server = Server::start(dir.path(), &[]);
    assert_eq!(server.get("/api/ok").text(), r#"{"ok":true}"#);
    let logs = server.logs();
    assert!(
        logs.contains("netlify/functions/report.mts:2: Function report has an invalid schedule")
            && logs.contains("the minute field `61` is not valid")
            && logs.contains("This function is not scheduled; everything else runs"),
        "{logs}"
    );
    assert!(
        logs.contains("pages/api/cron.ts (route /api/cron): schedule is required when type is \"experimental-scheduled\""),
        "{logs}"
    );
}

/// `petrel migrate --dry-run`: per route the new function, its path or schedule, and Next-only
/// calls, then the unified diff of every file; nothing is written.
#[test]
fn migrate_dry_run_prints_the_plan_and_changes_nothing() {
    let dir = project_with(&[
        ("package.json", "{}"),
        (
            "pages/api/[slug]/import.ts",
            "export default async (req: any, res: any) => res.end();\nexport const config = { type: 'experimental-background' };\n",
        ),
        (
            "pages/api/refresh.ts",
            "export default async (req: any, res: any) => {\n  await res.revalidate('/');\n  res.end();\n};\nexport const config = { type: 'experimental-scheduled', schedule: '@hourly' };\n",
        ),
    ]);
    let before = std::fs::read_dir(dir.path()).unwrap().count();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_petrel"))
            .args(args)
            .arg(dir.path())
            .output()
            .unwrap()
    };
    let out = run(&["migrate", "--dry-run"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(
            "→ netlify/functions/slug-import-background.mts  background, path /api/:slug/import"
        ),
        "{text}"
    );
    assert!(
        text.contains("→ netlify/functions/refresh.mts  scheduled, schedule \"@hourly\", adapter"),
        "{text}"
    );
    assert!(
        text.contains("pages/api/refresh.ts:2: `res.revalidate` needs Next.js"),
        "{text}"
    );

    let out = run(&["migrate", "--dry-run", "--json"]);
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["routes"][0]["function"], "slug-import-background");
    assert_eq!(plan["routes"][1]["schedule"], "@hourly");

    // The diff: new files from /dev/null, the route losing its advanced keys.
    let out = run(&["migrate", "--dry-run"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("--- /dev/null\n+++ b/netlify/functions/refresh.mts"),
        "{text}"
    );
    assert!(
        text.contains("+++ b/netlify/functions/_petrel/next-adapter.mts"),
        "{text}"
    );
    assert!(
        text.contains("+++ b/pages/api/petrel-revalidate.ts"),
        "{text}"
    );
    assert!(
        text.contains(
            "-export const config = { type: 'experimental-scheduled', schedule: '@hourly' };"
        ),
        "{text}"
    );
    // Nothing was written (only the build folder Petrel keeps).
    let after: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n != ".petrel")
        .collect();
    assert_eq!(after.len(), before, "{after:?}");
    assert!(!dir.path().join("netlify").exists());
}
