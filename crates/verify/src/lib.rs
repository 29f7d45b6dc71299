//! The rigshare light client: everything needed to check, offline and with nothing but the
//! network's 96-byte group public key, that a job completed, passed verification and was paid.
//!
//! - [`certificate`]: a finalization certificate (BLS12-381 threshold signature) finalizes a
//!   block header, checked in pure Rust (no C, no networking), so this crate builds for
//!   `wasm32-unknown-unknown` and runs in a browser or on a phone.
//! - [`bundle`]: a receipt bundle — settlement, signed receipt, state proof, certified header —
//!   checked end to end: "this job completed, passed verification, and was paid".
//! - [`freivalds`]: the hardware challenge's matrix-product check in O(n²).
//! - [`hardware`]: the hardware challenge — generate, solve and judge a provider's answer.
//! - [`output`]: output roots — check a downloaded result file against a receipt's root
//!   ([`output::check_file`]), the same definition the provider's runtime commits to.

pub mod bundle;
pub mod certificate;
pub mod freivalds;
pub mod hardware;
pub use rigshare_types::output;
