//! The container a job runs in: its configuration (every hardening setting in one place) and a
//! guard that removes it however the run ends.

use std::collections::HashMap;

use bollard::Docker;
use bollard::models::{
    ContainerCreateBody, DeviceRequest, HostConfig, HostConfigLogConfig, Mount, MountType,
};
use bollard::query_parameters::RemoveContainerOptionsBuilder;

use super::options::{DockerOptions, GpuRequest};
use super::staging::Staging;
use super::{DockerPrepared, INPUTS_GUEST_PATH, OUTPUTS_GUEST_PATH, TMP_GUEST_PATH};
use crate::Limits;

/// Label every job container carries, so an operator (or a sweep after a crash) can find them.
pub const JOB_LABEL: &str = "rigshare.job";
/// Label carrying the job's name.
pub const JOB_NAME_LABEL: &str = "rigshare.job.name";
/// Capabilities dropped from every container: all of them.
pub(crate) const CAP_DROP: &str = "ALL";
/// Forbids gaining privileges through setuid binaries or file capabilities.
pub(crate) const NO_NEW_PRIVILEGES: &str = "no-new-privileges:true";
/// The container's log driver: output is read through the attach stream and kept nowhere else,
/// so a chatty job cannot fill the engine's disk.
const LOG_DRIVER: &str = "none";

/// The create request for one run of `prepared` under `limits`, with `staging` mounted.
pub(crate) fn create_body(
    prepared: &DockerPrepared,
    limits: &Limits,
    options: &DockerOptions,
    staging: &Staging,
) -> ContainerCreateBody {
    let memory = i64::try_from(limits.memory_bytes).unwrap_or(i64::MAX);
    let labels = HashMap::from([
        (JOB_LABEL.to_owned(), "1".to_owned()),
        (JOB_NAME_LABEL.to_owned(), prepared.name.clone()),
    ]);
    let host_config = HostConfig {
        privileged: Some(false),
        cap_drop: Some(vec![CAP_DROP.to_owned()]),
        security_opt: Some(vec![NO_NEW_PRIVILEGES.to_owned()]),
        readonly_rootfs: Some(true),
        network_mode: Some(if options.network { "bridge" } else { "none" }.to_owned()),
        memory: Some(memory),
        // Swap limit equal to the memory limit: no swap at all.
        memory_swap: Some(memory),
        nano_cpus: (options.nano_cpus > 0).then_some(options.nano_cpus),
        pids_limit: Some(options.pids_limit),
        tmpfs: Some(HashMap::from([(
            TMP_GUEST_PATH.to_owned(),
            format!("rw,nosuid,nodev,size={},mode=1777", options.tmp_bytes),
        )])),
        mounts: Some(vec![
            bind(&staging.inputs.to_string_lossy(), INPUTS_GUEST_PATH, true),
            bind(&staging.outputs.to_string_lossy(), OUTPUTS_GUEST_PATH, false),
        ]),
        device_requests: device_requests(&options.gpus),
        log_config: Some(HostConfigLogConfig { typ: Some(LOG_DRIVER.to_owned()), config: None }),
        auto_remove: Some(false),
        ..HostConfig::default()
    };
    ContainerCreateBody {
        image: Some(prepared.image_id.clone()),
        cmd: (!prepared.args.is_empty()).then(|| prepared.args.clone()),
        env: Some(prepared.env.clone()),
        user: Some(options.user.clone()),
        labels: Some(labels),
        attach_stdin: Some(false),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        open_stdin: Some(false),
        tty: Some(false),
        host_config: Some(host_config),
        ..ContainerCreateBody::default()
    }
}

fn bind(source: &str, target: &str, read_only: bool) -> Mount {
    Mount {
        source: Some(source.to_owned()),
        target: Some(target.to_owned()),
        typ: Some(MountType::BIND),
        read_only: Some(read_only),
        ..Mount::default()
    }
}

/// The NVIDIA device request for `gpus` (what `docker run --gpus` sends); `None` for no GPU.
fn device_requests(gpus: &GpuRequest) -> Option<Vec<DeviceRequest>> {
    let (count, device_ids) = match gpus {
        GpuRequest::None => return None,
        GpuRequest::Devices(ids) if ids.is_empty() => return None,
        GpuRequest::Count(n) => (Some(i64::from(*n)), None),
        GpuRequest::Devices(ids) => (None, Some(ids.clone())),
    };
    Some(vec![DeviceRequest {
        driver: Some("nvidia".to_owned()),
        count,
        device_ids,
        capabilities: Some(vec![vec!["gpu".to_owned()]]),
        options: None,
    }])
}

/// Removes its container when dropped, unless [`ContainerGuard::remove`] already did: a run that
/// fails, times out or is cancelled leaves no container behind.
pub(crate) struct ContainerGuard {
    docker: Docker,
    id: Option<String>,
}

impl ContainerGuard {
    /// Guards the container `id`.
    pub(crate) fn new(docker: Docker, id: String) -> ContainerGuard {
        ContainerGuard { docker, id: Some(id) }
    }

    /// The container's id.
    pub(crate) fn id(&self) -> &str {
        self.id.as_deref().unwrap_or_default()
    }

    /// Removes the container (killing it if it still runs), logging a failure.
    pub(crate) async fn remove(mut self) {
        if let Some(id) = self.id.take() {
            remove(&self.docker, &id).await;
        }
    }
}

impl Drop for ContainerGuard {
    fn drop(&mut self) {
        let Some(id) = self.id.take() else { return };
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                let docker = self.docker.clone();
                handle.spawn(async move { remove(&docker, &id).await });
            }
            Err(_) => {
                tracing::warn!(target: "runtime::docker", container = %id, "no runtime to remove a job container")
            }
        }
    }
}

async fn remove(docker: &Docker, id: &str) {
    let options = RemoveContainerOptionsBuilder::new().force(true).v(true).build();
    match docker.remove_container(id, Some(options)).await {
        Ok(()) => tracing::debug!(target: "runtime::docker", container = %id, "removed"),
        Err(e) => {
            tracing::warn!(target: "runtime::docker", container = %id, error = %e, "cannot remove a job container")
        }
    }
}
