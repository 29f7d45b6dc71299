//! The Docker runtime against the real engine, with the guest of `tests/docker-guest`.
//!
//! Every test skips, saying why, when no engine answers or the guest cannot be built here.

mod setup;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bollard::Docker;
use bollard::errors::Error as DockerError;
use rigshare_runtime::DockerRuntime;
use rigshare_runtime::docker::{ContainerObserver, DockerOptions, JOB_LABEL};
use rigshare_runtime::output_root;
use rigshare_runtime::{
    DiscardLogs, ExitStatus, JobOutcome, JobSpec, Limits, LogSink, LogStream, Program, Runtime,
    RuntimeError,
};
use rigshare_types::Hash32;
use rigshare_types::output::{leaf_hash, node_hash};
use tokio::sync::mpsc;

use crate::harness::Sandbox;

/// An engine and the guest image, or `None` after printing why the test is skipped.
struct Engine {
    docker: Docker,
    image: String,
}

async fn engine() -> Option<Engine> {
    let docker = match setup::engine().await {
        Ok(docker) => docker,
        Err(skip) => {
            eprintln!("{skip}");
            return None;
        }
    };
    match setup::guest_image(&docker).await {
        Ok(image) => Some(Engine { docker, image }),
        Err(skip) => {
            eprintln!("{skip}");
            None
        }
    }
}

/// Sends the id of every container started.
struct Started(mpsc::UnboundedSender<String>);

impl ContainerObserver for Started {
    fn started(&self, id: &str) {
        let _ = self.0.send(id.to_owned());
    }
}

/// A runtime staging its files under `scratch`, reporting started containers on the receiver.
async fn docker_runtime(
    options: DockerOptions,
    scratch: &tempfile::TempDir,
) -> (DockerRuntime, mpsc::UnboundedReceiver<String>) {
    let options = DockerOptions { scratch_dir: Some(scratch.path().to_path_buf()), ..options };
    let (tx, rx) = mpsc::unbounded_channel();
    let runtime =
        DockerRuntime::connect(options).await.unwrap().with_observer(Arc::new(Started(tx)));
    (runtime, rx)
}

fn spec(image: &str, args: &[&str]) -> JobSpec {
    JobSpec {
        name: "docker-job".to_owned(),
        program: Program::Docker { image: image.to_owned() },
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        env: BTreeMap::new(),
        seed: [7; 32],
    }
}

fn limits() -> Limits {
    Limits {
        wall_time: Duration::from_secs(60),
        memory_bytes: 128 << 20,
        capture_bytes: 64 << 10,
        ..Limits::default()
    }
}

async fn run(
    runtime: &DockerRuntime,
    job: &JobSpec,
    limits: Limits,
    sandbox: &Sandbox,
    logs: Arc<dyn LogSink>,
) -> JobOutcome {
    let prepared = runtime.prepare(job).await.unwrap();
    runtime.run(&prepared, &limits, &sandbox.dirs, logs).await.unwrap()
}

/// Whether the engine still knows container `id`.
async fn exists(docker: &Docker, id: &str) -> bool {
    match docker.inspect_container(id, None).await {
        Ok(_) => true,
        Err(DockerError::DockerResponseServerError { status_code: 404, .. }) => false,
        Err(e) => panic!("inspect {id}: {e}"),
    }
}

fn is_empty(dir: &std::path::Path) -> bool {
    std::fs::read_dir(dir).unwrap().next().is_none()
}

const INPUT: &[u8] = b"hello, rigshare! 42\n";

#[tokio::test]
async fn docker_job_reads_inputs_and_its_outputs_are_copied_out() {
    let Some(engine) = engine().await else { return };
    let scratch = tempfile::tempdir().unwrap();
    let (runtime, mut started) = docker_runtime(DockerOptions::default(), &scratch).await;
    let sandbox = Sandbox::with_input("data.txt", INPUT);
    let job = spec(&engine.image, &["uppercase", "data.txt", "result.txt"]);
    let outcome = run(&runtime, &job, limits(), &sandbox, Arc::new(DiscardLogs)).await;

    assert_eq!(outcome.exit, ExitStatus::Exited(0), "stderr: {}", outcome.stderr.text());
    let expected = b"HELLO, RIGSHARE! 42\n";
    assert_eq!(std::fs::read(sandbox.output("result.txt")).unwrap(), expected);
    assert_eq!(std::fs::read(sandbox.output("nested/result.txt")).unwrap(), expected);
    assert_eq!(outcome.stdout.bytes, expected);
    assert_eq!(outcome.fuel_used, 0);

    // Two files, sorted by path: the root is the node over their leaves.
    let content = Hash32(*blake3::hash(expected).as_bytes());
    let recomputed =
        node_hash(&leaf_hash("nested/result.txt", &content), &leaf_hash("result.txt", &content));
    assert_eq!(output_root(&sandbox.dirs.outputs).unwrap(), recomputed);

    assert_eq!(std::fs::read(sandbox.dirs.inputs.join("data.txt")).unwrap(), INPUT);
    let id = started.recv().await.unwrap();
    assert!(!exists(&engine.docker, &id).await, "container {id} was left behind");
    assert!(is_empty(scratch.path()), "staged files were left behind");
}

