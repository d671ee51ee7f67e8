//! Tests of the host logic (methods on `WasiCtxView`) and, through the
//! binding tables, of the dynamic-value layer the linker calls.

use super::bindings::{lookup, lookup_dtor};
use super::*;
use crate::{I32Exit, MemoryInputPipe, MemoryOutputPipe, WasiCtxBuilder};
use kiln::component::{Resource, Val};

struct Host {
    ctx: WasiCtx,
    table: ResourceTable,
}

impl Host {
    fn new(b: &mut WasiCtxBuilder) -> Host {
        Host { ctx: b.build(), table: ResourceTable::new() }
    }
    fn view(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.ctx, table: &mut self.table }
    }
}

fn borrow<T: 'static>(r: &Resource<T>) -> Resource<T> {
    Resource::new_borrow(r.rep())
}

fn bval<T: 'static>(r: &Resource<T>) -> Val {
    Val::Resource(Resource::<T>::new_borrow(r.rep()).try_into_resource_any().unwrap())
}

fn call(h: &mut Host, iface: &str, name: &str, params: &[Val]) -> anyhow::Result<Option<Val>> {
    lookup(iface, name)(&mut h.view(), params)
}

fn bytes_val(b: &[u8]) -> Val {
    Val::List(b.iter().copied().map(Val::U8).collect())
}

#[test]
fn hello_world_through_the_bindings() {
    let out = MemoryOutputPipe::new(1024);
    let mut h = Host::new(WasiCtxBuilder::new().stdout(out.clone()));
    let Some(Val::Resource(stdout)) = call(&mut h, "wasi:cli/stdout", "get-stdout", &[]).unwrap() else {
        panic!("get-stdout returns an own<output-stream>")
    };
    assert!(stdout.owned());
    let borrowed = Resource::<OutputStream>::new_borrow(stdout.rep()).try_into_resource_any().unwrap();
    let r = call(
        &mut h,
        "wasi:io/streams",
        "[method]output-stream.blocking-write-and-flush",
        &[Val::Resource(borrowed), bytes_val(b"Hello, world!\n")],
    )
    .unwrap();
    assert_eq!(r, Some(Val::Result(Ok(None))));
    assert_eq!(out.contents(), b"Hello, world!\n");

    // The guest drops its handle: the runtime calls the destructor.
    lookup_dtor("wasi:io/streams", "output-stream")(&mut h.view(), stdout.rep()).unwrap();
    assert!(h.table.is_empty());
    // A dead handle is a trap, not a panic.
    let dead = Val::Resource(borrowed);
    assert!(call(&mut h, "wasi:io/streams", "[method]output-stream.flush", &[dead]).is_err());
}

#[test]
fn environment_and_exit() {
    let mut h = Host::new(WasiCtxBuilder::new().args(["prog", "a"]).env("K", "V"));
    assert_eq!(
        call(&mut h, "wasi:cli/environment", "get-arguments", &[]).unwrap(),
        Some(Val::List(vec![Val::String("prog".into()), Val::String("a".into())]))
    );
    assert_eq!(
        call(&mut h, "wasi:cli/environment", "get-environment", &[]).unwrap(),
        Some(Val::List(vec![Val::Tuple(vec![Val::String("K".into()), Val::String("V".into())])]))
    );
    assert_eq!(call(&mut h, "wasi:cli/environment", "initial-cwd", &[]).unwrap(), Some(Val::Option(None)));

    let exit = |h: &mut Host, name: &str, arg: Val| {
        let e = call(h, "wasi:cli/exit", name, &[arg]).unwrap_err();
        *e.downcast_ref::<I32Exit>().unwrap()
    };
    assert_eq!(exit(&mut h, "exit", Val::Result(Ok(None))), I32Exit(0));
    assert_eq!(exit(&mut h, "exit", Val::Result(Err(None))), I32Exit(1));
    assert_eq!(exit(&mut h, "exit-with-code", Val::U8(42)), I32Exit(42));
}

#[test]
fn output_stream_semantics() {
    let out = MemoryOutputPipe::new(8);
    let mut h = Host::new(WasiCtxBuilder::new().stdout(out.clone()));
    let mut v = h.view();
    let s = v.get_stdout().unwrap();
    // `write` without a permit breaks the WIT's precondition: a trap.
    assert!(matches!(v.output_stream_write(borrow(&s), b"x"), Err(StreamError::Trap(_))));
    let permit = v.output_stream_check_write(borrow(&s)).unwrap();
    assert!(permit >= 4096);
    v.output_stream_write(borrow(&s), b"abc").unwrap();
    v.output_stream_write_zeroes(borrow(&s), 2).unwrap();
    v.output_stream_flush(borrow(&s)).unwrap();
    assert_eq!(out.contents(), b"abc\0\0");
    // Over 4096 bytes in one blocking write is a trap.
    assert!(matches!(v.output_stream_blocking_write_and_flush(borrow(&s), &[0; 4097]), Err(StreamError::Trap(_))));
    // Past the pipe's capacity: the write fails, then the stream is closed.
    let Err(StreamError::LastOperationFailed(_)) = v.output_stream_blocking_write_and_flush(borrow(&s), b"0123456789")
    else {
        panic!("a failed write is last-operation-failed")
    };
    assert!(matches!(v.output_stream_check_write(borrow(&s)), Err(StreamError::Closed)));

    // A pollable is a child: the stream cannot go before it.
    let p = v.output_stream_subscribe(borrow(&s)).unwrap();
    assert!(v.pollable_ready(borrow(&p)).unwrap());
    assert!(v.drop_output_stream(Resource::new_own(s.rep())).is_err());
    v.drop_pollable(p).unwrap();
    v.drop_output_stream(s).unwrap();
}

