//! What the adapted components are made of: the component-model constructs
//! and canonical options `wit-component` uses when it wraps a preview 1
//! module with the adapter, named the way the binary format names them.
//! The runtime must handle every one of them; the test below fails when an
//! upgrade of `wit-component` or the adapter starts using something new (or
//! stops using something), so the list stays true.

use std::collections::{BTreeMap, BTreeSet};

use super::adapt::{program_component, C_PROGRAMS};
use wasmparser::{
    CanonicalFunction, CanonicalOption, ComponentAlias, ComponentExternalKind, ComponentType, ComponentTypeRef, Parser,
    Payload,
};

/// Each construct found in `component` with how often it appears, and the
/// deepest nesting of components (the root is 1).
pub fn inventory(component: &[u8]) -> (BTreeMap<String, usize>, usize) {
    let mut found = BTreeMap::new();
    let mut add = |s: String| *found.entry(s).or_insert(0) += 1;
    // Kinds of the enclosing sections: true for a component, false for a
    // core module (whose payloads are not component constructs).
    let mut stack: Vec<bool> = Vec::new();
    let mut deepest = 0;
    for payload in Parser::new(0).parse_all(component) {
        let payload = payload.expect("the adapted component parses");
        let in_module = stack.last() == Some(&false);
        match payload {
            Payload::Version { encoding, .. } => {
                let is_component = encoding == wasmparser::Encoding::Component;
                stack.push(is_component);
                if is_component {
                    deepest = deepest.max(stack.len());
                    if stack.len() > 1 {
                        add("nested component".into());
                    }
                } else {
                    add("core module".into());
                }
            }
            Payload::End(_) => {
                stack.pop();
            }
            // Inside core modules, what ties the four modules together.
            Payload::ImportSection(s) if in_module => {
                for imports in s {
                    for i in imports.unwrap() {
                        let (_, i) = i.unwrap();
                        add(format!(
                            "core module import: {}",
                            format!("{:?}", i.ty).split('(').next().unwrap().to_lowercase()
                        ));
                    }
                }
            }
            Payload::TableSection(_) if in_module => add("core module: table section".into()),
            Payload::ElementSection(_) if in_module => add("core module: element section".into()),
            Payload::StartSection { .. } if in_module => add("core module: start function".into()),
            _ if in_module => {}
            Payload::InstanceSection(s) => {
                for i in s {
                    add(match i.unwrap() {
                        wasmparser::Instance::Instantiate { .. } => "core instance: instantiate".into(),
                        wasmparser::Instance::FromExports(_) => "core instance: from exports".into(),
                    });
                }
            }
            Payload::ComponentInstanceSection(s) => {
                for i in s {
                    add(match i.unwrap() {
                        wasmparser::ComponentInstance::Instantiate { .. } => "instance: instantiate".into(),
                        wasmparser::ComponentInstance::FromExports(_) => "instance: from exports".into(),
                    });
                }
            }
            Payload::ComponentAliasSection(s) => {
                for a in s {
                    add(match a.unwrap() {
                        ComponentAlias::CoreInstanceExport { kind, .. } => {
                            format!("alias core export: {}", format!("{kind:?}").to_lowercase())
                        }
                        ComponentAlias::InstanceExport { kind, .. } => format!("alias export: {}", external(kind)),
                        ComponentAlias::Outer { kind, .. } => format!("alias outer: {kind:?}"),
                    });
                }
            }
            Payload::ComponentTypeSection(s) => {
                for t in s {
                    add(match t.unwrap() {
                        ComponentType::Defined(_) => "type: defined value type".into(),
                        ComponentType::Func(_) => "type: func".into(),
                        ComponentType::Component(_) => "type: component".into(),
                        ComponentType::Instance(_) => "type: instance".into(),
                        ComponentType::Resource { dtor: Some(_), .. } => "type: resource with destructor".into(),
                        ComponentType::Resource { dtor: None, .. } => "type: resource".into(),
                    });
                }
            }
            Payload::CoreTypeSection(_) => add("core type section".into()),
            Payload::ComponentCanonicalSection(s) => {
                for c in s {
                    match c.unwrap() {
                        CanonicalFunction::Lift { options, .. } => add(format!("canon lift {}", options_of(&options))),
                        CanonicalFunction::Lower { options, .. } => {
                            add(format!("canon lower {}", options_of(&options)))
                        }
                        CanonicalFunction::ResourceNew { .. } => add("canon resource.new".into()),
                        CanonicalFunction::ResourceDrop { .. } => add("canon resource.drop".into()),
                        CanonicalFunction::ResourceRep { .. } => add("canon resource.rep".into()),
                        other => add(format!("canon {other:?}")),
                    }
                }
            }
            Payload::ComponentImportSection(s) => {
                for i in s {
                    add(format!("import: {}", type_ref(i.unwrap().ty)));
                }
            }
            Payload::ComponentExportSection(s) => {
                for e in s {
                    add(format!("export: {}", external(e.unwrap().kind)));
                }
            }
            Payload::ComponentStartSection { .. } => add("component start".into()),
            _ => {}
        }
    }
    (found, deepest)
}

