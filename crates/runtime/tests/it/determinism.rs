//! What a job can observe of its world is fixed by its spec: clocks, randomness, argv, environ.

use rigshare_runtime::WasmRuntime;
use rigshare_runtime::outputs::output_root;
use rigshare_runtime::wasm::{MONOTONIC_STEP_NS, runtime_digest};
use rigshare_runtime::{JobSpec, Runtime};
use rigshare_types::Hash32;

use crate::guests;
use crate::harness::{Sandbox, limits, run_in, spec};

/// Runs the facts guest; returns the facts file and the output root.
async fn facts(runtime: &WasmRuntime, job: &JobSpec) -> (Vec<u8>, Hash32) {
    let sandbox = Sandbox::new();
    let outcome = run_in(runtime, job, limits(), &sandbox).await;
    assert!(outcome.exit.success(), "{:?}", outcome.exit);
    let facts = std::fs::read(sandbox.output("facts.bin")).unwrap();
    (facts, output_root(&sandbox.dirs.outputs).unwrap())
}

fn facts_job() -> JobSpec {
    let mut job = spec(&guests::facts());
    job.args = vec!["--epochs".to_owned(), "20".to_owned()];
    job.env.insert("B".to_owned(), "2".to_owned());
    job.env.insert("A".to_owned(), "1".to_owned());
    job
}

#[tokio::test]
async fn clocks_randomness_args_and_env_are_fixed_by_the_spec() {
    let runtime = WasmRuntime::new().unwrap();
    let job = facts_job();
    let (first, root) = facts(&runtime, &job).await;
    let (second, root_again) = facts(&runtime, &job).await;
    assert_eq!(first, second);
    assert_eq!(root, root_again);

    let u64_at = |at: usize| u64::from_le_bytes(first[at..at + 8].try_into().unwrap());
    assert_ne!(first[..32], [0; 32], "randomness is not all zero");
    assert_eq!(u64_at(32), 0, "the wall clock stands at the Unix epoch");
    assert_eq!(u64_at(48) - u64_at(40), MONOTONIC_STEP_NS, "the monotonic clock steps");
    assert_eq!(
        &first[56..],
        b"job\x00--epochs\x0020\x00A=1\x00B=2\x00",
        "argv, then environ sorted by name"
    );
}

#[tokio::test]
async fn another_seed_gives_other_randomness() {
    let runtime = WasmRuntime::new().unwrap();
    let job = facts_job();
    let other = JobSpec { seed: [8; 32], ..job.clone() };
    let (a, root_a) = facts(&runtime, &job).await;
    let (b, root_b) = facts(&runtime, &other).await;
    assert_ne!(a[..32], b[..32]);
    assert_eq!(a[32..], b[32..]);
    assert_ne!(root_a, root_b);
}

#[test]
fn the_runtime_reports_its_digest() {
    let runtime = WasmRuntime::new().unwrap();
    assert_eq!(runtime.runtime_digest(), runtime_digest());
    assert_eq!(runtime.name(), "wasm");
}
