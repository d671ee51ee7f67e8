//! The component runtime through the dynamic `Val` API, in both tiers:
//! the hand-written programs of `tests/programs/components/` run, every
//! WIT type crosses the boundary both ways, a host resource keeps its
//! own/borrow rules, and hostile components are errors, not panics.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{anyhow, bail, Result};
use kiln::component::{Component, Func, Instance, Linker, ResourceAny, ResourceType, Val};
use kiln::{Config, Engine, Store, StoreContextMut, Strategy};

fn engines() -> Vec<(&'static str, Engine)> {
    [("interpreter", Strategy::Interpreter), ("JIT", Strategy::Cranelift)]
        .into_iter()
        .map(|(name, s)| {
            let mut config = Config::new();
            config.strategy(s);
            (name, Engine::new(&config).expect("engine"))
        })
        .collect()
}

fn program(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/programs/components").join(name);
    wat::parse_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The function `name` inside the exported instance `interface`.
fn export(store: &mut Store<Host>, instance: &Instance, interface: &str, name: &str) -> Func {
    let i = instance.get_export_index(&mut *store, None, interface).unwrap_or_else(|| panic!("no export {interface}"));
    let f = instance.get_export_index(&mut *store, Some(&i), name).unwrap_or_else(|| panic!("no {interface}#{name}"));
    instance.get_func(&mut *store, &f).expect("a function")
}

/// The host of these tests: what `hello.wat` printed, and the `counter`
/// resources of `all_types.wat` (rep -> value).
#[derive(Default)]
struct Host {
    stdout: Vec<u8>,
    counters: HashMap<u32, u32>,
    next_counter: u32,
    dropped: Vec<u32>,
}

/// The output stream of `hello.wat`'s host (a marker type).
struct OutputStream;
/// The error resource of `wasi:io/error` (never made here).
struct IoError;
/// `all_types.wat`'s host resource.
struct Counter;

fn run_func(store: &mut Store<Host>, instance: &Instance) -> Func {
    export(store, instance, "wasi:cli/run@0.2.3", "run")
}

fn call_run(store: &mut Store<Host>, run: &Func) -> Result<Val> {
    let mut results = [Val::Bool(false)];
    run.call(&mut *store, &[], &mut results)?;
    Ok(results[0].clone())
}

#[test]
fn hello_world_prints_through_a_host_stream() -> Result<()> {
    for (tier, engine) in engines() {
        let component = Component::new(&engine, program("hello.wat"))?;
        let mut linker = Linker::<Host>::new(&engine);
        linker.instance("wasi:io/error@0.2.3")?.resource("error", ResourceType::host::<IoError>(), |_, _| Ok(()))?;
        let mut streams = linker.instance("wasi:io/streams@0.2.6")?;
        streams.resource("output-stream", ResourceType::host::<OutputStream>(), |_, _| Ok(()))?;
        streams.func_new(
            "[method]output-stream.blocking-write-and-flush",
            |mut store: StoreContextMut<'_, Host>, params, results| {
                let Val::List(bytes) = &params[1] else { bail!("contents is not a list") };
                for b in bytes {
                    let Val::U8(b) = b else { bail!("not a byte") };
                    store.data_mut().stdout.push(*b);
                }
                results[0] = Val::Result(Ok(None));
                Ok(())
            },
        )?;
        linker.instance("wasi:cli/stdout@0.2.3")?.func_new("get-stdout", |_, _, results| {
            let stream = kiln::component::Resource::<OutputStream>::new_own(7);
            results[0] = Val::Resource(stream.try_into_resource_any()?);
            Ok(())
        })?;
        let mut store = Store::new(&engine, Host::default());
        let instance = linker.instantiate(&mut store, &component)?;
        let run = run_func(&mut store, &instance);
        assert_eq!(call_run(&mut store, &run)?, Val::Result(Ok(None)), "{tier}");
        assert_eq!(store.data().stdout, b"Hello, world!\n", "{tier}");
    }
    Ok(())
}

