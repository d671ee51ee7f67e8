//! The embedding API: type checks at the boundary, cross-store misuse,
//! memories, globals, tables, references, module metadata.

use crate::{engine_and_store, module};
use kiln::{
    Engine, Extern, ExternRef, ExternType, Func, FuncType, Global, GlobalType, Instance, Memory, MemoryAccessError,
    MemoryType, Module, Mutability, Ref, RefType, Store, Table, TableType, Trap, Val, ValType,
};

const ADD: &str = r#"
(module
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1))))
"#;

#[test]
fn typed_func_with_the_wrong_signature_is_an_error() {
    let (engine, mut store) = engine_and_store();
    let m = module(&engine, ADD);
    let instance = Instance::new(&mut store, &m, &[]).unwrap();
    assert!(instance.get_typed_func::<(i32, i32), i32>(&mut store, "add").is_ok());
    // Wrong parameter types, wrong parameter count, wrong results.
    let err = instance.get_typed_func::<(i64, i32), i32>(&mut store, "add").err().expect("i64 param accepted");
    assert!(format!("{err:#}").contains("add"), "{err:#}");
    assert!(instance.get_typed_func::<i32, i32>(&mut store, "add").is_err());
    assert!(instance.get_typed_func::<(i32, i32, i32), i32>(&mut store, "add").is_err());
    assert!(instance.get_typed_func::<(i32, i32), ()>(&mut store, "add").is_err());
    assert!(instance.get_typed_func::<(i32, i32), (i32, i32)>(&mut store, "add").is_err());
    assert!(instance.get_typed_func::<(i32, i32), f32>(&mut store, "add").is_err());
    // Missing export.
    let err = instance.get_typed_func::<(), ()>(&mut store, "nope").err().expect("missing export accepted");
    assert!(err.to_string().contains("nope"), "{err}");
    // Func::typed checks the same way.
    let add = instance.get_func(&mut store, "add").unwrap();
    assert!(add.typed::<(u32, u32), u32>(&store).is_ok());
    assert!(add.typed::<(i32, i32), i64>(&store).is_err());
    let typed = add.typed::<(u32, u32), u32>(&store).unwrap();
    assert_eq!(typed.call(&mut store, (u32::MAX, 2)).unwrap(), 1);
}

#[test]
fn func_call_checks_arguments_and_results() {
    let (engine, mut store) = engine_and_store();
    let m = module(&engine, ADD);
    let instance = Instance::new(&mut store, &m, &[]).unwrap();
    let add = instance.get_func(&mut store, "add").unwrap();
    assert_eq!(add.ty(&store), FuncType::new(&engine, [ValType::I32, ValType::I32], [ValType::I32]));

    let mut results = [Val::I32(0)];
    add.call(&mut store, &[Val::I32(2), Val::I32(3)], &mut results).unwrap();
    assert_eq!(results[0].i32(), Some(5));

    // Too few, too many arguments.
    assert!(add.call(&mut store, &[Val::I32(2)], &mut results).is_err());
    assert!(add.call(&mut store, &[Val::I32(2), Val::I32(3), Val::I32(4)], &mut results).is_err());
    // Wrong argument types.
    assert!(add.call(&mut store, &[Val::I64(2), Val::I32(3)], &mut results).is_err());
    assert!(add.call(&mut store, &[Val::I32(2), Val::F32(3.0f32.to_bits())], &mut results).is_err());
    assert!(add.call(&mut store, &[Val::I32(2), Val::FuncRef(None)], &mut results).is_err());
    assert!(add.call(&mut store, &[Val::ExternRef(None), Val::I32(3)], &mut results).is_err());
    // Wrong room for results.
    assert!(add.call(&mut store, &[Val::I32(2), Val::I32(3)], &mut []).is_err());
    assert!(add.call(&mut store, &[Val::I32(2), Val::I32(3)], &mut [Val::I32(0), Val::I32(0)]).is_err());
    // Nothing of that disturbed the function.
    add.call(&mut store, &[Val::I32(-2), Val::I32(3)], &mut results).unwrap();
    assert_eq!(results[0].i32(), Some(1));
}

