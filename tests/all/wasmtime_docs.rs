//! Examples from Wasmtime's documentation, as Wasmtime writes them, with only
//! the crate renamed (`wasmtime` -> `kiln`): the crate-level example, the
//! examples of `Linker` (`allow_shadowing`, `define`, `func_wrap`,
//! `instance`, `module` with reactors and commands, `instantiate`,
//! `instantiate_pre`), the instance-per-request server pattern of the
//! `fast_instantiation` example, `Func` (`wrap` with `Store::default` and
//! `bail!`, `new` with `FuncType::new`), `Memory` and `Table`; and the
//! README's embedding example. If one of these stops compiling, code ported
//! from Wasmtime stops compiling too.
//!
//! The `# fn main() -> Result<()> {` wrapper of a doc example is a function
//! here, called by a test that also checks the outcome where Wasmtime's
//! example only prints it. Where an example is not taken word for word, a
//! comment says what changed and why. The WASI preview 1 examples are in
//! kiln-wasi's tests (`crates/kiln-wasi/tests/wasi/p1.rs`): `kiln` cannot
//! depend on `kiln-wasi`.

// The examples name values they do not use or call them `foo`, and clone
// `TypedFunc`s, which are `Copy` in Kiln (not in Wasmtime).
#![allow(unused_variables, clippy::disallowed_names, clippy::clone_on_copy)]

/// The example of the crate documentation (`wasmtime` crate root).
mod crate_docs {
    use kiln::*;

    pub fn main() -> kiln::Result<()> {
        let engine = Engine::default();

        // Modules can be compiled through either the text or binary format
        let wat = r#"
            (module
                (import "host" "host_func" (func $host_hello (param i32)))

                (func (export "hello")
                    i32.const 3
                    call $host_hello)
            )
        "#;
        let module = Module::new(&engine, wat)?;

        // Host functionality can be arbitrary Rust functions and is provided
        // to guests through a `Linker`.
        let mut linker = Linker::new(&engine);
        linker.func_wrap("host", "host_func", |caller: Caller<'_, u32>, param: i32| {
            println!("Got {} from WebAssembly", param);
            println!("my host state is: {}", caller.data());
        })?;

        // All wasm objects operate within the context of a "store". Each
        // `Store` has a type parameter to store host-specific data, which in
        // this case we're using `4` for.
        let mut store: Store<u32> = Store::new(&engine, 4);

        // Instantiation of a module requires specifying its imports and then
        // afterwards we can fetch exports by name, as well as asserting the
        // type signature of the function with `get_typed_func`.
        let instance = linker.instantiate(&mut store, &module)?;
        let hello = instance.get_typed_func::<(), ()>(&mut store, "hello")?;

        // And finally we can call the wasm!
        hello.call(&mut store, ())?;

        Ok(())
    }

    #[test]
    fn hello_world() {
        main().unwrap();
    }
}

/// The examples of `Linker`'s methods.
mod linker {
    use kiln::*;

    fn allow_shadowing() -> Result<()> {
        let engine = Engine::default();
        let mut linker = Linker::<()>::new(&engine);
        linker.func_wrap("", "", || {})?;

        // by default, duplicates are disallowed
        assert!(linker.func_wrap("", "", || {}).is_err());

        // but shadowing can be configured to be allowed as well
        linker.allow_shadowing(true);
        linker.func_wrap("", "", || {})?;
        Ok(())
    }

    #[test]
    fn shadowing() {
        allow_shadowing().unwrap();
    }

    fn define() -> Result<()> {
        let engine = Engine::default();
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        let ty = GlobalType::new(ValType::I32, Mutability::Const);
        let global = Global::new(&mut store, ty, Val::I32(0x1234))?;
        linker.define(&store, "host", "offset", global)?;

        let wat = r#"
            (module
                (import "host" "offset" (global i32))
                (memory 1)
                (data (global.get 0) "foo")
            )
        "#;
        let module = Module::new(&engine, wat)?;
        linker.instantiate(&mut store, &module)?;
        Ok(())
    }

    #[test]
    fn define_a_global() {
        define().unwrap();
    }

    fn func_wrap() -> Result<()> {
        let engine = Engine::default();
        let mut linker = Linker::new(&engine);
        linker.func_wrap("host", "double", |x: i32| x * 2)?;
        linker.func_wrap("host", "log_i32", |x: i32| println!("{}", x))?;
        linker.func_wrap("host", "log_str", |caller: Caller<'_, ()>, ptr: i32, len: i32| {
            // ...
        })?;

