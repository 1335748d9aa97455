//! What the Pages (`scan.rs`) and App Router (`app_scan.rs`) scans share: checking
//! `pageExtensions`, listing a route folder the same way (byte order, dot-names left out,
//! symbolic links followed, loops and unreadable names skipped with a warning), and splitting a
//! file name into its stem and page extension.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::RouterError;

/// `pageExtensions` without their leading `.`; empty lists and entries are errors.
pub(crate) fn checked_extensions<'a>(
    page_extensions: &[&'a str],
) -> Result<Vec<&'a str>, RouterError> {
    if page_extensions.is_empty() {
        return Err(RouterError::NoPageExtensions);
    }
    page_extensions
        .iter()
        .map(|ext| {
            let trimmed = ext.trim_start_matches('.');
            if trimmed.is_empty() {
                Err(RouterError::InvalidPageExtension {
                    extension: (*ext).to_owned(),
                })
            } else {
                Ok(trimmed)
            }
        })
        .collect()
}

/// The project folder as an absolute path.
pub(crate) fn absolute_root(project_root: &Path) -> Result<PathBuf, RouterError> {
    std::path::absolute(project_root).map_err(|source| RouterError::Io {
        path: project_root.to_path_buf(),
        source,
    })
}

/// One entry of a route folder.
pub(crate) struct Listed {
    pub name: String,
    pub path: PathBuf,
    pub is_dir: bool,
}

/// The folder walk both scans do: the project root (for relative paths in warnings), the
/// warnings, and the canonical paths of the folders being walked (for symbolic-link loops).
pub(crate) struct FolderWalk {
    pub root: PathBuf,
    pub warnings: Vec<String>,
    ancestors: Vec<PathBuf>,
}

impl FolderWalk {
    pub fn new(root: PathBuf) -> Self {
        FolderWalk {
            root,
            warnings: Vec::new(),
            ancestors: Vec::new(),
        }
    }

    pub fn relative<'p>(&self, path: &'p Path) -> &'p Path {
        path.strip_prefix(&self.root).unwrap_or(path)
    }

    fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> RouterError + '_ {
        move |source| RouterError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// Enters `dir`: its files and folders in byte order of their names, without dot-names;
    /// symbolic links followed. `None` (with a warning) when `dir` links back to a folder being
    /// walked. Call [`FolderWalk::leave`] once done with a folder entered.
    pub fn enter(&mut self, dir: &Path) -> Result<Option<Vec<Listed>>, RouterError> {
        let canonical = fs::canonicalize(dir).map_err(Self::io_error(dir))?;
        if self.ancestors.contains(&canonical) {
            self.warnings.push(format!(
                "skipping {}: it links back to one of its parent folders",
                self.relative(dir).display()
            ));
            return Ok(None);
        }
        self.ancestors.push(canonical);

        let mut entries = fs::read_dir(dir)
            .map_err(Self::io_error(dir))?
            .map(|entry| entry.map(|e| (e.file_name(), e.path())))
            .collect::<Result<Vec<_>, _>>()
            .map_err(Self::io_error(dir))?;
        entries.sort_by(|a, b| a.0.as_encoded_bytes().cmp(b.0.as_encoded_bytes()));

        let mut listed = Vec::with_capacity(entries.len());
        for (name, path) in entries {
            let Some(name) = name.to_str() else {
                self.warnings.push(format!(
                    "skipping {}: the name is not valid UTF-8",
                    self.relative(&path).display()
                ));
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            // Follows symbolic links; a dangling link is reported and skipped.
            let metadata = match fs::metadata(&path) {
                Ok(m) => m,
                Err(err) => {
                    self.warnings.push(format!(
                        "skipping {}: {err}",
                        self.relative(&path).display()
                    ));
                    continue;
                }
            };
            if metadata.is_dir() || metadata.is_file() {
                listed.push(Listed {
                    name: name.to_owned(),
                    path,
                    is_dir: metadata.is_dir(),
                });
            }
        }
        Ok(Some(listed))
    }

    /// Leaves the folder last entered.
    pub fn leave(&mut self) {
        self.ancestors.pop();
    }
}

/// `(rank in extensions, stem)` for the longest page extension `name` ends with (`.ext`), the
/// stem being non-empty; the first listed wins between extensions of one length.
pub(crate) fn split_extension<'n>(name: &'n str, extensions: &[&str]) -> Option<(usize, &'n str)> {
    extensions
        .iter()
        .enumerate()
        .filter_map(|(rank, ext)| {
            let stem = name.strip_suffix(ext)?.strip_suffix('.')?;
            (!stem.is_empty()).then_some((rank, stem, ext.len()))
        })
        .max_by(|a, b| a.2.cmp(&b.2).then(b.0.cmp(&a.0)))
        .map(|(rank, stem, _)| (rank, stem))
}
