//! [`CompileError`] and the helpers that turn byte offsets into `line:column` positions and
//! one-line code frames.

use std::path::{Path, PathBuf};

/// Everything that can go wrong while compiling a module or reading its static exports.
///
/// `Display` is `file:line:column: message` for errors tied to a source position (the `file` is
/// project-relative when the file lives inside the project, absolute otherwise), and
/// `path: message` for I/O and tsconfig errors. Lines and columns are 1-based; columns count
/// Unicode scalar values. The located variants also carry a one-line `code_frame` (see
/// [`CompileError::code_frame`]), which `Display` does not print.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CompileError {
    /// The parser (or the semantic checker's early errors) rejected the file.
    #[error("{}:{line}:{column}: {message}", file.display())]
    Syntax {
        /// The file, project-relative where possible.
        file: PathBuf,
        /// 1-based line.
        line: u32,
        /// 1-based column.
        column: u32,
        /// oxc's message.
        message: String,
        /// The offending source line with a caret underneath.
        code_frame: String,
    },
    /// The TypeScript/JSX transform reported an error (for example an unsupported construct).
    #[error("{}:{line}:{column}: {message}", file.display())]
    Transform {
        /// The file, project-relative where possible.
        file: PathBuf,
        /// 1-based line.
        line: u32,
        /// 1-based column.
        column: u32,
        /// oxc's message.
        message: String,
        /// The offending source line with a caret underneath.
        code_frame: String,
    },
    /// An `import`/`export … from`/`import()`/`require()` specifier could not be resolved.
    ///
    /// `message` starts with ``Module not found: Can't resolve '<specifier>'`` and, for a bare
    /// package name, ends with a hint to install it.
    #[error("{}:{line}:{column}: {message}", file.display())]
    Resolve {
        /// The importing file, project-relative where possible.
        file: PathBuf,
        /// 1-based line of the specifier.
        line: u32,
        /// 1-based column of the specifier.
        column: u32,
        /// The specifier as written.
        specifier: String,
        /// The full message.
        message: String,
        /// The offending source line with a caret underneath.
        code_frame: String,
    },
    /// `export const config` (or `runtime`/`maxDuration`) is not statically readable, or has an
    /// invalid value.
    #[error("{}:{line}:{column}: {message}", file.display())]
    Config {
        /// The route file, as passed to [`crate::extract_static_exports`].
        file: PathBuf,
        /// 1-based line of the offending value.
        line: u32,
        /// 1-based column of the offending value.
        column: u32,
        /// What is wrong and how to fix it, naming the property path (`config.api.bodyParser`).
        message: String,
        /// The offending source line with a caret underneath.
        code_frame: String,
    },
    /// The project's `tsconfig.json`/`jsconfig.json` could not be read.
    #[error("{}: invalid TypeScript config: {message}", file.display())]
    Tsconfig {
        /// The config file.
        file: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The entry is not something this crate can compile (unknown extension, inside
    /// `node_modules`, …).
    #[error("{}: {message}", file.display())]
    Unsupported {
        /// The file.
        file: PathBuf,
        /// Why.
        message: String,
    },
    /// Reading a source or writing an output failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path being read or written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl CompileError {
    /// The one-line code frame (source line plus caret) of a located error, if any.
    pub fn code_frame(&self) -> Option<&str> {
        match self {
            Self::Syntax { code_frame, .. }
            | Self::Transform { code_frame, .. }
            | Self::Resolve { code_frame, .. }
            | Self::Config { code_frame, .. } => Some(code_frame),
            _ => None,
        }
    }

    /// `(file, line, column)` of a located error.
    pub fn location(&self) -> Option<(&Path, u32, u32)> {
        match self {
            Self::Syntax {
                file, line, column, ..
            }
            | Self::Transform {
                file, line, column, ..
            }
            | Self::Resolve {
                file, line, column, ..
            }
            | Self::Config {
                file, line, column, ..
            } => Some((file, *line, *column)),
            _ => None,
        }
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// A position in a source text, computed from a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Position {
    pub line: u32,
    pub column: u32,
    pub code_frame: String,
}

/// Converts the byte range `start..end` of `source` into a 1-based line/column and a code frame.
pub(crate) fn position(source: &str, start: u32, end: u32) -> Position {
    let start = clamp_to_char_boundary(source, start as usize);
    let end = clamp_to_char_boundary(source, (end as usize).max(start));
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[start..]
        .find('\n')
        .map_or(source.len(), |i| start + i);
    let line_text = source[line_start..line_end].trim_end_matches('\r');
    let line = source[..start].matches('\n').count() + 1;
    let prefix_chars = source[line_start..start].chars().count();
    let column = prefix_chars + 1;
    let underline_end = end.min(line_start + line_text.len()).max(start);
    let underline = source[start..underline_end].chars().count().max(1);

    let line_no = line.to_string();
    let gutter = " ".repeat(line_no.len());
    // Tabs are kept as tabs in the padding so the caret lines up in a terminal.
    let padding: String = source[line_start..start]
        .chars()
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let code_frame = format!(
        "{line_no} | {line_text}\n{gutter} | {padding}{}",
        "^".repeat(underline)
    );
    Position {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(column).unwrap_or(u32::MAX),
        code_frame,
    }
}

fn clamp_to_char_boundary(source: &str, mut offset: usize) -> usize {
    offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// How a file is shown in messages: relative to `root` when inside it, else as given.
pub(crate) fn display_path(root: Option<&Path>, file: &Path) -> PathBuf {
    root.and_then(|root| file.strip_prefix(root).ok())
        .filter(|rel| !rel.as_os_str().is_empty())
        .map_or_else(|| file.to_path_buf(), Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_counts_lines_and_chars() {
        let src = "a\nconst é = x;\n";
        let start = u32::try_from(src.find('x').unwrap()).unwrap();
        let p = position(src, start, start + 1);
        assert_eq!((p.line, p.column), (2, 11));
        assert_eq!(p.code_frame, "2 | const é = x;\n  |           ^");
    }

    #[test]
    fn position_at_end_of_file() {
        let p = position("abc", 3, 3);
        assert_eq!((p.line, p.column), (1, 4));
    }
}
