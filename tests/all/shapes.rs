//! The parts of the embedding API shaped like Wasmtime's, each checked for
//! what it does (`wasmtime_docs.rs` checks that Wasmtime's own examples
//! compile and run): `Store::default`, `FuncType::new` with an engine, the
//! `Val` accessors, `Memory::data_ptr`/`page_size`, `Table::fill`/`copy`,
//! `Instance::exports`, `UnknownImportError`, and the error macros.

use crate::{engine_and_store, module};
use kiln::{
    Engine, Extern, ExternRef, ExternType, Func, FuncType, Instance, Linker, Memory, MemoryType, Ref, RefType, Store,
    Table, TableType, UnknownImportError, Val, ValType, V128,
};
use std::panic::{catch_unwind, AssertUnwindSafe};

#[test]
fn store_default_has_a_default_engine_and_data() {
    let mut store = Store::<Vec<u8>>::default();
    assert!(store.data().is_empty());
    let m = module(store.engine(), r#"(module (func (export "f") (result i32) i32.const 3))"#);
    let instance = Instance::new(&mut store, &m, &[]).unwrap();
    assert_eq!(instance.get_typed_func::<(), i32>(&mut store, "f").unwrap().call(&mut store, ()).unwrap(), 3);
    let other = Store::<u64>::default();
    assert_eq!(*other.data(), 0);
    assert!(!Engine::same(store.engine(), other.engine()), "each default store gets its own default engine");
}

#[test]
fn func_type_new_takes_an_engine() {
    let (engine, mut store) = engine_and_store();
    let ty = FuncType::new(&engine, [ValType::I32, ValType::F64], Some(ValType::I64));
    assert_eq!(ty.params(), [ValType::I32, ValType::F64]);
    assert_eq!(ty.results(), [ValType::I64]);
    assert_eq!(ty, FuncType::from_types([ValType::I32, ValType::F64], [ValType::I64]));
    let f = Func::new(&mut store, ty.clone(), |_, params, results| {
        results[0] = Val::I64(i64::from(params[0].unwrap_i32()) + params[1].unwrap_f64() as i64);
        Ok(())
    });
    assert_eq!(f.ty(&store), ty);
    let mut out = [Val::I64(0)];
    f.call(&mut store, &[Val::I32(2), Val::from(3.0f64)], &mut out).unwrap();
    assert_eq!(out[0].unwrap_i64(), 5);
    // Types are structural in Kiln: one made for another engine fits too.
    let other = Engine::default();
    assert_eq!(FuncType::new(&other, [ValType::I32, ValType::F64], [ValType::I64]), ty);
}

fn panics(f: impl FnOnce()) -> bool {
    catch_unwind(AssertUnwindSafe(f)).is_err()
}

#[test]
fn val_accessors() {
    let (_engine, mut store) = engine_and_store();
    assert_eq!(Val::I32(-1).unwrap_i32(), -1);
    assert_eq!(Val::I64(1 << 40).unwrap_i64(), 1 << 40);
    assert_eq!(Val::from(1.5f32).unwrap_f32(), 1.5);
    assert_eq!(Val::from(-2.25f64).unwrap_f64(), -2.25);
    assert_eq!(Val::V128((7u128 << 100).into()).unwrap_v128().as_u128(), 7 << 100);
    assert_eq!(Val::from(V128::from_u128(1)).v128(), Some(V128::from(1u128)));
    assert_eq!(Val::I32(1).v128(), None);
    assert!(panics(|| {
        Val::I64(1).unwrap_i32();
    }));
    assert!(panics(|| {
        Val::F32(0).unwrap_f64();
    }));

    let f = Func::wrap(&mut store, || {});
    let some = Val::FuncRef(Some(f));
    assert_eq!(some.funcref(), Some(Some(&f)));
    assert_eq!(some.unwrap_funcref(), Some(&f));
    assert_eq!(some.func_ref(), Some(Some(&f)));
    assert_eq!(some.unwrap_func_ref(), Some(&f));
    assert_eq!(Val::FuncRef(None).funcref(), Some(None));
    assert_eq!(Val::I32(0).funcref(), None);
    assert!(matches!(some.ref_(), Some(Ref::Func(Some(g))) if g == f));
    assert!(panics(|| {
        Val::ExternRef(None).unwrap_funcref();
    }));

    let r = ExternRef::new(&mut store, "host data").unwrap();
    let ext = Val::from(r);
    assert_eq!(ext.externref(), Some(Some(&r)));
    assert_eq!(ext.unwrap_externref(), Some(&r));
    assert_eq!(ext.extern_ref(), Some(Some(&r)));
    assert_eq!(ext.unwrap_extern_ref(), Some(&r));
    assert_eq!(Val::from(None::<ExternRef>).externref(), Some(None));
    assert_eq!(Val::from(None::<Func>).funcref(), Some(None));
    assert_eq!(Val::I64(0).externref(), None);
    assert!(panics(|| {
        Val::I32(0).unwrap_externref();
    }));
}

#[test]
fn memory_data_ptr_and_page_size() {
    let (engine, mut store) = engine_and_store();
    let memory = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
    assert_eq!(memory.page_size(&store), 65536);
    let ptr = memory.data_ptr(&store);
    assert!(!ptr.is_null());
    assert_eq!(ptr.cast_const(), memory.data(&store).as_ptr());
    memory.data_mut(&mut store)[10] = 42;
    assert_eq!(memory.data(&store)[10], 42);
    assert_eq!(memory.data_ptr(&store), ptr, "the pointer is the memory's, not a copy's");
    // The base stays put when the memory grows (the default reservation).
    memory.grow(&mut store, 2).unwrap();
    assert_eq!(memory.data_ptr(&store), ptr);
    assert_eq!(memory.data_size(&store), 3 * memory.page_size(&store) as usize);
    // An instance's exported memory.
    let m = module(&engine, r#"(module (memory (export "m") 1) (data (i32.const 0) "kiln"))"#);
    let instance = Instance::new(&mut store, &m, &[]).unwrap();
    let exported = instance.get_memory(&mut store, "m").unwrap();
    assert_eq!(exported.data_ptr(&store).cast_const(), exported.data(&store).as_ptr());
    assert_eq!(&exported.data(&store)[..4], b"kiln");
    // Another store's memory is refused, as for the other accessors.
    let other = Store::new(&engine, ());
    assert!(panics(|| {
        memory.data_ptr(&other);
    }));
    assert!(panics(|| {
        memory.page_size(&other);
    }));
}

/// A module whose table `t` holds functions returning their index, and
/// `call(i)` calls element i.
const TABLE_WAT: &str = r#"
(module
  (table (export "t") 4 funcref)
  (type $r (func (result i32)))
  (func $f0 (result i32) i32.const 0)
  (func $f1 (result i32) i32.const 1)
  (func $f2 (result i32) i32.const 2)
  (func $f3 (result i32) i32.const 3)
  (elem (i32.const 0) $f0 $f1 $f2 $f3)
  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0))))
