//! `rigshare node`: a validator killed with SIGKILL and restarted from its data dir keeps every
//! finalized block.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A plain HTTP/1.1 GET; `None` while the server is not answering.
fn get(port: u16, path: &str) -> Option<serde_json::Value> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    if !head.starts_with("HTTP/1.1 200") {
        return None;
    }
    serde_json::from_str(body).ok()
}

fn start(dir: &Path, http: u16, p2p: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_rigshare"))
        .args(["node", "--data-dir"])
        .arg(dir)
        .args(["--http", &format!("127.0.0.1:{http}"), "--p2p-port", &p2p.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn wait_height(http: u16, at_least: u64) -> u64 {
    let start = Instant::now();
    loop {
        if let Some(height) = get(http, "/v1/status").and_then(|s| s["height"].as_u64())
            && height >= at_least
        {
            return height;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "node never reached height {at_least}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sigkilled_node_restarts_with_every_finalized_block() {
    let dir = std::env::temp_dir().join(format!("rigshare-cli-kill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (http, p2p) = (free_port(), free_port());

    let mut node = start(&dir, http, p2p);
    let height = wait_height(http, 5);
    let before = get(http, &format!("/v1/blocks/{height}")).unwrap();
    let network_key = get(http, "/v1/status").unwrap()["network_key"].clone();
    // No clean shutdown: the process dies wherever it is, possibly mid-block.
    node.kill().unwrap();
    node.wait().unwrap();

    let mut node = start(&dir, http, p2p);
    wait_height(http, height + 3);
    let after = get(http, &format!("/v1/blocks/{height}")).unwrap();
    assert_eq!(after["digest"], before["digest"]);
    assert_eq!(after["header"], before["header"]);
    // Same network: the keys came back from the data dir.
    assert_eq!(get(http, "/v1/status").unwrap()["network_key"], network_key);
    node.kill().unwrap();
    node.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
