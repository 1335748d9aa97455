use std::path::PathBuf;

use petrel_jobs::{JobKind, JobRequest, NewJob, SqliteStore};
use tempfile::TempDir;

/// 2023-11-14T22:13:20Z: any fixed time will do.
pub const T0: i64 = 1_700_000_000_000;

pub struct TestStore {
    pub store: SqliteStore,
    pub path: PathBuf,
    // Dropped last: the folder outlives the store.
    pub _dir: TempDir,
}

pub fn open_store() -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state/jobs.db");
    let store = SqliteStore::open(&path).unwrap();
    TestStore {
        store,
        path,
        _dir: dir,
    }
}

pub fn request(body: &str) -> JobRequest {
    JobRequest {
        method: "POST".into(),
        path: "/.netlify/functions/send-background?to=a%40b.c".into(),
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.as_bytes().to_vec(),
        params: serde_json::json!({}),
        route_pattern: None,
    }
}

pub fn new_job(function: &str) -> NewJob {
    NewJob {
        function: function.into(),
        kind: JobKind::NetlifyBackground,
        request: request("{}"),
        max_attempts: 3,
    }
}
