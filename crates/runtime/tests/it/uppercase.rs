//! A well-behaved job: reads its input, writes an output, and commits to it.

use rigshare_runtime::ExitStatus;
use rigshare_runtime::WasmRuntime;
use rigshare_runtime::output_root;
use rigshare_types::Hash32;
use rigshare_types::output::leaf_hash;

use crate::guests;
use crate::harness::{Sandbox, limits, run_in, spec};

const INPUT: &[u8] = b"hello, rigshare! 42\n";

#[tokio::test]
async fn uppercases_input_into_outputs() {
    let runtime = WasmRuntime::new().unwrap();
    let sandbox = Sandbox::with_input("data.txt", INPUT);
    let outcome = run_in(&runtime, &spec(&guests::uppercase()), limits(), &sandbox).await;

    assert_eq!(outcome.exit, ExitStatus::Exited(0), "stderr: {}", outcome.stderr.text());
    let result = std::fs::read(sandbox.output("result.txt")).unwrap();
    assert_eq!(result, b"HELLO, RIGSHARE! 42\n");
    assert_eq!(outcome.stdout.bytes, result);
    assert!(outcome.fuel_used > 0);

    // One file: the root is its leaf, recomputed here from the documented definition.
    let content_hash = Hash32(*blake3::hash(&result).as_bytes());
    let root = output_root(&sandbox.dirs.outputs).unwrap();
    assert_eq!(root, leaf_hash("result.txt", &content_hash));

    // The input is untouched.
    assert_eq!(std::fs::read(sandbox.dirs.inputs.join("data.txt")).unwrap(), INPUT);
}

#[tokio::test]
async fn two_runs_give_identical_roots_and_usage() {
    let runtime = WasmRuntime::new().unwrap();
    let job = spec(&guests::uppercase());
    let mut results = Vec::new();
    for _ in 0..2 {
        let sandbox = Sandbox::with_input("data.txt", INPUT);
        let outcome = run_in(&runtime, &job, limits(), &sandbox).await;
        assert!(outcome.exit.success());
        results.push((
            output_root(&sandbox.dirs.outputs).unwrap(),
            outcome.fuel_used,
            outcome.stdout,
        ));
    }
    assert_eq!(results[0], results[1]);
    assert_eq!(runtime.cached_modules(), 1, "the second run reuses the compiled module");
}
