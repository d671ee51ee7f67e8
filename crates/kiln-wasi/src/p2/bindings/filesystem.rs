//! `wasi:filesystem/types` and `wasi:filesystem/preopens`.

use super::misc::datetime;
use super::val::{arg, bytes, enum_case, err, flag_names, list_u8, ok, own, record_field, resource, some, string};
use super::val::{u32_, u64_};
use super::Interface;
use crate::p2::error::{ErrorCode, FsError, FsResult};
use crate::p2::filesystem::{
    Advice, Datetime, Descriptor, DescriptorFlags, DescriptorStat, DirectoryEntryStream, MetadataHashValue,
    NewTimestamp, OpenFlags, PathFlags,
};
use crate::p2::WasiView;
use anyhow::{anyhow, bail, Result};
use kiln::component::{LinkerInstance, Resource, ResourceType, Val};
use kiln::StoreContextMut;

/// A filesystem call's `result<T, error-code>`.
fn fs_result(r: FsResult<Option<Val>>) -> Result<Option<Val>> {
    Ok(Some(match r {
        Ok(x) => ok(x),
        Err(FsError::Code(c)) => err(Some(Val::Enum(c.name().to_owned()))),
        Err(FsError::Trap(e)) => return Err(e),
    }))
}

/// The descriptor functions that move bytes, which the linker defines
/// typed ([`define_typed`]) rather than from the table: their `list<u8>`
/// crosses as one copy, where a `Val` list is one value per byte.
pub(crate) const TYPED: &[&str] = &["[method]descriptor.read", "[method]descriptor.write"];

/// A filesystem call's result as the typed API carries it: the error side
/// is the `error-code` value.
fn typed_result<X>(r: FsResult<X>) -> Result<Result<X, Val>> {
    match r {
        Ok(x) => Ok(Ok(x)),
        Err(FsError::Code(c)) => Ok(Err(Val::Enum(c.name().to_owned()))),
        Err(FsError::Trap(e)) => Err(e),
    }
}

/// Defines the [`TYPED`] functions in `inst` (`wasi:filesystem/types`),
/// with the same host logic as their table entries.
pub(crate) fn define_typed<T: WasiView + 'static>(inst: &mut LinkerInstance<'_, T>) -> Result<()> {
    inst.func_wrap(
        TYPED[0],
        |mut store: StoreContextMut<'_, T>, (fd, len, offset): (Resource<Descriptor>, u64, u64)| {
            Ok((typed_result(store.data_mut().ctx().descriptor_read(fd, len, offset))?,))
        },
    )?;
    inst.func_wrap(
        TYPED[1],
        |mut store: StoreContextMut<'_, T>, (fd, bytes, offset): (Resource<Descriptor>, Vec<u8>, u64)| {
            Ok((typed_result(store.data_mut().ctx().descriptor_write(fd, &bytes, offset))?,))
        },
    )?;
    Ok(())
}

fn fd(p: &[Val], i: usize) -> Result<Resource<Descriptor>> {
    resource(arg(p, i)?)
}

macro_rules! parse_flags {
    ($name:ident, $ty:ty) => {
        fn $name(v: &Val) -> Result<$ty> {
            let mut out = <$ty>::default();
            for name in flag_names(v)? {
                let (flag, _) = <$ty>::NAMES
                    .iter()
                    .find(|(_, n)| n == name)
                    .ok_or_else(|| anyhow!("unknown flag `{name}` for {}", stringify!($ty)))?;
                out |= *flag;
            }
            Ok(out)
        }
    };
}

parse_flags!(path_flags, PathFlags);
parse_flags!(open_flags, OpenFlags);
parse_flags!(descriptor_flags, DescriptorFlags);

fn flags_val(f: DescriptorFlags) -> Val {
    Val::Flags(DescriptorFlags::NAMES.iter().filter(|(x, _)| f.contains(*x)).map(|(_, n)| (*n).to_owned()).collect())
}

fn new_timestamp(v: &Val) -> Result<NewTimestamp> {
    match v {
        Val::Variant(case, payload) => match (case.as_str(), payload) {
            ("no-change", None) => Ok(NewTimestamp::NoChange),
            ("now", None) => Ok(NewTimestamp::Now),
            ("timestamp", Some(t)) => Ok(NewTimestamp::Timestamp(Datetime {
                seconds: u64_(record_field(t, "seconds")?)?,
                nanoseconds: u32_(record_field(t, "nanoseconds")?)?,
            })),
            _ => bail!("bad new-timestamp case `{case}`"),
        },
        other => bail!("expected a new-timestamp, got {other:?}"),
    }
}

