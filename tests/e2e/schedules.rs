//! Scheduled functions end to end: the scheduler fires real Node workers on a fast clock
//! (`--clock-start`/`--clock-speed`) and on the real one, exactly once across two servers on
//! one store, and a crash between claim and run still runs the occurrence.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::harness::{Server, copy_fixture, kill_hard, project_with};

/// The JSON lines the functions append to `$PETREL_TEST_OUT`.
fn lines(out: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(out)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Waits until `done` holds for the lines (or the timeout), and returns them.
fn wait_until(
    out: &Path,
    timeout: Duration,
    done: impl Fn(&[serde_json::Value]) -> bool,
) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + timeout;
    loop {
        let got = lines(out);
        if done(&got) || Instant::now() > deadline {
            return got;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

fn start(project: &Path, out: &Path, extra: &[&str]) -> Server {
    Server::start_with_env(
        "start",
        project,
        extra,
        &[("PETREL_TEST_OUT", out.to_str().unwrap())],
    )
}

fn of<'a>(got: &'a [serde_json::Value], who: &str) -> Vec<&'a serde_json::Value> {
    got.iter().filter(|l| l["who"] == who).collect()
}

fn petrel(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_petrel"))
        .args(args)
        .output()
        .expect("run petrel")
}

/// The migration example's scheduled pair (reference case 38 and the advanced route of case
/// 47): both fire at 17:50, 17:55, … on a clock that starts at 17:49 and runs 60× (five
/// minutes in five seconds), with Netlify's request; the function's `fetch` of a Next route that
/// calls `res.revalidate` reaches the same server. Neither is reachable by URL in `start`.
#[test]
fn the_migration_examples_schedules_fire_on_time() {
    let project = copy_fixture("scheduled");
    let out = project.path().join("runs.jsonl");
    let server = start(
        project.path(),
        &out,
        &[
            "--clock-start",
            "2026-11-22T17:49:00Z",
            "--clock-speed",
            "60",
        ],
    );
    let got = wait_until(&out, Duration::from_secs(30), |got| {
        of(got, "revalidate").len() >= 2 && of(got, "next").len() >= 2
    });
    let logs = server.logs();

    let netlify = of(&got, "netlify");
    assert!(netlify.len() >= 2, "{got:?}\n{logs}");
    // The 17:50 run carries the following slot, 17:55; then 18:00.
    assert_eq!(
        netlify[0]["next_run"], "2026-11-22T17:55:00.000Z",
        "{got:?}"
    );
    assert_eq!(
        netlify[1]["next_run"], "2026-11-22T18:00:00.000Z",
        "{got:?}"
    );
    for run in &netlify {
        assert_eq!(run["method"], "POST");
        assert_eq!(run["ua"], "Netlify Clockwork");
        assert_eq!(run["event"], "schedule");
    }
    let revalidated = of(&got, "revalidate");
    assert_eq!(revalidated[0]["paths"], serde_json::json!(["/foo", "/bar"]));
    assert_eq!(revalidated[0]["next_run"], "2026-11-22T17:55:00.000Z");
    assert!(
        of(&got, "netlify-fetched")
            .iter()
            .all(|l| l["status"] == 200),
        "{got:?}"
    );
    // The advanced API route gets the same invocation as a normal `req`/`res` call.
    let next = of(&got, "next");
    assert_eq!(next[0]["method"], "POST");
    assert_eq!(next[0]["next_run"], "2026-11-22T17:55:00.000Z");
    assert_eq!(next[1]["next_run"], "2026-11-22T18:00:00.000Z");
    assert!(logs.contains("revalidate /foo"), "{logs}");
    assert!(
        logs.contains("Scheduled function scheduled-function fired for 2026-11-22T17:50:00.000Z"),
        "{logs}"
    );

    // As on Netlify, no URL reaches a scheduled function in `start`.
    assert_eq!(
        server.get("/.netlify/functions/scheduled-function").status,
        404
    );
    assert_eq!(server.get("/api/scheduled-function").status, 404);
    drop(server);

    // `petrel schedules` shows the last run of each: the latest occurrence, which the stop may
    // have caught queued or running (the clock fires one every second here), never a failure.
    let listed = petrel(&["schedules", project.path().to_str().unwrap()]);
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.status.success(), "{text}");
    let last_runs: Vec<&str> = text.lines().filter(|l| l.contains("last run:")).collect();
    assert_eq!(last_runs.len(), 2, "{text}");
    for line in last_runs {
        assert!(
            ["succeeded", "running", "queued"]
                .iter()
                .any(|status| line.contains(&format!("last run: {status} (occurrence 2026-11-22T"))),
            "{text}"
        );
    }
}

