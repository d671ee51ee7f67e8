//! What a WASI function can end in besides success: an error number for the
//! guest, or a trap that ends the guest's run.

use super::types::Errno;
use std::io;

/// The failure of a WASI call.
#[derive(Debug)]
pub(crate) enum Error {
    /// Returned to the guest as its `errno`.
    Errno(Errno),
    /// Ends the call with this error instead of returning (a trap, or
    /// `proc_exit`).
    Trap(anyhow::Error),
}

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Errno> for Error {
    fn from(errno: Errno) -> Error {
        Error::Errno(errno)
    }
}

impl From<io::Error> for Error {
    fn from(err: io::Error) -> Error {
        Error::Errno(errno_from_io(&err))
    }
}

impl From<std::num::TryFromIntError> for Error {
    fn from(_: std::num::TryFromIntError) -> Error {
        Error::Errno(Errno::Overflow)
    }
}

/// The errno for a host I/O error. An error with an OS error number maps
/// number for number; cap-std's sandbox refusals ("a path led outside of
/// the filesystem") carry none and are `PermissionDenied`, which is `EPERM`,
/// as in Wasmtime.
pub(crate) fn errno_from_io(err: &io::Error) -> Errno {
    if let Some(code) = err.raw_os_error() {
        return errno_from_raw(code);
    }
    match err.kind() {
        io::ErrorKind::NotFound => Errno::Noent,
        io::ErrorKind::PermissionDenied => Errno::Perm,
        io::ErrorKind::AlreadyExists => Errno::Exist,
        io::ErrorKind::InvalidInput => Errno::Inval,
        io::ErrorKind::InvalidData => Errno::Ilseq,
        io::ErrorKind::Interrupted => Errno::Intr,
        io::ErrorKind::WouldBlock => Errno::Again,
        io::ErrorKind::Unsupported => Errno::Notsup,
        io::ErrorKind::OutOfMemory => Errno::Nomem,
        io::ErrorKind::BrokenPipe => Errno::Pipe,
        io::ErrorKind::NotADirectory => Errno::Notdir,
        io::ErrorKind::IsADirectory => Errno::Isdir,
        io::ErrorKind::DirectoryNotEmpty => Errno::Notempty,
        io::ErrorKind::StorageFull => Errno::Nospc,
        io::ErrorKind::FileTooLarge => Errno::Fbig,
        io::ErrorKind::InvalidFilename => Errno::Nametoolong,
        io::ErrorKind::CrossesDevices => Errno::Xdev,
        io::ErrorKind::TooManyLinks => Errno::Mlink,
        io::ErrorKind::ReadOnlyFilesystem => Errno::Rofs,
        io::ErrorKind::ResourceBusy => Errno::Busy,
        io::ErrorKind::NotSeekable => Errno::Spipe,
        _ => Errno::Io,
    }
}

