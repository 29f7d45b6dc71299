//! The per-job resource limiter: caps memory and tables and remembers why growth was refused.

use wasmtime::ResourceLimiter;

use super::engine::{MAX_TABLE_ELEMENTS, MAX_TABLES};

/// Caps one job's linear memory and tables.
pub(crate) struct JobLimiter {
    memory_bytes: usize,
    /// A memory or table growth was refused because of the job's limit.
    pub(crate) limit_refused: bool,
    /// The host failed to provide memory within the limit (its failure, not the job's).
    pub(crate) host_failure: Option<String>,
}

impl JobLimiter {
    /// A limiter allowing `memory_bytes` of linear memory.
    pub(crate) fn new(memory_bytes: u64) -> Self {
        let memory_bytes = usize::try_from(memory_bytes).unwrap_or(usize::MAX);
        JobLimiter { memory_bytes, limit_refused: false, host_failure: None }
    }
}

impl ResourceLimiter for JobLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // Past the module's own declared maximum: the job's business, like any refused grow.
        if maximum.is_some_and(|max| desired > max) {
            return Ok(false);
        }
        if desired > self.memory_bytes {
            self.limit_refused = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        // Growth within the limit failed on the host: seeing -1 here would make the job's result
        // depend on the host, so the run fails instead.
        self.host_failure = Some(format!("memory growth failed: {error}"));
        Err(error)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if maximum.is_some_and(|max| desired > max) {
            return Ok(false);
        }
        if desired > MAX_TABLE_ELEMENTS {
            self.limit_refused = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.host_failure = Some(format!("table growth failed: {error}"));
        Err(error)
    }

    fn instances(&self) -> usize {
        1
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }

    fn memories(&self) -> usize {
        1
    }
}
