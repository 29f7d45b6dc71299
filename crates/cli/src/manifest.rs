//! The job manifest file (TOML) and its translation into the canonical [`JobManifest`] an order
//! names, plus the blobs (module, inputs) the providers need.
//!
//! ```toml
//! name = "digits-mlp"
//! seed = 7                          # optional; every replica gets the same randomness
//! [runtime]
//! kind = "wasm"                     # or "docker" (then `image = "…"`, `network = false`)
//! module = "mlp-train.wasm"         # paths are relative to this file
//! args = ["--epochs", "20"]
//! env = { RUST_BACKTRACE = "1" }
//! [resources]
//! query = "gpu_count>=1 vram_gib>=8" # the offer query language
//! gpus = 1                          # per replica
//! [limits]
//! max_duration = "30m"              # s, m or h
//! max_price_per_gpu_hour = "0.40"
//! deposit = "2"                     # optional; default covers every replica's full duration
//! memory = "2GiB"                   # optional (MiB or GiB)
//! [verification]
//! replicas = 2
//! audit = "0.3"                     # optional: share of results re-executed by an auditor
//! [inputs]
//! "digits.csv" = "data/digits.csv"  # name under /inputs = local file
//! [outputs]
//! paths = ["model.bin", "metrics.json"]
//! ```
//!
//! Errors say which file, line or field, and why, before anything is sent or paid.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rigshare_types::job::{BlobRef, InputFile, JobLimits, JobManifest, JobRuntime};
use rigshare_types::query::Query;
use rigshare_types::{Amount, Hash32, OrderSpec, VerificationPolicy, hash};
use serde::Deserialize;

