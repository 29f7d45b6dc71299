//! The Rust toolchain the demo builds its job with: whether it has a target's standard library,
//! and adding the target through rustup when it does not.
//!
//! The check reads the sysroot of the `rustc` that a build in the workspace uses (`RUSTC`, else
//! `rustc` run in the workspace, so rustup picks the toolchain `rust-toolchain.toml` names):
//! a target is installed when `<sysroot>/lib/rustlib/<target>/lib` holds its `libstd`. It works
//! with or without rustup, and rustup runs only when the target is missing.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail, ensure};

/// What to do before building for a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetPlan {
    /// The target's standard library is installed.
    Ready,
    /// It is missing and rustup can add it.
    Install,
    /// It is missing and no rustup runs here to add it.
    Missing,
}

/// Whether `sysroot` holds `target`'s standard library (a `libstd-*.rlib`).
pub fn has_target(sysroot: &Path, target: &str) -> bool {
    let lib = sysroot.join("lib/rustlib").join(target).join("lib");
    std::fs::read_dir(lib).is_ok_and(|entries| {
        entries.filter_map(Result::ok).any(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            name.starts_with("libstd-") && name.ends_with(".rlib")
        })
    })
}

/// What to do about `target` for the toolchain at `sysroot`; `rustup_runs` is asked only when
/// the target is missing.
pub fn plan(sysroot: &Path, target: &str, rustup_runs: impl FnOnce() -> bool) -> TargetPlan {
    if has_target(sysroot, target) {
        TargetPlan::Ready
    } else if rustup_runs() {
        TargetPlan::Install
    } else {
        TargetPlan::Missing
    }
}

/// The sysroot of the `rustc` a build in `root` uses.
pub fn sysroot(root: &Path) -> anyhow::Result<PathBuf> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| OsString::from("rustc"));
    let output = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .current_dir(root)
        .output()
        .with_context(|| format!("running `{} --print sysroot`", rustc.to_string_lossy()))?;
    ensure!(
        output.status.success(),
        "`{} --print sysroot` failed: {}",
        rustc.to_string_lossy(),
        String::from_utf8_lossy(&output.stderr).trim()
    );
    let path = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    ensure!(!path.is_empty(), "`{} --print sysroot` printed nothing", rustc.to_string_lossy());
    Ok(PathBuf::from(path))
}

/// Whether `rustup` runs here (in `root`, so it sees the same toolchain override).
fn rustup_runs(root: &Path) -> bool {
    Command::new("rustup")
        .arg("--version")
        .current_dir(root)
        .output()
        .is_ok_and(|output| output.status.success())
}

/// Makes sure the toolchain that builds in `root` has `target`: when it is missing, says so on
/// the terminal and runs `rustup target add <target>` (its progress shown); a clear error
/// naming the command when rustup is absent or the install fails.
pub fn ensure_target(root: &Path, target: &str) -> anyhow::Result<()> {
    let sysroot = sysroot(root)?;
    let command = format!("rustup target add {target}");
    match plan(&sysroot, target, || rustup_runs(root)) {
        TargetPlan::Ready => Ok(()),
        TargetPlan::Missing => bail!(
            "the Rust toolchain at {} has no {target} target, and rustup is not installed to \
             add it\nhint: install the target (with rustup: `{command}`), or use a toolchain \
             that has it",
            sysroot.display()
        ),
        TargetPlan::Install => {
            println!(
                "▶ the toolchain at {} has no {target} target: installing it (`{command}`)",
                sysroot.display()
            );
            let status = Command::new("rustup")
                .args(["target", "add", target])
                .current_dir(root)
                .status()
                .with_context(|| format!("running `{command}`"))?;
            ensure!(
                status.success(),
                "`{command}` failed ({status})\nhint: run `{command}` yourself (it needs to \
                 reach static.rust-lang.org), then try again"
            );
            ensure!(
                has_target(&sysroot, target),
                "`{command}` succeeded but {} still has no {target} standard library\nhint: \
                 check `rustup show` for the active toolchain, then run `{command}` for it",
                sysroot.display()
            );
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake sysroot holding the standard library of each of `targets`.
    fn sysroot_with(targets: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for target in targets {
            let lib = dir.path().join("lib/rustlib").join(target).join("lib");
            std::fs::create_dir_all(&lib).unwrap();
            std::fs::write(lib.join("libstd-0123abcd.rlib"), b"").unwrap();
        }
        dir
    }

    #[test]
    fn a_target_is_installed_when_its_libstd_is_in_the_sysroot() {
        let sysroot = sysroot_with(&["wasm32-wasip1"]);
        assert!(has_target(sysroot.path(), "wasm32-wasip1"));
        assert!(!has_target(sysroot.path(), "x86_64-unknown-linux-musl"));
        // A directory left without its standard library (an interrupted install) is missing.
        let partial = sysroot.path().join("lib/rustlib/wasm32-unknown-unknown/lib");
        std::fs::create_dir_all(&partial).unwrap();
        std::fs::write(partial.join("libcore-0123abcd.rlib"), b"").unwrap();
        assert!(!has_target(sysroot.path(), "wasm32-unknown-unknown"));
        assert!(!has_target(&sysroot.path().join("absent"), "wasm32-wasip1"));
    }

    #[test]
    fn installs_only_a_missing_target_and_only_with_rustup() {
        let sysroot = sysroot_with(&["wasm32-wasip1"]);
        let never = || panic!("rustup asked about an installed target");
        assert_eq!(plan(sysroot.path(), "wasm32-wasip1", never), TargetPlan::Ready);
        assert_eq!(plan(sysroot.path(), "wasm32-unknown-unknown", || true), TargetPlan::Install);
        assert_eq!(plan(sysroot.path(), "wasm32-unknown-unknown", || false), TargetPlan::Missing);
    }

    #[test]
    fn the_real_toolchain_agrees_with_rustup() {
        let root = crate::demo::workspace_root();
        let sysroot = sysroot(&root).unwrap();
        let host = sysroot.join("lib/rustlib");
        assert!(host.is_dir(), "{} is not a sysroot", sysroot.display());
        // Where rustup manages the toolchain, its list of installed targets is the same answer.
        let Ok(listed) = Command::new("rustup")
            .args(["target", "list", "--installed"])
            .current_dir(&root)
            .output()
        else {
            eprintln!("skipping the comparison with rustup: rustup does not run here");
            return;
        };
        if !listed.status.success() {
            eprintln!("skipping the comparison with rustup: `rustup target list` failed");
            return;
        }
        let listed = String::from_utf8_lossy(&listed.stdout);
        for target in ["wasm32-wasip1", "x86_64-unknown-linux-musl", "wasm32-unknown-unknown"] {
            let by_rustup = listed.lines().any(|line| line.trim() == target);
            assert_eq!(has_target(&sysroot, target), by_rustup, "{target}");
        }
    }
}
