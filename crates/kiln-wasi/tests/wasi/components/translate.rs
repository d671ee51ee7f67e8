//! Every adapted program is accepted by `kiln::component::Component::new`
//! in both tiers, imports exactly the WASI 0.2 interfaces the adapter needs
//! for it, exports `wasi:cli/run`, and instantiates with a
//! `kiln::component::Linker` that defines every import (as stubs: nothing is
//! called, since component calls and WASI 0.2 are not in yet).

use std::collections::HashMap;

use super::adapt::{program_component, C_PROGRAMS, WASI_VERSION};
use crate::harness::strategies;
use kiln::component::{Component, ComponentItemKind, Linker, ResourceType};
use kiln::{Config, Engine, Store};
use wasmparser::component_types::{ComponentAnyTypeId, ComponentEntityType};

/// Every interface an adapted program may import, in the order the adapter
/// imports them.
const ALL_INTERFACES: &[&str] = &[
    "wasi:cli/environment",
    "wasi:cli/exit",
    "wasi:io/error",
    "wasi:io/poll",
    "wasi:io/streams",
    "wasi:cli/stdin",
    "wasi:cli/stdout",
    "wasi:cli/stderr",
    "wasi:cli/terminal-input",
    "wasi:cli/terminal-output",
    "wasi:cli/terminal-stdin",
    "wasi:cli/terminal-stdout",
    "wasi:cli/terminal-stderr",
    "wasi:clocks/monotonic-clock",
    "wasi:clocks/wall-clock",
    "wasi:filesystem/types",
    "wasi:filesystem/preopens",
    "wasi:random/random",
];

/// What every adapted C program imports: the adapter keeps only the
/// imports its reachable code uses, and wasi-libc's start-up and stdio
/// always reach these (`wasi:cli/exit` for `proc_exit`, the preopens and
/// filesystem for wasi-libc's preopen scan, wall-clock for `fd_filestat`'s
/// times of stdio, the terminals for `fd_fdstat_get` on stdio).
const C_BASE: &[&str] = &[
    "wasi:cli/exit",
    "wasi:io/error",
    "wasi:io/streams",
    "wasi:cli/stdin",
    "wasi:cli/stdout",
    "wasi:cli/stderr",
    "wasi:cli/terminal-input",
    "wasi:cli/terminal-output",
    "wasi:cli/terminal-stdin",
    "wasi:cli/terminal-stdout",
    "wasi:cli/terminal-stderr",
    "wasi:clocks/wall-clock",
    "wasi:filesystem/types",
    "wasi:filesystem/preopens",
];

/// What a program imports beyond [`C_BASE`] (C programs) or in all (the WAT
/// commands, which call nothing but `fd_write`).
fn extra_imports(name: &str) -> &'static [&'static str] {
    match name {
        // `args_get`/`environ_get` (wasi-libc reads arguments or the
        // environment when `main` takes them or calls `getenv`).
        "args" | "cat" | "env" | "exit" => &["wasi:cli/environment"],
        "clocks" => &["wasi:clocks/monotonic-clock"],
        "misc" => &["wasi:cli/environment", "wasi:io/poll", "wasi:clocks/monotonic-clock", "wasi:random/random"],
        "poll" => &["wasi:io/poll", "wasi:clocks/monotonic-clock"],
        "random" => &["wasi:random/random"],
        _ => &[],
    }
}

/// The import names the adapted program `name` must have, in order.
fn expected_imports(name: &str) -> Vec<String> {
    let wat = name == "run_once" || name == "run_again";
    let wanted: Vec<&str> = if wat {
        // `fd_write` to stdout only: the streams, and what the adapter's
        // descriptor table reaches when it is first set up (stdio, the
        // preopens, and the filesystem types with wall-clock times). No
        // `wasi:cli/exit`: `_start` never calls `proc_exit`, and `run`
        // reports its outcome as its result.
        vec![
            "wasi:io/error",
            "wasi:io/streams",
            "wasi:cli/stdin",
            "wasi:cli/stdout",
            "wasi:cli/stderr",
            "wasi:clocks/wall-clock",
            "wasi:filesystem/types",
            "wasi:filesystem/preopens",
        ]
    } else {
        C_BASE.iter().chain(extra_imports(name)).copied().collect()
    };
    ALL_INTERFACES.iter().filter(|i| wanted.contains(i)).map(|i| format!("{i}@{WASI_VERSION}")).collect()
}

