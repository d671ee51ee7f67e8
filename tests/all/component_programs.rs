//! The hand-written component programs in `tests/programs/components/`:
//! each must parse and validate (component model enabled) and have exactly
//! the imports and exports its README promises. The runtime will be judged
//! with these files, so they are checked before it exists.

use std::path::PathBuf;
use wasmparser::component_types::ComponentEntityType;
use wasmparser::types::Types;
use wasmparser::{Parser, Payload, Validator, WasmFeatures};

/// The path of `name` in `tests/programs/components/`.
fn program(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/programs/components").join(name)
}

/// Parses the `.wat` file `name` into a component binary.
fn component_bytes(name: &str) -> Vec<u8> {
    let path = program(name);
    match wat::parse_file(&path) {
        Ok(bytes) => bytes,
        Err(e) => panic!("{} does not parse: {e}", path.display()),
    }
}

/// Validates `bytes` as a component; panics with the validator's error.
fn validate(name: &str, bytes: &[u8]) -> Types {
    // `WasmFeatures::default()` already has the component model in
    // wasmparser 0.263; it is spelled out so the intent survives upgrades.
    let features = WasmFeatures::default() | WasmFeatures::COMPONENT_MODEL;
    match Validator::new_with_features(features).validate_all(bytes) {
        Ok(types) => types,
        Err(e) => panic!("{name} does not validate: {e}"),
    }
}

/// The top-level import and export names of the component `bytes`, in order
/// (nested core modules and components are skipped).
fn top_level_names(bytes: &[u8]) -> (Vec<String>, Vec<String>) {
    let (mut imports, mut exports) = (Vec::new(), Vec::new());
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.expect("validated binary parses") {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(section) if depth == 0 => {
                for import in section {
                    imports.push(import.expect("import").name.name.to_string());
                }
            }
            Payload::ComponentExportSection(section) if depth == 0 => {
                for export in section {
                    exports.push(export.expect("export").name.name.to_string());
                }
            }
            _ => {}
        }
    }
    (imports, exports)
}

/// The sorted names an instance-typed item exports (functions and types).
fn instance_names(types: &Types, ty: &ComponentEntityType, what: &str) -> Vec<String> {
    let ComponentEntityType::Instance(id) = ty else {
        panic!("{what} is not an instance: {ty:?}");
    };
    let mut names: Vec<String> = types[*id].exports.keys().cloned().collect();
    names.sort();
    names
}

/// What a program must look like from outside: each import and export is an
/// instance (a WIT interface) with exactly these item names.
struct Expect<'a> {
    file: &'a str,
    imports: &'a [(&'a str, &'a [&'a str])],
    exports: &'a [(&'a str, &'a [&'a str])],
}

/// Validates `expect.file` and checks its imports and exports.
fn check(expect: &Expect<'_>) {
    let bytes = component_bytes(expect.file);
    let types = validate(expect.file, &bytes);
    let (imports, exports) = top_level_names(&bytes);
    let want = |items: &[(&str, &[&str])]| items.iter().map(|(n, _)| n.to_string()).collect::<Vec<_>>();
    assert_eq!(imports, want(expect.imports), "{}: imports", expect.file);
    assert_eq!(exports, want(expect.exports), "{}: exports", expect.file);
    let types_ref = types.as_ref();
    for (name, items) in expect.imports {
        let item = types_ref.component_item_for_import(name).expect("import type");
        let mut want: Vec<String> = items.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(instance_names(&types, &item.ty, name), want, "{}: items of import {name}", expect.file);
    }
    for (name, items) in expect.exports {
        let item = types_ref.component_item_for_export(name).expect("export type");
        let mut want: Vec<String> = items.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(instance_names(&types, &item.ty, name), want, "{}: items of export {name}", expect.file);
    }
}

const RUN: (&str, &[&str]) = ("wasi:cli/run@0.2.3", &["run"]);

#[test]
fn hello() {
    check(&Expect {
        file: "hello.wat",
        imports: &[
            ("wasi:io/error@0.2.3", &["error"]),
            (
                "wasi:io/streams@0.2.3",
                &["error", "stream-error", "output-stream", "[method]output-stream.blocking-write-and-flush"],
            ),
            ("wasi:cli/stdout@0.2.3", &["output-stream", "get-stdout"]),
        ],
        exports: &[RUN],
    });
}

#[test]
fn run_once() {
    check(&Expect { file: "run_once.wat", imports: &[], exports: &[RUN] });
}

#[test]
fn run_twice() {
    check(&Expect { file: "run_twice.wat", imports: &[], exports: &[RUN] });
}

/// The functions of `kiln:test/host`, also exported (echoing in core wasm)
/// as `kiln:test/echo` and (forwarding to the host) as `kiln:test/via-host`.
const ECHO_FUNCS: &[&str] = &[
    "echo-bool",
    "echo-ints",
    "echo-floats",
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
];

#[test]
fn all_types() {
    let host: Vec<&str> = ECHO_FUNCS
        .iter()
        .copied()
        .chain([
            "rec",
            "shape",
            "color",
            "perms",
            "counter",
            "[constructor]counter",
            "[method]counter.get",
            "[static]counter.consume",
        ])
        .collect();
    let via_host: Vec<&str> = ECHO_FUNCS.iter().copied().chain(["counter-roundtrip"]).collect();
    check(&Expect {
        file: "all_types.wat",
        imports: &[("kiln:test/host", &host)],
        exports: &[("kiln:test/echo", ECHO_FUNCS), ("kiln:test/via-host", &via_host)],
    });
}

/// Every `.wat` in the folder is covered by a test above and described in
/// the README, so a new program cannot go unchecked.
#[test]
fn every_program_is_checked_and_documented() {
    let checked = ["all_types.wat", "hello.wat", "run_once.wat", "run_twice.wat"];
    let readme = std::fs::read_to_string(program("README.md")).expect("README.md");
    let mut found: Vec<String> = std::fs::read_dir(program(""))
        .expect("components folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".wat"))
        .collect();
    found.sort();
    assert_eq!(found, checked, "programs in tests/programs/components");
    for name in checked {
        assert!(readme.contains(name), "README.md does not describe {name}");
    }
}

/// The checks above have teeth: the validator rejects hello.wat when its
/// write is lowered without the `memory` option it needs for `list<u8>`.
#[test]
fn validator_rejects_a_lowering_without_memory() {
    let source = std::fs::read_to_string(program("hello.wat")).expect("hello.wat");
    let needle = "\n    (memory $memory)))";
    assert!(source.contains(needle), "hello.wat lowers the write with its memory");
    let broken = source.replace(needle, "))");
    let bytes = wat::parse_str(&broken).expect("still parses");
    let features = WasmFeatures::default() | WasmFeatures::COMPONENT_MODEL;
    let Err(err) = Validator::new_with_features(features).validate_all(&bytes) else {
        panic!("hello.wat without the write's memory option validated");
    };
    assert!(err.to_string().contains("`memory` is required"), "unexpected error: {err}");
}
