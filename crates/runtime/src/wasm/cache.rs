//! Compiled, linked modules by BLAKE3 of their bytes, so a repeated job skips compilation.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use rigshare_types::Hash32;
use wasmtime::InstancePre;

/// A bounded map from module hash to linked module; the oldest entry leaves first.
pub(crate) struct ModuleCache<T: 'static> {
    inner: Mutex<Entries<T>>,
    capacity: usize,
}

struct Entries<T: 'static> {
    map: HashMap<Hash32, InstancePre<T>>,
    order: VecDeque<Hash32>,
}

impl<T: 'static> ModuleCache<T> {
    /// A cache of at most `capacity` modules.
    pub(crate) fn new(capacity: usize) -> Self {
        let entries = Entries { map: HashMap::new(), order: VecDeque::new() };
        ModuleCache { inner: Mutex::new(entries), capacity }
    }

    /// The linked module with this hash, if cached.
    pub(crate) fn get(&self, hash: &Hash32) -> Option<InstancePre<T>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).map.get(hash).cloned()
    }

    /// Caches a linked module, evicting the oldest past capacity.
    pub(crate) fn insert(&self, hash: Hash32, pre: InstancePre<T>) {
        let mut entries = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.map.insert(hash, pre).is_none() {
            entries.order.push_back(hash);
        }
        while entries.order.len() > self.capacity {
            if let Some(oldest) = entries.order.pop_front() {
                entries.map.remove(&oldest);
            }
        }
    }

    /// Modules cached now.
    pub(crate) fn len(&self) -> usize {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).map.len()
    }
}
