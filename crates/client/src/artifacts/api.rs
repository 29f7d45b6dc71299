//! Bodies of the agent's artifact API (JSON).

use rigshare_types::output::OutputFile;
use rigshare_types::{Hash32, LeaseId};
use serde::{Deserialize, Serialize};

/// The agent's view of one lease (`GET /v1/leases/{id}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseView {
    /// The lease.
    pub lease: LeaseId,
    /// `awaiting_inputs`, `running`, `finished`, `submitted` or `failed`.
    pub stage: String,
    /// Why it failed, for `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The receipt's output root, once the job ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_root: Option<Hash32>,
    /// The job's exit code, once it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// Blobs the agent still needs from the requestor (the manifest first).
    pub missing: Vec<Hash32>,
}

/// One output file (`GET /v1/leases/{id}/outputs`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputEntry {
    /// Relative path.
    pub path: String,
    /// Length in bytes.
    pub size: u64,
    /// BLAKE3 of the contents.
    pub hash: Hash32,
}

impl From<&OutputFile> for OutputEntry {
    fn from(file: &OutputFile) -> OutputEntry {
        OutputEntry { path: file.path.clone(), size: file.size, hash: file.content_hash }
    }
}

impl From<&OutputEntry> for OutputFile {
    fn from(entry: &OutputEntry) -> OutputFile {
        OutputFile { path: entry.path.clone(), size: entry.size, content_hash: entry.hash }
    }
}

/// A lease's output files and their root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputListing {
    /// The Merkle root over the files (the receipt's output root).
    pub root: Hash32,
    /// The files, sorted by path.
    pub files: Vec<OutputEntry>,
}

/// What the job wrote to stdout and stderr (kept up to the capture limit).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Logs {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// An error answer: a stable snake_case code and a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactErrorBody {
    /// Stable code.
    pub code: String,
    /// What went wrong.
    pub message: String,
}