"#;

/// What `call(i)` returns for each element (-1: trap).
fn table_contents(store: &mut Store<()>, instance: Instance) -> Vec<i32> {
    let call = instance.get_typed_func::<i32, i32>(&mut *store, "call").unwrap();
    (0..4).map(|i| call.call(&mut *store, i).unwrap_or(-1)).collect()
}

#[test]
fn table_fill() {
    let (engine, mut store) = engine_and_store();
    let instance = Instance::new(&mut store, &module(&engine, TABLE_WAT), &[]).unwrap();
    let table = instance.get_table(&mut store, "t").unwrap();
    let f2 = table.get(&mut store, 2).unwrap();
    table.fill(&mut store, 1, f2, 2).unwrap();
    assert_eq!(table_contents(&mut store, instance), [0, 2, 2, 3]);
    table.fill(&mut store, 3, Ref::Func(None), 1).unwrap();
    assert_eq!(table_contents(&mut store, instance), [0, 2, 2, -1]);
    table.fill(&mut store, 4, Ref::Func(None), 0).unwrap();

    // Errors change nothing.
    for (dst, len) in [(3, 2), (5, 0), (0, 5), (u64::MAX, 2), (1, u64::MAX)] {
        let err = table.fill(&mut store, dst, Ref::Func(None), len).unwrap_err();
        assert!(err.to_string().contains("out of bounds"), "{dst} {len}: {err}");
    }
    let r = ExternRef::new(&mut store, 1u8).unwrap();
    assert!(table.fill(&mut store, 0, Ref::Extern(Some(r)), 1).is_err(), "an externref in a funcref table");
    let mut other = Store::new(&engine, ());
    let foreign = Func::wrap(&mut other, || 9i32);
    assert!(table.fill(&mut store, 0, Ref::Func(Some(foreign)), 1).is_err(), "a function of another store");
    assert!(table.fill(&mut other, 0, Ref::Func(None), 1).is_err(), "the table with another store");
    assert_eq!(table_contents(&mut store, instance), [0, 2, 2, -1]);
}

