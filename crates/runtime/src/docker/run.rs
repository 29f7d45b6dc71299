//! One run of a job: create, attach, start, wait (or kill at the deadline), inspect, copy the
//! outputs out, remove.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::errors::Error as DockerError;
use bollard::query_parameters::{
    AttachContainerOptionsBuilder, DownloadFromContainerOptionsBuilder, KillContainerOptionsBuilder,
};
use futures::StreamExt;
use tokio::sync::mpsc;

use super::archive::{ChunkReader, CopiedOut, CopyOutError, unpack_outputs};
use super::container::{ContainerGuard, create_body};
use super::staging::Staging;
use super::{DockerPrepared, DockerRuntime, OUTPUTS_GUEST_PATH, engine_error};
use crate::capture::CaptureBuffer;
use crate::{ExitStatus, JobDirs, JobOutcome, Limits, LogSink, LogStream, RuntimeError};

/// How long a killed container may take to stop.
const KILL_GRACE: Duration = Duration::from_secs(10);
/// How long the output stream may lag behind the container's end.
const LOG_DRAIN: Duration = Duration::from_secs(5);
/// Chunks of the outputs archive in flight between the download and the unpacker.
const COPY_OUT_CHUNKS: usize = 16; // chunks
/// Target of the runtime's log lines.
const TARGET: &str = "provider::runtime::docker";

impl DockerRuntime {
    /// Runs `prepared` once; see [`Runtime::run`](crate::Runtime::run).
    pub(super) async fn run_job(
        &self,
        prepared: &DockerPrepared,
        limits: &Limits,
        dirs: &JobDirs,
        logs: Arc<dyn LogSink>,
    ) -> Result<JobOutcome, RuntimeError> {
        let scratch = self.options.scratch_dir.clone().unwrap_or_else(std::env::temp_dir);
        let job_dirs = dirs.clone();
        let staging = tokio::task::spawn_blocking(move || {
            check_dir(&job_dirs.outputs)?;
            Staging::create(&scratch, &job_dirs.inputs)
        })
        .await
        .map_err(|e| RuntimeError::Engine(format!("staging task failed: {e}")))??;

        let stdout = CaptureBuffer::new(LogStream::Stdout, limits.capture_bytes, logs.clone());
        let stderr = CaptureBuffer::new(LogStream::Stderr, limits.capture_bytes, logs);
        let started = Instant::now();
        let body = create_body(prepared, limits, &self.options, &staging);
        let created = self.docker.create_container(None, body).await.map_err(engine_error)?;
        let container = ContainerGuard::new(self.docker.clone(), created.id);
        tracing::debug!(target: TARGET, container = container.id(), "created");

        let ended = self.supervise(container.id(), limits, &stdout, &stderr).await;
        let wall_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let result = match ended {
            Ok(exit) => self.copy_out(container.id(), dirs, exit).await,
            Err(e) => Err(e),
        };
        container.remove().await;
        staging.remove();

        let outcome = JobOutcome {
            exit: result?,
            wall_ms,
            fuel_used: 0,
            stdout: stdout.captured(),
            stderr: stderr.captured(),
        };
        tracing::info!(target: TARGET, exit = ?outcome.exit, wall_ms, "job finished");
        Ok(outcome)
    }

    /// Attaches to, starts and waits for container `id`, killing it at the wall-time limit;
    /// returns how the job ended.
    async fn supervise(
        &self,
        id: &str,
        limits: &Limits,
        stdout: &CaptureBuffer,
        stderr: &CaptureBuffer,
    ) -> Result<ExitStatus, RuntimeError> {
        // Attach before starting, so not a byte of output is missed.
        let attach_options =
            AttachContainerOptionsBuilder::new().stream(true).stdout(true).stderr(true).build();
        let attached =
            self.docker.attach_container(id, Some(attach_options)).await.map_err(engine_error)?;
        let pump = tokio::spawn(pump_output(attached.output, stdout.clone(), stderr.clone()));

        if let Err(e) = self.docker.start_container(id, None).await {
            pump.abort();
            return Err(match e {
                // The engine could not run the image's program (e.g. no such executable).
                DockerError::DockerResponseServerError { status_code: 400, message } => {
                    RuntimeError::InvalidProgram(message)
                }
                other => engine_error(other),
            });
        }
        if let Some(observer) = &self.observer {
            observer.started(id);
        }

        let timed_out = match tokio::time::timeout(limits.wall_time, wait(&self.docker, id)).await {
            Ok(waited) => {
                waited?;
                false
            }
            Err(_) => {
                tracing::info!(target: TARGET, container = id, "wall-time limit reached; killing");
                kill(&self.docker, id).await?;
                true
            }
        };
        // The output stream ends with the container; a stuck one is given up on.
        if tokio::time::timeout(LOG_DRAIN, pump).await.is_err() {
            tracing::warn!(target: TARGET, container = id, "output stream did not end");
        }

        let state = self.docker.inspect_container(id, None).await.map_err(engine_error)?.state;
        let state = state.unwrap_or_default();
        Ok(if timed_out {
            ExitStatus::Timeout
        } else if state.oom_killed == Some(true) {
            ExitStatus::MemoryExceeded
        } else {
            let code = state.exit_code.ok_or_else(|| {
                RuntimeError::Engine(format!("container {id} stopped without an exit code"))
            })?;
            ExitStatus::Exited(i32::try_from(code).unwrap_or(i32::MIN))
        })
    }

