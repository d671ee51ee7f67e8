//! The errors of WASI 0.2 host calls: a stream's `stream-error`, the
//! filesystem's `error-code`, the `wasi:io/error` resource, and traps.

use kiln::component::ResourceTableError;
use std::fmt;
use std::io;

/// The failure of a stream operation: the WIT `stream-error` cases, or a
/// trap (a bad handle, a guest breaking an operation's precondition).
#[derive(Debug)]
pub enum StreamError {
    /// `stream-error::closed`: the stream has ended (input) or will accept
    /// nothing more (output).
    Closed,
    /// `stream-error::last-operation-failed`: the error goes to the guest as
    /// a `wasi:io/error` resource; the stream is closed from then on.
    LastOperationFailed(anyhow::Error),
    /// Not an answer to the guest: the call traps with this error.
    Trap(anyhow::Error),
}

impl StreamError {
    /// A trap with `msg`.
    pub fn trap(msg: impl fmt::Display + Send + Sync + 'static) -> StreamError {
        StreamError::Trap(anyhow::Error::msg(msg.to_string()))
    }
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::Closed => f.write_str("the stream is closed"),
            StreamError::LastOperationFailed(e) => write!(f, "the last stream operation failed: {e:#}"),
            StreamError::Trap(e) => write!(f, "{e:#}"),
        }
    }
}

impl std::error::Error for StreamError {}

impl From<ResourceTableError> for StreamError {
    fn from(e: ResourceTableError) -> StreamError {
        StreamError::Trap(e.into())
    }
}

/// What a stream operation returns.
pub type StreamResult<T> = Result<T, StreamError>;

/// The `wasi:io/error` resource: an error a stream reported, which the
/// guest can print (`to-debug-string`) or classify
/// (`wasi:filesystem/types.filesystem-error-code`).
#[derive(Debug)]
pub struct IoError(pub anyhow::Error);

macro_rules! error_codes {
    ($($variant:ident = $name:literal,)*) => {
        /// `wasi:filesystem/types.error-code`, case for case.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum ErrorCode { $($variant,)* }

        impl ErrorCode {
            /// Every case, in WIT order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The case's WIT name.
            pub fn name(self) -> &'static str {
                match self { $(ErrorCode::$variant => $name,)* }
            }
        }
    };
}

