//! Evaluates clauses against an offer's attributes.

use std::cmp::Ordering;

use super::{Clause, Field, Op, Scalar, Value};
use crate::OfferAttributes;

impl Clause {
    /// Whether this clause holds for `offer`. A clause whose value does not fit its field or
    /// operator (possible only when built by hand or decoded, never when parsed) does not hold.
    pub fn holds(&self, offer: &OfferAttributes<'_>) -> bool {
        if !self.field.supports(self.op) {
            return false;
        }
        let cmp = |scalar: &Scalar| compare(self.field, offer, scalar);
        match (self.op, &self.value) {
            (Op::In, Value::List(items)) => {
                items.iter().any(|item| cmp(item) == Some(Ordering::Equal))
            }
            (Op::NotIn, Value::List(items)) => {
                items.iter().all(|item| cmp(item).is_some_and(Ordering::is_ne))
            }
            (Op::In | Op::NotIn, Value::One(_)) | (_, Value::List(_)) => false,
            (op, Value::One(scalar)) => cmp(scalar).is_some_and(|ord| match op {
                Op::Eq => ord.is_eq(),
                Op::Ne => ord.is_ne(),
                Op::Lt => ord.is_lt(),
                Op::Le => ord.is_le(),
                Op::Gt => ord.is_gt(),
                Op::Ge => ord.is_ge(),
                Op::In | Op::NotIn => false,
            }),
        }
    }
}

/// How `offer`'s value of `field` compares with `scalar`, or `None` if their types differ.
fn compare(field: Field, offer: &OfferAttributes<'_>, scalar: &Scalar) -> Option<Ordering> {
    match (field, scalar) {
        (Field::GpuModel, Scalar::Text(text)) => Some(folded(offer.gpu_model).cmp(folded(text))),
        (Field::GpuCount, Scalar::Int(n)) => Some(u64::from(offer.gpu_count).cmp(n)),
        (Field::VramGib, Scalar::Int(gib)) => Some(offer.vram_mib.cmp(&gib.checked_mul(1024)?)),
        (Field::ComputeCap, Scalar::Cap(cap)) => Some(offer.compute_capability.cmp(cap)),
        (Field::Tier, Scalar::Tier(tier)) => Some(offer.tier.cmp(tier)),
        (Field::PriceGpuHour, Scalar::Price(price)) => Some(offer.price_gpu_hour.cmp(price)),
        (Field::Reliability, Scalar::Ppm(ppm)) => Some(offer.reliability_ppm.cmp(ppm)),
        _ => None,
    }
}

/// The bytes of `s` with ASCII letters lowercased.
fn folded(s: &str) -> impl Iterator<Item = u8> + '_ {
    s.bytes().map(|b| b.to_ascii_lowercase())
}