#[test]
fn a_command_may_run_twice_unless_it_traps() -> Result<()> {
    for (tier, engine) in engines() {
        let linker = Linker::<Host>::new(&engine);
        let twice = linker.instantiate_pre(&Component::new(&engine, program("run_twice.wat"))?)?;
        let mut store = Store::new(&engine, Host::default());
        let instance = twice.instantiate(&mut store)?;
        let run = run_func(&mut store, &instance);
        assert_eq!(call_run(&mut store, &run)?, Val::Result(Ok(None)), "{tier}");
        assert_eq!(call_run(&mut store, &run)?, Val::Result(Ok(None)), "{tier}: no refusal up front");

        let once = linker.instantiate_pre(&Component::new(&engine, program("run_once.wat"))?)?;
        let instance = once.instantiate(&mut store)?;
        let run = run_func(&mut store, &instance);
        assert_eq!(call_run(&mut store, &run)?, Val::Result(Ok(None)), "{tier}");
        let err = call_run(&mut store, &run).unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("runs once per instance"), "{tier}: {msg}");
        assert!(msg.contains("InstancePre"), "{tier}: {msg}");
        assert_eq!(err.downcast_ref::<kiln::Trap>(), Some(&kiln::Trap::UnreachableCodeReached), "{tier}");
        // A fresh instance of the same pre-instantiated component runs.
        let instance = once.instantiate(&mut store)?;
        let run = run_func(&mut store, &instance);
        assert_eq!(call_run(&mut store, &run)?, Val::Result(Ok(None)), "{tier}");
    }
    Ok(())
}

/// Defines `kiln:test/host` as echoes, and `counter` over `Host::counters`.
fn echo_linker(engine: &Engine) -> Result<Linker<Host>> {
    let mut linker = Linker::<Host>::new(engine);
    let mut host = linker.instance("kiln:test/host")?;
    for name in [
        "echo-bool",
        "echo-char",
        "echo-string",
        "echo-bytes",
        "echo-strings",
        "echo-record",
        "echo-tuple",
        "echo-variant",
        "echo-enum",
        "echo-option",
        "echo-result",
        "echo-unit-result",
        "echo-flags",
    ] {
        host.func_new(name, |_, params, results| {
            results[0] = params[0].clone();
            Ok(())
        })?;
    }
    for name in ["echo-ints", "echo-floats"] {
        host.func_new(name, |_, params, results| {
            results[0] = Val::Tuple(params.to_vec());
            Ok(())
        })?;
    }
    host.resource("counter", ResourceType::host::<Counter>(), |mut store, rep| {
        store.data_mut().dropped.push(rep);
        store.data_mut().counters.remove(&rep);
        Ok(())
    })?;
    host.func_new("[constructor]counter", |mut store, params, results| {
        let Val::U32(init) = params[0] else { bail!("init is not a u32") };
        let data = store.data_mut();
        data.next_counter += 1;
        let rep = data.next_counter;
        data.counters.insert(rep, init);
        results[0] = Val::Resource(kiln::component::Resource::<Counter>::new_own(rep).try_into_resource_any()?);
        Ok(())
    })?;
    host.func_new("[method]counter.get", |store, params, results| {
        let Val::Resource(r) = &params[0] else { bail!("self is not a resource") };
        assert!(!r.owned(), "`self` of a method is a borrow");
        let value = store.data().counters.get(&r.rep()).ok_or_else(|| anyhow!("dead counter"))?;
        results[0] = Val::U32(*value);
        Ok(())
    })?;
    host.func_new("[static]counter.consume", |mut store, params, results| {
        let Val::Resource(r) = &params[0] else { bail!("c is not a resource") };
        let r: ResourceAny = *r;
        assert!(r.owned(), "consume takes an owned handle");
        let value = store.data_mut().counters.remove(&r.rep()).ok_or_else(|| anyhow!("dead counter"))?;
        results[0] = Val::U32(value + 1);
        Ok(())
    })?;
    Ok(linker)
}