/// Every adapted program, C and WAT.
fn all_programs() -> impl Iterator<Item = &'static str> {
    C_PROGRAMS.iter().copied().chain(["run_once", "run_again"])
}

fn engine(strategy: kiln::Strategy) -> Engine {
    Engine::new(Config::new().strategy(strategy)).expect("an engine")
}

#[test]
fn adapted_programs_are_accepted_with_the_wasi_imports_they_need() {
    for strategy in strategies() {
        let engine = engine(strategy);
        for name in all_programs() {
            let component = Component::new(&engine, &*program_component(name))
                .unwrap_or_else(|e| panic!("{name} ({strategy:?}): Component::new refused it: {e:?}"));
            let imports: Vec<(&str, ComponentItemKind)> = component.imports().collect();
            let names: Vec<&str> = imports.iter().map(|(n, _)| *n).collect();
            assert_eq!(names, expected_imports(name), "{name}: imports");
            assert!(imports.iter().all(|(_, k)| *k == ComponentItemKind::Instance), "{name}: {imports:?}");
            let run = format!("wasi:cli/run@{WASI_VERSION}");
            let exports: Vec<_> = component.exports().collect();
            assert_eq!(exports, [(run.as_str(), ComponentItemKind::Instance)], "{name}: exports");
            assert_eq!(component.exported_functions(), [format!("{run}#run")], "{name}");
        }
    }
}

/// Marker types for the host resource types of the stub linker: one per
/// distinct resource the imports define.
struct R<const N: usize>;

fn marker(i: usize) -> ResourceType {
    macro_rules! markers {
        ($($n:literal)*) => {
            match i {
                $($n => ResourceType::host::<R<$n>>(),)*
                _ => panic!("more resource types than markers"),
            }
        };
    }
    markers!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
}

/// A linker defining every import of `bytes` (a component) with stubs:
/// functions that fail if called, and one host resource type per distinct
/// imported resource, defined wherever an interface names it (including
/// re-exports such as `output-stream` in `wasi:cli/stdout`).
///
/// `leave_out` (`interface#name`) is one function not to define.
fn stub_linker(engine: &Engine, bytes: &[u8], leave_out: Option<&str>) -> Linker<()> {
    stub_linker_with(engine, bytes, leave_out, true)
}

/// [`stub_linker`]; with `define_reexports` false, a resource is defined
/// only in the first interface that names it (as Wasmtime's WASI does:
/// `wasi:cli/stdout` does not define `output-stream` again).
fn stub_linker_with(engine: &Engine, bytes: &[u8], leave_out: Option<&str>, define_reexports: bool) -> Linker<()> {
    let features = wasmparser::WasmFeatures::default() | wasmparser::WasmFeatures::COMPONENT_MODEL;
    let types = wasmparser::Validator::new_with_features(features).validate_all(bytes).expect("valid");
    let types = types.as_ref();
    let component = Component::new(engine, bytes).expect("compiles");
    let mut resources: HashMap<wasmparser::component_types::ResourceId, ResourceType> = HashMap::new();
    let mut linker = Linker::new(engine);
    for (import, _) in component.imports() {
        let item = types.component_item_for_import(import).expect("an import's type");
        let ComponentEntityType::Instance(id) = item.ty else { panic!("{import} is not an instance") };
        let mut instance = linker.instance(import).unwrap();
        for (name, item) in &types[id].exports {
            match item.ty {
                ComponentEntityType::Func(_) => {
                    let what = format!("{import}#{name}");
                    if leave_out == Some(what.as_str()) {
                        continue;
                    }
                    instance
                        .func_new(name, move |_, _, _| anyhow::bail!("stub `{what}` called"))
                        .unwrap_or_else(|e| panic!("{import}#{name}: {e}"));
                }
                ComponentEntityType::Type { created: ComponentAnyTypeId::Resource(r), .. } => {
                    if !define_reexports && resources.contains_key(&r.resource()) {
                        continue;
                    }
                    let next = resources.len();
                    let ty = *resources.entry(r.resource()).or_insert_with(|| marker(next));
                    instance.resource(name, ty, |_, _| Ok(())).unwrap_or_else(|e| panic!("{import}#{name}: {e}"));
                }
                _ => {}
            }
        }
    }
    linker
}

