//! The embedded JavaScript shim, written out to a content-addressed folder before workers start.

use std::io;
use std::path::PathBuf;

include!(concat!(env!("OUT_DIR"), "/js_files.rs"));

/// Writes the shim to `<temp>/petrel-js-<hash>/` (once per content) and returns the path of
/// `worker_main.cjs`.
pub(crate) fn materialize() -> io::Result<PathBuf> {
    // FNV-1a over names and contents: a new build with changed JS gets a new folder.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, body) in JS_FILES {
        for byte in name.bytes().chain(body.bytes()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    let dir = std::env::temp_dir().join(format!("petrel-js-{hash:016x}"));
    let main = dir.join("worker_main.cjs");
    if main.is_file() {
        return Ok(main);
    }
    // Write into a private folder first, then rename, so concurrent starts never see half a shim.
    let staging =
        std::env::temp_dir().join(format!("petrel-js-{hash:016x}.tmp{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    for (name, body) in JS_FILES {
        let path = staging.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, body)?;
    }
    // The shim is CommonJS (`.cjs`): Node's CommonJS loader starts much faster than its ESM
    // loader. The package.json only stops Node from looking further up for a package scope.
    std::fs::write(staging.join("package.json"), "{\"type\":\"commonjs\"}\n")?;
    match std::fs::rename(&staging, &dir) {
        Ok(()) => {}
        Err(_) if main.is_file() => {
            let _ = std::fs::remove_dir_all(&staging);
        }
        Err(err) => return Err(err),
    }
    Ok(main)
}
