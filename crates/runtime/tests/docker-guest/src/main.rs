//! A test guest for the Docker runtime, one mode per behaviour a test needs.
//!
//! `guest MODE ARGS...`:
//! - `uppercase IN OUT`: uppercases `/inputs/IN` into `/outputs/OUT` and into
//!   `/outputs/nested/OUT`, and echoes the result to stdout.
//! - `say OUT ERR CODE`: writes `OUT` to stdout and `ERR` to stderr, exits with `CODE`.
//! - `spin`: loops forever.
//! - `hog`: allocates and touches memory without bound.
//! - `probe HOLD_MS`: reports what the sandbox lets it do, one `check=result` line each, holds for
//!   `HOLD_MS`, then exits with the number of checks that found a way out.
//! - `net`: exits 0 when it has no route off the container, 3 when it has one (sends nothing).
//! - `symlink`: leaves a symbolic link in `/outputs`.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or_default();
    match arg(0) {
        "uppercase" => uppercase(arg(1), arg(2)),
        "say" => say(arg(1), arg(2), arg(3)),
        "spin" => spin(),
        "hog" => hog(),
        "probe" => probe(arg(1)),
        "net" => net(),
        "symlink" => symlink(),
        other => {
            eprintln!("unknown mode {other:?}");
            ExitCode::from(64)
        }
    }
}

fn uppercase(input: &str, output: &str) -> ExitCode {
    let data = match std::fs::read(format!("/inputs/{input}")) {
        Ok(data) => data.to_ascii_uppercase(),
        Err(e) => {
            eprintln!("read /inputs/{input}: {e}");
            return ExitCode::from(10);
        }
    };
    let written = std::fs::write(format!("/outputs/{output}"), &data)
        .and_then(|()| std::fs::create_dir("/outputs/nested"))
        .and_then(|()| std::fs::write(format!("/outputs/nested/{output}"), &data));
    if let Err(e) = written {
        eprintln!("write /outputs: {e}");
        return ExitCode::from(11);
    }
    let _ = std::io::stdout().write_all(&data);
    ExitCode::SUCCESS
}

fn say(out: &str, err: &str, code: &str) -> ExitCode {
    print!("{out}");
    eprint!("{err}");
    ExitCode::from(code.parse::<u8>().unwrap_or(1))
}

fn spin() -> ExitCode {
    let mut x: u64 = 0;
    loop {
        x = std::hint::black_box(x.wrapping_add(1));
    }
}

fn hog() -> ExitCode {
    const CHUNK: usize = 1 << 20;
    let mut kept: Vec<Vec<u8>> = Vec::new();
    loop {
        // Touch every page so the memory is really used, not just reserved.
        kept.push(vec![0xA5; CHUNK]);
        if kept.len() % 256 == 0 {
            println!("holding {} MiB", kept.len());
        }
    }
}

/// One sandbox check: its name, and whether the guest got out.
fn check(name: &str, escaped: bool, detail: &str) -> u8 {
    println!("{name}={} {detail}", if escaped { "ESCAPED" } else { "contained" });
    u8::from(escaped)
}

fn status_field(field: &str) -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .map(|rest| rest.trim().to_owned())
        .unwrap_or_default()
}

fn probe(hold_ms: &str) -> ExitCode {
    let mut escapes = 0u8;
    let uid = status_field("Uid:");
    escapes += check("uid", uid.split_whitespace().any(|id| id == "0"), &uid);
    let caps = status_field("CapEff:");
    escapes += check("caps", caps.trim_start_matches('0').len() > 0, &caps);
    let nnp = status_field("NoNewPrivs:");
    escapes += check("no_new_privs", nnp != "1", &nnp);
    let rootfs = std::fs::write("/escape", b"x");
    escapes += check("write_rootfs", rootfs.is_ok(), &format!("{rootfs:?}"));
    let inputs = std::fs::write("/inputs/escape", b"x");
    escapes += check("write_inputs", inputs.is_ok(), &format!("{inputs:?}"));
    let host = std::fs::metadata("/work").or_else(|_| std::fs::metadata("/root/.cargo"));
    escapes += check("host_files", host.is_ok(), &format!("{:?}", host.map(|m| m.is_dir())));
    let tmp = std::fs::write("/tmp/scratch", b"x");
    println!("tmp_writable={}", tmp.is_ok());
    let outputs = std::fs::write("/outputs/probe.txt", b"probed\n");
    println!("outputs_writable={}", outputs.is_ok());
    let _ = std::io::stdout().flush();
    std::thread::sleep(Duration::from_millis(hold_ms.parse().unwrap_or(0)));
    ExitCode::from(escapes)
}

fn net() -> ExitCode {
    let interfaces = std::fs::read_to_string("/proc/net/dev").unwrap_or_default();
    let names: Vec<&str> = interfaces
        .lines()
        .skip(2)
        .filter_map(|line| line.split(':').next())
        .map(str::trim)
        .collect();
    println!("interfaces={names:?}");
    // Connecting a UDP socket only looks up a route; no packet leaves. 192.0.2.1 is TEST-NET-1.
    let routed = std::net::UdpSocket::bind("0.0.0.0:0")
        .and_then(|socket| socket.connect("192.0.2.1:9"));
    println!("route={routed:?}");
    if routed.is_ok() { ExitCode::from(3) } else { ExitCode::SUCCESS }
}

fn symlink() -> ExitCode {
    match std::os::unix::fs::symlink("/etc/hostname", "/outputs/link") {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("symlink: {e}");
            ExitCode::from(12)
        }
    }
}
