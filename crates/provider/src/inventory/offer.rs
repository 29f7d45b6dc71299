//! From an inventory to the GPU groups a provider publishes: which GPUs to offer, grouped by
//! identical (model label, VRAM, compute capability), each group with its price floor.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use rigshare_types::{Amount, ComputeCapability, GpuGroup};

use super::{Inventory, model_label};

/// One GPU named in an allow-list: by driver index (`"0"`) or UUID (`"GPU-5f1c…"`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GpuSelector {
    /// The driver's index.
    Index(u32),
    /// The GPU's UUID (compared case-insensitively).
    Uuid(String),
}

impl FromStr for GpuSelector {
    type Err = String;

    /// All digits is an index; anything else without whitespace is a UUID.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() || s.contains(char::is_whitespace) {
            return Err(format!("invalid GPU selector {s:?} (expected an index or a UUID)"));
        }
        if s.bytes().all(|b| b.is_ascii_digit()) {
            return s
                .parse()
                .map(GpuSelector::Index)
                .map_err(|_| format!("GPU index {s} too large"));
        }
        Ok(GpuSelector::Uuid(s.to_owned()))
    }
}

impl fmt::Display for GpuSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GpuSelector::Index(index) => write!(f, "{index}"),
            GpuSelector::Uuid(uuid) => f.write_str(uuid),
        }
    }
}

/// Which of the host's GPUs the provider sells.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum GpuAllowList {
    /// Every GPU whose facts are known.
    #[default]
    All,
    /// Only these GPUs.
    Only(Vec<GpuSelector>),
}

/// The provider's offer settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OfferConfig {
    /// GPUs to offer.
    pub allow: GpuAllowList,
    /// Price floor per GPU-hour of a model without its own entry in `price_floors`.
    pub default_price_floor: Amount,
    /// Price floor per GPU-hour by model label (`"H100"`).
    pub price_floors: BTreeMap<String, Amount>,
}

/// A GPU that is not in any offered group, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedGpu {
    /// The driver's index.
    pub index: u32,
    /// Why it is not offered.
    pub reason: String,
}

/// The result of [`offered_groups`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OfferedGroups {
    /// Groups of identical GPUs, sorted by (model, VRAM, compute capability).
    pub groups: Vec<GpuGroup>,
    /// GPUs on the host left out of every group.
    pub skipped: Vec<SkippedGpu>,
    /// Allow-list entries that name no GPU on the host.
    pub unmatched: Vec<GpuSelector>,
}

/// Groups the allowed GPUs of `inventory` by identical (model label, VRAM, compute capability).
///
/// A GPU is skipped, with the reason, when the allow-list leaves it out or when its name, UUID,
/// memory or compute capability is unknown.
pub fn offered_groups(inventory: &Inventory, config: &OfferConfig) -> OfferedGroups {
    let mut counts: BTreeMap<(String, u64, ComputeCapability), u32> = BTreeMap::new();
    let mut skipped = Vec::new();
    for gpu in &inventory.gpus {
        if !is_allowed(&config.allow, gpu.index, gpu.uuid.as_deref()) {
            skipped
                .push(SkippedGpu { index: gpu.index, reason: "not in the allow-list".to_owned() });
            continue;
        }
        if let Some(reason) = gpu.missing_facts() {
            tracing::warn!(target: "provider::inventory", index = gpu.index, %reason, "GPU not offered");
            skipped.push(SkippedGpu { index: gpu.index, reason });
            continue;
        }
        if let (Some(name), Some(vram), Some(cc)) =
            (&gpu.name, gpu.vram_mib, gpu.compute_capability)
        {
            let count = counts.entry((model_label(name), vram, cc)).or_insert(0);
            *count = count.saturating_add(1);
        }
    }

    let groups = counts
        .into_iter()
        .map(|((model, vram_mib, compute_capability), count)| GpuGroup {
            price_floor: config
                .price_floors
                .get(&model)
                .copied()
                .unwrap_or(config.default_price_floor),
            model,
            vram_mib,
            count,
            compute_capability,
        })
        .collect();

    let unmatched = match &config.allow {
        GpuAllowList::All => Vec::new(),
        GpuAllowList::Only(selectors) => selectors
            .iter()
            .filter(|s| !inventory.gpus.iter().any(|g| matches(s, g.index, g.uuid.as_deref())))
            .cloned()
            .collect(),
    };
    OfferedGroups { groups, skipped, unmatched }
}

fn is_allowed(allow: &GpuAllowList, index: u32, uuid: Option<&str>) -> bool {
    match allow {
        GpuAllowList::All => true,
        GpuAllowList::Only(selectors) => selectors.iter().any(|s| matches(s, index, uuid)),
    }
}