/// One scheduled function that appends `{who: "start"|"end", next_run}` around a sleep of
/// `sleep_ms`; `overlap` is its policy.
fn minute_project(schedule: &str, sleep_ms: u64, overlap: &str) -> tempfile::TempDir {
    project_with(&[
        ("package.json", "{\"private\":true}"),
        (
            "petrel.toml",
            &format!("[schedules]\noverlap = \"{overlap}\"\n"),
        ),
        (
            "netlify/functions/tick.mts",
            &format!(
                r#"import {{ appendFileSync }} from "node:fs";
const out = process.env.PETREL_TEST_OUT;
export default async (req: Request) => {{
  const {{ next_run }} = await req.json();
  appendFileSync(out, JSON.stringify({{ who: "start", next_run, at: Date.now() }}) + "\n");
  await new Promise((r) => setTimeout(r, {sleep_ms}));
  appendFileSync(out, JSON.stringify({{ who: "end", next_run }}) + "\n");
}};
export const config = {{ schedule: "{schedule}" }};
"#
            ),
        ),
    ])
}

/// Two `petrel start` on one project (one store), their clocks a little apart: every minute
/// is run once, by one of them.
#[test]
fn two_servers_on_one_store_run_each_occurrence_once() {
    // Overlap "allow": on a loaded machine a run may outlast a fast-forwarded minute, and the
    // default "skip" would then rightly skip the next one; this test is about firing.
    let project = minute_project("* * * * *", 0, "allow");
    let out = project.path().join("runs.jsonl");
    let args = [
        "--workers",
        "1",
        "--clock-start",
        "2026-11-22T17:47:50Z",
        "--clock-speed",
        "60",
    ];
    let a = start(project.path(), &out, &args);
    let b = start(project.path(), &out, &args);
    let got = wait_until(&out, Duration::from_secs(30), |got| {
        of(got, "end").len() >= 6
    });
    drop((a, b));
    let mut runs: Vec<String> = of(&got, "start")
        .iter()
        .map(|l| l["next_run"].as_str().unwrap().to_string())
        .collect();
    let total = runs.len();
    runs.sort();
    runs.dedup();
    assert_eq!(runs.len(), total, "an occurrence ran twice: {got:?}");
    assert!(total >= 6, "{got:?}");
    // No minute was lost between the first and the last.
    let minute =
        |iso: &str| iso[14..16].parse::<i64>().unwrap() + 60 * iso[11..13].parse::<i64>().unwrap();
    let first = minute(&runs[0]);
    for (n, run) in runs.iter().enumerate() {
        assert_eq!(minute(run), first + n as i64, "{runs:?}");
    }
}

/// A crash (`kill -9`) after the occurrence was claimed and while it ran: the next start runs
/// it again, at once, without using up its single attempt.
#[test]
fn a_crash_during_a_scheduled_run_runs_it_again() {
    // Daily at 17:50: one occurrence in the whole test.
    let project = minute_project("50 17 * * *", 4_000, "skip");
    let out = project.path().join("runs.jsonl");
    let mut server = start(
        project.path(),
        &out,
        &[
            "--clock-start",
            "2026-11-22T17:49:50Z",
            "--clock-speed",
            "10",
        ],
    );
    let got = wait_until(&out, Duration::from_secs(15), |got| {
        !of(got, "start").is_empty()
    });
    assert_eq!(of(&got, "start").len(), 1, "{}", server.logs());
    kill_hard(&mut server);

    // Restarted on the real clock: nothing new is due, the interrupted run goes again.
    let mut server = start(project.path(), &out, &[]);
    let got = wait_until(&out, Duration::from_secs(20), |got| {
        !of(got, "end").is_empty()
    });
    let logs = server.logs();
    let starts = of(&got, "start");
    let ends = of(&got, "end");
    assert_eq!((starts.len(), ends.len()), (2, 1), "{got:?}\n{logs}");
    assert!(
        starts
            .iter()
            .chain(&ends)
            .all(|l| l["next_run"] == "2026-11-23T17:50:00.000Z"),
        "{got:?}"
    );
    assert!(logs.contains("interrupted"), "{logs}");
    // A graceful stop right after the run ended still records its outcome.
    assert!(
        server.terminate(Duration::from_secs(20)).is_some(),
        "petrel did not stop"
    );
    let jobs = petrel(&["jobs", "--json", project.path().to_str().unwrap()]);
    let jobs: serde_json::Value = serde_json::from_slice(&jobs.stdout).unwrap();
    let job = &jobs.as_array().unwrap()[0];
    assert_eq!(job["status"], "succeeded", "{jobs}");
    assert_eq!(
        job["attempts"], 1,
        "the interrupted run gave its attempt back: {jobs}"
    );
}

