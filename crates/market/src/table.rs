//! An ordered map that remembers which keys changed since the last commit, so the state tree is
//! updated with exactly the entries a block touched.

use std::collections::BTreeMap;

/// A `BTreeMap` whose mutating accessors mark keys dirty.
#[derive(Clone, Debug)]
pub(crate) struct Table<K, V> {
    rows: BTreeMap<K, V>,
    /// Keys marked since the last commit, repeats included: appending is cheaper than keeping
    /// a set on the execution path, and [`Table::take_dirty`] sorts them once.
    dirty: Vec<K>,
}

impl<K, V> Default for Table<K, V> {
    fn default() -> Self {
        Table { rows: BTreeMap::new(), dirty: Vec::new() }
    }
}

impl<K: Ord + Copy, V> Table<K, V> {
    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        self.rows.get(key)
    }

    /// Mutable access; marks the key dirty even if the caller ends up not writing.
    pub(crate) fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        let row = self.rows.get_mut(key)?;
        self.dirty.push(*key);
        Some(row)
    }

    pub(crate) fn insert(&mut self, key: K, value: V) {
        self.dirty.push(key);
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

    /// The keys changed since the last call, in order and once each, with their current rows
    /// (`None` if removed).
    pub(crate) fn take_dirty(&mut self) -> Vec<(K, Option<&V>)> {
        let mut dirty = std::mem::take(&mut self.dirty);
        dirty.sort_unstable();
        dirty.dedup();
        dirty.into_iter().map(|k| (k, self.rows.get(&k))).collect()
    }
}
