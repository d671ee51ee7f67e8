//! STUB — to be dropped at merge. A stand-in for the component `Linker`
//! with exactly the signatures the real one will have, so that `kiln-wasi`'s
//! WASI 0.2 bindings compile before the real linker lands. It only stores
//! the definitions; nothing here instantiates or calls anything.

use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::Arc;

use super::{ResourceAny, ResourceType};
use crate::{Engine, StoreContextMut};

/// STUB stand-in for the dynamic component value (`values::Val` is not
/// public yet). Same variants as the real one will have.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Bool(bool),
    S8(i8),
    U8(u8),
    S16(i16),
    U16(u16),
    S32(i32),
    U32(u32),
    S64(i64),
    U64(u64),
    Float32(f32),
    Float64(f64),
    Char(char),
    String(String),
    List(Vec<Val>),
    Record(Vec<(String, Val)>),
    Tuple(Vec<Val>),
    Variant(String, Option<Box<Val>>),
    Enum(String),
    Option(Option<Box<Val>>),
    Result(Result<Option<Box<Val>>, Option<Box<Val>>>),
    Flags(Vec<String>),
    Resource(ResourceAny),
}

type HostFunc<T> = Arc<dyn Fn(StoreContextMut<'_, T>, &[Val], &mut [Val]) -> anyhow::Result<()> + Send + Sync>;
type HostDtor<T> = Arc<dyn Fn(StoreContextMut<'_, T>, u32) -> anyhow::Result<()> + Send + Sync>;

enum Def<T> {
    Func(HostFunc<T>),
    Resource(ResourceType, HostDtor<T>),
    Instance(BTreeMap<String, Def<T>>),
}

/// STUB component linker.
pub struct Linker<T> {
    root: BTreeMap<String, Def<T>>,
    _marker: PhantomData<fn() -> T>,
}

/// STUB view of one instance (or the root) of a [`Linker`].
pub struct LinkerInstance<'a, T> {
    map: &'a mut BTreeMap<String, Def<T>>,
}

impl<T: 'static> Linker<T> {
    /// STUB
    pub fn new(_engine: &Engine) -> Linker<T> {
        Linker { root: BTreeMap::new(), _marker: PhantomData }
    }

    /// STUB
    pub fn root(&mut self) -> LinkerInstance<'_, T> {
        LinkerInstance { map: &mut self.root }
    }

    /// STUB
    pub fn instance(&mut self, name: &str) -> anyhow::Result<LinkerInstance<'_, T>> {
        instance_in(&mut self.root, name)
    }
}

fn instance_in<'a, T>(map: &'a mut BTreeMap<String, Def<T>>, name: &str) -> anyhow::Result<LinkerInstance<'a, T>> {
    match map.entry(name.to_owned()).or_insert_with(|| Def::Instance(BTreeMap::new())) {
        Def::Instance(map) => Ok(LinkerInstance { map }),
        _ => anyhow::bail!("`{name}` is already defined as something other than an instance"),
    }
}

impl<T: 'static> LinkerInstance<'_, T> {
    /// STUB
    pub fn func_new(
        &mut self,
        name: &str,
        f: impl Fn(StoreContextMut<'_, T>, &[Val], &mut [Val]) -> anyhow::Result<()> + Send + Sync + 'static,
    ) -> anyhow::Result<()> {
        self.insert(name, Def::Func(Arc::new(f)))
    }

    /// STUB
    pub fn resource(
        &mut self,
        name: &str,
        ty: ResourceType,
        dtor: impl Fn(StoreContextMut<'_, T>, u32) -> anyhow::Result<()> + Send + Sync + 'static,
    ) -> anyhow::Result<()> {
        self.insert(name, Def::Resource(ty, Arc::new(dtor)))
    }

    /// STUB
    pub fn instance(&mut self, name: &str) -> anyhow::Result<LinkerInstance<'_, T>> {
        instance_in(self.map, name)
    }

    fn insert(&mut self, name: &str, def: Def<T>) -> anyhow::Result<()> {
        if self.map.contains_key(name) {
            anyhow::bail!("`{name}` is defined twice");
        }
        self.map.insert(name.to_owned(), def);
        Ok(())
    }
}
