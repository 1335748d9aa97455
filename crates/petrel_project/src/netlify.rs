//! Netlify Functions of a project: where they are (`netlify.toml` `[functions] directory`, else
//! `netlify/functions`), which files are functions and under which name, and the settings
//! `netlify.toml` gives them — with the rules of Netlify's build (reference §1, §3.3).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Extensions of function entry files, in Netlify's order of precedence: for two files with
/// one name, the earlier extension wins (`hello.js` beats `hello.ts`, `.ts` beats `.mts`).
/// (`.zip` archives, which sit between `.js` and `.mjs`, are another runtime.)
pub const FUNCTION_EXTENSIONS: [&str; 7] = ["js", "mjs", "cjs", "ts", "tsx", "mts", "cts"];

/// The default functions folder.
pub const DEFAULT_FUNCTIONS_DIR: &str = "netlify/functions";

/// One function file found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveredFunction {
    /// The function's name (file name without extension, or the folder's name).
    pub name: String,
    /// Its entry file.
    pub file: PathBuf,
    /// Whether the name is valid (`^[A-Za-z0-9_-]+$`); an invalid one is answered with 400.
    pub valid_name: bool,
}

/// The `netlify.toml` settings Petrel reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NetlifyToml {
    /// `[functions] directory`, else `[build] functions` (relative to the project root).
    pub functions_dir: Option<String>,
    /// `[functions]` scalar keys (apply to every function) and `[functions."<glob>"]` tables,
    /// in file order: (glob, settings).
    pub function_settings: Vec<(String, TomlFunctionSettings)>,
}

/// Per-function keys of `netlify.toml` that change how Petrel runs a function.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TomlFunctionSettings {
    /// `schedule = "<cron>"`.
    pub schedule: Option<String>,
    /// `background = true`.
    pub background: Option<bool>,
}

impl NetlifyToml {
    /// Reads `<root>/netlify.toml`; none gives the defaults. Errors name the file and line.
    pub fn load(root: &Path) -> Result<NetlifyToml, String> {
        let path = root.join("netlify.toml");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Ok(NetlifyToml::default());
            }
            Err(err) => return Err(format!("netlify.toml: could not read: {err}")),
        };
        let value: toml::Table = toml::from_str(&text).map_err(|err| {
            let line = err
                .span()
                .map(|span| format!(":{}", text[..span.start].matches('\n').count() + 1))
                .unwrap_or_default();
            format!("netlify.toml{line}: {}", err.message())
        })?;
        let mut out = NetlifyToml::default();
        let build_dir = value
            .get("build")
            .and_then(|b| b.get("functions"))
            .and_then(|f| f.as_str())
            .map(str::to_string);
        let mut all = TomlFunctionSettings::default();
        if let Some(functions) = value.get("functions") {
            let Some(table) = functions.as_table() else {
                return Err("netlify.toml: `functions` must be a table ([functions])".into());
            };
            for (key, entry) in table {
                match entry {
                    toml::Value::Table(settings) => {
                        out.function_settings
                            .push((key.clone(), read_function_settings(key, settings)?));
                    }
                    scalar => match key.as_str() {
                        "directory" => {
                            out.functions_dir = Some(
                                scalar
                                    .as_str()
                                    .ok_or("netlify.toml: [functions] directory must be a string")?
                                    .to_string(),
                            );
                        }
                        "schedule" | "background" => {
                            let mut one = toml::Table::new();
                            one.insert(key.clone(), scalar.clone());
                            let read = read_function_settings("*", &one)?;
                            all.schedule = read.schedule.or(all.schedule);
                            all.background = read.background.or(all.background);
                        }
                        // Bundling keys (node_bundler, included_files, …) do not apply here.
                        _ => {}
                    },
                }
            }
        }
        if all != TomlFunctionSettings::default() {
            out.function_settings.insert(0, ("*".into(), all));
        }
        out.functions_dir = out.functions_dir.or(build_dir);
        Ok(out)
    }

    /// The settings for function `name`: every matching glob, less specific first (fewer
    /// literal characters), so more specific ones override (as Netlify merges them).
    pub fn settings_for(&self, name: &str) -> TomlFunctionSettings {
        let mut matching: Vec<&(String, TomlFunctionSettings)> = self
            .function_settings
            .iter()
            .filter(|(glob, _)| glob_matches(glob, name))
            .collect();
        matching.sort_by_key(|(glob, _)| glob.chars().filter(|c| !"*?".contains(*c)).count());
        let mut out = TomlFunctionSettings::default();
        for (_, settings) in matching {
            if settings.schedule.is_some() {
                out.schedule = settings.schedule.clone();
            }
            if settings.background.is_some() {
                out.background = settings.background;
            }
        }
        out
    }
}