#[test]
fn objects_of_one_store_are_errors_in_another() {
    let engine = Engine::default();
    let mut a = Store::new(&engine, ());
    let mut b = Store::new(&engine, ());
    let m = module(
        &engine,
        r#"(module
          (import "" "f" (func (param i32) (result i32)))
          (func (export "id") (param i32) (result i32) local.get 0))"#,
    );
    let id_module = module(&engine, r#"(module (func (export "id") (param i32) (result i32) local.get 0))"#);
    let ia = Instance::new(&mut a, &id_module, &[]).unwrap();
    let fa = ia.get_func(&mut a, "id").unwrap();

    // Func::call and TypedFunc::call with the wrong store.
    let mut results = [Val::I32(0)];
    let err = fa.call(&mut b, &[Val::I32(1)], &mut results).unwrap_err();
    assert!(err.to_string().contains("store"), "{err}");
    assert!(fa.typed::<i32, i32>(&b).is_err());
    let typed = fa.typed::<i32, i32>(&a).unwrap();
    assert!(typed.call(&mut b, 1).is_err());
    assert_eq!(typed.call(&mut a, 1).unwrap(), 1);

    // Instance::new with an import from another store.
    let err = Instance::new(&mut b, &m, &[fa.into()]).unwrap_err();
    assert!(err.to_string().contains("store"), "{err}");
    assert!(Instance::new(&mut a, &m, &[fa.into()]).is_ok());

    // A host function of store A, imported in store B.
    let host = Func::wrap(&mut a, |x: i32| x);
    assert!(Instance::new(&mut b, &m, &[host.into()]).is_err());

    // An instance of store A used with store B.
    assert!(ia.get_export(&mut b, "id").is_none());
    assert!(ia.get_func(&mut b, "id").is_none());
    assert!(ia.get_typed_func::<i32, i32>(&mut b, "id").is_err());

    // Table::set with a table of another store, and with a value of another store.
    let ty = TableType::new(RefType::FUNCREF, 2, None);
    let table_a = Table::new(&mut a, ty, Ref::Func(None)).unwrap();
    let table_b = Table::new(&mut b, ty, Ref::Func(None)).unwrap();
    assert!(table_a.set(&mut b, 0, Ref::Func(None)).is_err());
    assert!(table_b.set(&mut b, 0, Ref::Func(Some(fa))).is_err());
    assert!(table_a.set(&mut a, 0, Ref::Func(Some(fa))).is_ok());
    assert!(table_a.get(&mut b, 0).is_none());
    assert!(table_a.grow(&mut b, 1, Ref::Func(None)).is_err());
    assert!(table_b.grow(&mut b, 1, Ref::Func(Some(fa))).is_err());
    assert!(Table::new(&mut b, ty, Ref::Func(Some(fa))).is_err());

    // Global::set with a global of another store, and with a value of another store.
    let gty = GlobalType::new(ValType::I32, Mutability::Var);
    let global_a = Global::new(&mut a, gty, Val::I32(1)).unwrap();
    assert!(global_a.set(&mut b, Val::I32(2)).is_err());
    assert_eq!(global_a.get(&a).i32(), Some(1));
    let fty = GlobalType::new(ValType::FUNCREF, Mutability::Var);
    let fglobal_b = Global::new(&mut b, fty, Val::FuncRef(None)).unwrap();
    assert!(fglobal_b.set(&mut b, Val::FuncRef(Some(fa))).is_err());
    assert!(Global::new(&mut b, fty, Val::FuncRef(Some(fa))).is_err());

    // Memory::grow with another store.
    let memory_a = Memory::new(&mut a, MemoryType::new(1, None)).unwrap();
    assert!(memory_a.grow(&mut b, 1).is_err());
    assert_eq!(memory_a.size(&a), 1);

    // An externref of store A passed to store B.
    let r = ExternRef::new(&mut a, 5u32).unwrap();
    assert!(r.data(&b).is_err());
    let ext = module(&engine, r#"(module (func (export "id") (param externref) (result externref) local.get 0))"#);
    let ib = Instance::new(&mut b, &ext, &[]).unwrap();
    let idb = ib.get_typed_func::<Option<ExternRef>, Option<ExternRef>>(&mut b, "id").unwrap();
    assert!(idb.call(&mut b, Some(r)).is_err());
    let idb = ib.get_func(&mut b, "id").unwrap();
    assert!(idb.call(&mut b, &[Val::ExternRef(Some(r))], &mut [Val::ExternRef(None)]).is_err());
}

#[test]
fn stores_of_different_engines_do_not_mix() {
    let e1 = Engine::default();
    let e2 = Engine::default();
    let m = module(&e1, ADD);
    let mut store = Store::new(&e2, ());
    assert!(Instance::new(&mut store, &m, &[]).is_err());
}

#[test]
fn memory_read_write_grow_size() {
    let (engine, mut store) = engine_and_store();
    let m = module(
        &engine,
        r#"(module
          (memory (export "memory") 1 3)
          (data (i32.const 8) "kiln")
          (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
          (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
          (func (export "size") (result i32) memory.size)
          (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#,
    );
    let instance = Instance::new(&mut store, &m, &[]).unwrap();
    let memory = instance.get_memory(&mut store, "memory").unwrap();
    let load = instance.get_typed_func::<i32, i32>(&mut store, "load").unwrap();
    let store8 = instance.get_typed_func::<(i32, i32), ()>(&mut store, "store").unwrap();
    let size = instance.get_typed_func::<(), i32>(&mut store, "size").unwrap();
    let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow").unwrap();

    assert_eq!(memory.size(&store), 1);
    assert_eq!(memory.data_size(&store), 65536);
    assert_eq!(memory.data(&store).len(), 65536);
    assert_eq!(&memory.data(&store)[8..12], b"kiln");
    assert_eq!(memory.ty(&store), MemoryType::new(1, Some(3)));

    // Host writes, wasm reads; wasm writes, host reads.
    memory.write(&mut store, 100, b"\x2a\x2b").unwrap();
    assert_eq!(load.call(&mut store, 100).unwrap(), 0x2a);
    store8.call(&mut store, (200, 0x99)).unwrap();
    let mut buf = [0u8; 2];
    memory.read(&store, 199, &mut buf).unwrap();
    assert_eq!(buf, [0, 0x99]);
    memory.data_mut(&mut store)[300] = 7;
    assert_eq!(load.call(&mut store, 300).unwrap(), 7);

    // Out of bounds reads and writes are errors, also when offset + len overflows.
    let mut big = [0u8; 4];
    let err: MemoryAccessError = memory.read(&store, 65534, &mut big).unwrap_err();
    assert!(err.to_string().contains("out of bounds"), "{err}");
    assert!(memory.read(&store, usize::MAX, &mut big).is_err());
    assert!(memory.read(&store, usize::MAX - 1, &mut big).is_err());
    assert!(memory.write(&mut store, 65536, b"x").is_err());
    assert!(memory.write(&mut store, usize::MAX, b"xy").is_err());
    assert!(memory.read(&store, 65536, &mut []).is_ok(), "an empty read at the end is in bounds");
    assert!(memory.write(&mut store, 65532, b"abcd").is_ok());

    // Growing from the host and from wasm; both see the same size.
    assert_eq!(memory.grow(&mut store, 1).unwrap(), 1);
    assert_eq!(memory.size(&store), 2);
    assert_eq!(size.call(&mut store, ()).unwrap(), 2);
    assert_eq!(memory.data(&store).len(), 2 * 65536);
    assert_eq!(&memory.data(&store)[8..12], b"kiln", "growing keeps the contents");
    assert!(memory.data(&store)[65536..].iter().all(|&b| b == 0), "new pages are zeroed");
    assert_eq!(grow.call(&mut store, 1).unwrap(), 2);
    assert_eq!(memory.size(&store), 3);
    memory.write(&mut store, 3 * 65536 - 1, b"z").unwrap();
    assert_eq!(load.call(&mut store, 3 * 65536 - 1).unwrap(), i32::from(b'z'));
    // Past the maximum: an error from the host, -1 from wasm, and no change.
    assert!(memory.grow(&mut store, 1).is_err());
    assert!(memory.grow(&mut store, u64::MAX).is_err());
    assert_eq!(grow.call(&mut store, 1).unwrap(), -1);
    assert_eq!(memory.size(&store), 3);
    assert_eq!(memory.grow(&mut store, 0).unwrap(), 3);
    // The trap at the (new) end.
    let err = load.call(&mut store, 3 * 65536).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::MemoryOutOfBounds));
}

#[test]
fn host_memory_imported_by_wasm() {
    let (engine, mut store) = engine_and_store();
    let memory = Memory::new(&mut store, MemoryType::new(1, Some(2))).unwrap();
    memory.write(&mut store, 0, &[5]).unwrap();
    let m = module(
        &engine,
        r#"(module
          (import "env" "memory" (memory 1))
          (data (i32.const 1) "\06")
          (func (export "sum") (result i32)
            (i32.add (i32.load8_u (i32.const 0)) (i32.load8_u (i32.const 1))))
          (func (export "grow") (result i32) (memory.grow (i32.const 1))))"#,
    );
    let instance = Instance::new(&mut store, &m, &[memory.into()]).unwrap();
    let sum = instance.get_typed_func::<(), i32>(&mut store, "sum").unwrap();
    assert_eq!(sum.call(&mut store, ()).unwrap(), 11);
    assert_eq!(memory.data(&store)[1], 6, "the data segment went into the host's memory");
    let grow = instance.get_typed_func::<(), i32>(&mut store, "grow").unwrap();
    assert_eq!(grow.call(&mut store, ()).unwrap(), 1);
    assert_eq!(memory.size(&store), 2);
    assert_eq!(grow.call(&mut store, ()).unwrap(), -1);

    // A memory too small for the import's minimum is refused.
    let small = module(&engine, r#"(module (import "env" "memory" (memory 3)))"#);
    assert!(Instance::new(&mut store, &small, &[memory.into()]).is_err());
}

#[test]
fn globals_get_and_set() {
    let (engine, mut store) = engine_and_store();
    let imported = Global::new(&mut store, GlobalType::new(ValType::I64, Mutability::Var), Val::I64(40)).unwrap();
    let m = module(
        &engine,
        r#"(module
          (import "env" "g" (global $g (mut i64)))
          (global $counter (export "counter") (mut i32) (i32.const 1))
          (global (export "pi") f64 (f64.const 3.25))
          (global (export "imported") (mut i64) (i64.const 0))
          (func (export "bump") (result i32)
            (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
            (global.set $g (i64.add (global.get $g) (i64.const 2)))
            (global.get $counter)))"#,
    );
    let instance = Instance::new(&mut store, &m, &[imported.into()]).unwrap();
    let counter = instance.get_global(&mut store, "counter").unwrap();
    let pi = instance.get_global(&mut store, "pi").unwrap();
    let bump = instance.get_typed_func::<(), i32>(&mut store, "bump").unwrap();

    assert_eq!(counter.ty(&store), GlobalType::new(ValType::I32, Mutability::Var));
    assert_eq!(pi.ty(&store), GlobalType::new(ValType::F64, Mutability::Const));
    assert_eq!(counter.get(&store).i32(), Some(1));
    assert_eq!(pi.get(&store).f64(), Some(3.25));

    assert_eq!(bump.call(&mut store, ()).unwrap(), 2);
    assert_eq!(counter.get(&store).i32(), Some(2));
    assert_eq!(imported.get(&store).i64(), Some(42), "wasm wrote the host's global");
    counter.set(&mut store, Val::I32(100)).unwrap();
    assert_eq!(bump.call(&mut store, ()).unwrap(), 101);

    // Setting an immutable global, or with a value of the wrong type, is an error.
    let err = pi.set(&mut store, Val::F64(1.0f64.to_bits())).unwrap_err();
    assert!(err.to_string().contains("immutable"), "{err}");
    assert_eq!(pi.get(&store).f64(), Some(3.25));
    assert!(counter.set(&mut store, Val::I64(1)).is_err());
    assert!(counter.set(&mut store, Val::FuncRef(None)).is_err());
    assert_eq!(counter.get(&store).i32(), Some(101));
    assert!(Global::new(&mut store, GlobalType::new(ValType::I32, Mutability::Const), Val::F32(0)).is_err());

    // Import type checks: mutability and content type must match exactly.
    let const_i64 = Global::new(&mut store, GlobalType::new(ValType::I64, Mutability::Const), Val::I64(0)).unwrap();
    assert!(Instance::new(&mut store, &m, &[const_i64.into()]).is_err());
    let var_i32 = Global::new(&mut store, GlobalType::new(ValType::I32, Mutability::Var), Val::I32(0)).unwrap();
    assert!(Instance::new(&mut store, &m, &[var_i32.into()]).is_err());
}

#[test]
fn tables_get_set_grow() {
    let (engine, mut store) = engine_and_store();
    let m = module(
        &engine,
        r#"(module
          (type $ret (func (result i32)))
          (table $t (export "table") 2 4 funcref)
          (func $seven (export "seven") (result i32) i32.const 7)
          (func $eight (export "eight") (result i32) i32.const 8)
          (elem (i32.const 0) $seven)
          (func (export "call") (param i32) (result i32)
            (call_indirect (type $ret) (local.get 0)))
          (func (export "size") (result i32) (table.size $t))
          (func (export "grow") (param i32) (result i32) (table.grow $t (ref.null func) (local.get 0))))"#,
    );
    let instance = Instance::new(&mut store, &m, &[]).unwrap();
    let table = instance.get_table(&mut store, "table").unwrap();
    let eight = instance.get_func(&mut store, "eight").unwrap();
    let seven = instance.get_func(&mut store, "seven").unwrap();
    let call = instance.get_typed_func::<i32, i32>(&mut store, "call").unwrap();
    let size = instance.get_typed_func::<(), i32>(&mut store, "size").unwrap();
    let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow").unwrap();

    assert_eq!(table.size(&store), 2);
    assert_eq!(table.ty(&store), TableType::new(RefType::FUNCREF, 2, Some(4)));
    let first = table.get(&mut store, 0).unwrap();
    assert_eq!(first.as_func(), Some(&seven));
    assert!(table.get(&mut store, 1).unwrap().is_null());
    assert!(table.get(&mut store, 2).is_none());
    assert!(table.get(&mut store, u64::MAX).is_none());

    // A null entry traps; set it from the host and wasm calls it.
    let err = call.call(&mut store, 1).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::IndirectCallToNull));
    table.set(&mut store, 1, eight.into()).unwrap();
    assert_eq!(call.call(&mut store, 1).unwrap(), 8);
    assert_eq!(call.call(&mut store, 0).unwrap(), 7);
    // A host function in the table.
    let host = Func::wrap(&mut store, || 99i32);
    table.set(&mut store, 0, host.into()).unwrap();
    assert_eq!(call.call(&mut store, 0).unwrap(), 99);

    // Out of bounds and wrongly typed sets are errors.
    assert!(table.set(&mut store, 2, Ref::Func(None)).is_err());
    assert!(table.set(&mut store, u64::MAX, Ref::Func(None)).is_err());
    assert!(table.set(&mut store, 0, Ref::Extern(None)).is_err());

    // Grow from the host and from wasm, up to the maximum.
    assert_eq!(table.grow(&mut store, 1, eight.into()).unwrap(), 2);
    assert_eq!(size.call(&mut store, ()).unwrap(), 3);
    assert_eq!(call.call(&mut store, 2).unwrap(), 8);
    assert_eq!(grow.call(&mut store, 1).unwrap(), 3);
    assert_eq!(table.size(&store), 4);
    assert!(table.get(&mut store, 3).unwrap().is_null());
    assert!(table.grow(&mut store, 1, Ref::Func(None)).is_err());
    assert!(table.grow(&mut store, u64::MAX, Ref::Func(None)).is_err());
    assert_eq!(grow.call(&mut store, 1).unwrap(), -1);
    assert_eq!(table.size(&store), 4);
    assert!(table.grow(&mut store, 0, Ref::Extern(None)).is_err(), "wrong element type");

    // A host-made table imported by wasm.
    let ext_table = Table::new(&mut store, TableType::new(RefType::EXTERNREF, 1, None), Ref::Extern(None)).unwrap();
    let r = ExternRef::new(&mut store, "in a table".to_string()).unwrap();
    ext_table.set(&mut store, 0, Ref::Extern(Some(r))).unwrap();
    let reader = module(
        &engine,
        r#"(module
          (import "env" "t" (table 1 externref))
          (func (export "get") (param i32) (result externref) (table.get 0 (local.get 0))))"#,
    );
    let ri = Instance::new(&mut store, &reader, &[ext_table.into()]).unwrap();
    let get = ri.get_typed_func::<i32, Option<ExternRef>>(&mut store, "get").unwrap();
    let got = get.call(&mut store, 0).unwrap().expect("non-null");
    assert_eq!(got.data(&store).unwrap().downcast_ref::<String>().map(String::as_str), Some("in a table"));
    // The funcref table is not an externref table.
    assert!(Instance::new(&mut store, &reader, &[table.into()]).is_err());
}

