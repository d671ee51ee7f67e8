//! Globals as the embedding API shows them.

use crate::store::{AsContext, AsContextMut};
use crate::types::{GlobalType, Mutability};
use crate::values::Val;
use crate::vm::{GlobalId, StoreId, StoreOpaque, ValRaw};
use anyhow::{bail, Result};

/// A global variable: a handle into its store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Global {
    pub(crate) store: StoreId,
    pub(crate) index: GlobalId,
}

impl Global {
    /// A new global of type `ty` holding `value`.
    pub fn new(mut store: impl AsContextMut, ty: GlobalType, value: Val) -> Result<Global> {
        let store = &mut store.as_context_mut().0.opaque;
        let value = value.to_raw(store, ty.content())?;
        let index = store.push_host_global(ty, value.get_v128());
        Ok(Global { store: store.id, index })
    }

    fn check(&self, store: &StoreOpaque) -> Result<()> {
        if store.id != self.store {
            bail!("global used with the wrong store");
        }
        Ok(())
    }

    /// The current value.
    ///
    /// # Panics
    /// When used with another store than the global's own.
    pub fn get(&self, store: impl AsContext) -> Val {
        let store = &store.as_context().0.opaque;
        self.check(store).expect("Global::get");
        let ty = store.globals[self.index.index()].ty;
        Val::from_raw(store, ty.content(), ValRaw::v128(store.global_get(self.index)))
    }

    /// Sets the value: errors when the global is immutable or the value has
    /// the wrong type.
    pub fn set(&self, mut store: impl AsContextMut, value: Val) -> Result<()> {
        let store = &mut store.as_context_mut().0.opaque;
        self.check(store)?;
        let ty = store.globals[self.index.index()].ty;
        if ty.mutability() == Mutability::Const {
            bail!("immutable global cannot be set");
        }
        let v = value.to_raw(store, ty.content())?;
        store.global_set(self.index, v.get_v128());
        Ok(())
    }

    /// The global's type.
    ///
    /// # Panics
    /// When used with another store than the global's own.
    pub fn ty(&self, store: impl AsContext) -> GlobalType {
        let store = &store.as_context().0.opaque;
        self.check(store).expect("Global::ty");
        store.globals[self.index.index()].ty
    }
}
