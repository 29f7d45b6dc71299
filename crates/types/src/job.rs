//! The canonical job manifest: what an order's `manifest_hash` names.
//!
//! A requestor writes a TOML manifest (the CLI's format); the CLI resolves its files to
//! content-addressed blobs and produces this [`JobManifest`]. Its BLAKE3 over the canonical
//! encoding ([`JobManifest::hash`]) goes into the order, the provider checks the manifest it
//! receives against that hash before running anything, and receipts repeat it.

use borsh::{BorshDeserialize, BorshSerialize};
use serde::{Deserialize, Serialize};

use crate::codec::{self, DecodeError};
use crate::{Hash32, hash};

/// Largest encoded manifest.
pub const MAX_MANIFEST_BYTES: usize = 64 * 1024; // bytes
/// Most input files a job may have.
pub const MAX_INPUTS: usize = 256;
/// Most arguments, and separately environment variables.
pub const MAX_ARGS: usize = 256;
/// Longest relative path of an input or output file, in bytes.
pub const MAX_PATH_BYTES: usize = 255;

/// A blob of bytes named by its BLAKE3 digest.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
pub struct BlobRef {
    /// BLAKE3 of the bytes.
    pub hash: Hash32,
    /// Length in bytes.
    pub size: u64,
}

impl BlobRef {
    /// The reference of `bytes`.
    pub fn of(bytes: &[u8]) -> BlobRef {
        BlobRef { hash: hash::blake3(bytes), size: bytes.len() as u64 }
    }
}

/// What runs the job.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobRuntime {
    /// A WASI preview 1 module, run deterministically (replicas are bit-identical).
    Wasm {
        /// The module.
        module: BlobRef,
    },
    /// A container image the provider has (no determinism claim).
    Docker {
        /// Image reference or id.
        image: String,
        /// Whether the job may use the network (off by default).
        network: bool,
    },
}

impl JobRuntime {
    /// The runtime's name, as in manifests.
    pub fn kind(&self) -> &'static str {
        match self {
            JobRuntime::Wasm { .. } => "wasm",
            JobRuntime::Docker { .. } => "docker",
        }
    }
}

/// A file the job finds under `/inputs`.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct InputFile {
    /// Relative path under `/inputs` (`/`-separated, no `..`).
    pub path: String,
    /// Its content.
    pub blob: BlobRef,
}

/// What a run may use.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize,
)]
pub struct JobLimits {
    /// Deterministic work bound (wasm fuel, about one unit per instruction).
    pub fuel: u64,
    /// Wall-clock limit, in milliseconds.
    pub wall_time_ms: u64,
    /// Memory limit, in bytes.
    pub memory_bytes: u64,
}

/// The job: program, arguments, inputs, expected outputs, limits and seed.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize, Serialize, Deserialize)]
pub struct JobManifest {
    /// Short name (`argv[0]`).
    pub name: String,
    /// What runs it.
    pub runtime: JobRuntime,
    /// Arguments after `argv[0]`.
    pub args: Vec<String>,
    /// Environment, sorted by name, names unique.
    pub env: Vec<(String, String)>,
    /// Input files, sorted by path, paths unique.
    pub inputs: Vec<InputFile>,
    /// Output files the job must produce (relative to `/outputs`); others are kept too.
    pub outputs: Vec<String>,
    /// Limits.
    pub limits: JobLimits,
    /// Seed of the job's randomness; every replica gets the same.
    pub seed: [u8; 32],
}