fn read_function_settings(name: &str, table: &toml::Table) -> Result<TomlFunctionSettings, String> {
    let mut out = TomlFunctionSettings::default();
    if let Some(schedule) = table.get("schedule") {
        out.schedule = Some(
            schedule
                .as_str()
                .ok_or_else(|| {
                    format!("netlify.toml: [functions.\"{name}\"] schedule must be a cron string, e.g. \"@hourly\"")
                })?
                .to_string(),
        );
    }
    if let Some(background) = table.get("background") {
        out.background = Some(background.as_bool().ok_or_else(|| {
            format!("netlify.toml: [functions.\"{name}\"] background must be true or false")
        })?);
    }
    Ok(out)
}

/// Minimal glob: `*` matches any run of characters, `?` one character.
fn glob_matches(glob: &str, name: &str) -> bool {
    fn go(g: &[char], n: &[char]) -> bool {
        match g.split_first() {
            None => n.is_empty(),
            Some(('*', rest)) => (0..=n.len()).any(|i| go(rest, &n[i..])),
            Some(('?', rest)) => !n.is_empty() && go(rest, &n[1..]),
            Some((c, rest)) => n.first() == Some(c) && go(rest, &n[1..]),
        }
    }
    let g: Vec<char> = glob.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go(&g, &n)
}

/// Whether a function name is valid on Netlify.
pub fn valid_function_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Finds the functions in `dir` (top level only; a folder is a function when it holds an
/// entry file). Sorted by name.
pub fn scan_functions(dir: &Path) -> Vec<DiscoveredFunction> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    // name → (is folder, extension rank, file)
    let mut found: BTreeMap<String, (bool, usize, PathBuf)> = BTreeMap::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if file_name == "node_modules" || file_name.starts_with('.') {
            continue;
        }
        let candidate = if entry.file_type().is_ok_and(|t| t.is_dir()) {
            folder_entry(&path, &file_name).map(|file| (file_name.clone(), (true, 0, file)))
        } else {
            file_name.rsplit_once('.').and_then(|(stem, ext)| {
                // `.d.ts` declarations are not functions.
                if stem.ends_with(".d") {
                    return None;
                }
                let rank = FUNCTION_EXTENSIONS.iter().position(|e| *e == ext)?;
                Some((stem.to_string(), (false, rank, path.clone())))
            })
        };
        let Some((name, candidate)) = candidate else {
            continue;
        };
        match found.get(&name) {
            // A folder beats a file; between files, the earlier extension wins.
            Some(existing) if existing.0 && !candidate.0 => {}
            Some(existing) if existing.0 == candidate.0 && existing.1 <= candidate.1 => {}
            _ => {
                found.insert(name, candidate);
            }
        }
    }
    found
        .into_iter()
        .map(|(name, (_, _, file))| DiscoveredFunction {
            valid_name: valid_function_name(&name),
            name,
            file,
        })
        .collect()
}

/// The entry file of a function folder: `<name>.js, index.js, <name>.ts, index.ts, …` in
/// Netlify's order (by extension group, then `<name>` before `index`).
fn folder_entry(dir: &Path, name: &str) -> Option<PathBuf> {
    const ORDER: [&str; 7] = ["js", "ts", "mjs", "cjs", "tsx", "mts", "cts"];
    for ext in ORDER {
        for stem in [name, "index"] {
            let file = dir.join(format!("{stem}.{ext}"));
            if file.is_file() {
                return Some(file);
            }
        }
    }
    None
}

/// The methods a function's `config.method` may name.
const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "OPTIONS", "DELETE", "HEAD"];
/// Regions a function's `config.region` may name.
const REGIONS: [&str; 12] = [
    "cmh", "dub", "fra", "gru", "iad", "lhr", "nrt", "pdx", "sfo", "sin", "syd", "yul",
];

/// Which handler signature a function has (decided statically, as Netlify's build does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionApi {
    /// `handler(event, context)` (Lambda-compatible).
    V1,
    /// `export default (request, context) => Response`.
    V2,
}

