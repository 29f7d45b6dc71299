//! An ordered map that remembers which keys changed since the last commit, so the state tree is
//! updated with exactly the entries a block touched.

use std::collections::{BTreeMap, BTreeSet};

/// A `BTreeMap` whose mutating accessors mark keys dirty.
#[derive(Clone, Debug)]
pub(crate) struct Table<K, V> {
    rows: BTreeMap<K, V>,
    dirty: BTreeSet<K>,
}

impl<K, V> Default for Table<K, V> {
    fn default() -> Self {
        Table { rows: BTreeMap::new(), dirty: BTreeSet::new() }
    }
}

impl<K: Ord + Copy, V> Table<K, V> {
    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        self.rows.get(key)
    }

    /// Mutable access; marks the key dirty even if the caller ends up not writing.
    pub(crate) fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        let row = self.rows.get_mut(key)?;
        self.dirty.insert(*key);
        Some(row)
    }

    pub(crate) fn insert(&mut self, key: K, value: V) {
        self.dirty.insert(key);
        self.rows.insert(key, value);
    }

    pub(crate) fn contains(&self, key: &K) -> bool {
        self.rows.contains_key(key)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.rows.iter()
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &V> {
        self.rows.values()
    }

    /// The keys changed since the last call, with their current rows (`None` if removed).
    pub(crate) fn take_dirty(&mut self) -> Vec<(K, Option<&V>)> {
        let dirty = std::mem::take(&mut self.dirty);
        dirty.into_iter().map(|k| (k, self.rows.get(&k))).collect()
    }
}