fn advice(v: &Val) -> Result<Advice> {
    Ok(match enum_case(v)? {
        "normal" => Advice::Normal,
        "sequential" => Advice::Sequential,
        "random" => Advice::Random,
        "will-need" => Advice::WillNeed,
        "dont-need" => Advice::DontNeed,
        "no-reuse" => Advice::NoReuse,
        other => bail!("unknown advice `{other}`"),
    })
}

fn stat_val(s: DescriptorStat) -> Val {
    let ts = |t: Option<Datetime>| some(t.map(datetime));
    Val::Record(vec![
        ("type".into(), Val::Enum(s.type_.name().into())),
        ("link-count".into(), Val::U64(s.link_count)),
        ("size".into(), Val::U64(s.size)),
        ("data-access-timestamp".into(), ts(s.data_access_timestamp)),
        ("data-modification-timestamp".into(), ts(s.data_modification_timestamp)),
        ("status-change-timestamp".into(), ts(s.status_change_timestamp)),
    ])
}

fn hash_val(h: MetadataHashValue) -> Val {
    Val::Record(vec![("lower".into(), Val::U64(h.lower)), ("upper".into(), Val::U64(h.upper))])
}

/// A successful call that returns nothing.
fn unit(r: FsResult<()>) -> Result<Option<Val>> {
    fs_result(r.map(|()| None))
}