/// A function's settings: in-source `config` (v2) over `netlify.toml`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NetlifyFunctionConfig {
    /// `path`: the URL patterns it serves (none: the default `/.netlify/functions/<name>`).
    pub paths: Vec<String>,
    /// `excludedPath`.
    pub excluded_paths: Vec<String>,
    /// `method`, upper-cased (None: every method).
    pub methods: Option<Vec<String>>,
    /// `preferStatic`.
    pub prefer_static: bool,
    /// `schedule` (in-source, `schedule()` helper, or netlify.toml).
    pub schedule: Option<String>,
    /// `-background` name, `background: true` or netlify.toml `background = true`.
    pub background: bool,
    /// `name` (shown in logs).
    pub display_name: Option<String>,
    /// `rateLimit`, as written (enforced by a later issue).
    pub rate_limit: Option<serde_json::Value>,
    /// `timeout` in seconds.
    pub timeout: Option<f64>,
    /// Petrel's `overlap` policy of a scheduled function.
    pub overlap: Option<petrel_jobs::Overlap>,
    /// Petrel's `missed` (missed-run) policy of a scheduled function.
    pub missed: Option<petrel_schedule::scheduler::MissedRuns>,
}

impl NetlifyFunctionConfig {
    /// Reads and checks a function's settings. `config` is the in-source `config` object (v2;
    /// `None` for v1 or when there is none). Errors use Netlify's wording:
    /// `Function <name> has a configuration error on '<key>': <problem>`.
    pub fn resolve(
        name: &str,
        config: Option<&serde_json::Value>,
        toml: &TomlFunctionSettings,
        schedule_helper: Option<&str>,
    ) -> Result<(NetlifyFunctionConfig, Vec<String>), String> {
        let fail = |key: &str, problem: &str| {
            format!("Function {name} has a configuration error on '{key}': {problem}")
        };
        let mut out = NetlifyFunctionConfig {
            schedule: toml.schedule.clone(),
            background: name.ends_with("-background") || toml.background == Some(true),
            ..Default::default()
        };
        if let Some(cron) = schedule_helper {
            out.schedule = Some(cron.to_string());
        }
        let mut warnings = Vec::new();
        let Some(config) = config else {
            return Ok((out, warnings));
        };
        let Some(object) = config.as_object() else {
            return Err(format!(
                "Function {name}: `config` must be an object literal, e.g. `export const config = {{ path: \"/hello\" }}`"
            ));
        };
        let paths = |key: &str| -> Result<Vec<String>, String> {
            let list = match object.get(key) {
                None | Some(serde_json::Value::Null) => return Ok(Vec::new()),
                Some(serde_json::Value::String(s)) => vec![s.clone()],
                Some(serde_json::Value::Array(items)) => items
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .map(str::to_string)
                            .ok_or_else(|| fail(key, "Must be a string or array of strings"))
                    })
                    .collect::<Result<_, _>>()?,
                Some(_) => return Err(fail(key, "Must be a string or array of strings")),
            };
            let mut unique: Vec<String> = Vec::new();
            for path in list {
                petrel_router::NetlifyPath::parse(&path).map_err(|e| fail(key, &e.to_string()))?;
                if !unique.contains(&path) {
                    unique.push(path);
                }
            }
            Ok(unique)
        };
        out.paths = paths("path")?;
        out.excluded_paths = paths("excludedPath")?;
        if let Some(method) = object.get("method").filter(|v| !v.is_null()) {
            let list: Vec<&serde_json::Value> = match method {
                serde_json::Value::Array(items) => items.iter().collect(),
                single => vec![single],
            };
            let mut methods = Vec::new();
            for item in list {
                let upper = item
                    .as_str()
                    .map(str::to_ascii_uppercase)
                    .filter(|m| METHODS.contains(&m.as_str()))
                    .ok_or_else(|| fail("method", "Must be a string or array of strings"))?;
                if !methods.contains(&upper) {
                    methods.push(upper);
                }
            }
            out.methods = Some(methods);
        }
        match crate::config::schedule_policies(object) {
            Ok((overlap, missed)) => (out.overlap, out.missed) = (overlap, missed),
            Err(problem) => {
                let key = if problem.starts_with("`overlap`") {
                    "overlap"
                } else {
                    "missed"
                };
                return Err(fail(key, &problem));
            }
        }
        match object.get("schedule") {
            Some(serde_json::Value::String(cron)) => out.schedule = Some(cron.clone()),
            Some(serde_json::Value::Null) | None => {}
            Some(other) => warnings.push(format!(
                "Function {name}: `schedule` must be a cron string; {other} is ignored (as Netlify does)"
            )),
        }
        if let Some(background) = object.get("background") {
            match background.as_bool() {
                Some(true) => out.background = true,
                Some(false) => {}
                None => warnings.push(format!(
                    "Function {name}: `background` must be true or false; {background} is ignored (as Netlify does)"
                )),
            }
        }
        if let Some(prefer) = object.get("preferStatic") {
            out.prefer_static = prefer.as_bool().unwrap_or(false);
        }
        if let Some(display) = object.get("name").and_then(|v| v.as_str()) {
            out.display_name = Some(display.to_string());
        }
        out.rate_limit = object.get("rateLimit").filter(|v| !v.is_null()).cloned();
        out.timeout = object.get("timeout").and_then(|v| v.as_f64());
        if let Some(region) = object.get("region").filter(|v| !v.is_null()) {
            let ok = region
                .as_str()
                .is_some_and(|r| REGIONS.contains(&r.to_ascii_lowercase().as_str()));
            if !ok {
                return Err(fail(
                    "region",
                    &format!("Must be one of: {}", REGIONS.join(", ")),
                ));
            }
        }
        let memory = object.get("memory").filter(|v| !v.is_null());
        let vcpu = object.get("vcpu").filter(|v| !v.is_null());
        if memory.is_some() && vcpu.is_some() {
            return Err(fail("vcpu", "`memory` and `vcpu` cannot both be set."));
        }
        if let Some(memory) = memory {
            let mb = match memory {
                serde_json::Value::Number(n) => n.as_f64(),
                serde_json::Value::String(s) => {
                    let lower = s.to_ascii_lowercase();
                    if let Some(gb) = lower.strip_suffix("gb") {
                        gb.trim().parse::<f64>().ok().map(|g| g * 1024.0)
                    } else if let Some(mb) = lower.strip_suffix("mb") {
                        mb.trim().parse::<f64>().ok()
                    } else {
                        None
                    }
                }
                _ => None,
            };
            if !mb.is_some_and(|mb| (1024.0..=4096.0).contains(&mb)) {
                return Err(fail(
                    "memory",
                    "Must be between 1024 and 4096 MB (a number, or a string like \"2gb\")",
                ));
            }
        }
        if let Some(vcpu) = vcpu
            && !vcpu.as_f64().is_some_and(|v| (0.5..=2.0).contains(&v))
        {
            return Err(fail("vcpu", "Must be a number between 0.5 and 2"));
        }
        Ok((out, warnings))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for file in files {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "export default () => new Response('ok')\n").unwrap();
        }
        dir
    }

    fn names(dir: &Path) -> Vec<(String, String, bool)> {
        scan_functions(dir)
            .into_iter()
            .map(|f| {
                (
                    f.name,
                    f.file.strip_prefix(dir).unwrap().display().to_string(),
                    f.valid_name,
                )
            })
            .collect()
    }

    #[test]
    fn files_folders_and_precedence_follow_netlify() {
        let dir = project(&[
            "a.js",
            "a.ts",
            "b.ts",
            "b.mts",
            "hello/hello.mts",
            "hello/index.mts",
            "idx/index.mts",
            "mixed/index.ts",
            "mixed/mixed.mts",
            "both.js",
            "both/index.mts",
            "_shared/util.ts",
            "bad.name.mts",
            "types.d.ts",
            "readme.md",
            "node_modules/x/index.js",
        ]);
        assert_eq!(
            names(dir.path()),
            vec![
                ("a".into(), "a.js".into(), true),
                ("b".into(), "b.ts".into(), true),
                ("bad.name".into(), "bad.name.mts".into(), false),
                ("both".into(), "both/index.mts".into(), true),
                ("hello".into(), "hello/hello.mts".into(), true),
                ("idx".into(), "idx/index.mts".into(), true),
                ("mixed".into(), "mixed/index.ts".into(), true),
            ]
        );
    }

    #[test]
    fn netlify_toml_directory_and_function_settings() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("netlify.toml"),
            "[build]\nfunctions = \"legacy\"\n\n[functions]\ndirectory = \"fns\"\nnode_bundler = \"esbuild\"\n\n[functions.\"tomlsched\"]\nschedule = \"@hourly\"\n\n[functions.\"job-*\"]\nbackground = true\n\n[functions.\"job-off\"]\nbackground = false\n",
        )
        .unwrap();
        let toml = NetlifyToml::load(dir.path()).unwrap();
        assert_eq!(toml.functions_dir.as_deref(), Some("fns"));
        assert_eq!(
            toml.settings_for("tomlsched").schedule.as_deref(),
            Some("@hourly")
        );
        assert_eq!(toml.settings_for("job-a").background, Some(true));
        assert_eq!(toml.settings_for("job-off").background, Some(false));
        assert_eq!(toml.settings_for("other"), TomlFunctionSettings::default());
    }

    #[test]
    fn legacy_build_functions_key_and_errors_with_lines() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("netlify.toml"),
            "[build]\nfunctions = \"legacy\"\n",
        )
        .unwrap();
        assert_eq!(
            NetlifyToml::load(dir.path())
                .unwrap()
                .functions_dir
                .as_deref(),
            Some("legacy")
        );
        std::fs::write(
            dir.path().join("netlify.toml"),
            "[functions]\n\n[functions.\"x\"]\nschedule = 5\n",
        )
        .unwrap();
        let err = NetlifyToml::load(dir.path()).unwrap_err();
        assert!(err.contains("schedule must be a cron string"), "{err}");
        std::fs::write(dir.path().join("netlify.toml"), "[functions\n").unwrap();
        let err = NetlifyToml::load(dir.path()).unwrap_err();
        assert!(err.starts_with("netlify.toml:1:"), "{err}");
    }
}

