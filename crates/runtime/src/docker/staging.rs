//! A job's host-side files: a private copy of its inputs and the directory it writes outputs to.
//!
//! ```text
//!  scratch/rigshare-docker-XXXX/   0700, the agent's (no other host user can reach inside)
//!  ├── inputs/    copy of dirs.inputs, files 0644, dirs 0755 ─▶ /inputs  (bind, read-only)
//!  └── outputs/   0777, empty                                 ─▶ /outputs (bind, read-write)
//! ```
//!
//! The engine refuses to upload into a read-only mount or a read-only root file system, so the
//! inputs are copied here rather than through the archive API; the copy shields the caller's
//! directory from the job and makes every input readable by the job's unprivileged user.
//! `outputs/` is world-writable because the job's user is not the agent's; its parent keeps
//! everyone else out.

use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::super::RuntimeError;

/// Mode of a job's staging directory: the agent's alone, which keeps other host users out of
/// the world-writable outputs directory inside.
const STAGING_DIR_MODE: u32 = 0o700;
/// Mode of the copied input files: readable by the job's user, writable by no one but the agent.
const INPUT_FILE_MODE: u32 = 0o644;
/// Mode of the copied input directories.
const INPUT_DIR_MODE: u32 = 0o755;
/// Mode of the outputs directory: the job's user, whoever it is, can write into it.
const OUTPUT_DIR_MODE: u32 = 0o777;

/// The staged directories of one job; dropping it removes them.
pub(crate) struct Staging {
    root: tempfile::TempDir,
    /// The inputs copy, bind-mounted read-only at `/inputs`.
    pub(crate) inputs: PathBuf,
    /// The outputs directory, bind-mounted read-write at `/outputs`.
    pub(crate) outputs: PathBuf,
}

impl Staging {
    /// Stages a copy of `inputs` and an empty outputs directory under `scratch` (created if
    /// missing).
    pub(crate) fn create(scratch: &Path, inputs: &Path) -> Result<Staging, RuntimeError> {
        // Callers name a per-lease (or per-run) directory that nothing else creates.
        fs::create_dir_all(scratch).map_err(|e| dir_error(scratch, &e))?;
        let root = tempfile::Builder::new()
            .prefix("rigshare-docker-")
            .tempdir_in(scratch)
            .map_err(|e| dir_error(scratch, &e))?;
        set_mode(root.path(), STAGING_DIR_MODE)?;
        let staging = Staging {
            inputs: root.path().join("inputs"),
            outputs: root.path().join("outputs"),
            root,
        };
        copy_tree(inputs, &staging.inputs)?;
        fs::create_dir(&staging.outputs).map_err(|e| dir_error(&staging.outputs, &e))?;
        set_mode(&staging.outputs, OUTPUT_DIR_MODE)?;
        Ok(staging)
    }

    /// Removes the staged directories, logging what could not be removed.
    pub(crate) fn remove(self) {
        let path = self.root.path().to_path_buf();
        if let Err(e) = self.root.close() {
            // Files the job's user made may be beyond an unprivileged agent's reach.
            tracing::warn!(target: "runtime::docker", path = %path.display(), error = %e, "cannot remove a job's staged files");
        }
    }
}

/// Copies the directory `from` to a new directory `to`: regular files and directories only.
fn copy_tree(from: &Path, to: &Path) -> Result<(), RuntimeError> {
    let meta = fs::metadata(from).map_err(|e| dir_error(from, &e))?;
    if !meta.is_dir() {
        return Err(RuntimeError::Dir {
            path: from.to_path_buf(),
            reason: "not a directory".into(),
        });
    }
    let mut pending = vec![(from.to_path_buf(), to.to_path_buf())];
    while let Some((src, dst)) = pending.pop() {
        fs::create_dir(&dst).map_err(|e| dir_error(&dst, &e))?;
        set_mode(&dst, INPUT_DIR_MODE)?;
        for entry in fs::read_dir(&src).map_err(|e| dir_error(&src, &e))? {
            let entry = entry.map_err(|e| dir_error(&src, &e))?;
            let (path, target) = (entry.path(), dst.join(entry.file_name()));
            let kind = entry.file_type().map_err(|e| dir_error(&path, &e))?;
            if kind.is_dir() {
                pending.push((path, target));
            } else if kind.is_file() {
                fs::copy(&path, &target).map_err(|e| dir_error(&path, &e))?;
                set_mode(&target, INPUT_FILE_MODE)?;
            } else {
                // A link could show the job a file outside the inputs.
                let reason = "inputs must be regular files and directories (no links, devices, \
                              FIFOs or sockets)";
                return Err(RuntimeError::Dir { path, reason: reason.into() });
            }
        }
    }
    Ok(())
}

fn set_mode(path: &Path, mode: u32) -> Result<(), RuntimeError> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(|e| dir_error(path, &e))
}

fn dir_error(path: &Path, error: &io::Error) -> RuntimeError {
    RuntimeError::Dir { path: path.to_path_buf(), reason: error.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_inputs_and_makes_outputs_writable() {
        let host = tempfile::tempdir().unwrap();
        let inputs = host.path().join("in");
        fs::create_dir_all(inputs.join("sub")).unwrap();
        fs::write(inputs.join("a.txt"), b"a").unwrap();
        fs::write(inputs.join("sub/b.txt"), b"b").unwrap();
        fs::set_permissions(inputs.join("a.txt"), fs::Permissions::from_mode(0o600)).unwrap();

        let staging = Staging::create(host.path(), &inputs).unwrap();
        assert_eq!(fs::read(staging.inputs.join("a.txt")).unwrap(), b"a");
        assert_eq!(fs::read(staging.inputs.join("sub/b.txt")).unwrap(), b"b");
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode(&staging.inputs.join("a.txt")), INPUT_FILE_MODE);
        assert_eq!(mode(&staging.outputs), OUTPUT_DIR_MODE);
        assert_eq!(mode(staging.root.path()), STAGING_DIR_MODE);
        assert!(fs::read_dir(&staging.outputs).unwrap().next().is_none());

        let root = staging.root.path().to_path_buf();
        staging.remove();
        assert!(!root.exists());
    }

    #[test]
    fn creates_a_missing_scratch_directory() {
        let host = tempfile::tempdir().unwrap();
        let inputs = host.path().join("in");
        fs::create_dir(&inputs).unwrap();
        let scratch = host.path().join("lease/scratch");
        let staging = Staging::create(&scratch, &inputs).unwrap();
        assert!(staging.root.path().starts_with(&scratch));
        assert!(staging.outputs.is_dir());
    }

    #[test]
    fn refuses_links_in_inputs() {
        let host = tempfile::tempdir().unwrap();
        let inputs = host.path().join("in");
        fs::create_dir(&inputs).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", inputs.join("link")).unwrap();
        let error = Staging::create(host.path(), &inputs).err().unwrap();
        assert!(matches!(error, RuntimeError::Dir { .. }), "{error}");
    }

    #[test]
    fn missing_inputs_is_a_dir_error() {
        let host = tempfile::tempdir().unwrap();
        let error = Staging::create(host.path(), &host.path().join("absent")).err().unwrap();
        assert!(matches!(error, RuntimeError::Dir { .. }), "{error}");
    }
}
