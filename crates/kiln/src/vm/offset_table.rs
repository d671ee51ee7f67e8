//! Sorted `(offset, value)` tables of compiled code — trap sites and the
//! map back to wasm offsets — packed as little-endian `u32` pairs in shared
//! bytes, so that a precompiled module's tables are used in place, straight
//! from the mapped file, and freshly compiled code has the same form.

use super::SharedBytes;

/// The bytes of one entry: the offset, then the value.
const ENTRY: usize = 8;

/// A table of `(u32 offset, u32 value)` entries, sorted by offset.
#[derive(Clone)]
pub(crate) struct OffsetTable {
    bytes: SharedBytes,
}

impl OffsetTable {
    /// The table of `entries` (sorted by offset).
    pub(crate) fn from_entries(entries: impl ExactSizeIterator<Item = (u32, u32)>) -> OffsetTable {
        let mut bytes = Vec::with_capacity(entries.len() * ENTRY);
        for (offset, value) in entries {
            bytes.extend_from_slice(&offset.to_le_bytes());
            bytes.extend_from_slice(&value.to_le_bytes());
        }
        OffsetTable { bytes: bytes.into() }
    }

    /// A table held in `bytes` (packed as `as_bytes` gives them), if their
    /// length is a whole number of entries. (Unsorted entries, from a
    /// corrupt artifact, make lookups miss, nothing worse.)
    pub(crate) fn from_bytes(bytes: SharedBytes) -> Option<OffsetTable> {
        bytes.len().is_multiple_of(ENTRY).then_some(OffsetTable { bytes })
    }

    /// The packed entries, to write out.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub(crate) fn len(&self) -> usize {
        self.bytes.len() / ENTRY
    }

    fn entry(&self, i: usize) -> (u32, u32) {
        let e = &self.bytes[i * ENTRY..(i + 1) * ENTRY];
        let word = |at: usize| u32::from_le_bytes(e[at..at + 4].try_into().expect("4 bytes"));
        (word(0), word(4))
    }

    /// The value of the entry at exactly `offset`.
    pub(crate) fn get(&self, offset: u32) -> Option<u32> {
        let (o, value) = self.entry(self.partition_point(offset).checked_sub(1)?);
        (o == offset).then_some(value)
    }

    /// The value of the last entry at or before `offset`.
    pub(crate) fn at_or_before(&self, offset: u32) -> Option<u32> {
        Some(self.entry(self.partition_point(offset).checked_sub(1)?).1)
    }

    /// How many entries have an offset `<= offset`.
    fn partition_point(&self, offset: u32) -> usize {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.entry(mid).0 <= offset {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }
}

#[cfg(test)]
mod tests {
    use super::OffsetTable;

    #[test]
    fn lookups_exact_and_at_or_before() {
        let table = OffsetTable::from_entries([(4, 40), (8, 80), (20, 200)].into_iter());
        assert_eq!(table.len(), 3);
        assert_eq!((table.get(8), table.get(9), table.get(3)), (Some(80), None, None));
        assert_eq!((table.at_or_before(3), table.at_or_before(4), table.at_or_before(19)), (None, Some(40), Some(80)));
        assert_eq!(table.at_or_before(u32::MAX), Some(200));
        let copy = OffsetTable::from_bytes(table.as_bytes().to_vec().into()).unwrap();
        assert_eq!(copy.get(20), Some(200));
        assert!(OffsetTable::from_bytes(vec![0u8; 7].into()).is_none());
        assert_eq!(OffsetTable::from_entries(std::iter::empty()).at_or_before(5), None);
    }
}