fn external(kind: ComponentExternalKind) -> &'static str {
    match kind {
        ComponentExternalKind::Module => "core module",
        ComponentExternalKind::Func => "func",
        ComponentExternalKind::Value => "value",
        ComponentExternalKind::Type => "type",
        ComponentExternalKind::Instance => "instance",
        ComponentExternalKind::Component => "component",
    }
}

fn type_ref(ty: ComponentTypeRef) -> &'static str {
    match ty {
        ComponentTypeRef::Module(_) => "core module",
        ComponentTypeRef::Func(_) => "func",
        ComponentTypeRef::Value(_) => "value",
        ComponentTypeRef::Type(_) => "type",
        ComponentTypeRef::Instance(_) => "instance",
        ComponentTypeRef::Component(_) => "component",
    }
}

/// The options of a `canon lift`/`lower`, as in the text format.
fn options_of(options: &[CanonicalOption]) -> String {
    let names: Vec<String> = options.iter().map(option).collect();
    format!("({})", names.join(" "))
}

fn option(o: &CanonicalOption) -> String {
    match o {
        CanonicalOption::UTF8 => "string-encoding=utf8".into(),
        CanonicalOption::UTF16 => "string-encoding=utf16".into(),
        CanonicalOption::CompactUTF16 => "string-encoding=latin1+utf16".into(),
        CanonicalOption::Memory(_) => "memory".into(),
        CanonicalOption::Realloc(_) => "realloc".into(),
        CanonicalOption::PostReturn(_) => "post-return".into(),
        other => format!("{other:?}"),
    }
}

/// Everything the adapted programs are made of, all programs together.
/// In words (the runtime must handle each):
///
/// - Four core modules per component: the program, the adapter (its
///   memory imported from the program; a start function that wit-component
///   adds to set up the adapter's stack), a shim (a table of funcref
///   trampolines, `call_indirect`) instantiated first to stand in for the
///   lowered imports that need the program's memory, and a fixup module
///   (imports the shim's table, an active element segment) that fills the
///   shim's table with the real lowerings once the memory exists.
/// - Core instances by `instantiate` and from exports (bags of lowered
///   functions as import arguments); `alias core export` of functions and
///   the one memory.
/// - Imports of WASI interfaces as instances whose types export resources
///   (plus `(eq ...)` re-exports of them in other interfaces) and
///   functions; `alias export` of their functions and types.
/// - `canon lower` with no options, `(memory)`, `(memory realloc)`,
///   `(memory string-encoding=utf8)` and `(memory realloc
///   string-encoding=utf8)`: the realloc is the adapter's import allocator,
///   UTF-8 is the only encoding; `canon resource.drop` of imported (host)
///   resources. No `resource.new`/`rep`, no resource definitions, no
///   `post-return`, no UTF-16 or latin1+utf16.
/// - `canon lift` with no options (`run: func() -> result`), wrapped in a
///   nested component that imports the lifted function and re-exports it
///   with its named types, instantiated once; the root exports that
///   instance as `wasi:cli/run@0.2.x`.
const EXPECTED: &[&str] = &[
    "alias core export: func",
    "alias core export: memory",
    "alias export: func",
    "alias export: type",
    "canon lift ()",
    "canon lower ()",
    "canon lower (memory realloc string-encoding=utf8)",
    "canon lower (memory realloc)",
    "canon lower (memory string-encoding=utf8)",
    "canon lower (memory)",
    "canon resource.drop",
    "core instance: from exports",
    "core instance: instantiate",
    "core module",
    "core module import: func",
    "core module import: memory",
    "core module import: table",
    "core module: element section",
    "core module: start function",
    "core module: table section",
    "export: func",
    "export: instance",
    "import: func",
    "import: instance",
    "instance: instantiate",
    "nested component",
    "type: defined value type",
    "type: func",
    "type: instance",
];

#[test]
fn adapted_programs_use_the_expected_constructs() {
    let mut all: BTreeSet<String> = BTreeSet::new();
    for name in C_PROGRAMS.iter().chain(&["run_once", "run_again"]) {
        let (found, deepest) = inventory(&program_component(name));
        assert_eq!(deepest, 2, "{name}: one level of nested component");
        assert_eq!(found.get("core module"), Some(&4), "{name}: program, adapter, shim, fixup");
        assert_eq!(found.get("nested component"), Some(&1), "{name}");
        assert_eq!(found.get("canon lift ()"), Some(&1), "{name}: `run` only");
        all.extend(found.into_keys());
    }
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    assert_eq!(all, EXPECTED, "the constructs of the adapted programs changed: update the list and its comment");
}
