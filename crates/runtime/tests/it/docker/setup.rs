//! The Docker tests' setup (the Docker bench and the CLI's tests include this file too): an
//! engine that answers, and the guest image built from `tests/docker-guest` with no registry: a
//! static musl binary in a `FROM scratch` image, built once per process.
//!
//! `Err` from [`engine`] and [`guest_image`] is why the Docker tests cannot run here (no engine,
//! no musl target): callers print it and skip. A guest that fails to build is a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

use bollard::Docker;
use bollard::query_parameters::BuildImageOptionsBuilder;
use futures::StreamExt;
use tokio::sync::OnceCell;

/// The guest image's tag.
pub const GUEST_IMAGE: &str = "rigshare-test-guest:latest";
/// The target the guest is built for: statically linked, so it runs in an empty image.
const GUEST_TARGET: &str = "x86_64-unknown-linux-musl";
/// The guest's path inside its image, and its entrypoint.
const GUEST_PATH: &str = "guest";

/// The guest image, built by the first caller of [`guest_image`] in this process.
static IMAGE: OnceCell<Result<String, String>> = OnceCell::const_new();

/// A client of the local engine, if one answers a ping.
pub async fn engine() -> Result<Docker, String> {
    let skip = |e: bollard::errors::Error| format!("skipping: no Docker engine answers: {e}");
    let docker = Docker::connect_with_local_defaults().map_err(skip)?;
    docker.ping().await.map_err(skip)?;
    Ok(docker)
}

/// The guest image's tag, building the guest and the image on first use.
pub async fn guest_image(docker: &Docker) -> Result<String, String> {
    IMAGE.get_or_init(|| build_image(docker)).await.clone()
}

async fn build_image(docker: &Docker) -> Result<String, String> {
    let binary = tokio::task::spawn_blocking(build_guest).await.unwrap()?;
    let context = context_tar(&binary);
    let options = BuildImageOptionsBuilder::new()
        .dockerfile("Dockerfile")
        .t(GUEST_IMAGE)
        .rm(true)
        .forcerm(true)
        .build();
    let mut build = docker.build_image(options, None, Some(bollard::body_full(context.into())));
    while let Some(step) = build.next().await {
        let step = step.unwrap_or_else(|e| panic!("building {GUEST_IMAGE}: {e}"));
        if let Some(error) = step.error_detail {
            panic!("building {GUEST_IMAGE}: {error:?}");
        }
    }
    Ok(GUEST_IMAGE.to_owned())
}

/// Builds the guest binary (once per cargo fingerprint) and returns its path.
fn build_guest() -> Result<PathBuf, String> {
    // Through `crates/`, so the CLI's tests (which include this file) find the guest too.
    let guest_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime/tests/docker-guest");
    let sysroot = Command::new("rustc")
        .args(["--print", "sysroot"])
        .current_dir(&guest_dir)
        .output()
        .map_err(|e| format!("skipping: cannot run rustc: {e}"))?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    if !sysroot.join("lib/rustlib").join(GUEST_TARGET).exists() {
        return Err(format!(
            "skipping: the {GUEST_TARGET} target is not installed (rustup target add {GUEST_TARGET})"
        ));
    }
    // A target directory of its own: the outer cargo holds the workspace's while tests run.
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("docker-guest");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let built = Command::new(cargo)
        .args(["build", "--release", "--quiet", "--target", GUEST_TARGET, "--manifest-path"])
        .arg(guest_dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        .current_dir(&guest_dir)
        .output()
        .expect("run cargo");
    assert!(
        built.status.success(),
        "building the docker guest failed:\n{}",
        String::from_utf8_lossy(&built.stderr)
    );
    Ok(target_dir.join(GUEST_TARGET).join("release/rigshare-docker-guest"))
}

/// The build context: a Dockerfile and the guest binary.
fn context_tar(binary: &Path) -> Vec<u8> {
    let dockerfile =
        format!("FROM scratch\nCOPY {GUEST_PATH} /{GUEST_PATH}\nENTRYPOINT [\"/{GUEST_PATH}\"]\n");
    let guest = std::fs::read(binary).expect("read the guest binary");
    let mut tar = tar::Builder::new(Vec::new());
    for (name, data, mode) in
        [("Dockerfile", dockerfile.as_bytes(), 0o644), (GUEST_PATH, guest.as_slice(), 0o755)]
    {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(mode);
        header.set_cksum();
        tar.append_data(&mut header, name, data).expect("append to the build context");
    }
    tar.into_inner().expect("finish the build context")
}