        let wat = r#"
            (module
                (import "host" "double" (func (param i32) (result i32)))
                (import "host" "log_i32" (func (param i32)))
                (import "host" "log_str" (func (param i32 i32)))
            )
        "#;
        let module = Module::new(&engine, wat)?;

        // instantiate in multiple different stores
        for _ in 0..10 {
            let mut store = Store::new(&engine, ());
            linker.instantiate(&mut store, &module)?;
        }
        Ok(())
    }

    #[test]
    fn host_functions_in_many_stores() {
        func_wrap().unwrap();
    }

    fn instance() -> Result<()> {
        let engine = Engine::default();
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);

        // Instantiate a small instance...
        let wat = r#"(module (func (export "run") ))"#;
        let module = Module::new(&engine, wat)?;
        let instance = linker.instantiate(&mut store, &module)?;

        // ... and inform the linker that the name of this instance is
        // `instance1`. This defines the `instance1::run` name for our next
        // module to use.
        linker.instance(&mut store, "instance1", instance)?;

        let wat = r#"
            (module
                (import "instance1" "run" (func $instance1_run))
                (func (export "run")
                    call $instance1_run
                )
            )
        "#;
        let module = Module::new(&engine, wat)?;
        let instance = linker.instantiate(&mut store, &module)?;
        Ok(())
    }

    #[test]
    fn define_an_instance() {
        instance().unwrap();
    }

    fn module_reactor() -> Result<()> {
        let engine = Engine::default();
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);

        // Instantiate a small instance and inform the linker that the name of
        // this instance is `instance1`. This defines the `instance1::run` name
        // for our next module to use.
        let wat = r#"(module (func (export "run") ))"#;
        let module = Module::new(&engine, wat)?;
        linker.module(&mut store, "instance1", &module)?;

        let wat = r#"
            (module
                (import "instance1" "run" (func $instance1_run))
                (func (export "run")
                    call $instance1_run
                )
            )
        "#;
        let module = Module::new(&engine, wat)?;
        let instance = linker.instantiate(&mut store, &module)?;
        Ok(())
    }

    #[test]
    fn module_of_a_reactor() {
        module_reactor().unwrap();
    }

    fn module_command() -> Result<()> {
        let engine = Engine::default();
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);

        // Create a Command that attempts to count the number of times it is run, but is
        // foiled by each call getting a new instance.
        let wat = r#"
            (module
                (global $counter (mut i32) (i32.const 0))
                (func (export "_start")
                    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
                )
                (func (export "read_counter") (result i32)
                    (global.get $counter)
                )
            )
        "#;
        let module = Module::new(&engine, wat)?;
        linker.module(&mut store, "commander", &module)?;
        let run = linker.get_default(&mut store, "")?.typed::<(), ()>(&store)?.clone();
        run.call(&mut store, ())?;
        run.call(&mut store, ())?;
        run.call(&mut store, ())?;

        let wat = r#"
            (module
                (import "commander" "_start" (func $commander_start))
                (import "commander" "read_counter" (func $commander_read_counter (result i32)))
                (func (export "run") (result i32)
                    call $commander_start
                    call $commander_start
                    call $commander_start
                    call $commander_read_counter
                )
            )
        "#;
        let module = Module::new(&engine, wat)?;
        linker.module(&mut store, "", &module)?;
        let run = linker.get(&mut store, "", "run").unwrap().into_func().unwrap();
        let count = run.typed::<(), i32>(&store)?.call(&mut store, ())?;
        assert_eq!(count, 0, "a Command should get a fresh instance on each invocation");

        Ok(())
    }

    #[test]
    fn module_of_a_command() {
        module_command().unwrap();
    }

    fn instantiate() -> Result<()> {
        let engine = Engine::default();
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        linker.func_wrap("host", "double", |x: i32| x * 2)?;

        let wat = r#"
            (module
                (import "host" "double" (func (param i32) (result i32)))
            )
        "#;
        let module = Module::new(&engine, wat)?;
        linker.instantiate(&mut store, &module)?;
        Ok(())
    }

    #[test]
    fn instantiate_with_a_host_function() {
        instantiate().unwrap();
    }

    fn instantiate_pre() -> Result<()> {
        let engine = Engine::default();
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        linker.func_wrap("host", "double", |x: i32| x * 2)?;

        let wat = r#"
            (module
                (import "host" "double" (func (param i32) (result i32)))
            )
        "#;
        let module = Module::new(&engine, wat)?;
        let instance_pre = linker.instantiate_pre(&module)?;

        // Finish instantiation after the type-checking has all completed...
        let instance = instance_pre.instantiate(&mut store)?;

        // ... and we can even continue to keep instantiating if desired!
        instance_pre.instantiate(&mut store)?;
        instance_pre.instantiate(&mut store)?;

        // Note that functions defined in a linker with `func_wrap` and similar
        // constructors are not owned by any particular `Store`, so we can also
        // instantiate our `instance_pre` in other stores because no imports
        // belong to the original store.
        let mut new_store = Store::new(&engine, ());
        instance_pre.instantiate(&mut new_store)?;
        Ok(())
    }

    #[test]
    fn instantiate_pre_in_many_stores() {
        instantiate_pre().unwrap();
    }

    /// Not a doc example: what the doc says an unresolvable import gives.
    #[test]
    fn an_unknown_import_error_can_be_downcast() {
        let engine = Engine::default();
        let module =
            Module::new(&engine, r#"(module (import "host" "double" (func (param i32) (result i32))))"#).unwrap();
        let err = Linker::<()>::new(&engine).instantiate_pre(&module).unwrap_err();
        let err = err.downcast::<UnknownImportError>().unwrap();
        assert_eq!((err.module(), err.name()), ("host", "double"));
        assert!(err.ty().func().is_some());
    }
}

