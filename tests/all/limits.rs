//! Store limits: a `ResourceLimiter` decides memory and table growth and
//! the counts of instances, tables and memories; without one, defaults
//! keep a hostile module from taking the host's memory.

use crate::in_limited_child_process;
use kiln::{
    Config, Engine, Instance, Memory, MemoryType, Module, ResourceLimiter, Store, StoreLimits, StoreLimitsBuilder,
    Strategy,
};

fn tiers() -> Vec<Strategy> {
    let mut tiers = vec![Strategy::Interpreter];
    if Engine::new(Config::new().strategy(Strategy::Cranelift)).is_ok() {
        tiers.push(Strategy::Cranelift);
    }
    tiers
}

fn engine(strategy: Strategy) -> Engine {
    Engine::new(Config::new().strategy(strategy)).unwrap()
}

/// Grows its memory a page at a time until `memory.grow` fails; returns
/// the number of pages it reached.
const MEMORY_BOMB: &str = r#"
(module
  (memory (export "memory") 1)
  (func (export "bomb") (result i32)
    (block $done
      (loop $more
        (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (br $more)))
    (memory.size)))
"#;

fn limited_store(engine: &Engine, limits: StoreLimits) -> Store<StoreLimits> {
    let mut store = Store::new(engine, limits);
    store.limiter(|limits| limits);
    store
}

#[test]
fn a_memory_bomb_is_held_to_the_store_limit() {
    for tier in tiers() {
        let engine = engine(tier);
        let module = Module::new(&engine, MEMORY_BOMB).unwrap();
        let mut store = limited_store(&engine, StoreLimitsBuilder::new().memory_size(1 << 20).build());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let bomb = instance.get_typed_func::<(), i32>(&mut store, "bomb").unwrap();
        assert_eq!(bomb.call(&mut store, ()).unwrap(), 16, "{tier:?}: 1 MiB is 16 pages");
        // The host sees the same limit.
        let memory = instance.get_memory(&mut store, "memory").unwrap();
        assert!(memory.grow(&mut store, 1).is_err(), "{tier:?}");
        assert_eq!(memory.size(&store), 16);
    }
}

#[test]
fn growing_past_the_limit_can_trap_instead() {
    for tier in tiers() {
        let engine = engine(tier);
        let module = Module::new(&engine, MEMORY_BOMB).unwrap();
        let limits = StoreLimitsBuilder::new().memory_size(1 << 20).trap_on_grow_failure(true).build();
        let mut store = limited_store(&engine, limits);
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let bomb = instance.get_typed_func::<(), i32>(&mut store, "bomb").unwrap();
        let err = bomb.call(&mut store, ()).unwrap_err();
        assert!(format!("{err:#}").contains("exceeds the store's limit of 1048576 bytes"), "{tier:?}: {err:#}");
        // The store stays usable.
        let memory = Memory::new(&mut store, MemoryType::new(1, None)).unwrap();
        assert_eq!(memory.size(&store), 1);
    }
}

#[test]
fn instantiation_beyond_the_limits_is_an_error_naming_them() {
    let engine = Engine::default();
    let big = Module::new(&engine, "(module (memory 100))").unwrap();
    let mut store = limited_store(&engine, StoreLimitsBuilder::new().memory_size(1 << 20).build());
    let err = Instance::new(&mut store, &big, &[]).unwrap_err();
    assert!(err.to_string().contains("memory minimum size of 100 pages exceeds"), "{err}");

    let small = Module::new(&engine, "(module (memory 1) (table 1 funcref))").unwrap();
    let mut store = limited_store(&engine, StoreLimitsBuilder::new().instances(2).build());
    Instance::new(&mut store, &small, &[]).unwrap();
    Instance::new(&mut store, &small, &[]).unwrap();
    let err = Instance::new(&mut store, &small, &[]).unwrap_err();
    assert!(err.to_string().contains("limit of 2 instances"), "{err}");

    let mut store = limited_store(&engine, StoreLimitsBuilder::new().memories(1).build());
    Instance::new(&mut store, &small, &[]).unwrap();
    let err = Instance::new(&mut store, &small, &[]).unwrap_err();
    assert!(err.to_string().contains("limit of 1 memories"), "{err}");
    let err = Memory::new(&mut store, MemoryType::new(1, None)).unwrap_err();
    assert!(err.to_string().contains("limit of 1 memories"), "{err}");

    let mut store = limited_store(&engine, StoreLimitsBuilder::new().table_elements(10).build());
    let tables = Module::new(&engine, "(module (table 11 funcref))").unwrap();
    let err = Instance::new(&mut store, &tables, &[]).unwrap_err();
    assert!(err.to_string().contains("exceed the store's table limits"), "{err}");
}

/// Two tables that together pass the default limit of the store.
const TABLE_BOMB: &str = r#"
(module
  (table $a 1 funcref)
  (table $b 1 funcref)
  (func (export "grow_a") (param i32) (result i32) (table.grow $a (ref.null func) (local.get 0)))
  (func (export "grow_b") (param i32) (result i32) (table.grow $b (ref.null func) (local.get 0))))
"#;

#[test]
fn without_a_limiter_the_store_tables_are_capped_in_total() {
    for tier in tiers() {
        let engine = engine(tier);
        let module = Module::new(&engine, TABLE_BOMB).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let grow_a = instance.get_typed_func::<i32, i32>(&mut store, "grow_a").unwrap();
        let grow_b = instance.get_typed_func::<i32, i32>(&mut store, "grow_b").unwrap();
        assert_eq!(grow_a.call(&mut store, 6_000_000).unwrap(), 1, "{tier:?}");
        assert_eq!(grow_b.call(&mut store, 6_000_000).unwrap(), -1, "{tier:?}: past 10 million in all");
        assert_eq!(grow_b.call(&mut store, 1_000_000).unwrap(), 1, "{tier:?}");

        // At instantiation too: many big tables are refused up front.
        let many = Module::new(&engine, "(module (table 6000000 funcref) (table 6000000 funcref))").unwrap();
        let err = Instance::new(&mut Store::new(&engine, ()), &many, &[]).unwrap_err();
        assert!(err.to_string().contains("without a limiter a store's tables hold at most"), "{err}");
    }
}

/// Records what it was asked, and allows memories up to 3 pages.
#[derive(Default)]
struct Recorder {
    asked: Vec<(usize, usize, Option<usize>)>,
}

impl ResourceLimiter for Recorder {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> anyhow::Result<bool> {
        self.asked.push((current, desired, maximum));
        Ok(desired <= 3 * 65536)
    }
    fn table_growing(&mut self, _: usize, _: usize, _: Option<usize>) -> anyhow::Result<bool> {
        Ok(true)
    }
}

#[test]
fn a_custom_limiter_sees_every_creation_and_growth() {
    for tier in tiers() {
        let engine = engine(tier);
        let module = Module::new(&engine, "(module (memory (export \"m\") 1 5) (func (export \"grow\") (param i32) (result i32) (memory.grow (local.get 0))))").unwrap();
        let mut store = Store::new(&engine, Recorder::default());
        store.limiter(|r| r);
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let grow = instance.get_typed_func::<i32, i32>(&mut store, "grow").unwrap();
        assert_eq!(grow.call(&mut store, 2).unwrap(), 1);
        assert_eq!(grow.call(&mut store, 1).unwrap(), -1, "{tier:?}: refused by the limiter");
        assert_eq!(grow.call(&mut store, 10).unwrap(), -1, "{tier:?}: past the type's maximum, not asked");
        let page = 65536;
        assert_eq!(
            store.data().asked,
            vec![(0, page, Some(5 * page)), (page, 3 * page, Some(5 * page)), (3 * page, 4 * page, Some(5 * page))],
            "{tier:?}"
        );
    }
}

#[test]
fn a_table_the_host_cannot_allocate_is_an_error_not_an_abort() {
    // 600 MB of address space: the test process fits, eight tables of 10
    // million elements (80 MB each) do not.
    in_limited_child_process(
        "limits::a_table_the_host_cannot_allocate_is_an_error_not_an_abort",
        Some(600_000),
        || {
            let mut config = Config::new();
            config.strategy(Strategy::Interpreter).memory_reservation(1 << 20);
            let engine = Engine::new(&config).unwrap();
            let module = Module::new(
                &engine,
                "(module (table 10000000 funcref) (table 10000000 funcref) (table 10000000 funcref) \
                         (table 10000000 funcref) (table 10000000 funcref) (table 10000000 funcref) \
                         (table 10000000 funcref) (table 10000000 funcref))",
            )
            .unwrap();
            let mut store = limited_store(&engine, StoreLimitsBuilder::new().build());
            let err = Instance::new(&mut store, &module, &[]).unwrap_err();
            assert!(err.to_string().contains("could not allocate a table"), "{err}");
        },
    );
}
