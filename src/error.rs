//! The library's error type: every failure names what was wrong and, where there is one, the file.

use std::path::PathBuf;

/// Everything that can go wrong in blight, as a value the CLI turns into one line.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("unknown corruption '{name}' in suite '{suite}' (try `blight list`)")]
    UnknownCorruption { suite: String, name: String },
    #[error("unknown suite '{0}' (try `blight list`)")]
    UnknownSuite(String),
    #[error("severity {0} is outside 1..5")]
    Severity(u32),
    #[error("{0}")]
    Invalid(String),
}

impl Error {
    /// An error about a file, with a message saying what is wrong with it.
    pub fn file(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::File {
            path: path.into(),
            message: message.into(),
        }
    }

    /// An I/O error on a file.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Joins a multi-line message (serde's and toml's end in notes such as "in `sigma`") into
/// the one line an error gets.
pub(crate) fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