/// Wasmtime's `examples/fast_instantiation.rs`: one `InstancePre`, a new
/// store and instance per request, on many threads.
mod fast_instantiation {
    use kiln::format_err;
    use kiln::{Config, Engine, Linker, Module, Result, Store};

    pub fn main() -> Result<()> {
        // Not taken: the pooling allocator and copy-on-write settings
        // (`PoolingAllocationConfig`, `Config::allocation_strategy`,
        // `Config::memory_init_cow`), which Kiln does not have: it keeps
        // dropped memories' reservations for reuse without being asked.
        let config = Config::new();

        // Create an engine with our configuration.
        let engine = Engine::new(&config)?;

        // Create a linker and populate it with all the imports needed for the Wasm
        // programs we will run. In a more realistic Wasmtime embedding, this would
        // probably involve adding WASI functions to the linker, for example.
        let mut linker = Linker::<()>::new(&engine);
        linker.func_wrap("math", "add", |a: u32, b: u32| -> u32 { a + b })?;

        // Create a new module, load a pre-compiled module from disk, or etc...
        // (Changed: `(result i32)` added to `run`, without which the module is
        // invalid and the `<(), i32>` typed call below could not work.)
        let module = Module::new(
            &engine,
            r#"
                (module
                    (import "math" "add" (func $add (param i32 i32) (result i32)))
                    (func (export "run") (result i32)
                        (call $add (i32.const 29) (i32.const 13))
                    )
                )
            "#,
        )?;

        // Create an `InstancePre` for our module, doing import resolution and
        // type-checking ahead-of-time and removing it from the instantiation
        // critical path.
        let instance_pre = linker.instantiate_pre(&module)?;

        // Now we can very quickly instantiate our module, so long as we have no
        // more than 100 concurrent instances at a time!
        //
        // For example, we can spawn 100 threads and have each of them instantiate
        // and run our Wasm module in a loop.
        // (Changed: 8 threads of 50 requests instead of 100 of 999, for the
        // test's running time.)
        let handles: Vec<std::thread::JoinHandle<Result<()>>> = (0..8)
            .map(|_| {
                let engine = engine.clone();
                let instance_pre = instance_pre.clone();
                std::thread::spawn(move || -> Result<()> {
                    for _ in 0..50 {
                        // Create a new store for this instance.
                        let mut store = Store::new(&engine, ());
                        // Instantiate our module in this store.
                        let instance = instance_pre.instantiate(&mut store)?;
                        // Call the instance's `run` function!
                        let _result = instance.get_typed_func::<(), i32>(&mut store, "run")?.call(&mut store, ());
                        assert_eq!(_result?, 42); // Added: the test checks the result.
                    }
                    Ok(())
                })
            })
            .collect();

        // Wait for the threads to finish.
        for h in handles.into_iter() {
            h.join().map_err(|_| format_err!("thread panicked!"))??;
        }

        Ok(())
    }

