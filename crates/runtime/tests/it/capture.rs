//! stdout and stderr: captured up to the limit, truncated with a marker, never pushing back.

use std::sync::{Arc, Mutex};

use rigshare_runtime::WasmRuntime;
use rigshare_runtime::{ExitStatus, Limits, LogSink, LogStream, Runtime, truncation_marker};

use crate::guests;
use crate::harness::{Sandbox, limits, run_wat, spec};

const LINE: &[u8] = b"0123456789abcdefghijklmnopqr\n\n";

#[tokio::test]
async fn small_output_is_kept_whole() {
    let outcome = run_wat(&guests::chatter(3), limits()).await;
    assert_eq!(outcome.exit, ExitStatus::Exited(0));
    assert_eq!(outcome.stdout.bytes, LINE.repeat(3));
    assert!(!outcome.stdout.truncated);
    assert_eq!(outcome.stderr.text(), "warning: chatty\n");
}

#[tokio::test]
async fn large_output_is_truncated_with_a_marker() {
    let limits = Limits { capture_bytes: 1000, ..limits() };
    let outcome = run_wat(&guests::chatter(100), limits).await;
    // The guest never saw the limit: all its writes succeeded.
    assert_eq!(outcome.exit, ExitStatus::Exited(0));
    assert!(outcome.stdout.truncated);
    assert_eq!(outcome.stdout.total_bytes, 3000);
    let mut expected = LINE.repeat(100)[..1000].to_vec();
    expected.extend_from_slice(truncation_marker(1000, 3000).as_bytes());
    assert_eq!(outcome.stdout.bytes, expected);
    assert!(!outcome.stderr.truncated);
    assert_eq!(outcome.stderr.text(), "warning: chatty\n");
}

#[derive(Default)]
struct Recorder(Mutex<Vec<(LogStream, Vec<u8>)>>);

impl LogSink for Recorder {
    fn write(&self, stream: LogStream, chunk: &[u8]) {
        self.0.lock().unwrap().push((stream, chunk.to_vec()));
    }
}

#[tokio::test]
async fn the_log_sink_sees_kept_output_live() {
    let runtime = WasmRuntime::new().unwrap();
    let prepared = runtime.prepare(&spec(&guests::chatter(100))).await.unwrap();
    let sink = Arc::new(Recorder::default());
    let limits = Limits { capture_bytes: 100, ..limits() };
    let outcome =
        runtime.run(&prepared, &limits, &Sandbox::new().dirs, sink.clone()).await.unwrap();
    assert!(outcome.exit.success());
    let seen = sink.0.lock().unwrap();
    let stdout: Vec<u8> =
        seen.iter().filter(|(s, _)| *s == LogStream::Stdout).flat_map(|(_, c)| c.clone()).collect();
    let stderr: Vec<u8> =
        seen.iter().filter(|(s, _)| *s == LogStream::Stderr).flat_map(|(_, c)| c.clone()).collect();
    assert_eq!(stdout, LINE.repeat(4)[..100]);
    assert_eq!(stderr, b"warning: chatty\n");
}
