//! Job start overhead of the Docker runtime: a trivial container run end to end, through the
//! runtime (stage, create, attach, start, wait, copy out, remove) and through the bare engine
//! API (create, start, wait, remove). Skipped, saying why, without an engine.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "../tests/it/docker/setup.rs"]
mod setup;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bollard::Docker;
use bollard::models::ContainerCreateBody;
use bollard::query_parameters::RemoveContainerOptionsBuilder;
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use futures::StreamExt;
use rigshare_runtime::DockerRuntime;
use rigshare_runtime::docker::DockerOptions;
use rigshare_runtime::{DiscardLogs, JobDirs, JobSpec, Limits, Program, Runtime};

/// The guest's quickest mode: print nothing, exit 0.
const TRIVIAL: [&str; 4] = ["say", "", "", "0"];

fn bench(c: &mut Criterion) {
    let tokio = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let ready = tokio.block_on(async {
        let docker = setup::engine().await?;
        let image = setup::guest_image(&docker).await?;
        Ok::<_, String>((docker, image))
    });
    let (docker, image) = match ready {
        Ok(ready) => ready,
        Err(skip) => return eprintln!("docker bench {skip}"),
    };
    let runtime = tokio.block_on(DockerRuntime::connect(DockerOptions::default())).unwrap();
    let spec = JobSpec {
        name: "bench".to_owned(),
        program: Program::Docker { image: image.clone() },
        args: TRIVIAL.iter().map(|a| (*a).to_owned()).collect(),
        env: BTreeMap::new(),
        seed: [0; 32],
    };
    let prepared = tokio.block_on(runtime.prepare(&spec)).unwrap();
    let root = tempfile::tempdir().unwrap();
    let dirs = JobDirs { inputs: root.path().join("in"), outputs: root.path().join("out") };
    std::fs::create_dir(&dirs.inputs).unwrap();
    std::fs::create_dir(&dirs.outputs).unwrap();
    let limits = Limits { memory_bytes: 256 << 20, ..Limits::default() };

    let mut group = c.benchmark_group("docker");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(15));
    group.bench_function("run/guest=trivial", |b| {
        b.iter(|| {
            let outcome = tokio
                .block_on(runtime.run(&prepared, &limits, &dirs, Arc::new(DiscardLogs)))
                .unwrap();
            assert!(outcome.exit.success(), "{outcome:?}");
        })
    });
    group.bench_function("container/op=create-start-wait-remove", |b| {
        b.iter(|| tokio.block_on(bare_run(&docker, prepared.image_id())))
    });
    group.finish();
}

/// The engine's share of a run: a plain container, no hardening, staging, output or copy-out.
async fn bare_run(docker: &Docker, image: &str) {
    let body = ContainerCreateBody {
        image: Some(image.to_owned()),
        cmd: Some(TRIVIAL.iter().map(|a| (*a).to_owned()).collect()),
        ..ContainerCreateBody::default()
    };
    let id = docker.create_container(None, body).await.unwrap().id;
    docker.start_container(&id, None).await.unwrap();
    let waited = std::pin::pin!(docker.wait_container(&id, None)).next().await;
    assert!(matches!(waited, Some(Ok(_))), "{waited:?}");
    let remove = RemoveContainerOptionsBuilder::new().force(true).build();
    docker.remove_container(&id, Some(remove)).await.unwrap();
}

criterion_group!(benches, bench);
criterion_main!(benches);
