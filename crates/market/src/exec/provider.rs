//! Provider registration, inventory, stake and unbonding.

use rigshare_types::records::{InventoryGroup, Provider, ProviderStats, Unbonding};
use rigshare_types::{Amount, EvidenceTier, GpuGroup, PublicKey, gpu};

use crate::error::ExecError;
use crate::state::State;
use rigshare_types::event::Event;

/// Longest endpoint URL, in bytes.
pub const MAX_ENDPOINT_LEN: usize = 256;
/// Most attribute labels a provider may publish.
pub const MAX_ATTRIBUTES: usize = 16;
/// Longest attribute key and value, in bytes.
pub const MAX_ATTRIBUTE_KEY_LEN: usize = 32;
/// Longest attribute value, in bytes.
pub const MAX_ATTRIBUTE_VALUE_LEN: usize = 128;
/// Most GPU groups in one inventory.
pub const MAX_INVENTORY_GROUPS: usize = 16;
/// Most GPUs in one group.
pub const MAX_GROUP_GPUS: u32 = 1_024;
/// Most memory one GPU may claim, in MiB (16 TiB: far above any real device).
pub const MAX_VRAM_MIB: u64 = 16 << 20;
/// Most unbondings in flight per provider.
pub const MAX_UNBONDINGS: usize = 8;

impl State {
    pub(super) fn register_provider(
        &mut self,
        sender: &PublicKey,
        stake: Amount,
        endpoint: &str,
        attributes: &[(String, String)],
        events: &mut Vec<Event>,
    ) -> Result<(), ExecError> {
        if self.providers.contains(sender) {
            return Err(ExecError::AlreadyProvider);
        }
        check_endpoint(endpoint)?;
        check_attributes(attributes)?;
        let min = self.params.min_provider_stake;
        if stake < min {
            return Err(ExecError::InsufficientStake { stake, min });
        }
        self.ensure_funds(sender, stake)?;
        self.debit(sender, stake);
        let provider = Provider {
            endpoint: endpoint.to_string(),
            attributes: attributes.to_vec(),
            stake,
            unbonding: Vec::new(),
            inventory: Vec::new(),
            active_leases: 0,
            open_bids: 0,
            stats: ProviderStats::default(),
            registered_at: self.globals.height,
            locked_until: 0,
        };
        self.providers.insert(*sender, provider);
        events.push(Event::ProviderRegistered { provider: *sender });
        Ok(())
    }

    /// Replaces the inventory. Groups that leases hold GPUs of must keep their position and
    /// kind (model, memory, compute capability) and at least the leased count, because leases
    /// and bids name groups by position.
    pub(super) fn update_inventory(
        &mut self,
        sender: &PublicKey,
        groups: &[GpuGroup],
        events: &mut Vec<Event>,
    ) -> Result<(), ExecError> {
        let provider = self.providers.get(sender).ok_or(ExecError::NotProvider)?;
        check_groups(groups)?;
        for (i, old) in provider.inventory.iter().enumerate().filter(|(_, g)| g.leased > 0) {
            let kept = groups
                .get(i)
                .is_some_and(|new| same_kind(&old.gpu, new) && new.count >= old.leased);
            if !kept {
                return Err(ExecError::InventoryInUse {
                    model: old.gpu.model.clone(),
                    leased: old.leased,
                });
            }
        }
        let inventory = groups
            .iter()
            .enumerate()
            .map(|(i, new)| {
                let old = provider.inventory.get(i).filter(|old| same_kind(&old.gpu, new));
                InventoryGroup {
                    gpu: new.clone(),
                    tier: old.map_or(EvidenceTier::SelfReported, |o| o.tier),
                    leased: old.map_or(0, |o| o.leased),
                }
            })
            .collect();
        if let Some(provider) = self.providers.get_mut(sender) {
            provider.inventory = inventory;
        }
        events.push(Event::InventoryUpdated { provider: *sender });
        Ok(())
    }

    pub(super) fn add_stake(
        &mut self,
        sender: &PublicKey,
        amount: Amount,
    ) -> Result<(), ExecError> {
        if !self.providers.contains(sender) {
            return Err(ExecError::NotProvider);
        }
        if amount.is_zero() {
            return Err(ExecError::ZeroAmount);
        }
        self.ensure_funds(sender, amount)?;
        self.debit(sender, amount);
        if let Some(provider) = self.providers.get_mut(sender) {
            provider.stake = super::money::add(provider.stake, amount);
        }
        Ok(())
    }

    /// Moves stake to unbonding. What remains must meet the minimum stake, or be zero for a
    /// provider with no active leases and no open bids (leaving the market).
    pub(super) fn unbond(&mut self, sender: &PublicKey, amount: Amount) -> Result<(), ExecError> {
        let provider = self.providers.get(sender).ok_or(ExecError::NotProvider)?;
        if amount.is_zero() {
            return Err(ExecError::ZeroAmount);
        }
        let remaining = provider
            .stake
            .checked_sub(amount)
            .ok_or(ExecError::InsufficientFunds { needed: amount, available: provider.stake })?;
        let min = self.params.min_provider_stake;
        if remaining.is_zero() {
            if provider.active_leases > 0 || provider.open_bids > 0 {
                return Err(ExecError::ProviderBusy {
                    active_leases: provider.active_leases,
                    open_bids: provider.open_bids,
                });
            }
        } else if remaining < min {
            return Err(ExecError::InsufficientStake { stake: remaining, min });
        }
        if provider.unbonding.len() >= MAX_UNBONDINGS {
            return Err(ExecError::TooManyUnbondings { max: MAX_UNBONDINGS });
        }
        let release_height = self
            .globals
            .height
            .saturating_add(self.params.unbonding_blocks)
            .max(provider.locked_until);
        if let Some(provider) = self.providers.get_mut(sender) {
            provider.stake = remaining;
            provider.unbonding.push(Unbonding { amount, release_height });
        }
        self.index.unbonding.insert((release_height, *sender));
        Ok(())
    }

