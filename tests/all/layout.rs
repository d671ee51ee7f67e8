//! The run-time layout's promises, seen from the API: nothing of an
//! instance moves when the store gains more objects, and function
//! references keep their identity and work across instances.

use crate::{engine_and_store, module};
use kiln::{Func, Instance, Ref};

const PROVIDER: &str = r#"
(module
  (memory (export "mem") 1)
  (global (export "counter") (mut i32) (i32.const 7))
  (table (export "tab") 4 funcref)
  (func $triple (export "triple") (param i32) (result i32)
    (i32.mul (local.get 0) (i32.const 3)))
  (func $bump (export "bump") (result i32)
    (global.set 0 (i32.add (global.get 0) (i32.const 1)))
    (i32.store (i32.const 16) (global.get 0))
    (global.get 0))
  (elem (i32.const 0) $triple $bump))
"#;

/// Imports the provider's table, copies its elements around and calls
/// them through `call_indirect`, from another instance.
const USER: &str = r#"
(module
  (import "p" "tab" (table 4 funcref))
  (type $i2i (func (param i32) (result i32)))
  (func (export "copy_and_call") (param i32) (result i32)
    (table.copy (i32.const 2) (i32.const 0) (i32.const 2))
    (call_indirect (type $i2i) (local.get 0) (i32.const 2))))
"#;

#[test]
fn contexts_and_definitions_do_not_move_when_the_store_grows() {
    let (engine, mut store) = engine_and_store();
    let provider = module(&engine, PROVIDER);
    let instance = Instance::new(&mut store, &provider, &[]).unwrap();
    let mem = instance.get_memory(&mut store, "mem").unwrap();
    let counter = instance.get_global(&mut store, "counter").unwrap();
    let bump = instance.get_typed_func::<(), i32>(&mut store, "bump").unwrap();
    let triple = instance.get_func(&mut store, "triple").unwrap();
    let base = mem.data(&store).as_ptr();
    assert_eq!(bump.call(&mut store, ()).unwrap(), 8);

    // A thousand more instances (with their own memories, globals, tables).
    let others: Vec<Instance> = (0..1000).map(|_| Instance::new(&mut store, &provider, &[]).unwrap()).collect();
    assert_eq!(others.len(), 1000);

    // The first instance's memory did not move, its global kept its value
    // and is still the one its code updates, its functions still run.
    assert_eq!(mem.data(&store).as_ptr(), base);
    assert_eq!(counter.get(&store).i32(), Some(8));
    assert_eq!(bump.call(&mut store, ()).unwrap(), 9);
    assert_eq!(counter.get(&store).i32(), Some(9));
    assert_eq!(&mem.data(&store)[16..20], &9i32.to_le_bytes());
    let table = instance.get_table(&mut store, "tab").unwrap();
    let Some(Ref::Func(Some(f))) = table.get(&mut store, 0) else { panic!("element 0 is a function") };
    assert_eq!(f, triple, "a function reference keeps its identity through a table");
    assert_eq!(f.typed::<i32, i32>(&store).unwrap().call(&mut store, 5).unwrap(), 15);
    // The last of the others is independent of the first.
    let last_counter = others[999].get_global(&mut store, "counter").unwrap();
    assert_eq!(last_counter.get(&store).i32(), Some(7));
}

#[test]
fn funcrefs_survive_a_table_copy_across_instances() {
    let (engine, mut store) = engine_and_store();
    let provider = Instance::new(&mut store, &module(&engine, PROVIDER), &[]).unwrap();
    let table = provider.get_table(&mut store, "tab").unwrap();
    let user = Instance::new(&mut store, &module(&engine, USER), &[table.into()]).unwrap();
    let run = user.get_typed_func::<i32, i32>(&mut store, "copy_and_call").unwrap();
    assert_eq!(run.call(&mut store, 14).unwrap(), 42);
    // The copies are the same references as the originals.
    let original = table.get(&mut store, 0).unwrap();
    let copy = table.get(&mut store, 2).unwrap();
    match (original, copy) {
        (Ref::Func(Some(a)), Ref::Func(Some(b))) => assert_eq!(a, b),
        other => panic!("expected two function references, got {other:?}"),
    }
    // A host function stored in the table is called the same way.
    let host = Func::wrap(&mut store, |x: i32| x + 1000);
    table.set(&mut store, 0, Ref::Func(Some(host))).unwrap();
    assert_eq!(run.call(&mut store, 1).unwrap(), 1001);
}
