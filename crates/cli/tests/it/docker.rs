//! `rigshare job run-local` of a Docker manifest against the real local engine, with the
//! provider tests' guest image built here. Skips, saying why, when no engine answers or the guest
//! cannot be built.

#[path = "../../../runtime/tests/it/docker/setup.rs"]
mod setup;

use crate::support::{rigshare, s};

const INPUT: &[u8] = b"hello, rigshare! 42\n";

/// A Docker job: the guest uppercases `/inputs/in.txt` into `/outputs/out.txt` (and a nested
/// copy) and echoes it.
const MANIFEST: &str = r#"
name = "uppercase"
[runtime]
kind = "docker"
image = "IMAGE"
args = ["uppercase", "in.txt", "out.txt"]
[resources]
query = "gpu_count>=1"
[limits]
max_duration = "1m"
max_price_per_gpu_hour = "0.50"
memory = "128MiB"
[inputs]
"in.txt" = "in.txt"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_local_runs_a_docker_manifest() {
    let image = match setup::engine().await {
        Ok(docker) => setup::guest_image(&docker).await,
        Err(skip) => Err(skip),
    };
    let image = match image {
        Ok(image) => image,
        Err(skip) => {
            eprintln!("{skip}");
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.txt"), INPUT).unwrap();
    let manifest = dir.path().join("job.toml");
    std::fs::write(&manifest, MANIFEST.replace("IMAGE", &image)).unwrap();
    let out = dir.path().join("out");

    let (ok, stdout, stderr) = rigshare(s(&[
        "job",
        "run-local",
        manifest.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]))
    .await;
    assert!(ok, "run-local failed:\n{stdout}\n{stderr}");

    let upper = INPUT.to_ascii_uppercase();
    assert_eq!(std::fs::read(out.join("out.txt")).unwrap(), upper);
    assert_eq!(std::fs::read(out.join("nested/out.txt")).unwrap(), upper);
    // The job's own stdout is echoed, then the summary with the root a provider would report.
    assert!(stdout.contains("HELLO, RIGSHARE! 42"), "{stdout}");
    assert!(stdout.contains("exit        0"), "{stdout}");
    assert!(stdout.contains(&format!("outputs     {}", out.display())), "{stdout}");
    let root = rigshare_runtime::output_root(&out).unwrap();
    assert!(stdout.contains(&format!("output root {root}")), "{stdout}");
}
