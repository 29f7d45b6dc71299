//! Short model labels from NVML product names: `"NVIDIA H100 80GB HBM3"` → `"H100"`.
//!
//! Rules, in order:
//! 1. Split the name on spaces and `-`; drop leading brand words (`NVIDIA`, `GeForce`, `Tesla`,
//!    `Quadro`).
//! 2. If the first word is a data-centre model — letters then digits, optionally a short letter
//!    suffix (`H100`, `A100`, `L40S`, `A10G`, `GH200`, `T4`) — it alone is the label; the words
//!    after it name memory and form factor, which [`rigshare_types::GpuGroup`] carries apart.
//! 3. Otherwise (`RTX 4090`, `RTX A6000`, `GTX 1080 Ti`, `TITAN RTX`) join the words up to the
//!    first memory size (`24GB`) or form-factor word (`PCIe`, `SXM4`, `HBM3`, `NVL`,
//!    `Generation`, `GPU`, `Server`, …): `RTX4090`, `RTXA6000`, `GTX1080Ti`, `RTX6000Ada`.
//! 4. Keep only `[A-Za-z0-9._-]`, at most [`rigshare_types::gpu::MAX_MODEL_LEN`] bytes; an empty
//!    result is [`UNKNOWN_MODEL`].

use rigshare_types::gpu::MAX_MODEL_LEN;

/// The label of a GPU whose name leaves nothing usable.
pub const UNKNOWN_MODEL: &str = "unknown";

/// Brand words dropped from the front of a name (compared case-insensitively).
const BRANDS: &[&str] = &["nvidia", "geforce", "tesla", "quadro"];

/// Words that end a model name: form factor, memory type, packaging (case-insensitive).
const STOP_WORDS: &[&str] = &[
    "pcie",
    "sxm",
    "sxm2",
    "sxm3",
    "sxm4",
    "sxm5",
    "sxm6",
    "hbm",
    "hbm2",
    "hbm2e",
    "hbm3",
    "hbm3e",
    "nvl",
    "nvlink",
    "generation",
    "gpu",
    "server",
    "workstation",
    "edition",
    "mig",
    "with",
];

/// Longest letter prefix of a data-centre model word (`GH` in `GH200`).
const MAX_DC_PREFIX: usize = 3; // letters
/// Longest letter suffix of a data-centre model word (`S` in `L40S`).
const MAX_DC_SUFFIX: usize = 2; // letters

/// The short, normalized model label of an NVML product name.
pub fn model_label(nvml_name: &str) -> String {
    let words: Vec<&str> = nvml_name
        .split(|c: char| c.is_whitespace() || c == '-')
        .filter(|w| !w.is_empty())
        .collect();
    let start = words.iter().take_while(|w| is_brand(w)).count();
    let words = words.get(start..).unwrap_or_default();

    let raw = match words.first() {
        Some(first) if is_data_centre_model(first) => (*first).to_owned(),
        _ => words.iter().take_while(|w| !is_stop_word(w)).copied().collect::<String>(),
    };
    let label = sanitize(&raw);
    if label.is_empty() { UNKNOWN_MODEL.to_owned() } else { label }
}

fn is_brand(word: &str) -> bool {
    BRANDS.iter().any(|b| b.eq_ignore_ascii_case(word))
}

fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.iter().any(|s| s.eq_ignore_ascii_case(word)) || is_memory_size(word)
}

/// `80GB`, `40G`, `16gb`, `96GiB`.
fn is_memory_size(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    let digits = lower.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = lower.get(digits.len()..).unwrap_or_default();
    !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && matches!(unit, "gb" | "g" | "gib" | "tb")
}

/// Letters (1–3), digits (1+), then at most two letters: `H100`, `L40S`, `GH200`, `A10G`, `T4`.
fn is_data_centre_model(word: &str) -> bool {
    let letters = word.chars().take_while(char::is_ascii_alphabetic).count();
    let rest = word.get(letters..).unwrap_or_default();
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    let suffix = rest.get(digits..).unwrap_or_default();
    (1..=MAX_DC_PREFIX).contains(&letters)
        && digits >= 1
        && suffix.len() <= MAX_DC_SUFFIX
        && suffix.chars().all(|c| c.is_ascii_alphabetic())
}

/// Keeps `[A-Za-z0-9._-]`, cut to [`MAX_MODEL_LEN`] bytes (all kept characters are one byte).
fn sanitize(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .take(MAX_MODEL_LEN)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_known_names() {
        let cases = [
            ("NVIDIA H100 80GB HBM3", "H100"),
            ("NVIDIA H100 PCIe", "H100"),
            ("NVIDIA H100 NVL", "H100"),
            ("NVIDIA H200", "H200"),
            ("NVIDIA GH200 480GB", "GH200"),
            ("NVIDIA B200", "B200"),
            ("NVIDIA A100-SXM4-40GB", "A100"),
            ("NVIDIA A100-SXM4-80GB", "A100"),
            ("NVIDIA A100 80GB PCIe", "A100"),
            ("NVIDIA A10G", "A10G"),
            ("NVIDIA L40S", "L40S"),
            ("NVIDIA L4", "L4"),
            ("Tesla V100-SXM2-16GB", "V100"),
            ("Tesla T4", "T4"),
            ("Tesla P100-PCIE-16GB", "P100"),
            ("NVIDIA GeForce RTX 4090", "RTX4090"),
            ("NVIDIA GeForce RTX 3090 Ti", "RTX3090Ti"),
            ("NVIDIA GeForce RTX 4080 SUPER", "RTX4080SUPER"),
            ("NVIDIA GeForce GTX 1080 Ti", "GTX1080Ti"),
            ("NVIDIA RTX A6000", "RTXA6000"),
            ("NVIDIA RTX 6000 Ada Generation", "RTX6000Ada"),
            ("NVIDIA TITAN RTX", "TITANRTX"),
            ("Quadro RTX 8000", "RTX8000"),
            ("NVIDIA GeForce RTX 4090 Laptop GPU", "RTX4090Laptop"),
        ];
        for (name, label) in cases {
            assert_eq!(model_label(name), label, "{name}");
        }
    }

    #[test]
    fn unknown_names_are_sanitized_and_bounded() {
        assert_eq!(model_label("Acme Accel/9000 (rev 2)"), "AcmeAccel9000rev2");
        assert_eq!(model_label(""), UNKNOWN_MODEL);
        assert_eq!(model_label("NVIDIA"), UNKNOWN_MODEL);
        assert_eq!(model_label("☃ ☃"), UNKNOWN_MODEL);
        let long = model_label(&"Wide ".repeat(20));
        assert_eq!(long.len(), MAX_MODEL_LEN);
        for name in ["x\u{0}y", "a;rm -rf /", "GPU\tname", "名前 1"] {
            let label = model_label(name);
            assert!(label.len() <= MAX_MODEL_LEN);
            assert!(
                label.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)),
                "{label}"
            );
        }
    }
}
