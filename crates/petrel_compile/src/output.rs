//! Where outputs go, how they are written (atomically), and the build manifest that lets an
//! unchanged module skip re-transpiling.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    fs,
    io::Write as _,
    path::{Component, Path, PathBuf},
    sync::atomic::{AtomicU64, Ordering},
};

use serde::{Deserialize, Serialize};

use crate::error::CompileError;

/// File name of the manifest inside the output directory.
pub(crate) const MANIFEST_FILE: &str = ".petrel-compile-manifest.json";

/// Directory (inside the output directory) for modules that live outside the project root.
pub(crate) const EXTERNAL_DIR: &str = "__external";

/// Bumped whenever the shape of the emitted code changes, so old outputs are rebuilt.
const OUTPUT_FORMAT_VERSION: u32 = 1;

/// Module format of one output file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModuleFormat {
    /// ECMAScript module, written as `<rel>.mjs`.
    Esm,
    /// CommonJS, written as `<rel>.cjs`.
    Cjs,
}

impl ModuleFormat {
    /// The extension appended to the source file name (`.mjs` or `.cjs`).
    pub fn extension(self) -> &'static str {
        match self {
            Self::Esm => ".mjs",
            Self::Cjs => ".cjs",
        }
    }
}

/// Maps source paths to output paths.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub root: PathBuf,
    pub out_dir: PathBuf,
}

impl Layout {
    /// `<out>/<rel>` (no extra extension) for a file inside the project, or
    /// `<out>/__external/<absolute path made relative>` for one outside it.
    pub fn base(&self, source: &Path) -> PathBuf {
        match source.strip_prefix(&self.root) {
            Ok(rel) => self.out_dir.join(rel),
            _ => {
                let mut path = self.out_dir.join(EXTERNAL_DIR);
                for component in source.components() {
                    match component {
                        Component::Normal(part) => path.push(safe_component(part)),
                        Component::Prefix(prefix) => {
                            path.push(safe_component(prefix.as_os_str()));
                        }
                        Component::RootDir | Component::CurDir => {}
                        Component::ParentDir => path.push("__up"),
                    }
                }
                path
            }
        }
    }

    /// The output file of a JS/TS module in `format`.
    pub fn module_output(&self, source: &Path, format: ModuleFormat) -> PathBuf {
        append_extension(&self.base(source), format.extension())
    }

    /// The ESM wrapper of a `.json` file (`data.json` → `data.json.mjs`).
    pub fn json_module_output(&self, source: &Path) -> PathBuf {
        append_extension(&self.base(source), ".mjs")
    }

    /// The directory an output for `source` will live in.
    pub fn output_dir_of(&self, source: &Path) -> PathBuf {
        let base = self.base(source);
        base.parent()
            .map_or_else(|| self.out_dir.clone(), Path::to_path_buf)
    }
}