error_codes! {
    Access = "access",
    WouldBlock = "would-block",
    Already = "already",
    BadDescriptor = "bad-descriptor",
    Busy = "busy",
    Deadlock = "deadlock",
    Quota = "quota",
    Exist = "exist",
    FileTooLarge = "file-too-large",
    IllegalByteSequence = "illegal-byte-sequence",
    InProgress = "in-progress",
    Interrupted = "interrupted",
    Invalid = "invalid",
    Io = "io",
    IsDirectory = "is-directory",
    Loop = "loop",
    TooManyLinks = "too-many-links",
    MessageSize = "message-size",
    NameTooLong = "name-too-long",
    NoDevice = "no-device",
    NoEntry = "no-entry",
    NoLock = "no-lock",
    InsufficientMemory = "insufficient-memory",
    InsufficientSpace = "insufficient-space",
    NotDirectory = "not-directory",
    NotEmpty = "not-empty",
    NotRecoverable = "not-recoverable",
    Unsupported = "unsupported",
    NoTty = "no-tty",
    NoSuchDevice = "no-such-device",
    Overflow = "overflow",
    NotPermitted = "not-permitted",
    Pipe = "pipe",
    ReadOnly = "read-only",
    InvalidSeek = "invalid-seek",
    TextFileBusy = "text-file-busy",
    CrossDevice = "cross-device",
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::error::Error for ErrorCode {}

impl From<&io::Error> for ErrorCode {
    /// An OS error maps number for number. cap-std's sandbox refusals ("a
    /// path led outside of the filesystem") carry no number and are
    /// `PermissionDenied`, which is `not-permitted`, as in Wasmtime and as
    /// preview 1's `EPERM`.
    fn from(err: &io::Error) -> ErrorCode {
        if let Some(code) = err.raw_os_error() {
            return from_raw_os_error(code);
        }
        match err.kind() {
            io::ErrorKind::NotFound => ErrorCode::NoEntry,
            io::ErrorKind::PermissionDenied => ErrorCode::NotPermitted,
            io::ErrorKind::AlreadyExists => ErrorCode::Exist,
            io::ErrorKind::InvalidInput => ErrorCode::Invalid,
            io::ErrorKind::InvalidData => ErrorCode::IllegalByteSequence,
            io::ErrorKind::Interrupted => ErrorCode::Interrupted,
            io::ErrorKind::WouldBlock => ErrorCode::WouldBlock,
            io::ErrorKind::Unsupported => ErrorCode::Unsupported,
            io::ErrorKind::OutOfMemory => ErrorCode::InsufficientMemory,
            io::ErrorKind::BrokenPipe => ErrorCode::Pipe,
            io::ErrorKind::NotADirectory => ErrorCode::NotDirectory,
            io::ErrorKind::IsADirectory => ErrorCode::IsDirectory,
            io::ErrorKind::DirectoryNotEmpty => ErrorCode::NotEmpty,
            io::ErrorKind::StorageFull => ErrorCode::InsufficientSpace,
            io::ErrorKind::FileTooLarge => ErrorCode::FileTooLarge,
            io::ErrorKind::InvalidFilename => ErrorCode::NameTooLong,
            io::ErrorKind::CrossesDevices => ErrorCode::CrossDevice,
            io::ErrorKind::TooManyLinks => ErrorCode::TooManyLinks,
            io::ErrorKind::ReadOnlyFilesystem => ErrorCode::ReadOnly,
            io::ErrorKind::ResourceBusy => ErrorCode::Busy,
            io::ErrorKind::NotSeekable => ErrorCode::InvalidSeek,
            io::ErrorKind::Deadlock => ErrorCode::Deadlock,
            io::ErrorKind::QuotaExceeded => ErrorCode::Quota,
            _ => ErrorCode::Io,
        }
    }
}

fn from_raw_os_error(code: i32) -> ErrorCode {
    match code {
        libc::EACCES => ErrorCode::Access,
        libc::EAGAIN => ErrorCode::WouldBlock,
        libc::EALREADY => ErrorCode::Already,
        libc::EBADF => ErrorCode::BadDescriptor,
        libc::EBUSY => ErrorCode::Busy,
        libc::EDEADLK => ErrorCode::Deadlock,
        libc::EDQUOT => ErrorCode::Quota,
        libc::EEXIST => ErrorCode::Exist,
        libc::EFBIG => ErrorCode::FileTooLarge,
        libc::EILSEQ => ErrorCode::IllegalByteSequence,
        libc::EINPROGRESS => ErrorCode::InProgress,
        libc::EINTR => ErrorCode::Interrupted,
        libc::EINVAL => ErrorCode::Invalid,
        libc::EIO => ErrorCode::Io,
        libc::EISDIR => ErrorCode::IsDirectory,
        libc::ELOOP => ErrorCode::Loop,
        libc::EMLINK => ErrorCode::TooManyLinks,
        libc::EMSGSIZE => ErrorCode::MessageSize,
        libc::ENAMETOOLONG => ErrorCode::NameTooLong,
        libc::ENODEV => ErrorCode::NoDevice,
        libc::ENOENT => ErrorCode::NoEntry,
        libc::ENOLCK => ErrorCode::NoLock,
        libc::ENOMEM => ErrorCode::InsufficientMemory,
        libc::ENOSPC => ErrorCode::InsufficientSpace,
        libc::ENOTDIR => ErrorCode::NotDirectory,
        libc::ENOTEMPTY => ErrorCode::NotEmpty,
        libc::ENOTRECOVERABLE => ErrorCode::NotRecoverable,
        libc::ENOTSUP => ErrorCode::Unsupported,
        libc::ENOTTY => ErrorCode::NoTty,
        libc::ENXIO => ErrorCode::NoSuchDevice,
        libc::EOVERFLOW => ErrorCode::Overflow,
        libc::EPERM => ErrorCode::NotPermitted,
        libc::EPIPE => ErrorCode::Pipe,
        libc::EROFS => ErrorCode::ReadOnly,
        libc::ESPIPE => ErrorCode::InvalidSeek,
        libc::ETXTBSY => ErrorCode::TextFileBusy,
        libc::EXDEV => ErrorCode::CrossDevice,
        _ => ErrorCode::Io,
    }
}

/// The failure of a filesystem call: an `error-code` for the guest, or a
/// trap.
#[derive(Debug)]
pub enum FsError {
    /// Returned to the guest as `err(code)`.
    Code(ErrorCode),
    /// The call traps with this error (a bad handle, say).
    Trap(anyhow::Error),
}

impl fmt::Display for FsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FsError::Code(c) => write!(f, "filesystem error: {c}"),
            FsError::Trap(e) => write!(f, "{e:#}"),
        }
    }
}

impl std::error::Error for FsError {}

impl From<ErrorCode> for FsError {
    fn from(c: ErrorCode) -> FsError {
        FsError::Code(c)
    }
}

impl From<io::Error> for FsError {
    fn from(e: io::Error) -> FsError {
        FsError::Code(ErrorCode::from(&e))
    }
}

impl From<ResourceTableError> for FsError {
    fn from(e: ResourceTableError) -> FsError {
        FsError::Trap(e.into())
    }
}

/// What a filesystem call returns.
pub type FsResult<T> = Result<T, FsError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_map_to_error_codes() {
        assert_eq!(ErrorCode::from(&io::Error::from_raw_os_error(libc::ENOENT)), ErrorCode::NoEntry);
        assert_eq!(ErrorCode::from(&io::Error::from_raw_os_error(libc::EACCES)), ErrorCode::Access);
        assert_eq!(ErrorCode::from(&io::Error::from_raw_os_error(libc::EXDEV)), ErrorCode::CrossDevice);
        let escape = io::Error::new(io::ErrorKind::PermissionDenied, "a path led outside of the filesystem");
        assert_eq!(ErrorCode::from(&escape), ErrorCode::NotPermitted);
        assert_eq!(ErrorCode::ALL.len(), 37);
        assert_eq!(ErrorCode::CrossDevice.name(), "cross-device");
    }
}
