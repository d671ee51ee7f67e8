//! `wasi:filesystem/types`' resources and value types, in Rust.

use crate::ctx::{DirPerms, FilePerms};
use std::sync::Arc;

/// A `descriptor`: an open file or directory under a preopen.
pub enum Descriptor {
    /// A file (or another non-directory).
    File(FileDescriptor),
    /// A directory: a preopen or one opened through it.
    Dir(DirDescriptor),
}

/// An open file. Shared with the streams made from it, which outlive
/// nothing: dropping the descriptor leaves them working, as in Wasmtime.
pub struct FileDescriptor {
    pub(crate) file: Arc<cap_std::fs::File>,
    pub(crate) perms: FilePerms,
    /// The `read`/`write` descriptor flags it was opened with, and the
    /// sync flags it asked for (what `get-flags` reports).
    pub(crate) flags: DescriptorFlags,
}

/// An open directory: every path operation goes through its
/// `cap_std::fs::Dir`, which is the sandbox.
pub struct DirDescriptor {
    pub(crate) dir: Arc<cap_std::fs::Dir>,
    pub(crate) perms: DirPerms,
    /// The limits on files opened under it.
    pub(crate) file_perms: FilePerms,
}

/// A `directory-entry-stream`: a directory's entries, read when it was
/// opened (without `.` and `..`, as the WIT says).
pub struct DirectoryEntryStream {
    pub(crate) entries: std::vec::IntoIter<Result<DirectoryEntry, super::ErrorCode>>,
}

/// `descriptor-type`
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum DescriptorType {
    Unknown,
    BlockDevice,
    CharacterDevice,
    Directory,
    Fifo,
    SymbolicLink,
    RegularFile,
    Socket,
}

impl DescriptorType {
    /// The case's WIT name.
    pub fn name(self) -> &'static str {
        match self {
            DescriptorType::Unknown => "unknown",
            DescriptorType::BlockDevice => "block-device",
            DescriptorType::CharacterDevice => "character-device",
            DescriptorType::Directory => "directory",
            DescriptorType::Fifo => "fifo",
            DescriptorType::SymbolicLink => "symbolic-link",
            DescriptorType::RegularFile => "regular-file",
            DescriptorType::Socket => "socket",
        }
    }

    pub(crate) fn of(ty: cap_std::fs::FileType) -> DescriptorType {
        use cap_std::fs::FileTypeExt as _;
        if ty.is_dir() {
            DescriptorType::Directory
        } else if ty.is_file() {
            DescriptorType::RegularFile
        } else if ty.is_symlink() {
            DescriptorType::SymbolicLink
        } else if ty.is_block_device() {
            DescriptorType::BlockDevice
        } else if ty.is_char_device() {
            DescriptorType::CharacterDevice
        } else if ty.is_fifo() {
            DescriptorType::Fifo
        } else if ty.is_socket() {
            DescriptorType::Socket
        } else {
            DescriptorType::Unknown
        }
    }
}

macro_rules! wit_flags {
    ($(#[$m:meta])* $ty:ident { $($flag:ident = $bit:literal $name:literal,)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
        pub struct $ty(pub u8);

        #[allow(missing_docs)]
        impl $ty {
            $(pub const $flag: $ty = $ty(1 << $bit);)*
            /// Every flag with its WIT name, in declaration order.
            pub const NAMES: &'static [($ty, &'static str)] = &[$(($ty::$flag, $name),)*];

            /// Whether every flag of `other` is set.
            pub fn contains(self, other: $ty) -> bool {
                self.0 & other.0 == other.0
            }
        }

        impl std::ops::BitOr for $ty {
            type Output = $ty;
            fn bitor(self, rhs: $ty) -> $ty {
                $ty(self.0 | rhs.0)
            }
        }

        impl std::ops::BitOrAssign for $ty {
            fn bitor_assign(&mut self, rhs: $ty) {
                self.0 |= rhs.0;
            }
        }
    };
}