pub(crate) static TYPES: Interface = Interface {
    name: "wasi:filesystem/types",
    resources: &[
        ("descriptor", ResourceType::host::<Descriptor>, |v, rep| v.drop_descriptor(Resource::new_own(rep))),
        ("directory-entry-stream", ResourceType::host::<DirectoryEntryStream>, |v, rep| {
            v.drop_directory_entry_stream(Resource::new_own(rep))
        }),
    ],
    funcs: &[
        ("[method]descriptor.read-via-stream", |v, p| {
            let r = v.descriptor_read_via_stream(fd(p, 0)?, u64_(arg(p, 1)?)?);
            fs_result(r.and_then(|s| Ok(Some(own(s).map_err(FsError::Trap)?))))
        }),
        ("[method]descriptor.write-via-stream", |v, p| {
            let r = v.descriptor_write_via_stream(fd(p, 0)?, u64_(arg(p, 1)?)?);
            fs_result(r.and_then(|s| Ok(Some(own(s).map_err(FsError::Trap)?))))
        }),
        ("[method]descriptor.append-via-stream", |v, p| {
            let r = v.descriptor_append_via_stream(fd(p, 0)?);
            fs_result(r.and_then(|s| Ok(Some(own(s).map_err(FsError::Trap)?))))
        }),
        ("[method]descriptor.advise", |v, p| {
            unit(v.descriptor_advise(fd(p, 0)?, u64_(arg(p, 1)?)?, u64_(arg(p, 2)?)?, advice(arg(p, 3)?)?))
        }),
        ("[method]descriptor.sync-data", |v, p| unit(v.descriptor_sync_data(fd(p, 0)?))),
        ("[method]descriptor.get-flags", |v, p| {
            fs_result(v.descriptor_get_flags(fd(p, 0)?).map(|f| Some(flags_val(f))))
        }),
        ("[method]descriptor.get-type", |v, p| {
            fs_result(v.descriptor_get_type(fd(p, 0)?).map(|t| Some(Val::Enum(t.name().into()))))
        }),
        ("[method]descriptor.set-size", |v, p| unit(v.descriptor_set_size(fd(p, 0)?, u64_(arg(p, 1)?)?))),
        ("[method]descriptor.set-times", |v, p| {
            unit(v.descriptor_set_times(fd(p, 0)?, new_timestamp(arg(p, 1)?)?, new_timestamp(arg(p, 2)?)?))
        }),
        ("[method]descriptor.read", |v, p| {
            let r = v.descriptor_read(fd(p, 0)?, u64_(arg(p, 1)?)?, u64_(arg(p, 2)?)?);
            fs_result(r.map(|(b, end)| Some(Val::Tuple(vec![list_u8(b), Val::Bool(end)]))))
        }),
        ("[method]descriptor.write", |v, p| {
            let r = v.descriptor_write(fd(p, 0)?, &bytes(arg(p, 1)?)?, u64_(arg(p, 2)?)?);
            fs_result(r.map(|n| Some(Val::U64(n))))
        }),
        ("[method]descriptor.read-directory", |v, p| {
            let r = v.descriptor_read_directory(fd(p, 0)?);
            fs_result(r.and_then(|s| Ok(Some(own(s).map_err(FsError::Trap)?))))
        }),
        ("[method]descriptor.sync", |v, p| unit(v.descriptor_sync(fd(p, 0)?))),
        ("[method]descriptor.create-directory-at", |v, p| {
            unit(v.descriptor_create_directory_at(fd(p, 0)?, string(arg(p, 1)?)?))
        }),
        ("[method]descriptor.stat", |v, p| fs_result(v.descriptor_stat(fd(p, 0)?).map(|s| Some(stat_val(s))))),
        ("[method]descriptor.stat-at", |v, p| {
            let r = v.descriptor_stat_at(fd(p, 0)?, path_flags(arg(p, 1)?)?, string(arg(p, 2)?)?);
            fs_result(r.map(|s| Some(stat_val(s))))
        }),
        ("[method]descriptor.set-times-at", |v, p| {
            unit(v.descriptor_set_times_at(
                fd(p, 0)?,
                path_flags(arg(p, 1)?)?,
                string(arg(p, 2)?)?,
                new_timestamp(arg(p, 3)?)?,
                new_timestamp(arg(p, 4)?)?,
            ))
        }),
        ("[method]descriptor.link-at", |v, p| {
            unit(v.descriptor_link_at(
                fd(p, 0)?,
                path_flags(arg(p, 1)?)?,
                string(arg(p, 2)?)?,
                fd(p, 3)?,
                string(arg(p, 4)?)?,
            ))
        }),
        ("[method]descriptor.open-at", |v, p| {
            let r = v.descriptor_open_at(
                fd(p, 0)?,
                path_flags(arg(p, 1)?)?,
                string(arg(p, 2)?)?,
                open_flags(arg(p, 3)?)?,
                descriptor_flags(arg(p, 4)?)?,
            );
            fs_result(r.and_then(|d| Ok(Some(own(d).map_err(FsError::Trap)?))))
        }),
        ("[method]descriptor.readlink-at", |v, p| {
            fs_result(v.descriptor_readlink_at(fd(p, 0)?, string(arg(p, 1)?)?).map(|s| Some(Val::String(s))))
        }),
        ("[method]descriptor.remove-directory-at", |v, p| {
            unit(v.descriptor_remove_directory_at(fd(p, 0)?, string(arg(p, 1)?)?))
        }),
        ("[method]descriptor.rename-at", |v, p| {
            unit(v.descriptor_rename_at(fd(p, 0)?, string(arg(p, 1)?)?, fd(p, 2)?, string(arg(p, 3)?)?))
        }),
        ("[method]descriptor.symlink-at", |v, p| {
            unit(v.descriptor_symlink_at(fd(p, 0)?, string(arg(p, 1)?)?, string(arg(p, 2)?)?))
        }),
        ("[method]descriptor.unlink-file-at", |v, p| unit(v.descriptor_unlink_file_at(fd(p, 0)?, string(arg(p, 1)?)?))),
        ("[method]descriptor.is-same-object", |v, p| {
            Ok(Some(Val::Bool(v.descriptor_is_same_object(fd(p, 0)?, fd(p, 1)?)?)))
        }),
        ("[method]descriptor.metadata-hash", |v, p| {
            fs_result(v.descriptor_metadata_hash(fd(p, 0)?).map(|h| Some(hash_val(h))))
        }),
        ("[method]descriptor.metadata-hash-at", |v, p| {
            let r = v.descriptor_metadata_hash_at(fd(p, 0)?, path_flags(arg(p, 1)?)?, string(arg(p, 2)?)?);
            fs_result(r.map(|h| Some(hash_val(h))))
        }),
        ("[method]directory-entry-stream.read-directory-entry", |v, p| {
            let r = v.read_directory_entry(resource(arg(p, 0)?)?);
            fs_result(r.map(|e| {
                Some(some(e.map(|e| {
                    Val::Record(vec![
                        ("type".into(), Val::Enum(e.type_.name().into())),
                        ("name".into(), Val::String(e.name)),
                    ])
                })))
            }))
        }),
        ("filesystem-error-code", |v, p| {
            let code: Option<ErrorCode> = v.filesystem_error_code(resource(arg(p, 0)?)?)?;
            Ok(Some(some(code.map(|c| Val::Enum(c.name().into())))))
        }),
    ],
};

pub(crate) static PREOPENS: Interface = Interface {
    name: "wasi:filesystem/preopens",
    resources: &[],
    funcs: &[("get-directories", |v, _| {
        let dirs = v.get_directories()?;
        let list = dirs
            .into_iter()
            .map(|(d, name)| Ok(Val::Tuple(vec![own(d)?, Val::String(name)])))
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(Val::List(list)))
    })],
};
