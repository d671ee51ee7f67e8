//! Resource types and the host's handles to resources.
//!
//! A resource type is either defined by the host ([`ResourceType::host`],
//! one per Rust type) or by a component; a component's resource type is
//! fresh for every instantiation of the component that defines it, so two
//! instances of one component do not accept each other's handles.
//!
//! The host sees a resource as a [`Resource<T>`] (a host-defined type,
//! whose `rep` is usually an index into the host's
//! [`ResourceTable`](super::ResourceTable)) or as a [`ResourceAny`] (any
//! type, for the dynamic [`Val`](super::Val) API and for guest-defined
//! resources).

use std::any::TypeId;
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{bail, Result};

/// The type of a resource: host-defined, or defined by one instance of a
/// component.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResourceType(pub(crate) ResourceKind);

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) enum ResourceKind {
    /// Defined by the host for the Rust type with this id.
    Host(TypeId),
    /// Defined by a component instance: unique over the process's life.
    Guest(u64),
}

impl ResourceType {
    /// The resource type the host defines for the Rust type `T`.
    pub fn host<T: 'static>() -> ResourceType {
        ResourceType(ResourceKind::Host(TypeId::of::<T>()))
    }

    /// A fresh guest resource type, for one definition in one instantiation.
    pub(crate) fn fresh_guest() -> ResourceType {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        ResourceType(ResourceKind::Guest(NEXT.fetch_add(1, Ordering::Relaxed)))
    }
}

impl fmt::Debug for ResourceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            ResourceKind::Host(_) => write!(f, "ResourceType(host)"),
            ResourceKind::Guest(n) => write!(f, "ResourceType(guest #{n})"),
        }
    }
}

/// A handle the host holds to a resource of the host-defined type `T`.
///
/// `rep` is the host's representation of the resource: Kiln gives it to
/// the guest's handle table and back unchanged. With a
/// [`ResourceTable`](super::ResourceTable) it is the entry's index.
/// An owned handle given to the guest moves ownership to the guest; a
/// borrowed one is valid only during the call that lends it.
pub struct Resource<T: 'static> {
    rep: u32,
    owned: bool,
    _marker: PhantomData<fn() -> T>,
}

impl<T: 'static> Resource<T> {
    /// An owned handle to the resource with representation `rep`.
    pub fn new_own(rep: u32) -> Resource<T> {
        Resource { rep, owned: true, _marker: PhantomData }
    }

    /// A borrowed handle to the resource with representation `rep`.
    pub fn new_borrow(rep: u32) -> Resource<T> {
        Resource { rep, owned: false, _marker: PhantomData }
    }

    /// The resource's representation.
    pub fn rep(&self) -> u32 {
        self.rep
    }

    /// Whether this handle owns the resource (else it borrows it).
    pub fn owned(&self) -> bool {
        self.owned
    }

    /// This handle as a [`ResourceAny`], for the dynamic API.
    pub fn try_into_resource_any(self) -> Result<ResourceAny> {
        Ok(ResourceAny { ty: ResourceType::host::<T>(), rep: self.rep, owned: self.owned })
    }

    /// The handle `any` as a handle of type `T`, if it is of that type.
    pub fn try_from_resource_any(any: ResourceAny) -> Result<Resource<T>> {
        any.try_into_resource()
    }
}

impl<T: 'static> fmt::Debug for Resource<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resource").field("rep", &self.rep).field("owned", &self.owned).finish()
    }
}

/// A handle to a resource of any type: what the dynamic
/// [`Val`](super::Val) API carries for `own` and `borrow` values.
///
/// For a host-defined type, `rep` is the host's representation, as in
/// [`Resource<T>`]. For a guest-defined type it is the guest's
/// representation; an owned one is destroyed with
/// [`ResourceAny::resource_drop`], which runs the guest's destructor.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct ResourceAny {
    pub(crate) ty: ResourceType,
    pub(crate) rep: u32,
    pub(crate) owned: bool,
}

impl ResourceAny {
    /// The resource's type.
    pub fn ty(&self) -> ResourceType {
        self.ty
    }

    /// Whether this handle owns the resource (else it borrows it).
    pub fn owned(&self) -> bool {
        self.owned
    }

    /// The resource's representation.
    pub fn rep(&self) -> u32 {
        self.rep
    }

    /// Drops the resource this handle owns, running its destructor (the
    /// guest's, for a guest-defined type; the linker's, for a host type).
    /// A borrowed handle is only forgotten.
    pub fn resource_drop(self, mut store: impl crate::AsContextMut) -> Result<()> {
        if !self.owned {
            return Ok(());
        }
        super::call::drop_resource(store.as_context_mut().0, self.ty, self.rep)
    }

    /// This handle as a [`Resource<T>`], if its type is `T`'s host type.
    pub fn try_into_resource<T: 'static>(self) -> Result<Resource<T>> {
        if self.ty != ResourceType::host::<T>() {
            bail!("resource handle is of another type than `{}`", std::any::type_name::<T>());
        }
        Ok(Resource { rep: self.rep, owned: self.owned, _marker: PhantomData })
    }
}