    #[test]
    fn instance_per_request_on_threads() {
        main().unwrap();
    }
}

/// The examples of `Func` (its type's documentation, `Func::wrap`,
/// `Func::new`), which use `Store::default`, `bail!` and `FuncType::new`.
mod func {
    use kiln::*;

    fn from_an_instance() -> Result<()> {
        let engine = Engine::default();
        let module = Module::new(&engine, r#"(module (func (export "foo")))"#)?;
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let foo = instance.get_func(&mut store, "foo").expect("export wasn't a function");

        // Work with `foo` as a `Func` at this point, such as calling it
        // dynamically...
        match foo.call(&mut store, &[], &mut []) {
            Ok(()) => { /* ... */ }
            Err(trap) => {
                panic!("execution of `foo` resulted in a wasm trap: {}", trap);
            }
        }
        foo.call(&mut store, &[], &mut [])?;

        // ... or we can make a static assertion about its signature and call it.
        // Our first call here can fail if the signatures don't match, and then the
        // second call can fail if the function traps (like the `match` above).
        let foo = foo.typed::<(), ()>(&store)?;
        foo.call(&mut store, ())?;
        Ok(())
    }

    #[test]
    fn a_func_from_an_instance() {
        from_an_instance().unwrap();
    }

    fn wrap_add_twice() -> Result<()> {
        let mut store = Store::<()>::default();

        // Create a custom `Func` which can execute arbitrary code inside of the
        // closure.
        let add = Func::wrap(&mut store, |a: i32, b: i32| -> i32 { a + b });

        // Next we can hook that up to a wasm module which uses it.
        let module = Module::new(
            store.engine(),
            r#"
                (module
                    (import "" "" (func $add (param i32 i32) (result i32)))
                    (func (export "call_add_twice") (result i32)
                        i32.const 1
                        i32.const 2
                        call $add
                        i32.const 3
                        i32.const 4
                        call $add
                        i32.add))
            "#,
        )?;
        let instance = Instance::new(&mut store, &module, &[add.into()])?;
        let call_add_twice = instance.get_typed_func::<(), i32>(&mut store, "call_add_twice")?;

        assert_eq!(call_add_twice.call(&mut store, ())?, 10);
        Ok(())
    }

    #[test]
    fn wrap_in_a_default_store() {
        wrap_add_twice().unwrap();
    }

    fn dynamic_double() -> Result<()> {
        let mut store = Store::<()>::default();

        // Here we need to define the type signature of our `Double` function and
        // then wrap it up in a `Func`
        let double_type = kiln::FuncType::new(
            store.engine(),
            [kiln::ValType::I32].iter().cloned(),
            [kiln::ValType::I32].iter().cloned(),
        );
        let double = Func::new(&mut store, double_type, |_, params, results| {
            let mut value = params[0].unwrap_i32();
            value *= 2;
            results[0] = value.into();
            Ok(())
        });

        let module = Module::new(
            store.engine(),
            r#"
                (module
                    (import "" "" (func $double (param i32) (result i32)))
                    (func $start
                        i32.const 1
                        call $double
                        drop)
                    (start $start))
            "#,
        )?;
        let instance = Instance::new(&mut store, &module, &[double.into()])?;
        // .. work with `instance` if necessary
        Ok(())
    }

    #[test]
    fn new_with_func_type_new() {
        dynamic_double().unwrap();
    }

    fn wrap_add() -> Result<()> {
        let mut store = Store::<()>::default();
        let add = Func::wrap(&mut store, |a: i32, b: i32| a + b);
        let module = Module::new(
            store.engine(),
            r#"
                (module
                    (import "" "" (func $add (param i32 i32) (result i32)))
                    (func (export "foo") (param i32 i32) (result i32)
                        local.get 0
                        local.get 1
                        call $add))
            "#,
        )?;
        let instance = Instance::new(&mut store, &module, &[add.into()])?;
        let foo = instance.get_typed_func::<(i32, i32), i32>(&mut store, "foo")?;
        assert_eq!(foo.call(&mut store, (1, 2))?, 3);
        Ok(())
    }

    #[test]
    fn wrap_a_closure() {
        wrap_add().unwrap();
    }

    fn wrap_checked_add() -> Result<()> {
        let mut store = Store::<()>::default();
        let add = Func::wrap(&mut store, |a: i32, b: i32| match a.checked_add(b) {
            Some(i) => Ok(i),
            None => bail!("overflow"),
        });
        let module = Module::new(
            store.engine(),
            r#"
                (module
                    (import "" "" (func $add (param i32 i32) (result i32)))
                    (func (export "foo") (param i32 i32) (result i32)
                        local.get 0
                        local.get 1
                        call $add))
            "#,
        )?;
        let instance = Instance::new(&mut store, &module, &[add.into()])?;
        let foo = instance.get_typed_func::<(i32, i32), i32>(&mut store, "foo")?;
        assert_eq!(foo.call(&mut store, (1, 2))?, 3);
        assert!(foo.call(&mut store, (i32::MAX, 1)).is_err());
        Ok(())
    }

    #[test]
    fn bail_in_a_host_function() {
        wrap_checked_add().unwrap();
    }

    fn wrap_all_types() -> Result<()> {
        let mut store = Store::<()>::default();
        let debug = Func::wrap(&mut store, |a: i32, b: u32, c: f32, d: i64, e: u64, f: f64| {
            println!("a={}", a);
            println!("b={}", b);
            println!("c={}", c);
            println!("d={}", d);
            println!("e={}", e);
            println!("f={}", f);
        });
        let module = Module::new(
            store.engine(),
            r#"
                (module
                    (import "" "" (func $debug (param i32 i32 f32 i64 i64 f64)))
                    (func (export "foo")
                        i32.const -1
                        i32.const 1
                        f32.const 2
                        i64.const -3
                        i64.const 3
                        f64.const 4
                        call $debug))
            "#,
        )?;
        let instance = Instance::new(&mut store, &module, &[debug.into()])?;
        let foo = instance.get_typed_func::<(), ()>(&mut store, "foo")?;
        foo.call(&mut store, ())?;
        Ok(())
    }

    #[test]
    fn all_the_wasm_types() {
        wrap_all_types().unwrap();
    }

    use std::str;

    fn wrap_log_str() -> Result<()> {
        let mut store = Store::default();
        let log_str = Func::wrap(&mut store, |mut caller: Caller<'_, ()>, ptr: i32, len: i32| {
            let mem = match caller.get_export("memory") {
                Some(Extern::Memory(mem)) => mem,
                _ => bail!("failed to find host memory"),
            };
            let data = mem.data(&caller).get(ptr as u32 as usize..).and_then(|arr| arr.get(..len as u32 as usize));
            let string = match data {
                Some(data) => match str::from_utf8(data) {
                    Ok(s) => s,
                    Err(_) => bail!("invalid utf-8"),
                },
                None => bail!("pointer/length out of bounds"),
            };
            assert_eq!(string, "Hello, world!");
            println!("{}", string);
            Ok(())
        });
        let module = Module::new(
            store.engine(),
            r#"
                (module
                    (import "" "" (func $log_str (param i32 i32)))
                    (func (export "foo")
                        i32.const 4   ;; ptr
                        i32.const 13  ;; len
                        call $log_str)
                    (memory (export "memory") 1)
                    (data (i32.const 4) "Hello, world!"))
            "#,
        )?;
        let instance = Instance::new(&mut store, &module, &[log_str.into()])?;
        let foo = instance.get_typed_func::<(), ()>(&mut store, "foo")?;
        foo.call(&mut store, ())?;
        Ok(())
    }