    /// Copies `/outputs` out of container `id` into `dirs.outputs`. Outputs that break the rules
    /// turn an exit into [`ExitStatus::Trapped`]; a job that already failed keeps its status.
    async fn copy_out(
        &self,
        id: &str,
        dirs: &JobDirs,
        exit: ExitStatus,
    ) -> Result<ExitStatus, RuntimeError> {
        match self.download_outputs(id, dirs).await? {
            Ok(copied) => {
                tracing::debug!(target: TARGET, container = id, files = copied.files, bytes = copied.bytes, "copied outputs out");
                Ok(exit)
            }
            Err(reason) => {
                tracing::info!(target: TARGET, container = id, %reason, "outputs rejected");
                Ok(match exit {
                    ExitStatus::Exited(_) => {
                        ExitStatus::Trapped(format!("outputs rejected: {reason}"))
                    }
                    other => other,
                })
            }
        }
    }

    /// Streams the engine's tar of `/outputs` into the unpacker; the inner `Err` is a rejection.
    async fn download_outputs(
        &self,
        id: &str,
        dirs: &JobDirs,
    ) -> Result<Result<CopiedOut, String>, RuntimeError> {
        let (tx, rx) = mpsc::channel(COPY_OUT_CHUNKS);
        let dest = dirs.outputs.clone();
        let limits = self.options.output_limits;
        let top = OUTPUTS_GUEST_PATH.trim_start_matches('/');
        let unpacker = tokio::task::spawn_blocking(move || {
            unpack_outputs(ChunkReader::new(rx), top, &dest, &limits)
        });

        let options = DownloadFromContainerOptionsBuilder::new().path(OUTPUTS_GUEST_PATH).build();
        let mut download = std::pin::pin!(self.docker.download_from_container(id, Some(options)));
        let mut download_error = None;
        while let Some(chunk) = download.next().await {
            match chunk {
                // A send fails once the unpacker has stopped reading (it rejected something).
                Ok(chunk) => {
                    if tx.send(chunk).await.is_err() {
                        break;
                    }
                }
                Err(e) => {
                    download_error = Some(e);
                    break;
                }
            }
        }
        drop(tx);
        let unpacked = unpacker
            .await
            .map_err(|e| RuntimeError::Engine(format!("copy-out task failed: {e}")))?;
        if let Some(e) = download_error {
            return Err(RuntimeError::Engine(format!("cannot copy outputs out: {e}")));
        }
        match unpacked {
            Ok(copied) => Ok(Ok(copied)),
            Err(CopyOutError::Rejected(reason)) => Ok(Err(reason)),
            Err(CopyOutError::Host { path, source }) => {
                Err(RuntimeError::Dir { path, reason: source.to_string() })
            }
            Err(CopyOutError::Archive(e)) => {
                Err(RuntimeError::Engine(format!("unreadable outputs archive: {e}")))
            }
        }
    }
}

/// Fails unless `path` is a directory.
fn check_dir(path: &std::path::Path) -> Result<(), RuntimeError> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => {
            Err(RuntimeError::Dir { path: path.to_path_buf(), reason: "not a directory".into() })
        }
        Err(e) => Err(RuntimeError::Dir { path: path.to_path_buf(), reason: e.to_string() }),
    }
}

/// Forwards the container's output frames into the capture buffers until the stream ends.
async fn pump_output(
    mut output: std::pin::Pin<
        Box<dyn futures::Stream<Item = Result<LogOutput, DockerError>> + Send>,
    >,
    stdout: CaptureBuffer,
    stderr: CaptureBuffer,
) {
    while let Some(frame) = output.next().await {
        match frame {
            Ok(LogOutput::StdOut { message }) => stdout.write(&message),
            Ok(LogOutput::StdErr { message }) => stderr.write(&message),
            Ok(LogOutput::StdIn { .. } | LogOutput::Console { .. }) => {}
            Err(e) => {
                tracing::warn!(target: TARGET, error = %e, "output stream failed");
                break;
            }
        }
    }
}

/// Waits until container `id` stops. A non-zero exit arrives as an error from the engine's wait
/// stream; it is a stop like any other here (the exit code is read by inspecting).
async fn wait(docker: &Docker, id: &str) -> Result<(), RuntimeError> {
    let mut waits = std::pin::pin!(docker.wait_container(id, None));
    match waits.next().await {
        Some(Ok(_) | Err(DockerError::DockerContainerWaitError { .. })) => Ok(()),
        Some(Err(e)) => Err(engine_error(e)),
        None => Err(RuntimeError::Engine(format!("wait for container {id} ended early"))),
    }
}

/// Kills container `id` (SIGKILL) and waits for it to stop.
async fn kill(docker: &Docker, id: &str) -> Result<(), RuntimeError> {
    let options = KillContainerOptionsBuilder::new().signal("SIGKILL").build();
    match docker.kill_container(id, Some(options)).await {
        // 409: it stopped by itself in the meantime.
        Ok(()) | Err(DockerError::DockerResponseServerError { status_code: 409, .. }) => {}
        Err(e) => return Err(engine_error(e)),
    }
    match tokio::time::timeout(KILL_GRACE, wait(docker, id)).await {
        Ok(waited) => waited,
        Err(_) => Err(RuntimeError::Engine(format!("container {id} did not stop when killed"))),
    }
}