/// Why a manifest is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// The bytes are not a manifest.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The name is empty, too long or not printable ASCII without spaces.
    #[error("invalid job name {0:?}: 1 to 64 characters of [A-Za-z0-9._-]")]
    Name(String),
    /// A path is empty, absolute, has `.`/`..`/empty components or is too long.
    #[error(
        "invalid {what} path {path:?}: must be relative, `/`-separated, without `.` or `..`, at most {MAX_PATH_BYTES} bytes"
    )]
    Path {
        /// `input` or `output`.
        what: &'static str,
        /// The path.
        path: String,
    },
    /// Two entries share a path or name, or are not sorted.
    #[error("{what} {key:?} is duplicated or out of order")]
    Order {
        /// `input`, `output` or `env`.
        what: &'static str,
        /// The offending key.
        key: String,
    },
    /// Too many of something.
    #[error("too many {what}: {count} (at most {max})")]
    TooMany {
        /// What.
        what: &'static str,
        /// How many.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A limit is zero.
    #[error("limit {0} must be positive")]
    ZeroLimit(&'static str),
    /// The Docker image reference is empty or has whitespace.
    #[error("invalid image reference {0:?}")]
    Image(String),
}

impl JobManifest {
    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        codec::encode(self)
    }

    /// BLAKE3 of the canonical encoding: the order's `manifest_hash`.
    pub fn hash(&self) -> Hash32 {
        hash::blake3(&self.encode())
    }

    /// Decodes and validates a manifest of at most [`MAX_MANIFEST_BYTES`].
    pub fn decode(bytes: &[u8]) -> Result<JobManifest, ManifestError> {
        let manifest: JobManifest = codec::decode(bytes, MAX_MANIFEST_BYTES)?;
        manifest.validate()?;
        Ok(manifest)
    }

    /// Checks names, paths, ordering, counts and limits.
    pub fn validate(&self) -> Result<(), ManifestError> {
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 64
            && self.name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        if !name_ok {
            return Err(ManifestError::Name(self.name.clone()));
        }
        if let JobRuntime::Docker { image, .. } = &self.runtime
            && (image.is_empty() || image.len() > 255 || image.contains(char::is_whitespace))
        {
            return Err(ManifestError::Image(image.clone()));
        }
        count("arguments", self.args.len(), MAX_ARGS)?;
        count("environment variables", self.env.len(), MAX_ARGS)?;
        count("inputs", self.inputs.len(), MAX_INPUTS)?;
        count("outputs", self.outputs.len(), MAX_INPUTS)?;
        ascending("env", self.env.iter().map(|(k, _)| k.as_str()))?;
        ascending("input", self.inputs.iter().map(|i| i.path.as_str()))?;
        ascending("output", self.outputs.iter().map(String::as_str))?;
        for input in &self.inputs {
            check_path("input", &input.path)?;
        }
        for output in &self.outputs {
            check_path("output", output)?;
        }
        let limits = &self.limits;
        for (value, name) in [
            (limits.fuel, "fuel"),
            (limits.wall_time_ms, "wall_time"),
            (limits.memory_bytes, "memory"),
        ] {
            if value == 0 {
                return Err(ManifestError::ZeroLimit(name));
            }
        }
        Ok(())
    }

    /// Every blob the job needs: the module (for wasm) and the inputs.
    pub fn blobs(&self) -> Vec<BlobRef> {
        let module = match &self.runtime {
            JobRuntime::Wasm { module } => Some(*module),
            JobRuntime::Docker { .. } => None,
        };
        module.into_iter().chain(self.inputs.iter().map(|i| i.blob)).collect()
    }
}

fn count(what: &'static str, count: usize, max: usize) -> Result<(), ManifestError> {
    if count > max {
        return Err(ManifestError::TooMany { what, count, max });
    }
    Ok(())
}

fn ascending<'a>(
    what: &'static str,
    keys: impl Iterator<Item = &'a str>,
) -> Result<(), ManifestError> {
    let mut previous: Option<&str> = None;
    for key in keys {
        if previous.is_some_and(|p| p >= key) {
            return Err(ManifestError::Order { what, key: key.to_owned() });
        }
        previous = Some(key);
    }
    Ok(())
}

/// Whether `path` is a safe relative path: `/`-separated normal components only.
pub fn is_safe_relative_path(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= MAX_PATH_BYTES
        && !path.starts_with('/')
        && !path.contains('\\')
        && !path.contains('\0')
        && path.split('/').all(|c| !c.is_empty() && c != "." && c != "..")
}

fn check_path(what: &'static str, path: &str) -> Result<(), ManifestError> {
    if !is_safe_relative_path(path) {
        return Err(ManifestError::Path { what, path: path.to_owned() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> JobManifest {
        JobManifest {
            name: "digits-mlp".into(),
            runtime: JobRuntime::Wasm { module: BlobRef::of(b"\0asm") },
            args: vec!["--epochs".into(), "3".into()],
            env: vec![("A".into(), "1".into())],
            inputs: vec![InputFile { path: "digits.csv".into(), blob: BlobRef::of(b"1,2") }],
            outputs: vec!["metrics.json".into(), "model.bin".into()],
            limits: JobLimits { fuel: 1, wall_time_ms: 1, memory_bytes: 1 },
            seed: [7; 32],
        }
    }

    #[test]
    fn round_trips_and_hashes_the_encoding() {
        let m = manifest();
        let bytes = m.encode();
        assert_eq!(JobManifest::decode(&bytes), Ok(m.clone()));
        assert_eq!(m.hash(), hash::blake3(&bytes));
        assert_eq!(m.blobs().len(), 2);
    }

    #[test]
    fn rejects_unsafe_paths_and_disorder() {
        for bad in ["", "/etc/passwd", "../x", "a/../b", "a//b", "./a", "a\\b"] {
            let mut m = manifest();
            m.inputs[0].path = bad.into();
            assert!(matches!(m.validate(), Err(ManifestError::Path { .. })), "{bad:?}");
        }
        let mut m = manifest();
        m.outputs.reverse();
        assert!(matches!(m.validate(), Err(ManifestError::Order { what: "output", .. })));
        let mut m = manifest();
        m.limits.fuel = 0;
        assert_eq!(m.validate(), Err(ManifestError::ZeroLimit("fuel")));
        let mut m = manifest();
        m.name = "no spaces".into();
        assert!(matches!(m.validate(), Err(ManifestError::Name(_))));
    }

    #[test]
    fn refuses_oversize_and_trailing_bytes() {
        let mut bytes = manifest().encode();
        bytes.push(0);
        assert!(matches!(JobManifest::decode(&bytes), Err(ManifestError::Decode(_))));
        assert!(matches!(
            JobManifest::decode(&vec![0; MAX_MANIFEST_BYTES + 1]),
            Err(ManifestError::Decode(DecodeError::TooLarge { .. }))
        ));
    }
}