#[test]
fn externref_round_trip() {
    let (engine, mut store) = engine_and_store();
    let m = module(
        &engine,
        r#"(module
          (global $g (export "g") (mut externref) (ref.null extern))
          (table $t 4 externref)
          (func (export "id") (param externref) (result externref) local.get 0)
          (func (export "keep") (param i32 externref)
            (table.set $t (local.get 0) (local.get 1))
            (global.set $g (local.get 1)))
          (func (export "take") (param i32) (result externref) (table.get $t (local.get 0)))
          (func (export "is_null") (param externref) (result i32) (ref.is_null (local.get 0))))"#,
    );
    let instance = Instance::new(&mut store, &m, &[]).unwrap();
    let id = instance.get_typed_func::<Option<ExternRef>, Option<ExternRef>>(&mut store, "id").unwrap();
    let keep = instance.get_typed_func::<(i32, Option<ExternRef>), ()>(&mut store, "keep").unwrap();
    let take = instance.get_typed_func::<i32, Option<ExternRef>>(&mut store, "take").unwrap();
    let is_null = instance.get_typed_func::<Option<ExternRef>, i32>(&mut store, "is_null").unwrap();

    let hello = ExternRef::new(&mut store, String::from("hello")).unwrap();
    let answer = ExternRef::new(&mut store, 42u64).unwrap();

    let back = id.call(&mut store, Some(hello)).unwrap().expect("not null");
    assert!(ExternRef::ptr_eq(&back, &hello));
    assert_eq!(back.data(&store).unwrap().downcast_ref::<String>().unwrap(), "hello");
    assert_eq!(id.call(&mut store, None).unwrap(), None);
    assert_eq!(is_null.call(&mut store, None).unwrap(), 1);
    assert_eq!(is_null.call(&mut store, Some(answer)).unwrap(), 0);

    keep.call(&mut store, (2, Some(answer))).unwrap();
    let kept = take.call(&mut store, 2).unwrap().unwrap();
    assert!(ExternRef::ptr_eq(&kept, &answer));
    assert_eq!(kept.data(&store).unwrap().downcast_ref::<u64>(), Some(&42));
    assert_eq!(take.call(&mut store, 0).unwrap(), None);
    let global = instance.get_global(&mut store, "g").unwrap();
    match global.get(&store) {
        Val::ExternRef(Some(r)) => assert!(ExternRef::ptr_eq(&r, &answer)),
        other => panic!("expected the externref, got {other:?}"),
    }
    global.set(&mut store, Val::ExternRef(Some(hello))).unwrap();

    // The untyped path too.
    let idf = instance.get_func(&mut store, "id").unwrap();
    let mut results = [Val::ExternRef(None)];
    idf.call(&mut store, &[Val::ExternRef(Some(hello))], &mut results).unwrap();
    match results[0] {
        Val::ExternRef(Some(r)) => assert!(ExternRef::ptr_eq(&r, &hello)),
        other => panic!("expected the externref, got {other:?}"),
    }
    // An externref is not a funcref.
    assert!(idf.call(&mut store, &[Val::FuncRef(None)], &mut results).is_err());

    // Through a host function, both ways.
    let host = Func::wrap(&mut store, |r: Option<ExternRef>| r);
    let via_host = module(
        &engine,
        r#"(module
          (import "" "h" (func $h (param externref) (result externref)))
          (func (export "run") (param externref) (result externref) (call $h (local.get 0))))"#,
    );
    let vi = Instance::new(&mut store, &via_host, &[host.into()]).unwrap();
    let run = vi.get_typed_func::<Option<ExternRef>, Option<ExternRef>>(&mut store, "run").unwrap();
    let got = run.call(&mut store, Some(answer)).unwrap().unwrap();
    assert!(ExternRef::ptr_eq(&got, &answer));
}

