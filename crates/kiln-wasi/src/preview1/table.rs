//! The descriptor table: what each guest fd number stands for, with its
//! rights and flags.

use super::error::Result;
use super::types::{rights, Errno};
use crate::ctx::{DirPerms, FilePerms};
use crate::stdio::{StdinStream, StdoutStream};
use std::collections::BTreeMap;
use std::sync::Arc;

/// An open regular file (or other non-directory) under a preopen.
pub(crate) struct OpenFile {
    pub file: cap_std::fs::File,
    /// The guest's file offset (reads and writes are positional on the
    /// host, so the host's own offset is not used).
    pub position: u64,
    /// `fdflags` as the guest set them.
    pub fdflags: u16,
    /// The embedder's limits on this file.
    pub perms: FilePerms,
}

/// An open directory: a preopen, or one opened through a preopen.
pub(crate) struct OpenDir {
    /// Shared so that a preopen is one host descriptor, whether preview 1
    /// or 0.2 reaches it.
    pub dir: Arc<cap_std::fs::Dir>,
    pub perms: DirPerms,
    /// The limits on files opened under this directory.
    pub file_perms: FilePerms,
    /// The guest path of a preopened directory.
    pub preopen: Option<String>,
}

/// What an fd stands for.
pub(crate) enum Descriptor {
    Stdin(Box<dyn StdinStream>),
    Stdout(Box<dyn StdoutStream>),
    File(OpenFile),
    Dir(OpenDir),
}

/// One slot of the table.
pub(crate) struct Entry {
    pub desc: Descriptor,
    pub base: u64,
    pub inheriting: u64,
}

impl Entry {
    /// Checks that this descriptor has all of `needed` rights
    /// (`ENOTCAPABLE` otherwise).
    pub fn require(&self, needed: u64) -> Result<()> {
        if self.base & needed == needed {
            Ok(())
        } else {
            Err(Errno::Notcapable.into())
        }
    }

    pub fn file_mut(&mut self) -> Result<&mut OpenFile> {
        match &mut self.desc {
            Descriptor::File(f) => Ok(f),
            _ => Err(Errno::Badf.into()),
        }
    }

    pub fn dir(&self) -> Result<&OpenDir> {
        match &self.desc {
            Descriptor::Dir(d) => Ok(d),
            _ => Err(Errno::Badf.into()),
        }
    }
}

/// The fd table of one context.
pub(crate) struct FdTable {
    entries: BTreeMap<u32, Entry>,
    /// How many entries the guest may have open at once. Each host-backed
    /// entry holds a host descriptor, so this is what keeps a guest from
    /// running the host process out of them.
    max_open: usize,
}

impl Default for FdTable {
    fn default() -> Self {
        FdTable { entries: BTreeMap::new(), max_open: usize::MAX }
    }
}

impl FdTable {
    /// Sets the cap on open entries. Entries already in the table stay,
    /// even past the cap: the embedder's stdio and preopens are never
    /// refused, they only leave the guest less room.
    pub fn set_max_open(&mut self, max_open: usize) {
        self.max_open = max_open;
    }

    /// Checks that one more entry fits (`EMFILE` otherwise). Called before
    /// opening the host file that entry would hold, so that a full table
    /// never costs the host a descriptor, even for a moment.
    pub fn check_room(&self) -> Result<()> {
        if self.entries.len() >= self.max_open {
            return Err(Errno::Mfile.into());
        }
        Ok(())
    }

    pub fn get(&self, fd: u32) -> Result<&Entry> {
        self.entries.get(&fd).ok_or_else(|| Errno::Badf.into())
    }

    pub fn get_mut(&mut self, fd: u32) -> Result<&mut Entry> {
        self.entries.get_mut(&fd).ok_or_else(|| Errno::Badf.into())
    }

    /// Puts `entry` at the lowest free fd number (`EMFILE` if the table is
    /// full).
    pub fn push(&mut self, entry: Entry) -> Result<u32> {
        self.check_room()?;
        let mut fd = 0u32;
        for &used in self.entries.keys() {
            if used != fd {
                break;
            }
            fd = fd.checked_add(1).ok_or(Errno::Mfile)?;
        }
        self.entries.insert(fd, entry);
        Ok(fd)
    }

    /// Puts `entry` at `fd`, replacing (and closing) what was there.
    pub fn insert_at(&mut self, fd: u32, entry: Entry) {
        self.entries.insert(fd, entry);
    }

    pub fn remove(&mut self, fd: u32) -> Result<Entry> {
        self.entries.remove(&fd).ok_or_else(|| Errno::Badf.into())
    }

    pub fn contains(&self, fd: u32) -> bool {
        self.entries.contains_key(&fd)
    }
}

/// The table entry of a preopened directory.
pub(crate) fn preopen_entry(
    dir: Arc<cap_std::fs::Dir>,
    guest_path: String,
    perms: DirPerms,
    file_perms: FilePerms,
) -> Entry {
    Entry {
        desc: Descriptor::Dir(OpenDir { dir, perms, file_perms, preopen: Some(guest_path) }),
        base: rights::PREOPEN_BASE,
        inheriting: rights::PREOPEN_INHERITING,
    }
}
