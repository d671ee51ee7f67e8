//! `wasi:io/error`, `wasi:io/poll`, `wasi:io/streams`.

use super::val::{arg, bytes, err, list, list_u8, ok, own, resource, u64_, variant};
use super::Interface;
use crate::p2::error::{IoError, StreamError, StreamResult};
use crate::p2::poll::Pollable;
use crate::p2::streams::{InputStream, OutputStream};
use crate::p2::{WasiCtxView, WasiView};
use anyhow::Result;
use kiln::component::{LinkerInstance, Resource, ResourceType, Val};
use kiln::StoreContextMut;

/// A stream operation's `result<T, stream-error>`: a failure's error goes
/// into the table as a `wasi:io/error` the guest owns.
fn stream_result(v: &mut WasiCtxView<'_>, r: StreamResult<Option<Val>>) -> Result<Option<Val>> {
    Ok(Some(match r {
        Ok(x) => ok(x),
        Err(StreamError::Closed) => err(Some(variant("closed", None))),
        Err(StreamError::LastOperationFailed(e)) => {
            let e = own(v.push_io_error(e)?)?;
            err(Some(variant("last-operation-failed", Some(e))))
        }
        Err(StreamError::Trap(e)) => return Err(e),
    }))
}

/// The stream functions that move bytes, which the linker defines typed
/// ([`define_typed`]) rather than from the table: their `list<u8>` crosses
/// as one copy, where a `Val` list is one value per byte.
pub(crate) const TYPED: &[&str] = &[
    "[method]input-stream.read",
    "[method]input-stream.blocking-read",
    "[method]output-stream.write",
    "[method]output-stream.blocking-write-and-flush",
];

/// A stream operation's result as the typed API carries it: the error side
/// is the `stream-error` value.
fn typed_result<X>(v: &mut WasiCtxView<'_>, r: StreamResult<X>) -> Result<Result<X, Val>> {
    match r {
        Ok(x) => Ok(Ok(x)),
        Err(StreamError::Closed) => Ok(Err(variant("closed", None))),
        Err(StreamError::LastOperationFailed(e)) => {
            let e = own(v.push_io_error(e)?)?;
            Ok(Err(variant("last-operation-failed", Some(e))))
        }
        Err(StreamError::Trap(e)) => Err(e),
    }
}

/// Defines the [`TYPED`] functions in `inst` (`wasi:io/streams`), with the
/// same host logic as their table entries.
pub(crate) fn define_typed<T: WasiView + 'static>(inst: &mut LinkerInstance<'_, T>) -> Result<()> {
    inst.func_wrap(TYPED[0], |mut store: StoreContextMut<'_, T>, (s, len): (Resource<InputStream>, u64)| {
        let mut v = store.data_mut().ctx();
        let r = v.input_stream_read(s, len);
        Ok((typed_result(&mut v, r)?,))
    })?;
    inst.func_wrap(TYPED[1], |mut store: StoreContextMut<'_, T>, (s, len): (Resource<InputStream>, u64)| {
        let mut v = store.data_mut().ctx();
        let r = v.input_stream_blocking_read(s, len);
        Ok((typed_result(&mut v, r)?,))
    })?;
    inst.func_wrap(TYPED[2], |mut store: StoreContextMut<'_, T>, (s, bytes): (Resource<OutputStream>, Vec<u8>)| {
        let mut v = store.data_mut().ctx();
        let r = v.output_stream_write(s, &bytes);
        Ok((typed_result(&mut v, r)?,))
    })?;
    inst.func_wrap(TYPED[3], |mut store: StoreContextMut<'_, T>, (s, bytes): (Resource<OutputStream>, Vec<u8>)| {
        let mut v = store.data_mut().ctx();
        let r = v.output_stream_blocking_write_and_flush(s, &bytes);
        Ok((typed_result(&mut v, r)?,))
    })?;
    Ok(())
}

fn input(p: &[Val]) -> Result<Resource<InputStream>> {
    resource(arg(p, 0)?)
}

fn output(p: &[Val]) -> Result<Resource<OutputStream>> {
    resource(arg(p, 0)?)
}

pub(crate) static ERROR: Interface = Interface {
    name: "wasi:io/error",
    resources: &[("error", ResourceType::host::<IoError>, |v, rep| v.drop_error(Resource::new_own(rep)))],
    funcs: &[("[method]error.to-debug-string", |v, p| {
        Ok(Some(Val::String(v.error_to_debug_string(resource(arg(p, 0)?)?)?)))
    })],
};

