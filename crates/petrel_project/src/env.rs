//! `.env*` files, loaded as Next.js loads them: from the project root, in Next's order of
//! precedence (first wins per key), with `$VAR` / `${VAR}` expansion against the final values,
//! and the real process environment winning over every file.
//!
//! `petrel start`: `.env.production.local` > `.env.local` > `.env.production` > `.env`.
//! `petrel dev`:   `.env.development.local` > `.env.local` > `.env.development` > `.env`.

use std::collections::HashMap;
use std::path::Path;

use crate::Mode;

/// Variables read from the project's `.env*` files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnvFiles {
    /// Files that were found, highest precedence first (names relative to the root).
    pub files: Vec<String>,
    /// Variables to give the workers: every key from the files that the real environment
    /// does not set, expanded. Sorted by name.
    pub vars: Vec<(String, String)>,
}

/// Reads the `.env*` files of `root` for `mode`; `process` is the real environment.
pub fn load_env_files(
    root: &Path,
    mode: Mode,
    process: &HashMap<String, String>,
) -> Result<EnvFiles, String> {
    let mode_name = match mode {
        Mode::Dev => "development",
        Mode::Start => "production",
    };
    let names = [
        format!(".env.{mode_name}.local"),
        ".env.local".to_string(),
        format!(".env.{mode_name}"),
        ".env".to_string(),
    ];
    let mut merged: HashMap<String, String> = HashMap::new();
    let mut files = Vec::new();
    for name in names {
        let path = root.join(&name);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
            Err(err) => return Err(format!("{name}: could not read: {err}")),
        };
        for (key, value) in parse_dotenv(&text) {
            merged.entry(key).or_insert(value);
        }
        files.push(name);
    }
    let mut vars: Vec<(String, String)> = merged
        .keys()
        .filter(|key| !process.contains_key(*key))
        .map(|key| (key.clone(), expand(&merged[key], &merged, process, 0)))
        .collect();
    vars.sort();
    Ok(EnvFiles { files, vars })
}

/// Parses the dotenv format: `KEY=value` lines, optional `export `, `#` comments, single,
/// double or back-quoted values (double quotes turn `\n` into a newline; quoted values may
/// span lines), unquoted values trimmed and cut at ` #`.
pub fn parse_dotenv(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let text = text.replace("\r\n", "\n");
    let mut rest = text.as_str();
    while !rest.is_empty() {
        let (line, after) = rest.split_once('\n').unwrap_or((rest, ""));
        rest = after;
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let trimmed = trimmed.strip_prefix("export ").unwrap_or(trimmed);
        let Some((key, value)) = trimmed.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        {
            continue;
        }
        let value = value.trim_start();
        let quote = value
            .chars()
            .next()
            .filter(|c| matches!(c, '"' | '\'' | '`'));
        let parsed = if let Some(q) = quote {
            // The value runs to the matching quote, possibly on a later line.
            let body_and_rest = format!("{}\n{}", &value[1..], rest);
            match body_and_rest.find(q) {
                Some(end) => {
                    let body = &body_and_rest[..end];
                    let consumed_lines = body.matches('\n').count();
                    for _ in 0..consumed_lines {
                        rest = rest.split_once('\n').map_or("", |(_, r)| r);
                    }
                    if q == '"' {
                        body.replace("\\n", "\n").replace("\\r", "\r")
                    } else {
                        body.to_string()
                    }
                }
                None => value.trim_end().to_string(),
            }
        } else {
            let value = match value.find(" #") {
                Some(i) => &value[..i],
                None => value,
            };
            value.trim().to_string()
        };
        out.push((key.to_string(), parsed));
    }
    out
}