#[test]
fn funcref_round_trip() {
    let (engine, mut store) = engine_and_store();
    let m = module(
        &engine,
        r#"(module
          (type $ret (func (result i32)))
          (table $t 1 funcref)
          (func (export "id") (param funcref) (result funcref) local.get 0)
          (func (export "call") (param funcref) (result i32)
            (table.set $t (i32.const 0) (local.get 0))
            (call_indirect (type $ret) (i32.const 0))))"#,
    );
    let instance = Instance::new(&mut store, &m, &[]).unwrap();
    let host = Func::wrap(&mut store, || 5i32);
    let id = instance.get_typed_func::<Option<Func>, Option<Func>>(&mut store, "id").unwrap();
    assert_eq!(id.call(&mut store, Some(host)).unwrap(), Some(host));
    assert_eq!(id.call(&mut store, None).unwrap(), None);
    let call = instance.get_typed_func::<Option<Func>, i32>(&mut store, "call").unwrap();
    assert_eq!(call.call(&mut store, Some(host)).unwrap(), 5);
    let err = call.call(&mut store, None).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::IndirectCallToNull));
}

#[test]
fn module_metadata() {
    let engine = Engine::default();
    let m = module(
        &engine,
        r#"(module $meta
          (import "env" "f" (func (param i32) (result i64)))
          (import "env" "m" (memory 1 2))
          (import "env" "t" (table 3 funcref))
          (import "env" "g" (global (mut f32)))
          (func (export "run") (param f64))
          (global (export "answer") i32 (i32.const 42))
          (export "memory" (memory 0)))"#,
    );
    assert_eq!(m.name(), Some("meta"));
    let imports: Vec<(String, String, ExternType)> =
        m.imports().map(|i| (i.module().to_string(), i.name().to_string(), i.ty())).collect();
    assert_eq!(imports.len(), 4);
    assert_eq!(imports[0].1, "f");
    assert_eq!(imports[0].2.func(), Some(&FuncType::new(&engine, [ValType::I32], [ValType::I64])));
    assert_eq!(imports[1].2.memory(), Some(&MemoryType::new(1, Some(2))));
    assert_eq!(imports[2].2.table(), Some(&TableType::new(RefType::FUNCREF, 3, None)));
    assert_eq!(imports[3].2.global(), Some(&GlobalType::new(ValType::F32, Mutability::Var)));
    let exports: Vec<&str> = m.exports().map(|e| e.name()).collect();
    assert_eq!(exports, ["run", "answer", "memory"]);
    assert_eq!(m.get_export("run").unwrap().func(), Some(&FuncType::new(&engine, [ValType::F64], [])));
    assert!(m.get_export("nope").is_none());

    // validate: binary only.
    let bin = wat::parse_str(ADD).unwrap();
    Module::validate(&engine, &bin).unwrap();
    assert!(Module::validate(&engine, &bin[..bin.len() - 1]).is_err());
    assert!(Module::from_binary(&engine, &bin).is_ok());

    // Instance::exports in order, and Instance::new's import checks.
    let (engine, mut store) = engine_and_store();
    let m = module(
        &engine,
        r#"(module
          (import "env" "f" (func (param i32)))
          (memory (export "mem") 1)
          (func (export "a"))
          (global (export "g") i32 (i32.const 1))
          (table (export "t") 1 funcref))"#,
    );
    let f = Func::wrap(&mut store, |_: i32| {});
    let wrong = Func::wrap(&mut store, |_: i64| {});
    let err = Instance::new(&mut store, &m, &[]).unwrap_err();
    assert!(err.to_string().contains("import"), "{err}");
    let err = Instance::new(&mut store, &m, &[wrong.into()]).unwrap_err();
    assert!(err.to_string().contains("env::f"), "{err}");
    let mem = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
    assert!(Instance::new(&mut store, &m, &[mem.into()]).is_err(), "a memory is not a function");
    let instance = Instance::new(&mut store, &m, &[f.into()]).unwrap();
    let exports: Vec<(String, &'static str)> = instance
        .exports(&mut store)
        .map(|e| {
            let kind = match e.clone().into_extern() {
                Extern::Func(_) => "func",
                Extern::Global(_) => "global",
                Extern::Table(_) => "table",
                Extern::Memory(_) => "memory",
            };
            (e.name().to_string(), kind)
        })
        .collect();
    let expected = [("mem", "memory"), ("a", "func"), ("g", "global"), ("t", "table")];
    assert_eq!(exports, expected.map(|(n, k)| (n.to_string(), k)));
    assert!(instance.get_memory(&mut store, "a").is_none(), "a function is not a memory");
    assert!(instance.get_func(&mut store, "mem").is_none());
    assert_eq!(instance.module(&store).name(), None);
}

