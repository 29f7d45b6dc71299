//! Artifact throughput over loopback: a 256 MiB input uploaded through
//! `ArtifactClient::upload_as` (and `upload`, which hashes it first) and a 256 MiB output
//! downloaded through `ArtifactClient::download_outputs`, each hashed with BLAKE3 on the way,
//! against the agent's real `router` served by axum on `127.0.0.1:0`. The `raw::` functions
//! measure what bounds them: BLAKE3 over memory, TCP over loopback, and writing plus syncing a
//! file.
//!
//! Files live under `std::env::temp_dir()`. On the development VM that is `/tmp` on the root
//! disk (ext4 on a virtio block device), not tmpfs, so uploads pay for the `fsync` the blob store
//! does before renaming a blob into place; `TMPDIR=/dev/shm` takes the disk out.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use rigshare_client::artifacts::ArtifactClient;
use rigshare_provider::artifacts::router;
use rigshare_provider::leases::Leases;
use rigshare_provider::store::{LeaseRecord, Stage};
use rigshare_runtime::output_root;
use rigshare_types::job::{BlobRef, InputFile, JobLimits, JobManifest, JobRuntime};
use rigshare_types::{Hash32, Keypair, LeaseId, OrderId, Receipt, SignedReceipt, Usage};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;

/// Bytes moved per iteration.
const SIZE: usize = 256 << 20; // bytes (256 MiB)
/// The lease that takes the upload.
const UPLOAD_LEASE: LeaseId = LeaseId(1);
/// The lease whose output is downloaded.
const DOWNLOAD_LEASE: LeaseId = LeaseId(2);
/// The downloaded output's path.
const OUTPUT: &str = "model.bin";
/// Buffer of the raw loopback copy.
const SOCKET_BUF: usize = 1 << 20; // bytes

/// `SIZE` bytes that do not compress or repeat: BLAKE3's extendable output of a fixed seed.
fn payload() -> Vec<u8> {
    let mut data = vec![0; SIZE];
    blake3::Hasher::new().update(b"rigshare/bench/artifacts").finalize_xof().fill(&mut data);
    data
}

/// A manifest whose only input is `data`.
fn manifest_for(data: &[u8]) -> JobManifest {
    JobManifest {
        name: "bench".to_owned(),
        runtime: JobRuntime::Docker { image: "bench".to_owned(), network: false },
        args: Vec::new(),
        env: Vec::new(),
        inputs: vec![InputFile { path: "data.bin".to_owned(), blob: BlobRef::of(data) }],
        outputs: vec![OUTPUT.to_owned()],
        limits: JobLimits { fuel: 1, wall_time_ms: 1, memory_bytes: 1 },
        seed: [0; 32],
    }
}

fn record(lease: LeaseId, requestor: &Keypair, manifest_hash: Hash32, stage: Stage) -> LeaseRecord {
    LeaseRecord {
        lease,
        order: OrderId(lease.0),
        requestor: requestor.public(),
        manifest_hash,
        gpus: 1,
        start_deadline: u64::MAX,
        stage,
    }
}

/// Serves `router` on a fresh loopback port; returns its base URL.
fn serve(tokio: &Runtime, leases: Arc<Leases>) -> String {
    let listener = tokio.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    tokio.spawn(async move { axum::serve(listener, router(leases, None)).await.unwrap() });
    format!("http://{addr}")
}