#[tokio::test]
async fn docker_container_is_hardened() {
    let Some(engine) = engine().await else { return };
    let scratch = tempfile::tempdir().unwrap();
    let (runtime, mut started) = docker_runtime(DockerOptions::default(), &scratch).await;
    let sandbox = Sandbox::with_input("data.txt", INPUT);
    let job = spec(&engine.image, &["probe", "4000"]);
    let limits = limits();

    // Inspect the container through the engine while the job holds.
    let inspect = async {
        let id = started.recv().await.unwrap();
        (id.clone(), engine.docker.inspect_container(&id, None).await.unwrap())
    };
    let (outcome, (id, inspected)) =
        tokio::join!(run(&runtime, &job, limits, &sandbox, Arc::new(DiscardLogs)), inspect);

    assert_eq!(inspected.state.unwrap().running, Some(true), "inspected after the job ended");
    let host = inspected.host_config.unwrap();
    assert_eq!(host.privileged, Some(false));
    assert_eq!(host.cap_drop, Some(vec!["ALL".to_owned()]));
    assert_eq!(host.security_opt, Some(vec!["no-new-privileges:true".to_owned()]));
    assert_eq!(host.readonly_rootfs, Some(true));
    assert_eq!(host.network_mode.as_deref(), Some("none"));
    let memory = i64::try_from(limits.memory_bytes).unwrap();
    assert_eq!(host.memory, Some(memory));
    assert_eq!(host.memory_swap, Some(memory));
    assert_eq!(host.pids_limit, Some(256));
    assert_eq!(host.nano_cpus, Some(1_000_000_000));
    assert!(host.tmpfs.unwrap().contains_key("/tmp"));
    assert!(host.device_requests.unwrap_or_default().is_empty(), "no GPU was asked for");
    let config = inspected.config.unwrap();
    assert_eq!(config.user.as_deref(), Some("65534:65534"));
    assert_eq!(config.labels.unwrap().get(JOB_LABEL).map(String::as_str), Some("1"));
    let seed_env = format!("RIGSHARE_SEED={}", "07".repeat(32));
    assert!(config.env.unwrap().contains(&seed_env));

    // What the job itself saw: every check contained, /tmp and /outputs writable.
    let report = outcome.stdout.text();
    assert_eq!(outcome.exit, ExitStatus::Exited(0), "escapes:\n{report}");
    for check in ["uid", "caps", "no_new_privs", "write_rootfs", "write_inputs", "host_files"] {
        assert!(report.contains(&format!("{check}=contained")), "{check}:\n{report}");
    }
    assert!(report.contains("tmp_writable=true"), "{report}");
    assert!(report.contains("outputs_writable=true"), "{report}");
    assert_eq!(std::fs::read(sandbox.output("probe.txt")).unwrap(), b"probed\n");
    assert!(!exists(&engine.docker, &id).await);
}

/// Records what the sink sees.
#[derive(Default)]
struct Recorder(Mutex<Vec<(LogStream, Vec<u8>)>>);

impl LogSink for Recorder {
    fn write(&self, stream: LogStream, chunk: &[u8]) {
        self.0.lock().unwrap().push((stream, chunk.to_vec()));
    }
}

impl Recorder {
    fn seen(&self, stream: LogStream) -> Vec<u8> {
        let chunks = self.0.lock().unwrap();
        chunks.iter().filter(|(s, _)| *s == stream).flat_map(|(_, c)| c.clone()).collect()
    }
}

#[tokio::test]
async fn docker_nonzero_exit_is_a_result_with_its_output() {
    let Some(engine) = engine().await else { return };
    let scratch = tempfile::tempdir().unwrap();
    let (runtime, _started) = docker_runtime(DockerOptions::default(), &scratch).await;
    let sandbox = Sandbox::new();
    let recorder = Arc::new(Recorder::default());
    let job = spec(&engine.image, &["say", "to stdout\n", "to stderr\n", "42"]);
    let outcome = run(&runtime, &job, limits(), &sandbox, recorder.clone()).await;

    assert_eq!(outcome.exit, ExitStatus::Exited(42));
    assert_eq!(outcome.exit.code(), 42);
    assert_eq!(outcome.stdout.text(), "to stdout\n");
    assert_eq!(outcome.stderr.text(), "to stderr\n");
    assert_eq!(recorder.seen(LogStream::Stdout), b"to stdout\n");
    assert_eq!(recorder.seen(LogStream::Stderr), b"to stderr\n");
    assert!(is_empty(&sandbox.dirs.outputs));

    // Output past the capture limit is counted, not kept.
    let long = "x".repeat(1000);
    let job = spec(&engine.image, &["say", &long, "", "0"]);
    let small = Limits { capture_bytes: 10, ..limits() };
    let outcome = run(&runtime, &job, small, &Sandbox::new(), Arc::new(DiscardLogs)).await;
    assert!(outcome.exit.success());
    assert!(outcome.stdout.truncated);
    assert_eq!(outcome.stdout.total_bytes, 1000);
}