fn safe_component(part: &std::ffi::OsStr) -> String {
    part.to_string_lossy()
        .chars()
        .map(|c| {
            if matches!(c, ':' | '\\' | '/' | '?' | '*' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// `path` + `ext` appended to the file name (`a.ts` + `.mjs` → `a.ts.mjs`).
pub(crate) fn append_extension(path: &Path, ext: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(ext);
    path.with_file_name(name)
}

/// A relative module specifier from the file `from` to the file `to` (`./lib/db.ts.mjs`,
/// `../x.ts.cjs`), always with forward slashes and a leading `./` or `../`.
pub(crate) fn relative_specifier(from: &Path, to: &Path) -> String {
    let from_dir = from.parent().unwrap_or(from);
    let from_parts: Vec<Component<'_>> = from_dir.components().collect();
    let to_parts: Vec<Component<'_>> = to.components().collect();
    let common = from_parts
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut spec = String::new();
    let ups = from_parts.len() - common;
    if ups == 0 {
        spec.push_str("./");
    } else {
        for _ in 0..ups {
            spec.push_str("../");
        }
    }
    let rest: Vec<String> = to_parts[common..]
        .iter()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    spec.push_str(&rest.join("/"));
    spec
}

/// A `file://` URL for an absolute path, percent-encoding everything except unreserved
/// characters and `/`.
pub(crate) fn file_url(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut url = String::from("file://");
    if !text.starts_with('/') {
        url.push('/');
    }
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'/' | b'-' | b'_' | b'.' | b'~' | b':') {
            url.push(char::from(byte));
        } else {
            let _ = write!(url, "%{byte:02X}");
        }
    }
    url
}

/// 64-bit FNV-1a. Stable across Rust versions (unlike `DefaultHasher`), which is all the
/// manifest needs: it detects edits, it is not a security boundary.
pub(crate) fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in *part {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        // Separator so ("ab","c") and ("a","bc") differ.
        hash ^= 0xff;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Fingerprint of everything besides the source text that affects an output.
pub(crate) fn options_fingerprint(layout: &Layout, config_text: &str) -> String {
    let version = format!("{}+{OUTPUT_FORMAT_VERSION}", env!("CARGO_PKG_VERSION"));
    format!(
        "{:016x}",
        fnv1a(&[
            version.as_bytes(),
            layout.root.as_os_str().as_encoded_bytes(),
            layout.out_dir.as_os_str().as_encoded_bytes(),
            config_text.as_bytes(),
        ])
    )
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path` via a temporary file in the same directory and a rename, so a
/// reader (a Node worker) never sees a half-written file. Creates parent directories.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CompileError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| CompileError::io(dir, e))?;
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(format!(".{}.{n}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let result = (|| {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.flush()?;
        drop(file);
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(CompileError::io(path, e));
    }
    Ok(())
}

/// Writes `bytes` only if the file does not already hold exactly them. Returns whether it wrote.
pub(crate) fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool, CompileError> {
    if fs::read(path).is_ok_and(|existing| existing == bytes) {
        return Ok(false);
    }
    write_atomic(path, bytes)?;
    Ok(true)
}

/// One dependency edge recorded for a module: how its specifier was rewritten last time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DepRecord {
    pub kind: crate::imports::ImportKind,
    pub specifier: String,
    pub rewrite: crate::imports::Rewrite,
}

/// What the manifest remembers about one transpiled module.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ManifestEntry {
    /// Hash of the source text (and the options fingerprint).
    pub hash: String,
    pub format: ModuleFormat,
    pub output: PathBuf,
    pub deps: Vec<DepRecord>,
}

/// The manifest kept in `<out>/.petrel-compile-manifest.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Manifest {
    pub fingerprint: String,
    pub modules: BTreeMap<PathBuf, ManifestEntry>,
}

impl Manifest {
    /// Loads the manifest, or an empty one when it is missing, unreadable or was written with
    /// different options.
    pub fn load(out_dir: &Path, fingerprint: &str) -> Self {
        let loaded = fs::read(out_dir.join(MANIFEST_FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Self>(&bytes).ok())
            .filter(|m| m.fingerprint == fingerprint);
        loaded.unwrap_or_else(|| Self {
            fingerprint: fingerprint.to_owned(),
            ..Self::default()
        })
    }

    pub fn save(&self, out_dir: &Path) -> Result<(), CompileError> {
        let bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        write_if_changed(&out_dir.join(MANIFEST_FILE), &bytes).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_specifiers() {
        let from = Path::new("/o/pages/api/a.ts.mjs");
        assert_eq!(
            relative_specifier(from, Path::new("/o/pages/api/b.ts.mjs")),
            "./b.ts.mjs"
        );
        assert_eq!(
            relative_specifier(from, Path::new("/o/lib/db.ts.cjs")),
            "../../lib/db.ts.cjs"
        );
        assert_eq!(
            relative_specifier(from, Path::new("/o/pages/api/x/y.js.mjs")),
            "./x/y.js.mjs"
        );
    }

    #[test]
    fn layout_inside_and_outside_root() {
        let layout = Layout {
            root: "/p".into(),
            out_dir: "/p/.petrel/build".into(),
        };
        assert_eq!(
            layout.module_output(Path::new("/p/pages/api/hello.ts"), ModuleFormat::Esm),
            Path::new("/p/.petrel/build/pages/api/hello.ts.mjs")
        );
        assert_eq!(
            layout.module_output(Path::new("/shared/x.ts"), ModuleFormat::Cjs),
            Path::new("/p/.petrel/build/__external/shared/x.ts.cjs")
        );
        assert_eq!(
            layout.json_module_output(Path::new("/p/data.json")),
            Path::new("/p/.petrel/build/data.json.mjs")
        );
    }

    #[test]
    fn file_urls_are_encoded() {
        assert_eq!(file_url(Path::new("/a b/c#d.ts")), "file:///a%20b/c%23d.ts");
    }

    #[test]
    fn fnv_separates_parts() {
        assert_ne!(fnv1a(&[b"ab", b"c"]), fnv1a(&[b"a", b"bc"]));
    }
}