fn artifacts(c: &mut Criterion) {
    let tokio = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let root = tempfile::Builder::new()
        .prefix("rigshare-bench-artifacts-")
        .tempdir_in(std::env::temp_dir())
        .unwrap();
    let leases = Arc::new(Leases::open(&root.path().join("agent")).unwrap());
    let requestor = Keypair::from_seed([5; 32]);
    let provider = Keypair::from_seed([6; 32]);
    let client = ArtifactClient::new(&serve(&tokio, leases.clone()), requestor.clone()).unwrap();
    let data = payload();

    // Upload: the manifest is stored, so the blob it names may be uploaded.
    let manifest = manifest_for(&data);
    let encoded = manifest.encode();
    tokio.block_on(leases.blobs.put(BlobRef::of(&encoded), &encoded)).unwrap();
    let input = BlobRef::of(&data);
    leases
        .store
        .put(&record(UPLOAD_LEASE, &requestor, manifest.hash(), Stage::AwaitingInputs))
        .unwrap();

    // Download: the output is in place and the receipt commits to its root.
    let outputs = leases.outputs_dir(DOWNLOAD_LEASE);
    std::fs::create_dir_all(&outputs).unwrap();
    std::fs::write(outputs.join(OUTPUT), &data).unwrap();
    let root_hash = output_root(&outputs).unwrap();
    let receipt = Receipt {
        lease: DOWNLOAD_LEASE,
        manifest_hash: manifest.hash(),
        output_root: root_hash,
        usage: Usage::default(),
        runtime_digest: Hash32::ZERO,
    };
    let receipt = SignedReceipt::sign(receipt, &provider);
    leases
        .store
        .put(&record(DOWNLOAD_LEASE, &requestor, manifest.hash(), Stage::Finished { receipt }))
        .unwrap();
    let dest = root.path().join("download");

    let mut group = c.benchmark_group("artifacts");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8))
        .throughput(Throughput::Bytes(SIZE as u64));

    // `hash=known`: the requestor names the blob by the manifest's hash, as the CLI does;
    // `hash=client`: it hashes the bytes first.
    let data = bytes::Bytes::from(data);
    for (name, known) in [
        ("artifacts::upload/size=256MiB,hash=known", true),
        ("artifacts::upload/size=256MiB,hash=client", false),
    ] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    // A stored blob is not uploaded again.
                    let _ = std::fs::remove_file(leases.blobs.path(&input.hash));
                    total += if known {
                        let body = data.clone();
                        let start = Instant::now();
                        tokio.block_on(client.upload_as(UPLOAD_LEASE, input.hash, body)).unwrap();
                        start.elapsed()
                    } else {
                        let body = data.to_vec();
                        let start = Instant::now();
                        tokio.block_on(client.upload(UPLOAD_LEASE, body)).unwrap();
                        start.elapsed()
                    };
                }
                assert!(leases.blobs.has(&input));
                total
            })
        });
    }

    group.bench_function("artifacts::download/size=256MiB", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let _ = std::fs::remove_dir_all(&dest);
                std::fs::create_dir_all(&dest).unwrap();
                let start = Instant::now();
                tokio
                    .block_on(client.download_outputs(DOWNLOAD_LEASE, root_hash, &dest, |_| {}))
                    .unwrap();
                total += start.elapsed();
            }
            total
        })
    });

    // The listing alone: the agent hashes every output file again to answer it.
    group.bench_function("artifacts::list_outputs/size=256MiB", |b| {
        b.iter(|| tokio.block_on(client.outputs(DOWNLOAD_LEASE)).unwrap())
    });
    group.finish();

    raw(c, &tokio, &data, root.path());
}

/// What the artifact paths are built from, each alone.
fn raw(c: &mut Criterion, tokio: &Runtime, data: &[u8], dir: &Path) {
    let mut group = c.benchmark_group("raw");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Bytes(SIZE as u64));

    group.bench_function("raw::blake3/size=256MiB", |b| b.iter(|| blake3::hash(data)));

    // 8 KiB updates: what `outputs::hash_file`'s `io::copy` feeds the hasher.
    group.bench_function("raw::blake3/size=256MiB,update=8KiB", |b| {
        b.iter(|| {
            let mut hasher = blake3::Hasher::new();
            for chunk in data.chunks(8 << 10) {
                hasher.update(chunk);
            }
            hasher.finalize()
        })
    });

    let (listener, addr) = tokio.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        (listener, addr)
    });
    // A sink that reads whatever each connection sends and answers with the byte count.
    tokio.spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let mut buf = vec![0; SOCKET_BUF];
                let mut received = 0u64;
                loop {
                    let n = socket.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    received += n as u64;
                }
                socket.write_all(&received.to_le_bytes()).await.unwrap();
            });
        }
    });
    group.bench_function("raw::loopback/size=256MiB", |b| {
        b.iter(|| {
            tokio.block_on(async {
                let mut socket = TcpStream::connect(addr).await.unwrap();
                for chunk in data.chunks(SOCKET_BUF) {
                    socket.write_all(chunk).await.unwrap();
                }
                socket.shutdown().await.unwrap();
                let mut count = [0; 8];
                socket.read_exact(&mut count).await.unwrap();
                assert_eq!(u64::from_le_bytes(count), SIZE as u64);
            })
        })
    });

    // A new file each time: rewriting a truncated one makes ext4 start writeback on close.
    let path = dir.join("raw-write.bin");
    for (name, sync) in [("raw::write/size=256MiB", false), ("raw::write_fsync/size=256MiB", true)]
    {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let _ = std::fs::remove_file(&path);
                    let start = Instant::now();
                    let mut file = std::fs::File::create(&path).unwrap();
                    std::io::Write::write_all(&mut file, data).unwrap();
                    if sync {
                        file.sync_all().unwrap();
                    }
                    total += start.elapsed();
                }
                total
            })
        });
    }
    group.finish();
}

criterion_group!(benches, artifacts);
criterion_main!(benches);