/// The real clock, once: an every-minute schedule fires at the start of the next minute.
#[test]
fn an_every_minute_schedule_fires_on_the_real_clock() {
    let project = minute_project("* * * * *", 0, "skip");
    let out = project.path().join("runs.jsonl");
    let server = start(project.path(), &out, &["--workers", "1"]);
    let got = wait_until(&out, Duration::from_secs(75), |got| {
        !of(got, "end").is_empty()
    });
    let run = of(&got, "start")
        .first()
        .copied()
        .cloned()
        .unwrap_or_else(|| panic!("no run within 75 s\n{}", server.logs()));
    let at = run["at"].as_i64().unwrap();
    let next_run = chrono::DateTime::parse_from_rfc3339(run["next_run"].as_str().unwrap())
        .unwrap()
        .timestamp_millis();
    // It ran at a minute's start (`next_run` is the minute after), within a few seconds.
    let scheduled = next_run - 60_000;
    assert_eq!(scheduled % 60_000, 0);
    let late = at - scheduled;
    assert!((0..5_000).contains(&late), "ran {late} ms after its minute");
}

/// `petrel invoke NAME`: a scheduled function runs once now with the scheduler's request (its
/// `fetch` of the project's own route works), a scheduled route too; an unknown name lists
/// what there is.
#[test]
fn invoke_runs_a_scheduled_function_now() {
    let project = copy_fixture("scheduled");
    let out = project.path().join("runs.jsonl");
    let dir = project.path().to_str().unwrap();
    let invoke = |name: &str| {
        Command::new(env!("CARGO_BIN_EXE_petrel"))
            .args(["invoke", name, dir])
            .env("PETREL_TEST_OUT", &out)
            .output()
            .expect("run petrel invoke")
    };
    let done = invoke("scheduled-function");
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(done.status.success(), "{stderr}");
    assert!(stderr.contains("HTTP/1.1 204"), "{stderr}");
    let got = lines(&out);
    let run = of(&got, "netlify")[0].clone();
    assert_eq!(run["ua"], "Netlify Clockwork");
    let next_run = run["next_run"].as_str().unwrap();
    assert!(next_run.ends_with(":00.000Z"), "{next_run}");
    assert_eq!(of(&got, "revalidate").len(), 1, "{got:?}");

    assert!(invoke("/api/scheduled-function").status.success());
    assert_eq!(of(&lines(&out), "next")[0]["method"], "POST");

    let unknown = invoke("nope");
    assert!(!unknown.status.success());
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        stderr.contains("scheduled-function") && stderr.contains("/api/next-api-route"),
        "{stderr}"
    );
}

/// Overlap "skip" (the default) through the real runner: while a run outlasts the next
/// minutes, their occurrences are recorded as skipped, not run and not queued.
#[test]
fn a_run_still_going_makes_the_next_occurrences_skip() {
    // Each run takes 2.5 s of real time: two and a half minutes at 60×.
    let project = minute_project("* * * * *", 2_500, "skip");
    let out = project.path().join("runs.jsonl");
    let server = start(
        project.path(),
        &out,
        &[
            "--clock-start",
            "2026-11-22T17:47:50Z",
            "--clock-speed",
            "60",
        ],
    );
    let got = wait_until(&out, Duration::from_secs(30), |got| {
        of(got, "end").len() >= 2
    });
    drop(server);
    let starts: Vec<&str> = of(&got, "start")
        .iter()
        .map(|l| l["next_run"].as_str().unwrap())
        .collect();
    assert!(starts.len() >= 2, "{got:?}");
    let jobs = petrel(&["jobs", "--json", project.path().to_str().unwrap()]);
    let jobs: serde_json::Value = serde_json::from_slice(&jobs.stdout).unwrap();
    let skipped: Vec<&serde_json::Value> = jobs
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["status"] == "skipped")
        .collect();
    assert!(!skipped.is_empty(), "{jobs:#}");
    for job in &skipped {
        assert!(
            job["last_error"]
                .as_str()
                .unwrap()
                .contains("previous run was still going"),
            "{job}"
        );
        assert_eq!(job["kind"], "netlify_scheduled");
    }
    // Runs never overlapped: each started after the previous one ended.
    let order: Vec<&str> = got.iter().map(|l| l["who"].as_str().unwrap()).collect();
    for pair in order.windows(2) {
        assert_ne!(pair, ["start", "start"], "{got:?}");
    }
}