#[test]
fn adapted_programs_instantiate_with_stub_imports() {
    for strategy in strategies() {
        let engine = engine(strategy);
        for name in all_programs() {
            let bytes = program_component(name);
            let component = Component::new(&engine, &*bytes).unwrap();
            let linker = stub_linker(&engine, &bytes, None);
            let mut store = Store::new(&engine, ());
            let instance = linker
                .instantiate(&mut store, &component)
                .unwrap_or_else(|e| panic!("{name} ({strategy:?}) does not instantiate: {e:?}"));
            let run = format!("wasi:cli/run@{WASI_VERSION}");
            let iface = instance.get_export_index(&mut store, None, &run).unwrap_or_else(|| panic!("{name}: {run}"));
            let func = instance.get_export_index(&mut store, Some(&iface), "run").expect("run in wasi:cli/run");
            assert!(instance.get_func(&mut store, &func).is_some(), "{name}: `run` is a function");
            assert!(instance.get_export_index(&mut store, Some(&iface), "start").is_none());
        }
    }
}

#[test]
fn missing_and_mistyped_wasi_imports_are_named() {
    let engine = Engine::default();
    let bytes = program_component("stdio");
    let component = Component::new(&engine, &*bytes).unwrap();
    let instantiate = |linker: &Linker<()>| {
        linker.instantiate(&mut Store::new(&engine, ()), &component).map(|_| ()).unwrap_err().to_string()
    };

    // No definitions: the first import is named.
    let err = instantiate(&Linker::new(&engine));
    assert!(err.contains(&format!("`wasi:cli/exit@{WASI_VERSION}`")), "{err}");
    assert!(err.contains("does not define"), "{err}");

    // Everything but one function of one interface.
    let stdout = format!("wasi:cli/stdout@{WASI_VERSION}");
    let err = instantiate(&stub_linker(&engine, &bytes, Some(&format!("{stdout}#get-stdout"))));
    assert!(err.contains(&stdout) && err.contains("get-stdout"), "{err}");

    // An interface defined as a function.
    let mut linker = stub_linker(&engine, &bytes, None);
    linker.allow_shadowing(true);
    linker.root().func_new(&stdout, |_, _, _| Ok(())).unwrap();
    let err = instantiate(&linker);
    assert!(err.contains(&stdout) && err.contains("function"), "{err}");
}

/// A resource that an interface re-exports with `(eq ...)` (e.g.
/// `output-stream` in `wasi:cli/stdout`, `error` in `wasi:io/streams`) is
/// already bound by the interface that defines it: Wasmtime's linker needs
/// no second definition (and checks one that is given). Kiln's
/// `component::Linker` (`linker.rs`, `resolve`) asks for one in every
/// interface that names the resource, so a WASI 0.2 host must define each
/// resource in every interface that uses it until that changes.
#[test]
fn reexported_resources_need_no_second_definition() {
    let engine = Engine::default();
    let bytes = program_component("files");
    let component = Component::new(&engine, &*bytes).unwrap();
    let linker = stub_linker_with(&engine, &bytes, None, false);
    if let Err(e) = linker.instantiate(&mut Store::new(&engine, ()), &component) {
        panic!("{e:?}");
    }
}
