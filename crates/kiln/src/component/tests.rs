//! Scratch checks of translation and instantiation (no calls).
use super::*;
use crate::{Engine, Store};

fn program(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/programs/components").join(name);
    std::fs::read(path).unwrap()
}

#[test]
fn translate_and_instantiate() {
    let engine = Engine::default();
    for name in ["run_once.wat", "run_twice.wat", "hello.wat", "all_types.wat"] {
        let c = Component::new(&engine, program(name)).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        eprintln!("{name}: {:?} / {:?}", c.imports().collect::<Vec<_>>(), c.exports().collect::<Vec<_>>());
    }
    let c = Component::new(&engine, program("run_twice.wat")).unwrap();
    let linker = Linker::<()>::new(&engine);
    let mut store = Store::new(&engine, ());
    let i = linker.instantiate(&mut store, &c).unwrap();
    let run = i.get_export_index(&mut store, None, "wasi:cli/run@0.2.3").unwrap();
    let run = i.get_export_index(&mut store, Some(&run), "run").unwrap();
    assert!(i.get_func(&mut store, &run).is_some());
}
