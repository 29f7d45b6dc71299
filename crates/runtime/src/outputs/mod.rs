//! Output roots of a job's output directory: the Merkle root a receipt commits to.
//!
//! The definition (files, paths, order, leaves, tree) is [`rigshare_types::output`]'s; this
//! module walks a directory on disk into that definition's [`OutputFile`]s.
//!
//! # Limits
//!
//! Outputs come from untrusted jobs, so the walk is bounded by [`OutputLimits`] (file count,
//! total bytes, path length, depth), each with its own [`OutputError`] variant. The directory must
//! not change while it is hashed (the job has ended by then).

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use rigshare_types::Hash32;
pub use rigshare_types::output::{OutputFile, root_of};

/// Most output files a job may leave.
pub const MAX_OUTPUT_FILES: usize = 65_536; // files
/// Most bytes all of a job's output files may hold together.
pub const MAX_OUTPUT_BYTES: u64 = 64 << 30; // bytes (64 GiB)
/// Longest relative path of one output file.
pub const MAX_PATH_BYTES: usize = 1024; // bytes
/// Deepest directory nesting below the output directory.
pub const MAX_DEPTH: usize = 32; // directory levels
/// Bytes read from an output file at a time to hash it: few system calls, and enough for
/// BLAKE3 to hash many of its 1 KiB chunks at once.
const HASH_READ: usize = 1 << 20; // bytes

/// Bounds on what an output directory may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputLimits {
    /// Most regular files.
    pub max_files: usize,
    /// Most bytes over all files.
    pub max_total_bytes: u64,
    /// Longest relative path, in bytes.
    pub max_path_bytes: usize,
    /// Deepest nesting of directories (a file directly in the directory is at depth 0).
    pub max_depth: usize,
}

impl Default for OutputLimits {
    fn default() -> Self {
        OutputLimits {
            max_files: MAX_OUTPUT_FILES,
            max_total_bytes: MAX_OUTPUT_BYTES,
            max_path_bytes: MAX_PATH_BYTES,
            max_depth: MAX_DEPTH,
        }
    }
}

/// Why an output directory has no root.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// Reading the directory or a file failed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The host path being read.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The given path is not a directory.
    #[error("{path} is not a directory")]
    NotADirectory {
        /// The path given.
        path: PathBuf,
    },
    /// A symbolic link below the directory.
    #[error("output {path:?} is a symbolic link (outputs must be regular files)")]
    Symlink {
        /// Its relative path.
        path: String,
    },
    /// A FIFO, socket or device below the directory.
    #[error("output {path:?} is not a regular file or directory")]
    SpecialFile {
        /// Its relative path.
        path: String,
    },
    /// A file or directory name that is not UTF-8.
    #[error("output name {path:?} is not valid UTF-8")]
    NonUtf8Name {
        /// The host path of the entry.
        path: PathBuf,
    },
    /// More files than [`OutputLimits::max_files`].
    #[error("more than {limit} output files")]
    TooManyFiles {
        /// The limit.
        limit: usize,
    },
    /// More bytes than [`OutputLimits::max_total_bytes`].
    #[error("outputs exceed {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// A relative path longer than [`OutputLimits::max_path_bytes`].
    #[error("output path {path:?}... is longer than {limit} bytes")]
    PathTooLong {
        /// The path's first bytes.
        path: String,
        /// The limit, in bytes.
        limit: usize,
    },
    /// Directories nested deeper than [`OutputLimits::max_depth`].
    #[error("output directory {path:?} is nested deeper than {limit} levels")]
    TooDeep {
        /// The directory's relative path.
        path: String,
        /// The limit, in levels.
        limit: usize,
    },
}

/// The output root of `dir` under the default [`OutputLimits`].
pub fn output_root(dir: &Path) -> Result<Hash32, OutputError> {
    output_root_with(dir, &OutputLimits::default())
}

/// The output root of `dir` under `limits`.
pub fn output_root_with(dir: &Path, limits: &OutputLimits) -> Result<Hash32, OutputError> {
    Ok(root_of(&scan_outputs(dir, limits)?))
}