#[test]
fn stream_errors_become_io_error_resources() {
    let mut h = Host::new(WasiCtxBuilder::new().stdout(MemoryOutputPipe::new(1)));
    let s = h.view().get_stdout().unwrap();
    let r = call(
        &mut h,
        "wasi:io/streams",
        "[method]output-stream.blocking-write-and-flush",
        &[bval(&s), bytes_val(b"too long")],
    )
    .unwrap();
    let Some(Val::Result(Err(Some(e)))) = r else { panic!("expected err, got {r:?}") };
    let Val::Variant(case, Some(payload)) = *e else { panic!() };
    assert_eq!(case, "last-operation-failed");
    let Val::Resource(err) = *payload else { panic!() };
    let err = Resource::<IoError>::new_borrow(err.rep());
    assert!(h.view().error_to_debug_string(borrow(&err)).unwrap().contains("capacity"));
    // Any host I/O error has a code, as in Wasmtime.
    assert_eq!(h.view().filesystem_error_code(err).unwrap(), Some(ErrorCode::Io));

    let r = call(&mut h, "wasi:io/streams", "[method]output-stream.check-write", &[bval(&s)]).unwrap();
    assert_eq!(r, Some(Val::Result(Err(Some(Box::new(Val::Variant("closed".into(), None)))))));
}

#[test]
fn stdin_reads_to_the_end_then_closes() {
    let mut h = Host::new(WasiCtxBuilder::new().stdin(MemoryInputPipe::new("hello")));
    let mut v = h.view();
    let s = v.get_stdin().unwrap();
    assert_eq!(v.input_stream_read(borrow(&s), 0).unwrap(), b"");
    assert_eq!(v.input_stream_read(borrow(&s), 2).unwrap(), b"he");
    assert_eq!(v.input_stream_skip(borrow(&s), 1).unwrap(), 1);
    // A second stream shares the one standard input.
    let s2 = v.get_stdin().unwrap();
    assert_eq!(v.input_stream_blocking_read(borrow(&s2), 100).unwrap(), b"lo");
    assert!(matches!(v.input_stream_read(borrow(&s2), 1), Err(StreamError::Closed)));
    assert!(matches!(v.input_stream_read(borrow(&s2), 0), Err(StreamError::Closed)));
}

#[test]
fn splice_copies_between_streams() {
    let out = MemoryOutputPipe::new(100);
    let mut h = Host::new(WasiCtxBuilder::new().stdin(MemoryInputPipe::new("spliced")).stdout(out.clone()));
    let mut v = h.view();
    let (i, o) = (v.get_stdin().unwrap(), v.get_stdout().unwrap());
    assert_eq!(v.output_stream_splice(borrow(&o), borrow(&i), 3).unwrap(), 3);
    assert_eq!(v.output_stream_blocking_splice(borrow(&o), borrow(&i), 100).unwrap(), 4);
    assert!(matches!(v.output_stream_splice(borrow(&o), borrow(&i), 100), Err(StreamError::Closed)));
    assert_eq!(out.contents(), b"spliced");
}

#[test]
fn clocks_random_and_poll() {
    let mut h = Host::new(
        WasiCtxBuilder::new().secure_random(|b: &mut [u8]| b.fill(7)).insecure_random_seed(5 | (9u128 << 64)),
    );
    let mut v = h.view();
    assert_eq!(v.get_random_bytes(3).unwrap(), [7, 7, 7]);
    assert_eq!(v.get_random_u64().unwrap(), 0x0707_0707_0707_0707);
    assert_eq!(v.insecure_seed().unwrap(), (5, 9));
    assert_eq!(v.get_insecure_random_bytes(16).unwrap().len(), 16);
    assert!(v.get_random_bytes(u64::MAX).is_err());
    assert!(v.wall_clock_now().unwrap().seconds > 1_600_000_000);
    assert!(v.monotonic_resolution().unwrap() > 0);

    let now = v.monotonic_now().unwrap();
    let past = v.subscribe_instant(now.saturating_sub(1)).unwrap();
    let soon = v.subscribe_duration(5_000_000).unwrap();
    let never = v.subscribe_duration(u64::MAX).unwrap();
    assert!(v.pollable_ready(borrow(&past)).unwrap());
    assert!(!v.pollable_ready(borrow(&never)).unwrap());
    assert_eq!(v.poll(vec![borrow(&never), borrow(&past)]).unwrap(), [1]);
    // Nothing ready: waits for the earliest deadline.
    let start = std::time::Instant::now();
    assert_eq!(v.poll(vec![borrow(&never), borrow(&soon)]).unwrap(), [1]);
    assert!(start.elapsed() >= std::time::Duration::from_millis(5));
    v.pollable_block(borrow(&soon)).unwrap();
    assert!(v.poll(vec![]).is_err());
}

#[test]
fn the_bindings_define_every_interface_once() {
    struct Data {
        ctx: WasiCtx,
        table: ResourceTable,
    }
    impl WasiView for Data {
        fn ctx(&mut self) -> WasiCtxView<'_> {
            WasiCtxView { ctx: &mut self.ctx, table: &mut self.table }
        }
    }
    let engine = kiln::Engine::default();
    let mut linker = kiln::component::Linker::<Data>::new(&engine);
    add_to_linker_sync(&mut linker).unwrap();
    // A second definition of the same names is refused.
    assert!(add_to_linker_sync(&mut linker).is_err());
}

mod fs;