/// The errno for a host (Unix) error number.
fn errno_from_raw(code: i32) -> Errno {
    match code {
        libc::E2BIG => Errno::TooBig,
        libc::EACCES => Errno::Acces,
        libc::EADDRINUSE => Errno::Addrinuse,
        libc::EADDRNOTAVAIL => Errno::Addrnotavail,
        libc::EAFNOSUPPORT => Errno::Afnosupport,
        libc::EAGAIN => Errno::Again,
        libc::EALREADY => Errno::Already,
        libc::EBADF => Errno::Badf,
        libc::EBADMSG => Errno::Badmsg,
        libc::EBUSY => Errno::Busy,
        libc::ECANCELED => Errno::Canceled,
        libc::ECHILD => Errno::Child,
        libc::ECONNABORTED => Errno::Connaborted,
        libc::ECONNREFUSED => Errno::Connrefused,
        libc::ECONNRESET => Errno::Connreset,
        libc::EDEADLK => Errno::Deadlk,
        libc::EDESTADDRREQ => Errno::Destaddrreq,
        libc::EDOM => Errno::Dom,
        libc::EDQUOT => Errno::Dquot,
        libc::EEXIST => Errno::Exist,
        libc::EFAULT => Errno::Fault,
        libc::EFBIG => Errno::Fbig,
        libc::EHOSTUNREACH => Errno::Hostunreach,
        libc::EIDRM => Errno::Idrm,
        libc::EILSEQ => Errno::Ilseq,
        libc::EINPROGRESS => Errno::Inprogress,
        libc::EINTR => Errno::Intr,
        libc::EINVAL => Errno::Inval,
        libc::EIO => Errno::Io,
        libc::EISCONN => Errno::Isconn,
        libc::EISDIR => Errno::Isdir,
        libc::ELOOP => Errno::Loop,
        libc::EMFILE => Errno::Mfile,
        libc::EMLINK => Errno::Mlink,
        libc::EMSGSIZE => Errno::Msgsize,
        libc::EMULTIHOP => Errno::Multihop,
        libc::ENAMETOOLONG => Errno::Nametoolong,
        libc::ENETDOWN => Errno::Netdown,
        libc::ENETRESET => Errno::Netreset,
        libc::ENETUNREACH => Errno::Netunreach,
        libc::ENFILE => Errno::Nfile,
        libc::ENOBUFS => Errno::Nobufs,
        libc::ENODEV => Errno::Nodev,
        libc::ENOENT => Errno::Noent,
        libc::ENOEXEC => Errno::Noexec,
        libc::ENOLCK => Errno::Nolck,
        libc::ENOLINK => Errno::Nolink,
        libc::ENOMEM => Errno::Nomem,
        libc::ENOMSG => Errno::Nomsg,
        libc::ENOPROTOOPT => Errno::Noprotoopt,
        libc::ENOSPC => Errno::Nospc,
        libc::ENOSYS => Errno::Nosys,
        libc::ENOTCONN => Errno::Notconn,
        libc::ENOTDIR => Errno::Notdir,
        libc::ENOTEMPTY => Errno::Notempty,
        libc::ENOTRECOVERABLE => Errno::Notrecoverable,
        libc::ENOTSOCK => Errno::Notsock,
        libc::ENOTSUP => Errno::Notsup,
        libc::ENOTTY => Errno::Notty,
        libc::ENXIO => Errno::Nxio,
        libc::EOVERFLOW => Errno::Overflow,
        libc::EOWNERDEAD => Errno::Ownerdead,
        libc::EPERM => Errno::Perm,
        libc::EPIPE => Errno::Pipe,
        libc::EPROTO => Errno::Proto,
        libc::EPROTONOSUPPORT => Errno::Protonosupport,
        libc::EPROTOTYPE => Errno::Prototype,
        libc::ERANGE => Errno::Range,
        libc::EROFS => Errno::Rofs,
        libc::ESPIPE => Errno::Spipe,
        libc::ESRCH => Errno::Srch,
        libc::ESTALE => Errno::Stale,
        libc::ETIMEDOUT => Errno::Timedout,
        libc::ETXTBSY => Errno::Txtbsy,
        libc::EXDEV => Errno::Xdev,
        _ => Errno::Io,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_map_to_wasi_errnos() {
        assert_eq!(errno_from_io(&io::Error::from_raw_os_error(libc::ENOENT)), Errno::Noent);
        assert_eq!(errno_from_io(&io::Error::from_raw_os_error(libc::ELOOP)), Errno::Loop);
        assert_eq!(errno_from_io(&io::Error::from_raw_os_error(libc::EXDEV)), Errno::Xdev);
        let escape = io::Error::new(io::ErrorKind::PermissionDenied, "a path led outside of the filesystem");
        assert_eq!(errno_from_io(&escape), Errno::Perm);
        assert_eq!(errno_from_io(&io::Error::other("x")), Errno::Io);
    }
}