/// The other ways to declare a schedule: the v1 `schedule()` helper of `@netlify/functions`
/// (reference §6.6: the handler parses `event.body` itself) and `netlify.toml` on a plain v1
/// function (case 40).
#[test]
fn v1_helper_and_netlify_toml_schedules_fire() {
    let record = r#"const { appendFileSync } = require("node:fs");
const record = (who, event) =>
  appendFileSync(process.env.PETREL_TEST_OUT, JSON.stringify({
    who, method: event.httpMethod, next_run: JSON.parse(event.body).next_run,
    ua: event.headers["user-agent"],
  }) + "\n");
"#;
    let project = project_with(&[
        ("package.json", "{\"private\":true}"),
        (
            "netlify.toml",
            "[functions.\"toml-hourly\"]\nschedule = \"@hourly\"\n",
        ),
        (
            "netlify/functions/helper.js",
            &format!(
                "{record}const {{ schedule }} = require(\"@netlify/functions\");\nexports.handler = schedule(\"*/15 * * * *\", async (event) => {{ record(\"helper\", event); return {{ statusCode: 200 }}; }});\n"
            ),
        ),
        (
            "netlify/functions/toml-hourly.js",
            &format!(
                "{record}exports.handler = async (event) => {{ record(\"toml\", event); return {{ statusCode: 200 }}; }};\n"
            ),
        ),
    ]);
    let out = project.path().join("runs.jsonl");
    let server = start(
        project.path(),
        &out,
        &[
            "--clock-start",
            "2026-11-22T17:59:00Z",
            "--clock-speed",
            "120",
        ],
    );
    let got = wait_until(&out, Duration::from_secs(20), |got| {
        !of(got, "helper").is_empty() && !of(got, "toml").is_empty()
    });
    let logs = server.logs();
    let helper = of(&got, "helper");
    let toml = of(&got, "toml");
    assert!(!helper.is_empty() && !toml.is_empty(), "{got:?}\n{logs}");
    // 18:00 is both an hourly and a quarter-hourly slot.
    assert_eq!(helper[0]["next_run"], "2026-11-22T18:15:00.000Z");
    assert_eq!(toml[0]["next_run"], "2026-11-22T19:00:00.000Z");
    for run in helper.iter().chain(&toml) {
        assert_eq!(run["method"], "POST");
        assert_eq!(run["ua"], "Netlify Clockwork");
    }
}

/// `petrel dev` follows the schedules of each build: a scheduled function saved while it runs
/// starts firing without a restart.
#[test]
fn dev_fires_a_schedule_added_while_it_runs() {
    let project = project_with(&[
        ("package.json", "{\"private\":true}"),
        (
            "netlify/functions/hello.mts",
            "export default async () => new Response(\"hi\");\n",
        ),
    ]);
    let out = project.path().join("runs.jsonl");
    let server = Server::start_with_env(
        "dev",
        project.path(),
        &["--clock-speed", "60"],
        &[("PETREL_TEST_OUT", out.to_str().unwrap())],
    );
    assert_eq!(server.get("/.netlify/functions/hello").text(), "hi");
    crate::harness::write_file(
        project.path(),
        "netlify/functions/tick.mts",
        r#"import { appendFileSync } from "node:fs";
export default async (req: Request) => {
  const { next_run } = await req.json();
  appendFileSync(process.env.PETREL_TEST_OUT!, JSON.stringify({ who: "tick", next_run }) + "\n");
};
export const config = { schedule: "* * * * *" };
"#,
    );
    // A request makes dev pick the change up at once (it would anyway, soon).
    assert_eq!(server.get("/.netlify/functions/hello").text(), "hi");
    let got = wait_until(&out, Duration::from_secs(15), |got| {
        of(got, "tick").len() >= 2
    });
    let ticks = of(&got, "tick");
    assert!(ticks.len() >= 2, "{got:?}\n{}", server.logs());
    assert_ne!(ticks[0]["next_run"], ticks[1]["next_run"]);
}