#[test]
fn store_data_and_engine() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, vec![1, 2]);
    store.data_mut().push(3);
    assert_eq!(store.data(), &[1, 2, 3]);
    assert!(Engine::same(store.engine(), &engine));
    assert_eq!(store.into_data(), vec![1, 2, 3]);
}

#[test]
fn engine_config_is_checked() {
    let mut config = kiln::Config::new();
    config.strategy(kiln::Strategy::Interpreter);
    assert!(Engine::new(&config).is_ok());
    config.max_wasm_stack(16);
    assert!(Engine::new(&config).is_err());
    let mut config = kiln::Config::new();
    assert!(config.wasm_feature("no-such-proposal", true).is_err());
    config.wasm_feature("bulk-memory", false).unwrap();
    let engine = Engine::new(&config).unwrap();
    // memory.fill needs bulk memory.
    let err =
        Module::new(&engine, r#"(module (memory 1) (func (memory.fill (i32.const 0) (i32.const 0) (i32.const 0))))"#)
            .unwrap_err();
    assert!(err.downcast_ref::<kiln::CompileError>().is_some(), "{err:?}");
}

#[test]
fn send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Engine>();
    send_sync::<Module>();
    send_sync::<kiln::Linker<()>>();
    send::<Store<()>>();
    send_sync::<Func>();
    send_sync::<Instance>();
    send_sync::<Memory>();
    send_sync::<Table>();
    send_sync::<Global>();
    send_sync::<kiln::TypedFunc<(i32, i64), f32>>();
    send_sync::<kiln::Trap>();
    send_sync::<kiln::CompileError>();
    // A store moves to another thread with its instances.
    let (engine, mut store) = engine_and_store();
    let m = module(&engine, ADD);
    let instance = Instance::new(&mut store, &m, &[]).unwrap();
    let sum = std::thread::spawn(move || {
        let add = instance.get_typed_func::<(i32, i32), i32>(&mut store, "add").unwrap();
        add.call(&mut store, (2, 2)).unwrap()
    })
    .join()
    .unwrap();
    assert_eq!(sum, 4);
}

#[test]
fn creating_oversized_objects_is_an_error() {
    let (_engine, mut store) = engine_and_store();
    assert!(Memory::new(&mut store, MemoryType::new(2, Some(1))).is_err(), "minimum above maximum");
    assert!(Memory::new(&mut store, MemoryType::new(65537, None)).is_err(), "more than 4 GiB");
    assert!(Table::new(&mut store, TableType::new(RefType::FUNCREF, u32::MAX, None), Ref::Func(None)).is_err());
    let memory = Memory::new(&mut store, MemoryType::new(0, None)).unwrap();
    assert_eq!(memory.data(&store).len(), 0);
    assert!(memory.grow(&mut store, 65537).is_err());
    assert_eq!(memory.grow(&mut store, 1).unwrap(), 0);
    assert_eq!(memory.data(&store).len(), 65536);
}
