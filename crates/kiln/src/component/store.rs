//! What a store keeps for components: the run-time state of every
//! component instance (its handle table and the flags the canonical ABI
//! checks on entry and exit), the functions and instances the host holds
//! handles to, and the destructors of resource types.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Result;

use super::cx::StringEncoding;
use super::handles::HandleTable;
use super::resources::ResourceType;
use super::translate::ComponentDef;
use super::types::{FuncType, ResourceId, ValueType};
use super::values::Val;
use crate::module::Module;
use crate::store::StoreContextMut;

/// The index of a component instance's state in its store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct FrameId(pub(crate) u32);

/// The run-time state of one component instance (the root of an
/// instantiation or any component nested in it).
#[derive(Debug, Default)]
pub(crate) struct Frame {
    /// What this instance's resource type ids stand for.
    pub(crate) resources: HashMap<ResourceId, ResourceType>,
    pub(crate) handles: HandleTable,
    /// False while a call into this instance runs, and forever once one
    /// trapped: a component instance is never re-entered, nor used after
    /// a trap left it in an unknown state.
    pub(crate) may_enter: bool,
    /// False while values are lowered into this instance (its `realloc`
    /// runs then and must not call out).
    pub(crate) may_leave: bool,
    /// A call into this instance trapped.
    pub(crate) poisoned: bool,
    /// The instance this one is nested in.
    pub(crate) parent: Option<FrameId>,
    /// Calls of the instance's `wasi:cli/run` made so far.
    pub(crate) runs: u32,
}

/// A host function as the component runtime stores it.
pub(crate) type HostFn<T> = Arc<dyn Fn(StoreContextMut<'_, T>, &[Val], &mut [Val]) -> Result<()> + Send + Sync>;

/// A host resource type's destructor.
pub(crate) type HostDtor<T> = Arc<dyn Fn(StoreContextMut<'_, T>, u32) -> Result<()> + Send + Sync>;

/// A component function: lifted from core code, or the host's (dynamic
/// or typed).
pub(crate) enum FuncDef<T> {
    Lifted(Arc<Lifted>),
    Host(HostFn<T>),
    Typed(Arc<dyn super::call::TypedHost<T>>),
}

impl<T> Clone for FuncDef<T> {
    fn clone(&self) -> Self {
        match self {
            FuncDef::Lifted(l) => FuncDef::Lifted(l.clone()),
            FuncDef::Host(h) => FuncDef::Host(h.clone()),
            FuncDef::Typed(h) => FuncDef::Typed(h.clone()),
        }
    }
}

/// A `canon lift`ed function of one component instance.
pub(crate) struct Lifted {
    pub(crate) frame: FrameId,
    pub(crate) callee: crate::Func,
    pub(crate) ty: Arc<FuncType>,
    /// `ty`'s parameter types in a row.
    pub(crate) params: Arc<[ValueType]>,
    /// The callee's core signature (`flatten_func` for lifting; the
    /// validator checked it is the core function's type).
    pub(crate) flat: Arc<super::abi::FlatSignature>,
    pub(crate) options: Options,
}

/// Canonical options resolved to the instance's items.
#[derive(Clone, Default)]
pub(crate) struct Options {
    pub(crate) memory: Option<crate::Memory>,
    pub(crate) realloc: Option<crate::Func>,
    pub(crate) post_return: Option<crate::Func>,
    pub(crate) encoding: StringEncoding,
}

/// A component-level item at run time.
pub(crate) enum Item<T> {
    Module(Module),
    /// A component definition with the items it closes over.
    Component(Arc<ComponentDef>, Arc<[Item<T>]>),
    Func(FuncDef<T>),
    /// A type: the resource type it is, if it is one.
    Type(Option<ResourceType>),
    Instance(Arc<Exports<T>>),
}

impl<T> Clone for Item<T> {
    fn clone(&self) -> Self {
        match self {
            Item::Module(m) => Item::Module(m.clone()),
            Item::Component(c, captured) => Item::Component(c.clone(), captured.clone()),
            Item::Func(f) => Item::Func(f.clone()),
            Item::Type(t) => Item::Type(*t),
            Item::Instance(i) => Item::Instance(i.clone()),
        }
    }
}

impl<T> Item<T> {
    pub(crate) fn sort_name(&self) -> &'static str {
        match self {
            Item::Module(_) => "core module",
            Item::Component(..) => "component",
            Item::Func(_) => "function",
            Item::Type(_) => "type",
            Item::Instance(_) => "instance",
        }
    }
}

/// A component instance's exports, in order.
pub(crate) struct Exports<T> {
    pub(crate) items: Vec<(String, Item<T>)>,
}

impl<T> Exports<T> {
    pub(crate) fn get(&self, name: &str) -> Option<&Item<T>> {
        self.items.iter().find(|(n, _)| n == name).map(|(_, i)| i)
    }
}

/// A guest resource type's destructor and defining instance.
pub(crate) struct GuestResource {
    pub(crate) frame: FrameId,
    pub(crate) dtor: Option<crate::Func>,
}

/// Everything a store keeps for components.
pub(crate) struct ComponentStore<T> {
    pub(crate) frames: Vec<Frame>,
    /// Functions the host holds a `component::Func` for.
    pub(crate) funcs: Vec<FuncDef<T>>,
    /// For each of `funcs`: whether it is `run` of `wasi:cli/run`.
    pub(crate) command_runs: Vec<bool>,
    /// `funcs` by (instance, export path), so a lookup is made once.
    pub(crate) func_handles: HashMap<(u32, Vec<u32>), u32>,
    /// Root instances the host holds a `component::Instance` for.
    pub(crate) instances: Vec<Arc<Exports<T>>>,
    pub(crate) guest_resources: HashMap<ResourceType, GuestResource>,
    pub(crate) host_dtors: HashMap<ResourceType, HostDtor<T>>,
    /// Numbers calls into instances, to scope their borrows.
    pub(crate) next_call: u64,
}

impl<T> Default for ComponentStore<T> {
    fn default() -> Self {
        ComponentStore {
            frames: Vec::new(),
            funcs: Vec::new(),
            command_runs: Vec::new(),
            func_handles: HashMap::new(),
            instances: Vec::new(),
            guest_resources: HashMap::new(),
            host_dtors: HashMap::new(),
            next_call: 0,
        }
    }
}

impl<T> ComponentStore<T> {
    pub(crate) fn new_frame(&mut self, parent: Option<FrameId>) -> FrameId {
        let id = FrameId(self.frames.len() as u32);
        self.frames.push(Frame { may_enter: true, may_leave: true, parent, ..Frame::default() });
        id
    }

    pub(crate) fn frame(&mut self, id: FrameId) -> &mut Frame {
        &mut self.frames[id.0 as usize]
    }
}