    #[test]
    fn a_host_function_reads_guest_memory() {
        wrap_log_str().unwrap();
    }
}

/// The examples of `Memory`.
mod memory {
    use kiln::*;

    // Memory can be read and written safely with the `Memory::read` and
    // `Memory::write` methods.
    // An error is returned if the copy did not succeed.
    fn safe_examples(mem: Memory, store: &mut Store<()>) -> Result<(), MemoryAccessError> {
        let offset = 5;
        mem.write(&mut *store, offset, b"hello")?;
        let mut buffer = [0u8; 5];
        mem.read(&store, offset, &mut buffer)?;
        assert_eq!(b"hello", &buffer);

        // Note that while this is safe care must be taken because the indexing
        // here may panic if the memory isn't large enough.
        assert_eq!(&mem.data(&store)[offset..offset + 5], b"hello");
        mem.data_mut(&mut *store)[offset..offset + 5].copy_from_slice(b"bye!!");

        Ok(())
    }

    #[test]
    fn read_and_write() {
        let mut store = Store::<()>::default();
        let mem = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
        safe_examples(mem, &mut store).unwrap();
        assert_eq!(&mem.data(&store)[5..10], b"bye!!");
        // Past the end: an error, not a panic.
        let end = mem.data_size(&store);
        assert!(mem.write(&mut store, end - 2, b"abc").is_err());
    }