fn boxed(v: Val) -> Option<Box<Val>> {
    Some(Box::new(v))
}

/// Each `echo-*` function with arguments that cover its type's edges.
fn echo_cases() -> Vec<(&'static str, Vec<Val>, Val)> {
    let ints = vec![
        Val::S8(-128),
        Val::U8(255),
        Val::S16(-2),
        Val::U16(65535),
        Val::S32(i32::MIN),
        Val::U32(u32::MAX),
        Val::S64(-3),
        Val::U64(1 << 63 | 5),
    ];
    let rec = Val::Record(vec![
        ("a".into(), Val::U8(200)),
        ("b".into(), Val::U64(u64::MAX)),
        ("c".into(), Val::String("grüß 👋".into())),
    ]);
    let mut cases = vec![
        ("echo-bool", vec![Val::Bool(true)], Val::Bool(true)),
        ("echo-bool", vec![Val::Bool(false)], Val::Bool(false)),
        ("echo-ints", ints.clone(), Val::Tuple(ints)),
        (
            "echo-floats",
            vec![Val::Float32(-1.5), Val::Float64(1e300)],
            Val::Tuple(vec![Val::Float32(-1.5), Val::Float64(1e300)]),
        ),
        ("echo-char", vec![Val::Char('∑')], Val::Char('∑')),
        ("echo-string", vec![Val::String(String::new())], Val::String(String::new())),
        ("echo-string", vec![Val::String("héllo, wörld".into())], Val::String("héllo, wörld".into())),
        ("echo-bytes", vec![Val::List(vec![])], Val::List(vec![])),
        (
            "echo-strings",
            vec![Val::List(vec![Val::String("a".into()), Val::String("ζ".into())])],
            Val::List(vec![Val::String("a".into()), Val::String("ζ".into())]),
        ),
        ("echo-record", vec![rec.clone()], rec),
        (
            "echo-tuple",
            vec![Val::Tuple(vec![Val::U32(9), Val::String("nine".into())])],
            Val::Tuple(vec![Val::U32(9), Val::String("nine".into())]),
        ),
        ("echo-enum", vec![Val::Enum("blue".into())], Val::Enum("blue".into())),
        ("echo-option", vec![Val::Option(None)], Val::Option(None)),
        ("echo-option", vec![Val::Option(boxed(Val::U32(4)))], Val::Option(boxed(Val::U32(4)))),
        ("echo-result", vec![Val::Result(Ok(boxed(Val::U32(1))))], Val::Result(Ok(boxed(Val::U32(1))))),
        (
            "echo-result",
            vec![Val::Result(Err(boxed(Val::String("bad".into()))))],
            Val::Result(Err(boxed(Val::String("bad".into())))),
        ),
        ("echo-unit-result", vec![Val::Result(Ok(None))], Val::Result(Ok(None))),
        ("echo-unit-result", vec![Val::Result(Err(None))], Val::Result(Err(None))),
        (
            "echo-flags",
            vec![Val::Flags(vec!["read".into(), "chown".into()])],
            Val::Flags(vec!["read".into(), "chown".into()]),
        ),
        ("echo-flags", vec![Val::Flags(vec![])], Val::Flags(vec![])),
    ];
    let bytes: Vec<Val> = (0..=255u8).map(Val::U8).collect();
    cases.push(("echo-bytes", vec![Val::List(bytes.clone())], Val::List(bytes)));
    for shape in [
        Val::Variant("none".into(), None),
        Val::Variant("circle".into(), boxed(Val::Float32(2.5))),
        Val::Variant("label".into(), boxed(Val::String("tag".into()))),
    ] {
        cases.push(("echo-variant", vec![shape.clone()], shape));
    }
    cases
}

