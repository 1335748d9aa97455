//! Temp projects, fixture copying, path redaction and running outputs under Node.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
    sync::OnceLock,
};

use petrel_compile::{CompileError, Compiler, CompilerOptions};

/// A throwaway project directory.
pub struct Project {
    _dir: tempfile::TempDir,
    /// Canonical path of the temp dir (the project root, unless `root` was changed).
    pub base: PathBuf,
    /// The project root.
    pub root: PathBuf,
}

impl Project {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let base = fs::canonicalize(dir.path()).expect("canonicalize tempdir");
        Self {
            _dir: dir,
            root: base.clone(),
            base,
        }
    }

    /// A project whose root is `<temp>/<sub>`, leaving room for files outside it.
    pub fn in_subdir(sub: &str) -> Self {
        let mut project = Self::new();
        project.root = project.base.join(sub);
        fs::create_dir_all(&project.root).expect("mkdir root");
        project
    }

    /// Copies `tests/fixtures/<case>/` into a new project.
    pub fn fixture(case: &str) -> Self {
        let project = Self::new();
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(case);
        copy_dir(&src, &project.root);
        project
    }

    /// Writes `contents` to `rel` (relative to the root; `..` allowed), creating directories.
    pub fn file(&self, rel: &str, contents: &str) -> &Self {
        let path = self.root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).expect("mkdir");
        fs::write(&path, contents).expect("write");
        self
    }

    pub fn compiler(&self) -> Compiler {
        Compiler::new(CompilerOptions::new(&self.root)).expect("compiler")
    }

    pub fn build(&self, entry: &str) -> Result<PathBuf, CompileError> {
        self.compiler().build_entry(Path::new(entry))
    }

    pub fn out_dir(&self) -> PathBuf {
        self.root.join(".petrel/build")
    }

    /// Replaces the temp paths in `text` with `[ROOT]` / `[BASE]`.
    pub fn redact(&self, text: &str) -> String {
        text.replace(&self.root.to_string_lossy().into_owned(), "[ROOT]")
            .replace(&self.base.to_string_lossy().into_owned(), "[BASE]")
    }

    /// Every file under the build folder (except the manifest), as `path\n---\ncontents`,
    /// sorted and redacted. Source maps are summarised (file, sources, line count of mappings).
    pub fn outputs(&self) -> String {
        let out = self.out_dir();
        let mut files = Vec::new();
        list_files(&out, &mut files);
        files.sort();
        let mut text = String::new();
        for file in files {
            let rel = file
                .strip_prefix(&out)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if rel.starts_with(".petrel-compile-manifest") {
                continue;
            }
            let contents = fs::read_to_string(&file).unwrap();
            let shown = if rel.ends_with(".map") {
                let map: serde_json::Value = serde_json::from_str(&contents).unwrap();
                let mappings = map["mappings"].as_str().unwrap_or_default();
                format!(
                    "file: {}\nsources: {}\nmapped lines: {}\n",
                    map["file"],
                    map["sources"],
                    mappings.split(';').filter(|l| !l.is_empty()).count()
                )
            } else {
                contents
            };
            text.push_str(&format!("=== {rel}\n{}\n", self.redact(&shown)));
        }
        text
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn list_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            list_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Whether `node` (20+) is on PATH. Execution tests are skipped (with a note) without it.
pub fn have_node() -> bool {
    static HAVE: OnceLock<bool> = OnceLock::new();
    *HAVE.get_or_init(|| {
        let ok = Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            eprintln!("note: `node` not found; skipping execution tests");
        }
        ok
    })
}

const RUNNER: &str = r#"
import { pathToFileURL } from "node:url";
const file = process.argv[2];
const res = {
  statusCode: 200,
  body: undefined,
  status(code) { this.statusCode = code; return this; },
  json(body) { this.body = body; return this; },
  send(body) { this.body = body; return this; },
  end(body) { if (body !== undefined) this.body = body; return this; },
};
try {
  const mod = await import(pathToFileURL(file).href);
  let handler = mod.default;
  if (handler && typeof handler === "object" && typeof handler.default === "function") handler = handler.default;
  await handler({ method: "GET", query: {}, headers: {} }, res);
  process.stdout.write(JSON.stringify({ status: res.statusCode, body: res.body }));
} catch (err) {
  process.stdout.write(JSON.stringify({ error: String((err && err.stack) || err) }));
}
"#;

/// Runs the handler exported by `output` with a fake `req`/`res` under
/// `node --enable-source-maps --experimental-require-module`, returning the runner's JSON:
/// `{status, body}` or `{error}` (the stack).
pub fn run_handler(output: &Path) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let runner = dir.path().join("runner.mjs");
    fs::write(&runner, RUNNER).unwrap();
    let result = Command::new("node")
        .arg("--enable-source-maps")
        .arg("--experimental-require-module")
        .arg("--no-warnings")
        .arg(&runner)
        .arg(output)
        .output()
        .expect("spawn node");
    let stdout = String::from_utf8_lossy(&result.stdout);
    let stderr = String::from_utf8_lossy(&result.stderr);
    serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("runner output is not JSON ({e}):\nstdout: {stdout}\nstderr: {stderr}")
    })
}

/// Builds `entry`, runs it, and returns the handler's JSON body (panicking with the stack on
/// an error).
pub fn build_and_run(project: &Project, entry: &str) -> serde_json::Value {
    let output = project
        .build(entry)
        .unwrap_or_else(|e| panic!("build {entry}: {e}"));
    let result = run_handler(&output);
    if let Some(error) = result.get("error") {
        panic!(
            "{entry} threw:\n{}\n\noutputs:\n{}",
            error.as_str().unwrap_or_default(),
            project.outputs()
        );
    }
    result["body"].clone()
}

/// Creates `node_modules/<name>` with the given files (relative to the package dir).
pub fn package(project: &Project, name: &str, files: &[(&str, &str)]) {
    for (rel, contents) in files {
        project.file(&format!("node_modules/{name}/{rel}"), contents);
    }
}
