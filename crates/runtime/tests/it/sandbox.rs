//! The file system a job sees: `/inputs` read-only, `/outputs` writable, nothing else.

use rigshare_runtime::ExitStatus;
use rigshare_runtime::WasmRuntime;
use rigshare_runtime::outputs::{OutputError, output_root};

use crate::guests::{
    self, EACCES, ELOOP, ENOENT, ENOTCAPABLE, EPERM, EROFS, O_CREAT, O_TRUNC, RIGHT_READ,
    RIGHT_WRITE,
};
use crate::harness::{Sandbox, limits, run_in, spec};

/// Runs `wat` with `data.txt` in the inputs; returns the exit code and the sandbox.
async fn exit_code(wat: &str) -> (i32, Sandbox) {
    let runtime = WasmRuntime::new().unwrap();
    let sandbox = Sandbox::with_input("data.txt", b"secret-free input\n");
    let outcome = run_in(&runtime, &spec(wat), limits(), &sandbox).await;
    match outcome.exit {
        ExitStatus::Exited(code) => (code, sandbox),
        other => panic!("expected an exit, got {other:?}"),
    }
}

/// Asserts the guest's open failed with a capability or permission error.
fn assert_refused(code: i32, what: &str) {
    assert!(
        [ENOTCAPABLE, EPERM, EACCES, EROFS, ENOENT, ELOOP].contains(&code),
        "{what}: errno {code}"
    );
}

#[tokio::test]
async fn reading_an_input_works() {
    let (code, _) = exit_code(&guests::open(3, "data.txt", 0, RIGHT_READ)).await;
    assert_eq!(code, 0);
}

#[tokio::test]
async fn absolute_host_paths_are_out_of_reach() {
    let (code, _) = exit_code(&guests::open(3, "/etc/passwd", 0, RIGHT_READ)).await;
    assert_refused(code, "/etc/passwd");
    assert_ne!(code, 0);
}

#[tokio::test]
async fn dot_dot_cannot_leave_a_preopen() {
    for path in ["../../etc/passwd", "../outputs", "./../inputs/data.txt"] {
        let (code, _) = exit_code(&guests::open(3, path, 0, RIGHT_READ)).await;
        assert_ne!(code, 0, "{path}");
        assert_refused(code, path);
    }
    let (code, _) = exit_code(&guests::open(4, "../inputs/data.txt", 0, RIGHT_READ)).await;
    assert_refused(code, "../inputs/data.txt from /outputs");
}

#[tokio::test]
async fn a_symlink_in_the_inputs_does_not_lead_out() {
    let runtime = WasmRuntime::new().unwrap();
    let sandbox = Sandbox::new();
    std::os::unix::fs::symlink("/etc/passwd", sandbox.dirs.inputs.join("link")).unwrap();
    let outcome =
        run_in(&runtime, &spec(&guests::open(3, "link", 0, RIGHT_READ)), limits(), &sandbox).await;
    let ExitStatus::Exited(code) = outcome.exit else { panic!("{:?}", outcome.exit) };
    assert_refused(code, "symlink to /etc/passwd");
}

#[tokio::test]
async fn inputs_are_read_only() {
    let (code, sandbox) = exit_code(&guests::open(3, "new.txt", O_CREAT, RIGHT_WRITE)).await;
    assert_refused(code, "create in /inputs");
    assert!(!sandbox.dirs.inputs.join("new.txt").exists());

    let (code, sandbox) = exit_code(&guests::open(3, "data.txt", O_TRUNC, RIGHT_WRITE)).await;
    assert_refused(code, "truncate an input");
    assert_eq!(
        std::fs::read(sandbox.dirs.inputs.join("data.txt")).unwrap(),
        b"secret-free input\n"
    );
}

#[tokio::test]
async fn outputs_are_writable() {
    let (code, sandbox) = exit_code(&guests::open(4, "made.txt", O_CREAT, RIGHT_WRITE)).await;
    assert_eq!(code, 0);
    assert!(sandbox.output("made.txt").exists());
}

#[tokio::test]
async fn a_symlink_out_of_the_outputs_leads_nowhere() {
    let (code, sandbox) = exit_code(&guests::symlink("/etc/passwd", "evil")).await;
    assert_refused(code, "symlink to an absolute path");
    assert!(!sandbox.output("evil").exists());

    // A relative link may be made even if it points out of /outputs, but the guest cannot follow
    // it and the output root refuses it.
    let runtime = WasmRuntime::new().unwrap();
    let sandbox = Sandbox::with_input("data.txt", b"secret-free input\n");
    let made =
        run_in(&runtime, &spec(&guests::symlink("../inputs/data.txt", "evil")), limits(), &sandbox)
            .await;
    assert_eq!(made.exit, ExitStatus::Exited(0));
    let follow =
        run_in(&runtime, &spec(&guests::open(4, "evil", 0, RIGHT_READ)), limits(), &sandbox).await;
    let ExitStatus::Exited(code) = follow.exit else { panic!("{:?}", follow.exit) };
    assert_refused(code, "following a link out of /outputs");
    assert!(matches!(output_root(&sandbox.dirs.outputs), Err(OutputError::Symlink { .. })));
}

#[tokio::test]
async fn a_symlink_inside_the_outputs_is_refused_by_the_output_root() {
    // A link that stays inside /outputs may be made; the output root refuses to hash it.
    let (code, sandbox) = exit_code(&guests::symlink("made.txt", "link")).await;
    assert_eq!(code, 0);
    assert!(matches!(
        output_root(&sandbox.dirs.outputs),
        Err(OutputError::Symlink { path }) if path == "link"
    ));
}
