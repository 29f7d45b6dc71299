//! Copying a job's outputs out of its container: the engine's tar of `/outputs`, unpacked into
//! the caller's outputs directory under [`OutputLimits`].
//!
//! The tar comes from the engine, but its entries are whatever the job left, so every entry is
//! checked before anything is written: regular files and directories only (no symbolic or hard
//! links, devices, FIFOs), relative paths below `outputs/` with no `..`, valid UTF-8 names, and
//! the file count, total size, path length and depth of [`OutputLimits`]. Files are created new
//! (never opened through an existing entry) and get the agent's default mode; the tar's owners,
//! modes and times are ignored. These are the rules [`output_root`](crate::output_root) holds the
//! directory to, checked here so that a job that breaks them is reported, not half-copied.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::outputs::OutputLimits;

/// Why outputs were not copied out.
#[derive(Debug)]
pub(crate) enum CopyOutError {
    /// The job's outputs break a rule; the job's fault.
    Rejected(String),
    /// Writing into the host's outputs directory failed.
    Host {
        /// The host path being written.
        path: PathBuf,
        /// What went wrong.
        source: io::Error,
    },
    /// The archive itself could not be read (a broken stream from the engine).
    Archive(io::Error),
}

/// What was copied out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct CopiedOut {
    /// Regular files written.
    pub(crate) files: usize,
    /// Bytes in them.
    pub(crate) bytes: u64,
}

/// Unpacks the tar of the guest directory named `top` (its entries are `top/...`) into `dest`.
pub(crate) fn unpack_outputs(
    archive: impl Read,
    top: &str,
    dest: &Path,
    limits: &OutputLimits,
) -> Result<CopiedOut, CopyOutError> {
    let mut copied = CopiedOut::default();
    let mut archive = tar::Archive::new(archive);
    for entry in archive.entries().map_err(CopyOutError::Archive)? {
        let mut entry = entry.map_err(CopyOutError::Archive)?;
        let kind = entry.header().entry_type();
        if kind.is_pax_global_extensions() {
            continue;
        }
        let raw_path = entry.path_bytes().into_owned();
        let Some(components) = relative_components(&raw_path, top)? else {
            // The top directory itself.
            if kind.is_dir() {
                continue;
            }
            return Err(rejected(format!("{top:?} is not a directory")));
        };
        let rel = components.join("/");
        if rel.len() > limits.max_path_bytes {
            let head: String = rel.chars().take(64).collect();
            return Err(rejected(format!(
                "output path {head:?}... is longer than {} bytes",
                limits.max_path_bytes
            )));
        }
        // Directories between the outputs directory and this entry.
        let parents = components.len().saturating_sub(1);
        let target = components.iter().fold(dest.to_path_buf(), |path, c| path.join(c));
        if kind.is_dir() {
            if components.len() > limits.max_depth {
                return Err(too_deep(&rel, limits));
            }
            create_dir(&target)?;
        } else if kind.is_file() || kind.is_contiguous() {
            if parents > limits.max_depth {
                return Err(too_deep(&rel, limits));
            }
            if copied.files >= limits.max_files {
                return Err(rejected(format!("more than {} output files", limits.max_files)));
            }
            let size = entry.size();
            let budget = limits.max_total_bytes.saturating_sub(copied.bytes);
            if size > budget {
                return Err(rejected(format!("outputs exceed {} bytes", limits.max_total_bytes)));
            }
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent).map_err(|source| host(parent, source))?;
            }
            write_file(&mut entry, &target, size, &rel)?;
            copied.files += 1;
            copied.bytes = copied.bytes.saturating_add(size);
        } else if kind.is_symlink() {
            return Err(rejected(format!("output {rel:?} is a symbolic link")));
        } else if kind.is_hard_link() {
            return Err(rejected(format!("output {rel:?} is a hard link")));
        } else {
            return Err(rejected(format!(
                "output {rel:?} is not a regular file or directory ({kind:?})"
            )));
        }
    }
    Ok(copied)
}

/// The components of `raw` below `top`: `None` for `top` itself, an error for a path that is
/// absolute, climbs with `..`, lies outside `top`, or is not UTF-8.
fn relative_components(raw: &[u8], top: &str) -> Result<Option<Vec<String>>, CopyOutError> {
    let shown = String::from_utf8_lossy(raw);
    if raw.first() == Some(&b'/') {
        return Err(rejected(format!("output path {shown:?} is absolute")));
    }
    let mut parts = Vec::new();
    for part in raw.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => return Err(rejected(format!("output path {shown:?} contains `..`"))),
            _ => match std::str::from_utf8(part) {
                Ok(name) => parts.push(name.to_owned()),
                Err(_) => return Err(rejected(format!("output name {shown:?} is not UTF-8"))),
            },
        }
    }
    let mut parts = parts.into_iter();
    if parts.next().as_deref() != Some(top) {
        return Err(rejected(format!("output path {shown:?} is outside {top:?}")));
    }
    let rest: Vec<String> = parts.collect();
    Ok(if rest.is_empty() { None } else { Some(rest) })
}

/// Creates `path` as a directory; one already there is fine, anything else there is not.
fn create_dir(path: &Path) -> Result<(), CopyOutError> {
    match fs::create_dir(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let meta = fs::symlink_metadata(path).map_err(|source| host(path, source))?;
            if meta.is_dir() { Ok(()) } else { Err(host(path, e)) }
        }
        Err(source) => Err(host(path, source)),
    }
}

/// Writes `size` bytes of `entry` to a new file at `path`.
fn write_file(
    entry: &mut impl Read,
    path: &Path,
    size: u64,
    rel: &str,
) -> Result<(), CopyOutError> {
    let mut file = match fs::OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            return Err(rejected(format!("output {rel:?} appears twice")));
        }
        Err(source) => return Err(host(path, source)),
    };
    let written = io::copy(&mut entry.take(size), &mut file).map_err(CopyOutError::Archive)?;
    if written != size {
        let short = io::Error::new(io::ErrorKind::UnexpectedEof, "archive ended inside a file");
        return Err(CopyOutError::Archive(short));
    }
    Ok(())
}

fn too_deep(rel: &str, limits: &OutputLimits) -> CopyOutError {
    rejected(format!("output {rel:?} is nested deeper than {} levels", limits.max_depth))
}

fn rejected(reason: String) -> CopyOutError {
    CopyOutError::Rejected(reason)
}

fn host(path: &Path, source: io::Error) -> CopyOutError {
    CopyOutError::Host { path: path.to_path_buf(), source }
}

/// A blocking reader over chunks sent from async code; ends when the sender is dropped.
///
/// Lets a blocking thread unpack a download as it arrives, in bounded memory: the channel's
/// capacity is the only buffer, and dropping the reader tells the sender to stop.
pub(crate) struct ChunkReader {
    chunks: mpsc::Receiver<Bytes>,
    current: Bytes,
}

impl ChunkReader {
    /// A reader of what `chunks` receives.
    pub(crate) fn new(chunks: mpsc::Receiver<Bytes>) -> ChunkReader {
        ChunkReader { chunks, current: Bytes::new() }
    }
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.chunks.blocking_recv() {
                Some(chunk) => self.current = chunk,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        let chunk = self.current.split_to(n);
        if let Some(dst) = buf.get_mut(..n) {
            dst.copy_from_slice(&chunk);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests;
