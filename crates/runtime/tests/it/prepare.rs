//! Preparing jobs: unusable programs are typed errors, good ones are compiled once.

use bytes::Bytes;
use rigshare_runtime::WasmRuntime;
use rigshare_runtime::{Program, Runtime, RuntimeError};

use crate::harness::{spec, wasm};

#[tokio::test]
async fn garbage_is_an_invalid_program() {
    let runtime = WasmRuntime::new().unwrap();
    let mut job = spec("(module)");
    job.program = Program::Wasm(Bytes::from_static(b"\0asm but not really"));
    assert!(matches!(runtime.prepare(&job).await, Err(RuntimeError::InvalidProgram(_))));
}

#[tokio::test]
async fn a_module_without_start_is_invalid() {
    let runtime = WasmRuntime::new().unwrap();
    let err = runtime.prepare(&spec("(module (func (export \"main\")))")).await.unwrap_err();
    assert!(matches!(&err, RuntimeError::InvalidProgram(msg) if msg.contains("_start")), "{err}");
}

#[tokio::test]
async fn imports_outside_wasi_are_invalid() {
    let runtime = WasmRuntime::new().unwrap();
    let wat = r#"(module (import "env" "socket" (func)) (func (export "_start")))"#;
    let err = runtime.prepare(&spec(wat)).await.unwrap_err();
    assert!(matches!(&err, RuntimeError::InvalidProgram(msg) if msg.contains("socket")), "{err}");
}

#[tokio::test]
async fn threads_and_relaxed_simd_are_refused() {
    let runtime = WasmRuntime::new().unwrap();
    let shared = "(module (memory 1 1 shared) (func (export \"_start\")))";
    assert!(matches!(runtime.prepare(&spec(shared)).await, Err(RuntimeError::InvalidProgram(_))));
    let relaxed = "(module (func (export \"_start\") (drop (f32x4.relaxed_min (v128.const i32x4 0 0 0 0) (v128.const i32x4 0 0 0 0)))))";
    assert!(matches!(runtime.prepare(&spec(relaxed)).await, Err(RuntimeError::InvalidProgram(_))));
}

#[tokio::test]
async fn modules_are_compiled_once() {
    let runtime = WasmRuntime::new().unwrap();
    let a = runtime.prepare(&spec("(module (func (export \"_start\")))")).await.unwrap();
    let b = runtime.prepare(&spec("(module (func (export \"_start\")))")).await.unwrap();
    assert_eq!(a.module_hash(), b.module_hash());
    assert_eq!(
        a.module_hash().0,
        *blake3::hash(&wasm("(module (func (export \"_start\")))")).as_bytes()
    );
    assert_eq!(runtime.cached_modules(), 1);
}