/// `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}`; `\$` is a literal `$`. Names
/// resolve to the real environment first, then to the files' values (expanded in turn).
fn expand(
    value: &str,
    files: &HashMap<String, String>,
    process: &HashMap<String, String>,
    depth: usize,
) -> String {
    let lookup = |name: &str| -> Option<String> {
        if let Some(v) = process.get(name) {
            return Some(v.clone());
        }
        let raw = files.get(name)?;
        Some(if depth < 10 {
            expand(raw, files, process, depth + 1)
        } else {
            raw.clone()
        })
    };
    let chars: Vec<char> = value.chars().collect();
    let mut out = String::with_capacity(value.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && chars.get(i + 1) == Some(&'$') {
            out.push('$');
            i += 2;
            continue;
        }
        if c != '$' {
            out.push(c);
            i += 1;
            continue;
        }
        if chars.get(i + 1) == Some(&'{') {
            let Some(close) = chars[i + 2..].iter().position(|&c| c == '}') else {
                out.push(c);
                i += 1;
                continue;
            };
            let inner: String = chars[i + 2..i + 2 + close].iter().collect();
            // `:-` also replaces an empty value; `-` only a missing one.
            let (name, default, empty_counts) = if let Some((n, d)) = inner.split_once(":-") {
                (n.to_string(), Some(d.to_string()), true)
            } else if let Some((n, d)) = inner.split_once('-') {
                (n.to_string(), Some(d.to_string()), false)
            } else {
                (inner.clone(), None, false)
            };
            let found = lookup(&name).filter(|v| !(empty_counts && v.is_empty()));
            out.push_str(&found.or(default).unwrap_or_default());
            i += close + 3;
            continue;
        }
        let name: String = chars[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
            .collect();
        if name.is_empty() {
            out.push(c);
            i += 1;
            continue;
        }
        out.push_str(&lookup(&name).unwrap_or_default());
        i += 1 + name.chars().count();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    fn vars(env: &EnvFiles) -> HashMap<&str, &str> {
        env.vars
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    /// Reference case 100 (observed on `next start` 16.4.6).
    #[test]
    fn precedence_and_expansion_match_next() {
        let dir = project(&[
            (
                ".env",
                "A=from-env\nB=from-env\nC=from-env\nD=$A-expanded\nE=${A}_braced\nX=\\$notexpanded\n",
            ),
            (".env.local", "A=from-env-local\n"),
            (
                ".env.production",
                "B=from-env-production\nC=from-env-production\n",
            ),
            (".env.production.local", "C=from-env-production-local\n"),
            (".env.development", "B=from-env-development\n"),
        ]);
        let env = load_env_files(dir.path(), Mode::Start, &HashMap::new()).unwrap();
        let v = vars(&env);
        assert_eq!(v["A"], "from-env-local");
        assert_eq!(v["B"], "from-env-production");
        assert_eq!(v["C"], "from-env-production-local");
        assert_eq!(v["D"], "from-env-local-expanded");
        assert_eq!(v["E"], "from-env-local_braced");
        assert_eq!(v["X"], "$notexpanded");
        assert_eq!(
            env.files,
            [
                ".env.production.local",
                ".env.local",
                ".env.production",
                ".env"
            ]
        );
        let dev = load_env_files(dir.path(), Mode::Dev, &HashMap::new()).unwrap();
        assert_eq!(vars(&dev)["B"], "from-env-development");
        assert_eq!(vars(&dev)["C"], "from-env");
    }

    #[test]
    fn the_real_environment_wins_and_feeds_expansion() {
        let dir = project(&[(".env", "A=from-file\nD=$A-expanded\n")]);
        let process = HashMap::from([("A".to_string(), "from-process".to_string())]);
        let env = load_env_files(dir.path(), Mode::Start, &process).unwrap();
        let v = vars(&env);
        assert!(!v.contains_key("A"), "the process value is kept as is");
        assert_eq!(v["D"], "from-process-expanded");
    }

    #[test]
    fn dotenv_syntax() {
        let parsed = parse_dotenv(
            "# comment\nexport A=1\nB = spaced  # trailing comment\nC=\"line1\\nline2\"\nD='$not'\nE=\"multi\nline\"\nF=\nbad line\n",
        );
        let map: HashMap<_, _> = parsed.into_iter().collect();
        assert_eq!(map["A"], "1");
        assert_eq!(map["B"], "spaced");
        assert_eq!(map["C"], "line1\nline2");
        assert_eq!(map["D"], "$not");
        assert_eq!(map["E"], "multi\nline");
        assert_eq!(map["F"], "");
        assert_eq!(map.len(), 6);
    }

    #[test]
    fn defaults_in_braces() {
        let files = HashMap::from([("EMPTY".to_string(), String::new())]);
        let p = HashMap::new();
        assert_eq!(expand("${MISSING:-dflt}", &files, &p, 0), "dflt");
        assert_eq!(expand("${EMPTY:-dflt}", &files, &p, 0), "dflt");
        assert_eq!(expand("${EMPTY-dflt}", &files, &p, 0), "");
        assert_eq!(expand("a$ b", &files, &p, 0), "a$ b");
    }
}