/// Largest manifest file read.
const MAX_FILE_BYTES: u64 = 1 << 20; // bytes
/// Largest module or input file sent.
pub const MAX_BLOB_BYTES: u64 = 4 << 30; // bytes
/// Blocks an auction stays open unless the manifest says otherwise (milliseconds here).
pub const DEFAULT_AUCTION_BLOCKS: u32 = 10;
/// Wasm fuel unless the manifest says otherwise.
const DEFAULT_FUEL: u64 = 1 << 40;
/// Memory unless the manifest says otherwise.
const DEFAULT_MEMORY_BYTES: u64 = 4 << 30;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestFile {
    name: String,
    #[serde(default)]
    seed: u64,
    runtime: RuntimeSection,
    resources: Resources,
    limits: LimitsSection,
    #[serde(default)]
    verification: Verification,
    #[serde(default)]
    inputs: BTreeMap<String, String>,
    #[serde(default)]
    outputs: Outputs,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuntimeSection {
    kind: String,
    module: Option<String>,
    image: Option<String>,
    #[serde(default)]
    network: bool,
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Resources {
    query: String,
    #[serde(default = "one")]
    gpus: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsSection {
    max_duration: String,
    max_price_per_gpu_hour: Amount,
    deposit: Option<Amount>,
    memory: Option<String>,
    fuel: Option<u64>,
    auction_blocks: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Verification {
    #[serde(default = "one_u8")]
    replicas: u8,
    /// Share of results re-executed by a beacon-chosen auditor, "0" to "1" (up to 6 decimals).
    #[serde(default)]
    audit: Option<String>,
}

impl Default for Verification {
    fn default() -> Self {
        Verification { replicas: 1, audit: None }
    }
}

/// `"0.3"` → 300000 parts per million; at most 1 and 6 decimals.
fn audit_ppm(text: &str) -> Result<u32, String> {
    let bad = || format!("[verification] audit must be a fraction from 0 to 1, got {text:?}");
    // A fraction with up to six decimals is, digit for digit, an amount in micro-units.
    let micro = text.trim().parse::<Amount>().map_err(|_| bad())?.0;
    u32::try_from(micro).ok().filter(|ppm| *ppm <= 1_000_000).ok_or_else(bad)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Outputs {
    #[serde(default)]
    paths: Vec<String>,
}

fn one() -> u32 {
    1
}

fn one_u8() -> u8 {
    1
}

/// A job ready to order: the canonical manifest, the order, and the bytes to upload.
#[derive(Clone, Debug)]
pub struct Job {
    /// Where the manifest file is.
    pub path: PathBuf,
    /// The canonical manifest.
    pub manifest: JobManifest,
    /// The order that rents GPUs for it.
    pub order: OrderSpec,
    /// The module and inputs by BLAKE3 (the manifest itself is `manifest.encode()`).
    pub blobs: BTreeMap<Hash32, Vec<u8>>,
}

/// Why a manifest cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ManifestError {
    /// The file.
    pub path: String,
    /// What is wrong, naming the line or field.
    pub message: String,
}

impl Job {
    /// Reads, checks and resolves the manifest at `path` (files relative to its directory).
    pub fn load(path: &Path) -> Result<Job, ManifestError> {
        let fail = |message: String| ManifestError { path: path.display().to_string(), message };
        let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot read: {e}")))?;
        if meta.len() > MAX_FILE_BYTES {
            return Err(fail(format!("larger than {MAX_FILE_BYTES} bytes")));
        }
        let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read: {e}")))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Job::parse(&text, base)
            .map_err(|message| ManifestError { message, ..fail(String::new()) })
            .map(|mut job| {
                job.path = path.to_owned();
                job
            })
    }

    /// Parses manifest `text` whose relative paths start at `base`.
    pub fn parse(text: &str, base: &Path) -> Result<Job, String> {
        let file: ManifestFile =
            toml::from_str(text).map_err(|e| e.to_string().trim_end().to_owned())?;
        let mut blobs = BTreeMap::new();
        let mut read = |field: &str, relative: &str| -> Result<BlobRef, String> {
            let full = base.join(relative);
            let meta = std::fs::metadata(&full)
                .map_err(|e| format!("{field}: cannot read {}: {e}", full.display()))?;
            if meta.len() > MAX_BLOB_BYTES {
                return Err(format!(
                    "{field}: {} is larger than {MAX_BLOB_BYTES} bytes",
                    full.display()
                ));
            }
            let bytes = std::fs::read(&full)
                .map_err(|e| format!("{field}: cannot read {}: {e}", full.display()))?;
            let blob = BlobRef::of(&bytes);
            blobs.insert(blob.hash, bytes);
            Ok(blob)
        };
        let runtime = match (file.runtime.kind.as_str(), &file.runtime.module, &file.runtime.image)
        {
            ("wasm", Some(module), None) => {
                let module = read("[runtime] module", module).map_err(|e| {
                    format!("{e} (build it first; for the demo job: cargo build --release --target wasm32-wasip1 -p rigshare-job-mlp-train)")
                })?;
                JobRuntime::Wasm { module }
            }
            ("wasm", None, _) => {
                return Err("[runtime] kind = \"wasm\" needs module = \"<file>.wasm\"".into());
            }
            ("docker", None, Some(image)) => {
                JobRuntime::Docker { image: image.clone(), network: file.runtime.network }
            }
            ("docker", _, None) => {
                return Err("[runtime] kind = \"docker\" needs image = \"<image>\"".into());
            }
            ("wasm" | "docker", _, _) => {
                return Err("[runtime] give module (wasm) or image (docker), not both".into());
            }
            (other, _, _) => {
                return Err(format!(
                    "[runtime] kind: unknown runtime {other:?} (expected \"wasm\" or \"docker\")"
                ));
            }
        };
        if file.runtime.network && matches!(runtime, JobRuntime::Wasm { .. }) {
            return Err("[runtime] network: wasm jobs have no network".into());
        }
        let mut inputs = Vec::new();
        for (name, local) in &file.inputs {
            let blob = read(&format!("[inputs] {name:?}"), local)?;
            inputs.push(InputFile { path: name.clone(), blob });
        }
        let max_duration_ms = parse_duration(&file.limits.max_duration)
            .map_err(|e| format!("[limits] max_duration: {e}"))?;
        let memory_bytes = match &file.limits.memory {
            Some(text) => parse_bytes(text).map_err(|e| format!("[limits] memory: {e}"))?,
            None => DEFAULT_MEMORY_BYTES,
        };
        let mut outputs = file.outputs.paths.clone();
        outputs.sort();
        let manifest = JobManifest {
            name: file.name.clone(),
            runtime,
            args: file.runtime.args.clone(),
            env: file.runtime.env.clone().into_iter().collect(),
            inputs,
            outputs,
            limits: JobLimits {
                fuel: file.limits.fuel.unwrap_or(DEFAULT_FUEL),
                wall_time_ms: max_duration_ms,
                memory_bytes,
            },
            seed: *hash::blake3(
                &[b"rigshare/job-seed/v1".as_slice(), &file.seed.to_le_bytes()].concat(),
            )
            .as_bytes(),
        };
        manifest.validate().map_err(|e| e.to_string())?;
        Query::parse(&file.resources.query)
            .map_err(|e| format!("[resources] query: {}", e.render(&file.resources.query)))?;
        if file.resources.gpus == 0 {
            return Err("[resources] gpus must be at least 1".into());
        }
        let replicas = file.verification.replicas;
        if replicas == 0 {
            return Err("[verification] replicas must be at least 1".into());
        }
        let audit_ppm = file.verification.audit.as_deref().map(audit_ppm).transpose()?;
        let price = file.limits.max_price_per_gpu_hour;
        if price.is_zero() {
            return Err("[limits] max_price_per_gpu_hour must be positive".into());
        }
        let deposit = match file.limits.deposit {
            Some(deposit) => deposit,
            None => full_cost(price, file.resources.gpus, max_duration_ms, replicas)
                .ok_or("[limits] the full cost overflows: lower max_duration or the price")?,
        };
        if deposit.is_zero() {
            return Err("[limits] deposit must be positive".into());
        }
        let order = OrderSpec {
            manifest_hash: manifest.hash(),
            query: file.resources.query.clone(),
            gpus: file.resources.gpus,
            max_price_gpu_hour: price,
            max_duration_ms,
            replicas,
            verification: VerificationPolicy { audit_ppm: audit_ppm.unwrap_or(0) },
            deposit,
            auction_blocks: file.limits.auction_blocks.unwrap_or(DEFAULT_AUCTION_BLOCKS),
        };
        Ok(Job { path: PathBuf::new(), manifest, order, blobs })
    }
}

/// What every replica running for `duration_ms` at `price` per GPU-hour costs at most, rounded up
/// to a whole micro-unit.
pub fn full_cost(price: Amount, gpus: u32, duration_ms: u64, replicas: u8) -> Option<Amount> {
    let micro = u128::from(price.as_micro())
        .checked_mul(u128::from(gpus))?
        .checked_mul(u128::from(duration_ms))?
        .checked_mul(u128::from(replicas))?
        .div_ceil(3_600_000);
    u64::try_from(micro).ok().map(Amount::micro)
}

/// `"90s"`, `"30m"`, `"2h"` → milliseconds.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like \"90s\", \"30m\" or \"2h\""))?;
    let scale = match unit.trim() {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => return Err(format!("{text:?}: unit must be s, m or h")),
    };
    number
        .checked_mul(scale)
        .filter(|ms| *ms > 0)
        .ok_or_else(|| format!("{text:?} is out of range"))
}

/// `"512MiB"`, `"2GiB"` → bytes.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size like \"512MiB\" or \"2GiB\""))?;
    let scale: u64 = match unit.trim() {
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => return Err(format!("{text:?}: unit must be MiB or GiB")),
    };
    number.checked_mul(scale).filter(|b| *b > 0).ok_or_else(|| format!("{text:?} is out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, manifest: &str) -> PathBuf {
        std::fs::write(dir.join("job.wasm"), b"\0asm\x01\0\0\0").ok();
        std::fs::write(dir.join("in.csv"), b"1,2,3").ok();
        let path = dir.join("job.toml");
        std::fs::write(&path, manifest).ok();
        path
    }

    const GOOD: &str = r#"
name = "t"
[runtime]
kind = "wasm"
module = "job.wasm"
[resources]
query = "gpu_count>=1"
[limits]
max_duration = "10m"
max_price_per_gpu_hour = "0.36"
[verification]
replicas = 2
[inputs]
"in.csv" = "in.csv"
"#;

    #[test]
    fn resolves_files_and_prices_the_deposit() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let job = Job::load(&write(dir.path(), GOOD))?;
        assert_eq!(job.blobs.len(), 2);
        assert_eq!(job.order.manifest_hash, job.manifest.hash());
        // 0.36/h × 1 GPU × 10 min × 2 replicas = 0.12
        assert_eq!(job.order.deposit, "0.12".parse()?);
        assert_eq!(job.manifest.inputs[0].path, "in.csv");
        Ok(())
    }

    #[test]
    fn errors_name_the_line_or_field() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let cases = [
            (GOOD.replace("replicas = 2", "replicas = 2\nbogus = 1"), "unknown field `bogus`"),
            (GOOD.replace("\"10m\"", "\"10 minutes\""), "[limits] max_duration"),
            (GOOD.replace("gpu_count>=1", "gpu_count>>1"), "[resources] query"),
            (GOOD.replace("job.wasm", "missing.wasm"), "[runtime] module"),
            (GOOD.replace("\"wasm\"", "\"vm\""), "unknown runtime"),
            (GOOD.replace("\"0.36\"", "\"cheap\""), "line"),
            (
                GOOD.replace("\"in.csv\" = \"in.csv\"", "\"../x\" = \"in.csv\""),
                "invalid input path",
            ),
            (GOOD.replace("replicas = 2", "replicas = 2\naudit = \"1.5\""), "[verification] audit"),
            (
                GOOD.replace("replicas = 2", "replicas = 2\naudit = \"often\""),
                "[verification] audit",
            ),
        ];
        for (text, expected) in cases {
            let error = Job::load(&write(dir.path(), &text))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(error.contains(expected), "{expected:?} not in {error:?}");
        }
        Ok(())
    }

    #[test]
    fn audit_rates_are_parts_per_million() {
        assert_eq!(audit_ppm("0.3"), Ok(300_000));
        assert_eq!(audit_ppm("1"), Ok(1_000_000));
        assert_eq!(audit_ppm("0"), Ok(0));
        assert_eq!(audit_ppm("0.000001"), Ok(1));
        assert!(audit_ppm("1.000001").is_err());
        assert!(audit_ppm("-0.1").is_err());
    }

    #[test]
    fn parses_units() {
        assert_eq!(parse_duration("90s"), Ok(90_000));
        assert_eq!(parse_duration("2h"), Ok(7_200_000));
        assert!(parse_duration("0s").is_err());
        assert_eq!(parse_bytes("2GiB"), Ok(2 << 30));
        assert!(parse_bytes("2GB").is_err());
    }
}
