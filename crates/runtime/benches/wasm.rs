//! Job start overhead of the wasm runtime: preparing a cached module and running a trivial job.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeMap;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rigshare_runtime::WasmRuntime;
use rigshare_runtime::{DiscardLogs, JobDirs, JobSpec, Limits, Program, Runtime};

/// The smallest job: `_start` returns at once.
const TRIVIAL: &str = r#"(module (memory (export "memory") 1) (func (export "_start")))"#;

fn job(wat: &str) -> JobSpec {
    JobSpec {
        name: "bench".to_owned(),
        program: Program::Wasm(wat::parse_str(wat).unwrap().into()),
        args: Vec::new(),
        env: BTreeMap::new(),
        seed: [0; 32],
    }
}

fn bench(c: &mut Criterion) {
    let tokio = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let runtime = WasmRuntime::new().unwrap();
    let spec = job(TRIVIAL);
    let prepared = tokio.block_on(runtime.prepare(&spec)).unwrap();
    let root = tempfile::tempdir().unwrap();
    let dirs = JobDirs { inputs: root.path().join("in"), outputs: root.path().join("out") };
    std::fs::create_dir(&dirs.inputs).unwrap();
    std::fs::create_dir(&dirs.outputs).unwrap();
    let limits = Limits::default();

    c.bench_function("wasm::run/guest=trivial", |b| {
        b.iter(|| {
            let outcome = tokio
                .block_on(runtime.run(&prepared, &limits, &dirs, Arc::new(DiscardLogs)))
                .unwrap();
            assert!(outcome.exit.success());
        })
    });

    c.bench_function("wasm::prepare/cache=hit", |b| {
        b.iter(|| tokio.block_on(runtime.prepare(&spec)).unwrap())
    });

    c.bench_function("wasm::prepare/cache=miss", |b| {
        b.iter_batched(
            || WasmRuntime::new().unwrap(),
            |fresh| tokio.block_on(fresh.prepare(&spec)).unwrap(),
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
