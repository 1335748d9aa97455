//! Embeds the JavaScript worker shim (`js/`, without tests) into the binary: generates a
//! list of `(relative path, contents)` pairs with `include_str!`, so the shim ships inside
//! `petrel` and no bundler or npm install is needed to build.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, base: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read js dir")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if name != "test" && name != "node_modules" {
                collect(&path, base, out);
            }
        } else if [".cjs", ".mjs", ".js", ".json"]
            .iter()
            .any(|ext| name.ends_with(ext))
        {
            out.push(path.strip_prefix(base).expect("under js/").to_path_buf());
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"));
    let js = manifest.join("js");
    println!("cargo:rerun-if-changed=js");
    let mut files = Vec::new();
    collect(&js, &js, &mut files);
    let mut code = String::from(
        "/// The worker shim's files: (path relative to `js/`, contents).\npub(crate) static JS_FILES: &[(&str, &str)] = &[\n",
    );
    for rel in &files {
        let rel_str = rel.to_str().expect("utf-8 path").replace('\\', "/");
        let abs = js.join(rel);
        writeln!(
            code,
            "    ({rel_str:?}, include_str!({:?})),",
            abs.to_str().expect("utf-8 path")
        )
        .unwrap();
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("out dir")).join("js_files.rs");
    std::fs::write(out, code).expect("write js_files.rs");
}
