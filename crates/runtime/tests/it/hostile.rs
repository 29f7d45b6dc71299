//! Hostile guests: each is contained, and how it ended is a result with a clear status.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rigshare_runtime::WasmRuntime;
use rigshare_runtime::{
    DiscardLogs, EXIT_CODE_MEMORY_EXCEEDED, ExitStatus, Limits, Runtime, RuntimeError,
};

use crate::guests;
use crate::harness::{Sandbox, limits, run_in, run_wat, spec};

#[tokio::test]
async fn infinite_loop_runs_out_of_fuel() {
    let limits = Limits { fuel: 10_000_000, ..limits() };
    let outcome = run_wat(&guests::spin(), limits).await;
    assert_eq!(outcome.exit, ExitStatus::OutOfFuel);
    assert_eq!(outcome.fuel_used, 10_000_000);
}

#[tokio::test]
async fn out_of_fuel_is_deterministic() {
    let limits = Limits { fuel: 1_000_000, ..limits() };
    let a = run_wat(&guests::spin(), limits).await;
    let b = run_wat(&guests::spin(), limits).await;
    assert_eq!((a.exit, a.fuel_used), (b.exit, b.fuel_used));
}

#[tokio::test]
async fn infinite_loop_times_out_with_unlimited_fuel() {
    let limits = Limits { fuel: u64::MAX, wall_time: Duration::from_millis(300), ..limits() };
    let started = Instant::now();
    let outcome = run_wat(&guests::spin(), limits).await;
    assert_eq!(outcome.exit, ExitStatus::Timeout);
    assert!(outcome.wall_ms >= 300, "{}", outcome.wall_ms);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

#[tokio::test]
async fn start_function_is_bounded_too() {
    let limits = Limits { fuel: 1_000_000, ..limits() };
    let outcome = run_wat(&guests::spin_in_start_function(), limits).await;
    assert_eq!(outcome.exit, ExitStatus::OutOfFuel);
}

#[test]
fn sleeping_past_the_deadline_times_out() {
    // The job blocks in one hour-long host call that no epoch can interrupt; `run` gives up on it
    // after the grace period. Its thread sleeps on, so the Tokio runtime is shut down without
    // waiting for it.
    let tokio = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let limits = Limits { wall_time: Duration::from_millis(200), ..limits() };
    let started = Instant::now();
    let outcome = tokio.block_on(run_wat(&guests::sleep(3_600_000_000_000), limits));
    tokio.shutdown_background();
    assert_eq!(outcome.exit, ExitStatus::Timeout);
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
}

#[tokio::test]
async fn unbounded_memory_growth_exceeds_memory() {
    let outcome = run_wat(&guests::grow_memory(), limits()).await;
    assert_eq!(outcome.exit, ExitStatus::MemoryExceeded);
    assert_eq!(outcome.exit.code(), EXIT_CODE_MEMORY_EXCEEDED);
}

#[tokio::test]
async fn refused_growth_is_the_guests_to_handle() {
    let outcome = run_wat(&guests::grow_memory_then_exit(), limits()).await;
    assert_eq!(outcome.exit, ExitStatus::Exited(0));
}

#[tokio::test]
async fn initial_memory_over_the_limit_exceeds_memory() {
    let outcome = run_wat(&guests::big_initial_memory(), limits()).await;
    assert_eq!(outcome.exit, ExitStatus::MemoryExceeded);
    let roomy = Limits { memory_bytes: 256 << 20, ..limits() };
    assert_eq!(run_wat(&guests::big_initial_memory(), roomy).await.exit, ExitStatus::Exited(0));
}

#[tokio::test]
async fn nonzero_exit_is_a_result() {
    let outcome = run_wat(&guests::exit(3), limits()).await;
    assert_eq!(outcome.exit, ExitStatus::Exited(3));
    assert_eq!(outcome.exit.code(), 3);
    assert!(!outcome.exit.success());
}

#[tokio::test]
async fn traps_are_results() {
    let outcome = run_wat(&guests::trap(), limits()).await;
    assert!(
        matches!(&outcome.exit, ExitStatus::Trapped(msg) if msg.contains("unreachable")),
        "{:?}",
        outcome.exit
    );
    let outcome = run_wat(&guests::recurse(), limits()).await;
    assert!(
        matches!(&outcome.exit, ExitStatus::Trapped(msg) if msg.contains("stack")),
        "{:?}",
        outcome.exit
    );
}

#[tokio::test]
async fn concurrent_jobs_keep_their_own_deadlines() {
    // A short job's watchdog bumps the shared epoch; a longer job must only check its own
    // deadline and go on.
    let runtime = WasmRuntime::new().unwrap();
    let job = spec(&guests::spin());
    let short = Limits { fuel: u64::MAX, wall_time: Duration::from_millis(100), ..limits() };
    let long = Limits { fuel: 300_000_000, wall_time: Duration::from_secs(60), ..limits() };
    let (a, b) = (Sandbox::new(), Sandbox::new());
    let (short, long) =
        tokio::join!(run_in(&runtime, &job, short, &a), run_in(&runtime, &job, long, &b));
    assert_eq!(short.exit, ExitStatus::Timeout);
    assert_eq!(long.exit, ExitStatus::OutOfFuel);
    assert!(long.wall_ms > short.wall_ms, "{} <= {}", long.wall_ms, short.wall_ms);
}

#[tokio::test]
async fn missing_directories_are_runtime_errors() {
    let runtime = WasmRuntime::new().unwrap();
    let prepared = runtime.prepare(&spec(&guests::exit(0))).await.unwrap();
    let mut dirs = Sandbox::new().dirs;
    dirs.inputs.push("missing");
    let err = runtime.run(&prepared, &limits(), &dirs, Arc::new(DiscardLogs)).await.unwrap_err();
    assert!(matches!(&err, RuntimeError::Dir { path, .. } if path.ends_with("missing")), "{err}");
}