fn matches(selector: &GpuSelector, index: u32, uuid: Option<&str>) -> bool {
    match selector {
        GpuSelector::Index(i) => *i == index,
        GpuSelector::Uuid(u) => uuid.is_some_and(|uuid| uuid.eq_ignore_ascii_case(u)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{FakeProbe, GpuInfo, GpuProbe};

    const HOPPER: ComputeCapability = ComputeCapability { major: 9, minor: 0 };
    const ADA: ComputeCapability = ComputeCapability { major: 8, minor: 9 };
    const AMPERE: ComputeCapability = ComputeCapability { major: 8, minor: 0 };

    fn rig() -> Inventory {
        FakeProbe::with_gpus(vec![
            GpuInfo::known(0, "NVIDIA GeForce RTX 4090", "GPU-aaaa", 24_564, ADA),
            GpuInfo::known(1, "NVIDIA H100 80GB HBM3", "GPU-bbbb", 81_559, HOPPER),
            GpuInfo::known(2, "NVIDIA GeForce RTX 4090", "GPU-cccc", 24_564, ADA),
            GpuInfo::known(3, "NVIDIA A100-SXM4-40GB", "GPU-dddd", 40_960, AMPERE),
            GpuInfo::known(4, "NVIDIA A100-SXM4-80GB", "GPU-eeee", 81_920, AMPERE),
            GpuInfo::known(5, "NVIDIA H100 80GB HBM3", "GPU-ffff", 81_559, HOPPER),
        ])
        .probe()
        .unwrap()
    }

    fn group(
        model: &str,
        vram_mib: u64,
        count: u32,
        cc: ComputeCapability,
        price: u64,
    ) -> GpuGroup {
        GpuGroup {
            model: model.to_owned(),
            vram_mib,
            count,
            compute_capability: cc,
            price_floor: Amount::micro(price),
        }
    }

    #[test]
    fn groups_identical_gpus() {
        let config = OfferConfig {
            default_price_floor: Amount::micro(300_000),
            price_floors: BTreeMap::from([("H100".to_owned(), Amount::micro(1_500_000))]),
            ..OfferConfig::default()
        };
        let offered = offered_groups(&rig(), &config);
        assert_eq!(
            offered.groups,
            [
                group("A100", 40_960, 1, AMPERE, 300_000),
                group("A100", 81_920, 1, AMPERE, 300_000),
                group("H100", 81_559, 2, HOPPER, 1_500_000),
                group("RTX4090", 24_564, 2, ADA, 300_000),
            ]
        );
        assert!(offered.skipped.is_empty());
        assert!(offered.unmatched.is_empty());
    }

    #[test]
    fn allow_list_by_index_and_uuid() {
        let config = OfferConfig {
            allow: GpuAllowList::Only(vec![
                "0".parse().unwrap(),
                "gpu-FFFF".parse().unwrap(),
                "7".parse().unwrap(),
            ]),
            ..OfferConfig::default()
        };
        let offered = offered_groups(&rig(), &config);
        assert_eq!(
            offered.groups,
            [group("H100", 81_559, 1, HOPPER, 0), group("RTX4090", 24_564, 1, ADA, 0)]
        );
        let skipped: Vec<u32> = offered.skipped.iter().map(|s| s.index).collect();
        assert_eq!(skipped, [1, 2, 3, 4]);
        assert_eq!(offered.unmatched, [GpuSelector::Index(7)]);
    }

    #[test]
    fn gpus_with_failed_queries_are_skipped_with_the_reason() {
        let mut broken = GpuInfo::known(1, "NVIDIA H100 80GB HBM3", "GPU-bbbb", 81_559, HOPPER);
        broken.vram_mib = None;
        broken.errors.push("memory: Unknown Error".to_owned());
        let inventory = FakeProbe::with_gpus(vec![
            GpuInfo::known(0, "NVIDIA L4", "GPU-aaaa", 23_034, ADA),
            broken,
        ])
        .probe()
        .unwrap();
        assert_eq!(inventory.gpus.len(), 2, "the broken GPU is still listed");
        let offered = offered_groups(&inventory, &OfferConfig::default());
        assert_eq!(offered.groups, [group("L4", 23_034, 1, ADA, 0)]);
        assert_eq!(offered.skipped.len(), 1);
        assert_eq!(offered.skipped[0].index, 1);
        assert!(
            offered.skipped[0].reason.contains("memory: Unknown Error"),
            "{:?}",
            offered.skipped
        );
    }

    #[test]
    fn selectors_parse() {
        assert_eq!("3".parse(), Ok(GpuSelector::Index(3)));
        assert_eq!("GPU-5f1c2d3e".parse(), Ok(GpuSelector::Uuid("GPU-5f1c2d3e".to_owned())));
        assert!("".parse::<GpuSelector>().is_err());
        assert!("GPU 1".parse::<GpuSelector>().is_err());
        assert!("99999999999".parse::<GpuSelector>().is_err());
        assert_eq!(GpuSelector::Index(3).to_string(), "3");
    }
}
