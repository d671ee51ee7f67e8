//! The disk budget of one context: how many bytes its files may still grow
//! by, set with [`WasiCtxBuilder::max_disk_bytes`](crate::WasiCtxBuilder::max_disk_bytes).

use super::error::Result;
use super::types::Errno;

/// Growth of file sizes a context has caused, against an optional cap.
///
/// What is counted is growth (new size − old size, when positive), checked
/// before the call touches the file, so that a refused call writes or
/// allocates nothing. The count is cumulative: shrinking or removing files
/// does not give bytes back, because the context cannot tell whether the
/// space really came back (another hard link, another process) and an
/// exact, monotonic count is simpler to reason about than a refund.
#[derive(Debug, Default)]
pub(crate) struct DiskBudget {
    limit: Option<u64>,
    used: u64,
}

impl DiskBudget {
    pub fn new(limit: Option<u64>) -> DiskBudget {
        DiskBudget { limit, used: 0 }
    }

    /// Whether there is a cap at all: without one, callers skip the `fstat`
    /// that measuring growth costs.
    pub fn is_limited(&self) -> bool {
        self.limit.is_some()
    }

    /// Checks that the files may grow by `growth` more bytes (`ENOSPC`
    /// otherwise: to the guest the budget is a disk that is full).
    pub fn check(&self, growth: u64) -> Result<()> {
        match self.limit {
            Some(limit) if self.used.saturating_add(growth) > limit => Err(Errno::Nospc.into()),
            _ => Ok(()),
        }
    }

    /// Records `growth` bytes the files did grow by.
    pub fn charge(&mut self, growth: u64) {
        self.used = self.used.saturating_add(growth);
    }
}

/// How many bytes a file of `old_len` bytes grows by when `len` bytes are
/// written or allocated at `offset`.
pub(crate) fn growth(old_len: u64, offset: u64, len: u64) -> u64 {
    offset.saturating_add(len).saturating_sub(old_len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preview1::error::Error;

    #[test]
    fn growth_counts_only_bytes_past_the_end() {
        assert_eq!(growth(10, 0, 10), 0);
        assert_eq!(growth(10, 5, 10), 5);
        assert_eq!(growth(10, 20, 1), 11);
        assert_eq!(growth(0, u64::MAX, 2), u64::MAX);
    }

    #[test]
    fn the_cap_is_inclusive_and_cumulative() {
        let mut b = DiskBudget::new(Some(10));
        b.check(10).unwrap();
        b.charge(6);
        b.check(4).unwrap();
        assert!(matches!(b.check(5), Err(Error::Errno(Errno::Nospc))));
        assert!(matches!(b.check(u64::MAX), Err(Error::Errno(Errno::Nospc))));
        let unlimited = DiskBudget::new(None);
        unlimited.check(u64::MAX).unwrap();
    }
}