#[test]
fn table_copy() {
    let (engine, mut store) = engine_and_store();
    let instance = Instance::new(&mut store, &module(&engine, TABLE_WAT), &[]).unwrap();
    let t = instance.get_table(&mut store, "t").unwrap();

    // Overlapping, within one table, both directions (as `table.copy`).
    Table::copy(&mut store, &t, 1, &t, 0, 3).unwrap();
    assert_eq!(table_contents(&mut store, instance), [0, 0, 1, 2]);
    Table::copy(&mut store, &t, 0, &t, 1, 3).unwrap();
    assert_eq!(table_contents(&mut store, instance), [0, 1, 2, 2]);

    // Between tables.
    let host = Table::new(&mut store, TableType::new(RefType::FUNCREF, 6, None), Ref::Func(None)).unwrap();
    Table::copy(&mut store, &host, 2, &t, 0, 4).unwrap();
    assert!(host.get(&mut store, 1).unwrap().is_null());
    Table::copy(&mut store, &t, 0, &host, 4, 2).unwrap();
    assert_eq!(table_contents(&mut store, instance), [2, 2, 2, 2]);
    Table::copy(&mut store, &t, 4, &host, 6, 0).unwrap();

    // Errors change nothing.
    for (dst, src, len) in [(0, 5, 2), (3, 0, 2), (5, 0, 0), (0, 7, 0), (u64::MAX, 0, 1), (0, 1, u64::MAX)] {
        let err = Table::copy(&mut store, &t, dst, &host, src, len).unwrap_err();
        assert!(err.to_string().contains("out of bounds"), "{dst} {src} {len}: {err}");
    }
    let externs = Table::new(&mut store, TableType::new(RefType::EXTERNREF, 4, None), Ref::Extern(None)).unwrap();
    let err = Table::copy(&mut store, &t, 0, &externs, 0, 1).unwrap_err();
    assert!(err.to_string().contains("type mismatch"), "{err}");
    let mut other = Store::new(&engine, ());
    let foreign = Table::new(&mut other, TableType::new(RefType::FUNCREF, 4, None), Ref::Func(None)).unwrap();
    assert!(Table::copy(&mut store, &t, 0, &foreign, 0, 1).is_err());
    assert!(Table::copy(&mut store, &foreign, 0, &t, 0, 1).is_err());
    assert_eq!(table_contents(&mut store, instance), [2, 2, 2, 2]);
}

#[test]
fn instance_exports_is_an_iterator_of_exports() {
    let (engine, mut store) = engine_and_store();
    let m = module(
        &engine,
        r#"(module (func (export "f")) (memory (export "m") 1) (global (export "g") i32 (i32.const 5))
                   (table (export "t") 1 funcref))"#,
    );
    let instance = Instance::new(&mut store, &m, &[]).unwrap();
    let exports = instance.exports(&mut store);
    assert_eq!(exports.len(), 4);
    let names: Vec<&str> = exports.map(|e| e.name()).collect();
    assert_eq!(names, ["f", "m", "g", "t"]);

    let mut it = instance.exports(&mut store);
    let f = it.next().unwrap();
    assert!(f.clone().into_func().is_some() && f.clone().into_memory().is_none());
    let m = it.next().unwrap();
    assert!(m.clone().into_memory().is_some() && m.clone().into_table().is_none());
    let g = it.next().unwrap().into_global().unwrap();
    let t = it.next().unwrap();
    assert!(t.clone().into_table().is_some() && t.into_global().is_none());
    assert!(it.next().is_none());
    drop(it);
    assert_eq!(g.get(&store).unwrap_i32(), 5);
    // Exports borrow the store (their names live in it): take the items
    // out to use the store otherwise.
    let externs: Vec<Extern> = instance.exports(&mut store).map(|e| e.into_extern()).collect();
    let types: Vec<ExternType> = externs.iter().map(|e| e.ty(&store)).collect();
    assert!(matches!(
        types[..],
        [ExternType::Func(_), ExternType::Memory(_), ExternType::Global(_), ExternType::Table(_)]
    ));

    let mut other = Store::new(&engine, ());
    assert_eq!(instance.exports(&mut other).len(), 0);
}