    /// Returns unbonded stake whose delay has passed, unless the provider's results are still
    /// open to audit, challenge or dispute (then it waits for `locked_until`).
    pub(super) fn release_unbonded(&mut self, events: &mut Vec<Event>) {
        let height = self.globals.height;
        let due: Vec<(u64, PublicKey)> =
            self.index.unbonding.range(..=(height, PublicKey([0xff; 32]))).copied().collect();
        for entry in due {
            self.index.unbonding.remove(&entry);
            let (_, who) = entry;
            let Some(locked_until) = self.providers.get(&who).map(|p| p.locked_until) else {
                continue;
            };
            if locked_until > height {
                self.index.unbonding.insert((locked_until, who));
                continue;
            }
            let Some(provider) = self.providers.get_mut(&who) else { continue };
            let (ready, waiting): (Vec<Unbonding>, Vec<Unbonding>) =
                provider.unbonding.iter().partition(|u| u.release_height <= height);
            provider.unbonding = waiting;
            let amount = ready.iter().fold(Amount::ZERO, |sum, u| super::money::add(sum, u.amount));
            self.credit(&who, amount);
            events.push(Event::StakeReleased { provider: who, amount });
        }
    }
}

fn invalid(field: &'static str, reason: impl Into<String>) -> ExecError {
    ExecError::InvalidField { field, reason: reason.into() }
}

fn check_endpoint(endpoint: &str) -> Result<(), ExecError> {
    if endpoint.len() > MAX_ENDPOINT_LEN {
        return Err(invalid("endpoint", format!("longer than {MAX_ENDPOINT_LEN} bytes")));
    }
    let rest = endpoint
        .strip_prefix("https://")
        .or_else(|| endpoint.strip_prefix("http://"))
        .ok_or_else(|| invalid("endpoint", "must start with http:// or https://"))?;
    if rest.is_empty() || !rest.chars().all(|c| c.is_ascii_graphic()) {
        return Err(invalid("endpoint", "must name a host, with no spaces or control characters"));
    }
    Ok(())
}

fn check_attributes(attributes: &[(String, String)]) -> Result<(), ExecError> {
    if attributes.len() > MAX_ATTRIBUTES {
        return Err(invalid("attributes", format!("more than {MAX_ATTRIBUTES}")));
    }
    for (key, value) in attributes {
        let key_ok = !key.is_empty()
            && key.len() <= MAX_ATTRIBUTE_KEY_LEN
            && key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !key_ok {
            return Err(invalid(
                "attributes",
                format!("bad key {key:?} (1-{MAX_ATTRIBUTE_KEY_LEN} of a-z 0-9 _ -)"),
            ));
        }
        if value.len() > MAX_ATTRIBUTE_VALUE_LEN || value.chars().any(char::is_control) {
            return Err(invalid("attributes", format!("bad value for {key:?}")));
        }
    }
    if !attributes.windows(2).all(|w| matches!(w, [a, b] if a.0 < b.0)) {
        return Err(invalid("attributes", "keys must be sorted and unique"));
    }
    Ok(())
}

fn check_groups(groups: &[GpuGroup]) -> Result<(), ExecError> {
    if groups.len() > MAX_INVENTORY_GROUPS {
        return Err(invalid("inventory", format!("more than {MAX_INVENTORY_GROUPS} groups")));
    }
    for (i, group) in groups.iter().enumerate() {
        let model_ok = !group.model.is_empty()
            && group.model.len() <= gpu::MAX_MODEL_LEN
            && group.model.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if !model_ok {
            return Err(invalid("inventory", format!("bad model label {:?}", group.model)));
        }
        if group.count == 0 || group.count > MAX_GROUP_GPUS {
            return Err(invalid("inventory", format!("GPU count must be 1..={MAX_GROUP_GPUS}")));
        }
        if group.vram_mib == 0 || group.vram_mib > MAX_VRAM_MIB {
            return Err(invalid("inventory", format!("VRAM must be 1..={MAX_VRAM_MIB} MiB")));
        }
        if groups.iter().take(i).any(|earlier| same_kind(earlier, group)) {
            return Err(invalid("inventory", format!("duplicate group {}", group.model)));
        }
    }
    Ok(())
}

/// Whether two groups describe the same kind of GPU.
fn same_kind(a: &GpuGroup, b: &GpuGroup) -> bool {
    a.model.eq_ignore_ascii_case(&b.model)
        && a.vram_mib == b.vram_mib
        && a.compute_capability == b.compute_capability
}