    fn new() -> Result<()> {
        let engine = Engine::default();
        let mut store = Store::new(&engine, ());

        let memory_ty = MemoryType::new(1, None);
        let memory = Memory::new(&mut store, memory_ty)?;

        let module = Module::new(&engine, "(module (memory (import \"\" \"\") 1))")?;
        let instance = Instance::new(&mut store, &module, &[memory.into()])?;
        // ...
        Ok(())
    }

    #[test]
    fn a_host_memory_imported() {
        new().unwrap();
    }

    fn ty() -> Result<()> {
        let engine = Engine::default();
        let mut store = Store::new(&engine, ());
        let module = Module::new(&engine, "(module (memory (export \"mem\") 1))")?;
        let instance = Instance::new(&mut store, &module, &[])?;
        let memory = instance.get_memory(&mut store, "mem").unwrap();
        let ty = memory.ty(&store);
        assert_eq!(ty.minimum(), 1);
        Ok(())
    }

    #[test]
    fn memory_type() {
        ty().unwrap();
    }

    fn grow() -> Result<()> {
        let engine = Engine::default();
        let mut store = Store::new(&engine, ());
        let module = Module::new(&engine, "(module (memory (export \"mem\") 1 2))")?;
        let instance = Instance::new(&mut store, &module, &[])?;
        let memory = instance.get_memory(&mut store, "mem").unwrap();

        assert_eq!(memory.size(&store), 1);
        assert_eq!(memory.grow(&mut store, 1)?, 1);
        assert_eq!(memory.size(&store), 2);
        assert!(memory.grow(&mut store, 1).is_err());
        assert_eq!(memory.size(&store), 2);
        assert_eq!(memory.grow(&mut store, 0)?, 2);
        Ok(())
    }

    #[test]
    fn memory_grow() {
        grow().unwrap();
    }
}

/// The example of `Table::new`.
mod table {
    use kiln::*;

    fn new() -> Result<()> {
        let engine = Engine::default();
        let mut store = Store::new(&engine, ());

        let ty = TableType::new(RefType::FUNCREF, 2, None);
        let table = Table::new(&mut store, ty, Ref::Func(None))?;

        let module = Module::new(
            &engine,
            "(module
                (table (import \"\" \"\") 2 funcref)
                (func $f (result i32)
                    i32.const 10)
                (elem (i32.const 0) $f)
            )",
        )?;

        let instance = Instance::new(&mut store, &module, &[table.into()])?;
        // ...
        Ok(())
    }

    #[test]
    fn a_host_table_imported() {
        new().unwrap();
    }
}

/// The README's "Embedding" example: `README.md` holds the same code,
/// copied here verbatim, unindented and unformatted.
#[rustfmt::skip]
mod readme {
use kiln::{Caller, Engine, Linker, Module, Store};

fn main() -> anyhow::Result<()> {
    let engine = Engine::default();                    // once per process
    let module = Module::new(&engine, r#"(module
        (import "host" "log" (func $log (param i32)))
        (func (export "run") (param i32) (result i32)
          local.get 0  call $log
          local.get 0  i32.const 1  i32.add))"#)?;     // compile once, share freely

    let mut linker = Linker::<Vec<i32>>::new(&engine);
    linker.func_wrap("host", "log", |mut caller: Caller<'_, Vec<i32>>, x: i32| {
        caller.data_mut().push(x);
    })?;

    // Per request: a fresh store and instance, dropped afterwards.
    let mut store = Store::new(&engine, Vec::new());
    let instance = linker.instantiate(&mut store, &module)?;
    let run = instance.get_typed_func::<i32, i32>(&mut store, "run")?;
    assert_eq!(run.call(&mut store, 41)?, 42);
    Ok(())
}

#[test]
fn embedding() {
    main().unwrap();
}
}