#[test]
fn unknown_import_error_can_be_downcast_from_instantiation() {
    let (engine, mut store) = engine_and_store();
    let m = module(&engine, r#"(module (import "host" "mem" (memory 1 2)))"#);
    let linker = Linker::<()>::new(&engine);
    for err in [linker.instantiate(&mut store, &m).unwrap_err(), linker.instantiate_pre(&m).unwrap_err()] {
        let unknown = err.downcast_ref::<UnknownImportError>().expect("an UnknownImportError");
        assert_eq!((unknown.module(), unknown.name()), ("host", "mem"));
        assert_eq!(unknown.ty(), ExternType::Memory(MemoryType::new(1, Some(2))));
        assert_eq!(
            unknown.to_string(),
            "unknown import: `host::mem` has not been defined (a memory of type (memory 1 2))"
        );
    }
}

fn checked_div(a: i32, b: i32) -> kiln::Result<i32> {
    kiln::ensure!(b != 0, "division of {a} by zero");
    if a == i32::MIN && b == -1 {
        kiln::bail!("{a} / {b} overflows");
    }
    Ok(a / b)
}

#[test]
fn error_macros_are_reexported() {
    assert_eq!(checked_div(7, 2).unwrap(), 3);
    assert_eq!(checked_div(7, 0).unwrap_err().to_string(), "division of 7 by zero");
    assert_eq!(checked_div(i32::MIN, -1).unwrap_err().to_string(), "-2147483648 / -1 overflows");
    let err: kiln::Error = kiln::format_err!("code {}", 5);
    assert_eq!(err.to_string(), "code 5");
}

/// `v128` values cross the API whole: host functions (typed and dynamic),
/// `Func::call`, typed calls and globals keep all 128 bits.
#[test]
fn v128_values_keep_all_their_bits() {
    let (_engine, mut store) = engine_and_store();
    let bits: u128 = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210;
    let swap = Func::wrap(&mut store, |v: V128| V128::from(v.as_u128().rotate_left(64)));
    let typed = swap.typed::<V128, V128>(&store).unwrap();
    assert_eq!(typed.call(&mut store, V128::from(bits)).unwrap().as_u128(), bits.rotate_left(64));
    let mut out = [Val::I32(0)];
    swap.call(&mut store, &[Val::V128(bits.into())], &mut out).unwrap();
    assert_eq!(out[0].unwrap_v128().as_u128(), bits.rotate_left(64));
    assert!(swap.call(&mut store, &[Val::I64(1)], &mut out).is_err(), "an i64 is not a v128");

    let ty = FuncType::new(store.engine(), [ValType::V128], [ValType::V128]);
    let not = Func::new(&mut store, ty, |_, params, results| {
        results[0] = Val::V128((!params[0].unwrap_v128().as_u128()).into());
        Ok(())
    });
    not.call(&mut store, &[Val::V128(bits.into())], &mut out).unwrap();
    assert_eq!(out[0].unwrap_v128().as_u128(), !bits);

    let g = kiln::Global::new(
        &mut store,
        kiln::GlobalType::new(ValType::V128, kiln::Mutability::Var),
        Val::V128(bits.into()),
    )
    .unwrap();
    assert_eq!(g.get(&store).unwrap_v128().as_u128(), bits);
    g.set(&mut store, Val::V128((!bits).into())).unwrap();
    assert_eq!(g.get(&store).unwrap_v128().as_u128(), !bits);
    assert!(g.set(&mut store, Val::I32(0)).is_err());
}
