//! The binding layer: WASI 0.2's functions defined in a component
//! [`Linker`] through the dynamic [`Val`] API, each converting its
//! parameters, calling the host logic of [`host`](super::host) and
//! converting the result. Only this layer knows about `Val`, so moving to
//! typed bindings later leaves the host logic as it is.
//!
//! Every interface is a table of functions (and resources with their
//! destructors), so the tests can call a function exactly as the linker
//! would, without a component.

mod cli;
mod filesystem;
mod io;
mod misc;
mod val;

use super::{WasiCtxView, WasiView};
use anyhow::{bail, Result};
use kiln::component::{Linker, LinkerInstance, ResourceType, Val};

/// The WASI 0.2 version the functions are defined under. Kiln's component
/// linker lets a component importing any 0.2.x version use them.
pub const WASI_VERSION: &str = "0.2.12";

/// A host function: parameters in, the result (if the WIT function has
/// one) out, or a trap.
pub(crate) type HostFn = fn(&mut WasiCtxView<'_>, &[Val]) -> Result<Option<Val>>;

/// A resource's destructor, given the rep of the handle the guest dropped.
pub(crate) type Dtor = fn(&mut WasiCtxView<'_>, u32) -> Result<()>;

/// A resource an interface defines: its WIT name, its host type and its
/// destructor.
pub(crate) type ResourceDef = (&'static str, fn() -> ResourceType, Dtor);

/// One interface: its name without the version, its resources and its
/// functions under their WIT (mangled) names.
pub(crate) struct Interface {
    pub name: &'static str,
    pub resources: &'static [ResourceDef],
    pub funcs: &'static [(&'static str, HostFn)],
}

pub(crate) static INTERFACES: &[&Interface] = &[
    &io::ERROR,
    &io::POLL,
    &io::STREAMS,
    &cli::ENVIRONMENT,
    &cli::EXIT,
    &cli::STDIN,
    &cli::STDOUT,
    &cli::STDERR,
    &cli::TERMINAL_INPUT,
    &cli::TERMINAL_OUTPUT,
    &cli::TERMINAL_STDIN,
    &cli::TERMINAL_STDOUT,
    &cli::TERMINAL_STDERR,
    &misc::MONOTONIC_CLOCK,
    &misc::WALL_CLOCK,
    &filesystem::TYPES,
    &filesystem::PREOPENS,
    &misc::RANDOM,
    &misc::INSECURE,
    &misc::INSECURE_SEED,
];

/// Defines every WASI 0.2 interface this crate implements (see the
/// [module docs](super)) in `linker`, under `@0.2.12`. The store's data
/// gives the context and resource table through [`WasiView`].
pub fn add_to_linker_sync<T: WasiView + 'static>(linker: &mut Linker<T>) -> Result<()> {
    for iface in INTERFACES {
        let mut inst = linker.instance(&format!("{}@{WASI_VERSION}", iface.name))?;
        define(&mut inst, iface)?;
    }
    Ok(())
}

fn define<T: WasiView + 'static>(inst: &mut LinkerInstance<'_, T>, iface: &'static Interface) -> Result<()> {
    for &(name, ty, dtor) in iface.resources {
        inst.resource(name, ty(), move |mut store, rep| dtor(&mut store.data_mut().ctx(), rep))?;
    }
    // The functions that move bytes are defined typed instead of from the
    // table.
    let typed: &[&str] = if iface.name == io::STREAMS.name {
        io::define_typed(inst)?;
        io::TYPED
    } else if iface.name == filesystem::TYPES.name {
        filesystem::define_typed(inst)?;
        filesystem::TYPED
    } else {
        &[]
    };
    for &(name, f) in iface.funcs {
        if typed.contains(&name) {
            continue;
        }
        inst.func_new(name, move |mut store, params, results| {
            let result = f(&mut store.data_mut().ctx(), params)?;
            store_result(iface.name, name, result, results)
        })?;
    }
    Ok(())
}

fn store_result(iface: &str, name: &str, result: Option<Val>, results: &mut [Val]) -> Result<()> {
    match (result, results.first_mut()) {
        (Some(v), Some(slot)) => *slot = v,
        (None, None) => {}
        (Some(_), None) => bail!("`{iface}#{name}` returns a value but the import has no result"),
        (None, Some(_)) => bail!("`{iface}#{name}` returns nothing but the import has a result"),
    }
    Ok(())
}

/// Finds a function by interface and name (for tests).
#[cfg(test)]
pub(crate) fn lookup(iface: &str, name: &str) -> HostFn {
    let i = INTERFACES.iter().find(|i| i.name == iface).unwrap_or_else(|| panic!("no interface {iface}"));
    i.funcs.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("no function {iface}#{name}")).1
}

/// Finds a resource destructor by interface and resource name (for
/// tests).
#[cfg(test)]
pub(crate) fn lookup_dtor(iface: &str, name: &str) -> Dtor {
    let i = INTERFACES.iter().find(|i| i.name == iface).unwrap_or_else(|| panic!("no interface {iface}"));
    i.resources.iter().find(|(n, _, _)| *n == name).unwrap_or_else(|| panic!("no resource {iface}/{name}")).2
}
