//! Hardware challenges: the evidence behind the `challenged` tier.
//!
//! A provider asks for a challenge of one GPU group with its claimed throughput. The **next**
//! block's beacon fixes the seed (so nobody knows it when asking) and draws a staked checker
//! other than the provider. The matrices' side comes from the group's claimed memory
//! (`rigshare_types::challenge::size_for_vram`, capped by `hardware_max_n`). The checker asks
//! the provider for the product, times it, checks it with Freivalds' algorithm and reports; a
//! pass raises the group to `challenged`. A checker that does not report in time counts a
//! failure. The group keeps its tier while its kind (model, memory, compute capability) stays
//! the same; changing it drops back to `self-reported`.

use rigshare_types::challenge::size_for_vram;
use rigshare_types::verification::{HardwareCheck, HardwareCheckStatus};
use rigshare_types::{EvidenceTier, Hash32, PublicKey, hash};

use crate::error::ExecError;
use crate::state::State;
use rigshare_types::event::Event;

impl State {
    pub(super) fn request_hardware_check(
        &mut self,
        sender: &PublicKey,
        group: u32,
        claimed_tops: u64,
    ) -> Result<(), ExecError> {
        let provider = self.providers.get(sender).ok_or(ExecError::NotProvider)?;
        let claim = provider.inventory.get(group as usize).ok_or(ExecError::NoSuchGroup(group))?;
        if self.hardware.get(sender).is_some_and(|c| {
            matches!(c.status, HardwareCheckStatus::Requested | HardwareCheckStatus::Assigned)
        }) {
            return Err(ExecError::HardwareCheckPending);
        }
        let n = size_for_vram(claim.gpu.vram_mib, self.params.hardware_max_n);
        if n == 0 {
            return Err(ExecError::InvalidField {
                field: "group",
                reason: "its memory is too small for a challenge".into(),
            });
        }
        let height = self.globals.height;
        self.put_hardware_check(HardwareCheck {
            provider: *sender,
            group,
            claimed_tops,
            n,
            seed: Hash32::ZERO,
            checker: None,
            requested_height: height,
            deadline: 0,
            status: HardwareCheckStatus::Requested,
        });
        self.index.hardware_draws.insert((height.saturating_add(1), *sender));
        Ok(())
    }

    /// Fixes the seed and draws the checker of challenges requested before this block.
    pub(super) fn draw_hardware_checks(&mut self, events: &mut Vec<Event>) {
        let height = self.globals.height;
        let due: Vec<(u64, PublicKey)> =
            self.index.hardware_draws.range(..=(height, PublicKey([0xff; 32]))).copied().collect();
        for entry in due {
            self.index.hardware_draws.remove(&entry);
            let provider = entry.1;
            let Some(check) = self.hardware.get(&provider).copied() else { continue };
            let seed = hash::sha256_parts(&[
                &self.globals.seed.0,
                b"hardware",
                &provider.0,
                &check.group.to_be_bytes(),
            ]);
            let excluded = std::iter::once(provider).collect();
            let checker = self.draw_verifiers(b"checker", &provider.0, &excluded, 1).pop();
            let deadline = height.saturating_add(self.params.hardware_check_blocks);
            let status = if checker.is_some() {
                HardwareCheckStatus::Assigned
            } else {
                HardwareCheckStatus::Expired
            };
            self.update_hardware_check(&provider, |check| {
                check.seed = seed;
                check.checker = checker;
                check.deadline = deadline;
                check.status = status;
            });
            match checker {
                Some(checker) => {
                    self.index.hardware_deadlines.insert((deadline, provider));
                    events.push(Event::HardwareCheckAssigned { provider, checker });
                }
                None => events.push(Event::HardwareChecked {
                    provider,
                    group: check.group,
                    status: HardwareCheckStatus::Expired,
                }),
            }
        }
    }

    pub(super) fn report_hardware_check(
        &mut self,
        sender: &PublicKey,
        provider: &PublicKey,
        passed: bool,
        measured_ops_per_s: u64,
        events: &mut Vec<Event>,
    ) -> Result<(), ExecError> {
        let check = self.hardware.get(provider).copied().ok_or(ExecError::NoHardwareCheck)?;
        if check.status != HardwareCheckStatus::Assigned || self.globals.height > check.deadline {
            return Err(ExecError::NoHardwareCheck);
        }
        if check.checker != Some(*sender) {
            return Err(ExecError::NotChecker);
        }
        self.index.hardware_deadlines.remove(&(check.deadline, *provider));
        let status = if passed {
            HardwareCheckStatus::Passed { measured_ops_per_s }
        } else {
            HardwareCheckStatus::Failed { measured_ops_per_s }
        };
        self.update_hardware_check(provider, |check| check.status = status);
        if passed
            && let Some(group) = self
                .providers
                .get_mut(provider)
                .and_then(|p| p.inventory.get_mut(check.group as usize))
        {
            group.tier = group.tier.max(EvidenceTier::Challenged);
        }
        self.pay_from_pool(sender, self.params.verifier_reward);
        events.push(Event::HardwareChecked { provider: *provider, group: check.group, status });
        Ok(())
    }

    /// Challenges whose checker did not report in time.
    pub(super) fn expire_hardware_checks(&mut self, events: &mut Vec<Event>) {
        let height = self.globals.height;
        let due: Vec<(u64, PublicKey)> =
            self.index.hardware_deadlines.range(..(height, PublicKey([0; 32]))).copied().collect();
        for entry in due {
            self.index.hardware_deadlines.remove(&entry);
            let expire = |check: &mut HardwareCheck| {
                check.status = HardwareCheckStatus::Expired;
                (check.checker, check.group)
            };
            let Some((checker, group)) = self.update_hardware_check(&entry.1, expire) else {
                continue;
            };
            if let Some(p) = checker.and_then(|c| self.providers.get_mut(&c)) {
                p.stats.failed = p.stats.failed.saturating_add(1);
            }
            events.push(Event::HardwareChecked {
                provider: entry.1,
                group,
                status: HardwareCheckStatus::Expired,
            });
        }
    }
}