#[test]
fn every_type_crosses_both_ways() -> Result<()> {
    for (tier, engine) in engines() {
        let component = Component::new(&engine, program("all_types.wat"))?;
        let linker = echo_linker(&engine)?;
        let mut store = Store::new(&engine, Host::default());
        let instance = linker.instantiate(&mut store, &component)?;
        for interface in ["kiln:test/echo", "kiln:test/via-host"] {
            for (name, args, want) in echo_cases() {
                let f = export(&mut store, &instance, interface, name);
                let mut results = [Val::Bool(false)];
                f.call(&mut store, &args, &mut results)
                    .map_err(|e| anyhow!("{tier}: {interface}#{name}({args:?}): {e:#}"))?;
                assert_eq!(results[0], want, "{tier}: {interface}#{name}");
            }
        }
    }
    Ok(())
}

#[test]
fn a_host_resource_keeps_its_handle_rules() -> Result<()> {
    for (tier, engine) in engines() {
        let component = Component::new(&engine, program("all_types.wat"))?;
        let linker = echo_linker(&engine)?;
        let mut store = Store::new(&engine, Host::default());
        let instance = linker.instantiate(&mut store, &component)?;
        let f = export(&mut store, &instance, "kiln:test/via-host", "counter-roundtrip");
        let mut results = [Val::Bool(false)];
        f.call(&mut store, &[Val::U32(41)], &mut results)?;
        // `get` on the borrow sees 41; `consume` took the own handle.
        assert_eq!(results[0], Val::Tuple(vec![Val::U32(41), Val::U32(42)]), "{tier}");
        assert!(store.data().counters.is_empty(), "{tier}: consume removed the counter");
    }
    Ok(())
}

#[test]
fn mistyped_arguments_and_results_are_errors() -> Result<()> {
    let (_, engine) = engines().remove(0);
    let component = Component::new(&engine, program("all_types.wat"))?;
    let mut linker = echo_linker(&engine)?;
    linker.allow_shadowing(true);
    linker.instance("kiln:test/host")?.func_new("echo-char", |_, _, results| {
        results[0] = Val::String("not a char".into());
        Ok(())
    })?;
    let mut store = Store::new(&engine, Host::default());
    let instance = linker.instantiate(&mut store, &component)?;
    let f = export(&mut store, &instance, "kiln:test/echo", "echo-char");
    let mut results = [Val::Bool(false)];
    let err = f.call(&mut store, &[Val::U32(1)], &mut results).unwrap_err();
    assert!(format!("{err:#}").contains("wrong type"), "{err:#}");
    // The instance was not entered: it still works.
    f.call(&mut store, &[Val::Char('x')], &mut results)?;
    assert_eq!(results[0], Val::Char('x'));

    let via = export(&mut store, &instance, "kiln:test/via-host", "echo-char");
    let err = via.call(&mut store, &[Val::Char('x')], &mut results).unwrap_err();
    assert!(format!("{err:#}").contains("host function returned a bad result"), "{err:#}");
    Ok(())
}

#[test]
fn missing_and_mistyped_imports_are_named() -> Result<()> {
    let (_, engine) = engines().remove(0);
    let component = Component::new(&engine, program("all_types.wat"))?;
    let linker = Linker::<Host>::new(&engine);
    let err = linker.instantiate_pre(&component).err().expect("nothing is defined");
    assert!(format!("{err:#}").contains("`kiln:test/host`"), "{err:#}");

    let mut linker = Linker::<Host>::new(&engine);
    linker.instance("kiln:test/host")?.func_new("echo-bool", |_, _, _| Ok(()))?;
    let err = linker.instantiate_pre(&component).err().expect("most functions are missing");
    let msg = format!("{err:#}");
    assert!(msg.contains("kiln:test/host") && msg.contains("counter"), "{msg}");

    let mut linker = Linker::<Host>::new(&engine);
    linker.root().func_new("kiln:test/host", |_, _, _| Ok(()))?;
    let err = linker.instantiate_pre(&component).err().expect("a function is not an instance");
    assert!(format!("{err:#}").contains("expected instance"), "{err:#}");
    Ok(())
}