#[tokio::test]
async fn docker_infinite_loop_is_killed_at_the_wall_time() {
    let Some(engine) = engine().await else { return };
    let scratch = tempfile::tempdir().unwrap();
    let (runtime, mut started) = docker_runtime(DockerOptions::default(), &scratch).await;
    let job = spec(&engine.image, &["spin"]);
    let short = Limits { wall_time: Duration::from_secs(2), ..limits() };
    let outcome = run(&runtime, &job, short, &Sandbox::new(), Arc::new(DiscardLogs)).await;

    assert_eq!(outcome.exit, ExitStatus::Timeout);
    assert!(outcome.wall_ms >= 2000, "ended after {} ms", outcome.wall_ms);
    assert!(outcome.wall_ms < 30_000, "ended after {} ms", outcome.wall_ms);
    let id = started.recv().await.unwrap();
    assert!(!exists(&engine.docker, &id).await, "container {id} was left behind");
}

#[tokio::test]
async fn docker_memory_bomb_is_memory_exceeded() {
    let Some(engine) = engine().await else { return };
    let scratch = tempfile::tempdir().unwrap();
    let (runtime, mut started) = docker_runtime(DockerOptions::default(), &scratch).await;
    let job = spec(&engine.image, &["hog"]);
    let tight = Limits { memory_bytes: 64 << 20, ..limits() };
    let outcome = run(&runtime, &job, tight, &Sandbox::new(), Arc::new(DiscardLogs)).await;

    // The kernel kills the job in its memory cgroup; the engine reports State.OOMKilled.
    assert_eq!(outcome.exit, ExitStatus::MemoryExceeded, "stdout: {}", outcome.stdout.text());
    let id = started.recv().await.unwrap();
    assert!(!exists(&engine.docker, &id).await);
}

#[tokio::test]
async fn docker_network_is_off_unless_asked_for() {
    let Some(engine) = engine().await else { return };
    let scratch = tempfile::tempdir().unwrap();
    let job = spec(&engine.image, &["net"]);

    let (runtime, _started) = docker_runtime(DockerOptions::default(), &scratch).await;
    let outcome = run(&runtime, &job, limits(), &Sandbox::new(), Arc::new(DiscardLogs)).await;
    let report = outcome.stdout.text();
    assert_eq!(outcome.exit, ExitStatus::Exited(0), "the job has a route:\n{report}");
    assert!(report.contains(r#"interfaces=["lo"]"#), "{report}");

    // The control: with a network, the same probe finds a route (it sends nothing).
    let networked = DockerOptions { network: true, ..DockerOptions::default() };
    let (runtime, _started) = docker_runtime(networked, &scratch).await;
    let outcome = run(&runtime, &job, limits(), &Sandbox::new(), Arc::new(DiscardLogs)).await;
    assert_eq!(outcome.exit, ExitStatus::Exited(3), "{}", outcome.stdout.text());
}

#[tokio::test]
async fn docker_symlink_in_outputs_is_rejected() {
    let Some(engine) = engine().await else { return };
    let scratch = tempfile::tempdir().unwrap();
    let (runtime, _started) = docker_runtime(DockerOptions::default(), &scratch).await;
    let sandbox = Sandbox::new();
    let job = spec(&engine.image, &["symlink"]);
    let outcome = run(&runtime, &job, limits(), &sandbox, Arc::new(DiscardLogs)).await;

    match &outcome.exit {
        ExitStatus::Trapped(reason) => assert!(reason.contains("symbolic link"), "{reason}"),
        other => panic!("expected the outputs to be rejected, got {other:?}"),
    }
    assert!(std::fs::symlink_metadata(sandbox.output("link")).is_err());
}

#[tokio::test]
async fn docker_prepare_refuses_missing_images_and_other_programs() {
    if let Err(skip) = setup::engine().await {
        return eprintln!("{skip}");
    }
    let scratch = tempfile::tempdir().unwrap();
    let (runtime, _started) = docker_runtime(DockerOptions::default(), &scratch).await;

    let missing = spec("rigshare-no-such-image:never", &[]);
    let error = runtime.prepare(&missing).await.unwrap_err();
    assert!(
        matches!(&error, RuntimeError::InvalidProgram(m) if m.contains("not on this host")),
        "{error}"
    );

    let wasm = JobSpec { program: Program::Wasm(bytes::Bytes::new()), ..missing };
    let error = runtime.prepare(&wasm).await.unwrap_err();
    assert!(matches!(error, RuntimeError::WrongProgram { runtime: "docker", program: "wasm" }));
    assert_eq!(runtime.name(), "docker");
    assert!(runtime.runtime_settings().contains("determinism=none"));
}