wit_flags! {
    /// `descriptor-flags`
    DescriptorFlags {
        READ = 0 "read",
        WRITE = 1 "write",
        FILE_INTEGRITY_SYNC = 2 "file-integrity-sync",
        DATA_INTEGRITY_SYNC = 3 "data-integrity-sync",
        REQUESTED_WRITE_SYNC = 4 "requested-write-sync",
        MUTATE_DIRECTORY = 5 "mutate-directory",
    }
}

wit_flags! {
    /// `path-flags`
    PathFlags {
        SYMLINK_FOLLOW = 0 "symlink-follow",
    }
}

wit_flags! {
    /// `open-flags`
    OpenFlags {
        CREATE = 0 "create",
        DIRECTORY = 1 "directory",
        EXCLUSIVE = 2 "exclusive",
        TRUNCATE = 3 "truncate",
    }
}

/// `wasi:clocks/wall-clock.datetime`
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Datetime {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    pub seconds: u64,
    /// Nanoseconds past `seconds` (under 1,000,000,000).
    pub nanoseconds: u32,
}

impl Datetime {
    pub(crate) fn from_duration(d: std::time::Duration) -> Datetime {
        Datetime { seconds: d.as_secs(), nanoseconds: d.subsec_nanos() }
    }

    /// A host timestamp (seconds, nanoseconds); `None` before the epoch,
    /// which `datetime` cannot express.
    pub(crate) fn from_unix(secs: i64, nsecs: i64) -> Option<Datetime> {
        Some(Datetime { seconds: u64::try_from(secs).ok()?, nanoseconds: u32::try_from(nsecs).ok()? })
    }
}

/// `descriptor-stat`
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct DescriptorStat {
    pub type_: DescriptorType,
    pub link_count: u64,
    pub size: u64,
    pub data_access_timestamp: Option<Datetime>,
    pub data_modification_timestamp: Option<Datetime>,
    pub status_change_timestamp: Option<Datetime>,
}

impl DescriptorStat {
    pub(crate) fn of(meta: &cap_std::fs::Metadata) -> DescriptorStat {
        use cap_std::fs::MetadataExt as _;
        DescriptorStat {
            type_: DescriptorType::of(meta.file_type()),
            link_count: meta.nlink(),
            size: meta.len(),
            data_access_timestamp: Datetime::from_unix(meta.atime(), meta.atime_nsec()),
            data_modification_timestamp: Datetime::from_unix(meta.mtime(), meta.mtime_nsec()),
            status_change_timestamp: Datetime::from_unix(meta.ctime(), meta.ctime_nsec()),
        }
    }
}

/// `new-timestamp`
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewTimestamp {
    /// Leave the timestamp as it is.
    NoChange,
    /// Set it to the current time.
    Now,
    /// Set it to this time.
    Timestamp(Datetime),
}

impl NewTimestamp {
    /// The host's form; a time the host cannot represent is `overflow`.
    pub(crate) fn to_spec(self) -> Result<Option<fs_set_times::SystemTimeSpec>, super::ErrorCode> {
        use std::time::{Duration, SystemTime};
        Ok(match self {
            NewTimestamp::NoChange => None,
            NewTimestamp::Now => Some(fs_set_times::SystemTimeSpec::SymbolicNow),
            NewTimestamp::Timestamp(t) => {
                let at = SystemTime::UNIX_EPOCH
                    .checked_add(Duration::from_secs(t.seconds))
                    .and_then(|at| at.checked_add(Duration::from_nanos(u64::from(t.nanoseconds))))
                    .ok_or(super::ErrorCode::Overflow)?;
                Some(fs_set_times::SystemTimeSpec::Absolute(at))
            }
        })
    }
}

/// `directory-entry`
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct DirectoryEntry {
    pub type_: DescriptorType,
    pub name: String,
}

/// `advice`
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Advice {
    Normal,
    Sequential,
    Random,
    WillNeed,
    DontNeed,
    NoReuse,
}

/// `metadata-hash-value`
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct MetadataHashValue {
    pub lower: u64,
    pub upper: u64,
}