#[test]
fn hostile_components_are_errors_not_panics() {
    let engine = Engine::default();
    for name in ["hello.wat", "all_types.wat", "run_once.wat"] {
        let bytes = program(name);
        for len in (0..bytes.len()).step_by(7) {
            let _ = Component::new(&engine, &bytes[..len]);
        }
        let mut seed = 0x9e37_79b9_u32;
        for _ in 0..400 {
            let mut b = bytes.clone();
            for _ in 0..3 {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let i = seed as usize % b.len();
                b[i] ^= 1 << (seed % 8);
            }
            if let Ok(c) = Component::new(&engine, &b) {
                // Whatever validates must also instantiate or fail cleanly.
                let linker = echo_linker(&engine).expect("linker");
                let mut store = Store::new(&engine, Host::default());
                let _ = linker.instantiate(&mut store, &c);
            }
        }
    }
}

/// The typed API: `func_wrap` host functions and `TypedFunc` exports, with
/// a host resource kept in a `ResourceTable`.
#[test]
fn typed_host_functions_and_exports() -> Result<()> {
    use kiln::component::{Resource, ResourceTable};
    struct Typed {
        table: ResourceTable,
    }
    for (tier, engine) in engines() {
        let component = Component::new(&engine, program("all_types.wat"))?;
        let mut linker = Linker::<Typed>::new(&engine);
        let mut host = linker.instance("kiln:test/host")?;
        host.func_wrap("echo-bool", |_, (x,): (bool,)| Ok((x,)))?;
        host.func_wrap("echo-ints", |_, args: (i8, u8, i16, u16, i32, u32, i64, u64)| Ok((args,)))?;
        host.func_wrap("echo-floats", |_, args: (f32, f64)| Ok((args,)))?;
        host.func_wrap("echo-char", |_, (x,): (char,)| Ok((x,)))?;
        host.func_wrap("echo-string", |_, (x,): (String,)| Ok((x,)))?;
        host.func_wrap("echo-bytes", |_, (x,): (Vec<u8>,)| Ok((x,)))?;
        host.func_wrap("echo-strings", |_, (x,): (Vec<String>,)| Ok((x,)))?;
        host.func_wrap("echo-tuple", |_, (x,): ((u32, String),)| Ok((x,)))?;
        host.func_wrap("echo-option", |_, (x,): (Option<u32>,)| Ok((x,)))?;
        host.func_wrap("echo-result", |_, (x,): (Result<u32, String>,)| Ok((x,)))?;
        host.func_wrap("echo-unit-result", |_, (x,): (Result<(), ()>,)| Ok((x,)))?;
        // Records, variants, enums and flags have no Rust type without a
        // derive: `Val` stands in.
        for name in ["echo-record", "echo-variant", "echo-enum", "echo-flags"] {
            host.func_wrap(name, |_, (x,): (Val,)| Ok((x,)))?;
        }
        host.resource("counter", ResourceType::host::<Counter>(), |mut store: StoreContextMut<'_, Typed>, rep| {
            store.data_mut().table.delete(Resource::<u32>::new_own(rep))?;
            Ok(())
        })?;
        host.func_wrap("[constructor]counter", |mut store: StoreContextMut<'_, Typed>, (init,): (u32,)| {
            let r = store.data_mut().table.push(init)?;
            Ok((Resource::<Counter>::new_own(r.rep()),))
        })?;
        host.func_wrap("[method]counter.get", |store: StoreContextMut<'_, Typed>, (c,): (Resource<Counter>,)| {
            assert!(!c.owned());
            Ok((*store.data().table.get(&Resource::<u32>::new_borrow(c.rep()))?,))
        })?;
        host.func_wrap(
            "[static]counter.consume",
            |mut store: StoreContextMut<'_, Typed>, (c,): (Resource<Counter>,)| {
                assert!(c.owned());
                Ok((store.data_mut().table.delete(Resource::<u32>::new_own(c.rep()))? * 2,))
            },
        )?;
        let mut store = Store::new(&engine, Typed { table: ResourceTable::new() });
        let instance = linker.instantiate(&mut store, &component)?;
        for interface in ["kiln:test/echo", "kiln:test/via-host"] {
            let i = instance.get_export_index(&mut store, None, interface).expect("interface");
            let ix: HashMap<&str, kiln::component::ComponentExportIndex> =
                ["echo-string", "echo-bytes", "echo-tuple", "echo-result", "echo-option", "echo-ints"]
                    .into_iter()
                    .map(|n| (n, instance.get_export_index(&mut store, Some(&i), n).unwrap()))
                    .collect();
            let f = instance.get_typed_func::<(String,), (String,)>(&mut store, &ix["echo-string"])?;
            assert_eq!(f.call(&mut store, ("grüße, 世界".to_string(),))?.0, "grüße, 世界", "{tier} {interface}");
            let bytes: Vec<u8> = (0..100_000u32).map(|i| (i * 7) as u8).collect();
            let f = instance.get_typed_func::<(Vec<u8>,), (Vec<u8>,)>(&mut store, &ix["echo-bytes"])?;
            assert_eq!(f.call(&mut store, (bytes.clone(),))?.0, bytes, "{tier} {interface}");
            let f = instance.get_typed_func::<((u32, String),), ((u32, String),)>(&mut store, &ix["echo-tuple"])?;
            assert_eq!(f.call(&mut store, ((7, "seven".into()),))?.0, (7, "seven".to_string()));
            let f = instance
                .get_typed_func::<(Result<u32, String>,), (Result<u32, String>,)>(&mut store, &ix["echo-result"])?;
            assert_eq!(f.call(&mut store, (Err("no".into()),))?.0, Err("no".to_string()));
            let f = instance.get_typed_func::<(Option<u32>,), (Option<u32>,)>(&mut store, &ix["echo-option"])?;
            assert_eq!(f.call(&mut store, (Some(3),))?.0, Some(3));
            let f = instance
                .get_typed_func::<(i8, u8, i16, u16, i32, u32, i64, u64), ((i8, u8, i16, u16, i32, u32, i64, u64),)>(
                    &mut store,
                    &ix["echo-ints"],
                )?;
            let ints = (-1, 2, -3, 4, -5, 6, -7, u64::MAX);
            assert_eq!(f.call(&mut store, ints)?.0, ints);
            // A type that does not match is refused when the function is looked up.
            let err = instance.get_typed_func::<(u32,), (u32,)>(&mut store, &ix["echo-string"]).err();
            assert!(format!("{:#}", err.expect("mismatch")).contains("do not match"));
        }
        let i = instance.get_export_index(&mut store, None, "kiln:test/via-host").expect("interface");
        let rt = instance.get_export_index(&mut store, Some(&i), "counter-roundtrip").unwrap();
        let f = instance.get_typed_func::<(u32,), ((u32, u32),)>(&mut store, rt)?;
        assert_eq!(f.call(&mut store, (21,))?.0, (21, 42), "{tier}");
        assert!(store.data().table.is_empty(), "{tier}: the counter was consumed");
    }
    Ok(())
}

#[test]
fn a_typed_host_function_of_the_wrong_type_is_named_at_link_time() -> Result<()> {
    let (_, engine) = engines().remove(0);
    let component = Component::new(&engine, program("all_types.wat"))?;
    let mut linker = echo_linker(&engine)?;
    linker.allow_shadowing(true);
    linker.instance("kiln:test/host")?.func_wrap("echo-string", |_, (x,): (u32,)| Ok((x,)))?;
    let err = linker.instantiate_pre(&component).err().expect("u32 is not string");
    let msg = format!("{err:#}");
    assert!(msg.contains("kiln:test/host") && msg.contains("echo-string") && msg.contains("do not match"), "{msg}");
    Ok(())
}