/// Every output file below `dir`, sorted by path, with its size and content hash.
pub fn scan_outputs(dir: &Path, limits: &OutputLimits) -> Result<Vec<OutputFile>, OutputError> {
    let meta = fs::metadata(dir).map_err(|source| io_error(dir, source))?;
    if !meta.is_dir() {
        return Err(OutputError::NotADirectory { path: dir.to_path_buf() });
    }
    let mut found = list_files(dir, limits)?;
    found.sort_by(|a, b| a.0.cmp(&b.0));

    let mut budget = limits.max_total_bytes;
    let mut files = Vec::with_capacity(found.len());
    let mut buf = vec![0; HASH_READ];
    for (path, host_path) in found {
        let (size, content_hash) = hash_file(&host_path, budget, limits.max_total_bytes, &mut buf)?;
        budget = budget.saturating_sub(size);
        files.push(OutputFile { path, size, content_hash });
    }
    tracing::debug!(target: "runtime::outputs", dir = %dir.display(), files = files.len(), "scanned outputs");
    Ok(files)
}

/// Walks `dir` without following links; returns (relative path, host path) of every file.
fn list_files(dir: &Path, limits: &OutputLimits) -> Result<Vec<(String, PathBuf)>, OutputError> {
    let mut files = Vec::new();
    let mut total_len: u64 = 0;
    // (host directory, its relative path with a trailing '/' or empty, depth)
    let mut pending = vec![(dir.to_path_buf(), String::new(), 0usize)];
    while let Some((host_dir, prefix, depth)) = pending.pop() {
        let entries = fs::read_dir(&host_dir).map_err(|source| io_error(&host_dir, source))?;
        for entry in entries {
            let entry = entry.map_err(|source| io_error(&host_dir, source))?;
            let host_path = entry.path();
            let name = entry
                .file_name()
                .into_string()
                .map_err(|_| OutputError::NonUtf8Name { path: host_path.clone() })?;
            let rel = format!("{prefix}{name}");
            if rel.len() > limits.max_path_bytes {
                let head: String = rel.chars().take(64).collect();
                return Err(OutputError::PathTooLong { path: head, limit: limits.max_path_bytes });
            }
            let kind = entry.file_type().map_err(|source| io_error(&host_path, source))?;
            if kind.is_symlink() {
                return Err(OutputError::Symlink { path: rel });
            } else if kind.is_dir() {
                if depth >= limits.max_depth {
                    return Err(OutputError::TooDeep { path: rel, limit: limits.max_depth });
                }
                pending.push((host_path, format!("{rel}/"), depth + 1));
            } else if kind.is_file() {
                if files.len() >= limits.max_files {
                    return Err(OutputError::TooManyFiles { limit: limits.max_files });
                }
                // Fail fast on sizes before hashing anything; hashing re-checks what it reads.
                let len = entry.metadata().map_err(|source| io_error(&host_path, source))?.len();
                total_len = total_len.saturating_add(len);
                if total_len > limits.max_total_bytes {
                    return Err(OutputError::TooLarge { limit: limits.max_total_bytes });
                }
                files.push((rel, host_path));
            } else {
                return Err(OutputError::SpecialFile { path: rel });
            }
        }
    }
    Ok(files)
}

/// Hashes one file through `buf`, reading at most `budget` bytes (one more shows the budget is
/// exceeded).
fn hash_file(
    path: &Path,
    budget: u64,
    limit: u64,
    buf: &mut [u8],
) -> Result<(u64, Hash32), OutputError> {
    let file = fs::File::open(path).map_err(|source| io_error(path, source))?;
    let mut reader = io::Read::take(file, budget.saturating_add(1));
    let mut hasher = blake3::Hasher::new();
    let mut size = 0u64;
    loop {
        let read = match reader.read(buf) {
            Ok(0) => break,
            Ok(read) => read,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(source) => return Err(io_error(path, source)),
        };
        hasher.update(buf.get(..read).unwrap_or_default());
        size = size.saturating_add(read as u64);
    }
    if size > budget {
        return Err(OutputError::TooLarge { limit });
    }
    Ok((size, Hash32(*hasher.finalize().as_bytes())))
}

fn io_error(path: &Path, source: io::Error) -> OutputError {
    OutputError::Io { path: path.to_path_buf(), source }
}

#[cfg(test)]
mod tests;