pub(crate) static POLL: Interface = Interface {
    name: "wasi:io/poll",
    resources: &[("pollable", ResourceType::host::<Pollable>, |v, rep| v.drop_pollable(Resource::new_own(rep)))],
    funcs: &[
        ("[method]pollable.ready", |v, p| Ok(Some(Val::Bool(v.pollable_ready(resource(arg(p, 0)?)?)?)))),
        ("[method]pollable.block", |v, p| {
            v.pollable_block(resource(arg(p, 0)?)?)?;
            Ok(None)
        }),
        ("poll", |v, p| {
            let list = list(arg(p, 0)?)?.iter().map(resource).collect::<Result<Vec<_>>>()?;
            Ok(Some(Val::List(v.poll(list)?.into_iter().map(Val::U32).collect())))
        }),
    ],
};

pub(crate) static STREAMS: Interface = Interface {
    name: "wasi:io/streams",
    resources: &[
        ("input-stream", ResourceType::host::<InputStream>, |v, rep| v.drop_input_stream(Resource::new_own(rep))),
        ("output-stream", ResourceType::host::<OutputStream>, |v, rep| v.drop_output_stream(Resource::new_own(rep))),
    ],
    funcs: &[
        ("[method]input-stream.read", |v, p| {
            let r = v.input_stream_read(input(p)?, u64_(arg(p, 1)?)?).map(|b| Some(list_u8(b)));
            stream_result(v, r)
        }),
        ("[method]input-stream.blocking-read", |v, p| {
            let r = v.input_stream_blocking_read(input(p)?, u64_(arg(p, 1)?)?).map(|b| Some(list_u8(b)));
            stream_result(v, r)
        }),
        ("[method]input-stream.skip", |v, p| {
            let r = v.input_stream_skip(input(p)?, u64_(arg(p, 1)?)?).map(|n| Some(Val::U64(n)));
            stream_result(v, r)
        }),
        ("[method]input-stream.blocking-skip", |v, p| {
            let r = v.input_stream_blocking_skip(input(p)?, u64_(arg(p, 1)?)?).map(|n| Some(Val::U64(n)));
            stream_result(v, r)
        }),
        ("[method]input-stream.subscribe", |v, p| Ok(Some(own(v.input_stream_subscribe(input(p)?)?)?))),
        ("[method]output-stream.check-write", |v, p| {
            let r = v.output_stream_check_write(output(p)?).map(|n| Some(Val::U64(n)));
            stream_result(v, r)
        }),
        ("[method]output-stream.write", |v, p| {
            let r = v.output_stream_write(output(p)?, &bytes(arg(p, 1)?)?).map(|()| None);
            stream_result(v, r)
        }),
        ("[method]output-stream.blocking-write-and-flush", |v, p| {
            let r = v.output_stream_blocking_write_and_flush(output(p)?, &bytes(arg(p, 1)?)?).map(|()| None);
            stream_result(v, r)
        }),
        ("[method]output-stream.flush", |v, p| {
            let r = v.output_stream_flush(output(p)?).map(|()| None);
            stream_result(v, r)
        }),
        ("[method]output-stream.blocking-flush", |v, p| {
            let r = v.output_stream_blocking_flush(output(p)?).map(|()| None);
            stream_result(v, r)
        }),
        ("[method]output-stream.subscribe", |v, p| Ok(Some(own(v.output_stream_subscribe(output(p)?)?)?))),
        ("[method]output-stream.write-zeroes", |v, p| {
            let r = v.output_stream_write_zeroes(output(p)?, u64_(arg(p, 1)?)?).map(|()| None);
            stream_result(v, r)
        }),
        ("[method]output-stream.blocking-write-zeroes-and-flush", |v, p| {
            let r = v.output_stream_blocking_write_zeroes_and_flush(output(p)?, u64_(arg(p, 1)?)?).map(|()| None);
            stream_result(v, r)
        }),
        ("[method]output-stream.splice", |v, p| {
            let r =
                v.output_stream_splice(output(p)?, resource(arg(p, 1)?)?, u64_(arg(p, 2)?)?).map(|n| Some(Val::U64(n)));
            stream_result(v, r)
        }),
        ("[method]output-stream.blocking-splice", |v, p| {
            let r = v
                .output_stream_blocking_splice(output(p)?, resource(arg(p, 1)?)?, u64_(arg(p, 2)?)?)
                .map(|n| Some(Val::U64(n)));
            stream_result(v, r)
        }),
    ],
};