#[cfg(test)]
mod config_tests {
    use super::*;
    use serde_json::json;

    fn resolve(name: &str, config: serde_json::Value) -> Result<NetlifyFunctionConfig, String> {
        NetlifyFunctionConfig::resolve(name, Some(&config), &TomlFunctionSettings::default(), None)
            .map(|(c, _)| c)
    }

    #[test]
    fn paths_methods_and_flags() {
        let c = resolve(
            "x",
            json!({"path": ["/a/:id", "/a/:id"], "excludedPath": "/a/secret", "method": ["get", "Post"], "preferStatic": true, "name": "Nice", "background": true}),
        )
        .unwrap();
        assert_eq!(c.paths, vec!["/a/:id".to_string()]);
        assert_eq!(c.excluded_paths, vec!["/a/secret".to_string()]);
        assert_eq!(c.methods, Some(vec!["GET".to_string(), "POST".to_string()]));
        assert!(c.prefer_static && c.background);
        assert_eq!(c.display_name.as_deref(), Some("Nice"));
    }

    #[test]
    fn errors_use_netlify_wording() {
        assert_eq!(
            resolve("n", json!({"path": "noslash"})).unwrap_err(),
            "Function n has a configuration error on 'path': Must start with a '/'"
        );
        assert_eq!(
            resolve("n", json!({"path": "/m", "method": "FOO"})).unwrap_err(),
            "Function n has a configuration error on 'method': Must be a string or array of strings"
        );
        assert_eq!(
            resolve("n", json!({"memory": 2048, "vcpu": 1})).unwrap_err(),
            "Function n has a configuration error on 'vcpu': `memory` and `vcpu` cannot both be set."
        );
        assert!(resolve("n", json!({"region": "mars"})).is_err());
        assert!(resolve("n", json!({"region": "FRA", "memory": "2gb"})).is_ok());
    }

    #[test]
    fn background_and_schedule_from_every_source() {
        let toml = TomlFunctionSettings {
            schedule: Some("@hourly".into()),
            background: None,
        };
        let (c, _) = NetlifyFunctionConfig::resolve("tomlsched", None, &toml, None).unwrap();
        assert_eq!(c.schedule.as_deref(), Some("@hourly"));
        let (c, _) =
            NetlifyFunctionConfig::resolve("send-background", None, &Default::default(), None)
                .unwrap();
        assert!(c.background);
        let (c, warnings) = NetlifyFunctionConfig::resolve(
            "s",
            Some(&json!({"schedule": 42})),
            &Default::default(),
            Some("@daily"),
        )
        .unwrap();
        assert_eq!(c.schedule.as_deref(), Some("@daily"));
        assert_eq!(warnings.len(), 1);
    }
}
