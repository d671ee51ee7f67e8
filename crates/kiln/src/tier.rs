//! The one place that knows the tiers: picks the one `Config::strategy`
//! asks for and runs it over a module. The API calls this, never a tier.

use crate::compile::serial::{Reader, Writer};
use crate::compile::{self, CompileError};
use crate::config::Strategy;
use crate::engine::Engine;
use crate::vm::{self, ModuleArtifacts, SharedBytes};
use crate::{interp, jit};

/// Whether the Cranelift tier can run on this host.
pub(crate) const JIT_AVAILABLE: bool =
    cfg!(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64")));

/// Whether the engine compiles with the JIT.
pub(crate) fn uses_jit(config: &crate::Config) -> bool {
    match config.strategy {
        Strategy::Cranelift => true,
        Strategy::Auto => JIT_AVAILABLE,
        Strategy::Interpreter => false,
    }
}

/// Decodes, validates and compiles `binary` with the engine's tier.
pub(crate) fn compile_module(engine: &Engine, binary: SharedBytes) -> Result<ModuleArtifacts, CompileError> {
    compile_with(engine, binary, uses_jit(engine.config()))
}

/// Compiles `binary` with the JIT or the interpreter.
fn compile_with(engine: &Engine, binary: SharedBytes, jit: bool) -> Result<ModuleArtifacts, CompileError> {
    let config = engine.config();
    let (info, code) = match jit {
        true => {
            let mut compiler = jit::Compiler::new(config.wasm2_encoding);
            let info = compile::compile(engine, &binary, &mut compiler)?;
            if compiler.over_budget().is_some() {
                // A function Cranelift would take time or memory out of
                // proportion to compile (hostile input, in practice): the
                // interpreter runs this module.
                drop(info);
                return compile_with(engine, binary, false);
            }
            // Memories get the full reservation (and a guard region) when
            // the configuration asks for it: code without bounds checks first.
            let guard = guarded_memories(config);
            let features = compile::decoding_features(config);
            let code =
                compiler.finish(&info, &binary, features, guard, config.parallel_compilation, config.interrupts())?;
            (info, code)
        }
        false => {
            let mut compiler = interp::Compiler::new(config);
            let info = compile::compile(engine, &binary, &mut compiler)?;
            (info, compiler.finish()?)
        }
    };
    Ok(ModuleArtifacts { engine: engine.clone(), info, code, wasm: binary })
}

/// Whether the JIT's code for this configuration omits bounds checks
/// (memories get the full reservation and a guard region).
pub(crate) fn guarded_memories(config: &crate::Config) -> bool {
    config.memory_reservation >= vm::FULL_RESERVATION
}

/// A precompiled module's code: the interpreter's is compiled again when
/// loaded (from the module's binary, which the artifact holds).
const TIER_INTERPRETER: u8 = 0;
/// Machine code, loaded as it is.
const TIER_JIT: u8 = 1;

/// Writes the tier's code of a compiled module.
pub(crate) fn serialize_code(code: &dyn vm::CompiledCode, w: &mut Writer) {
    // The tag goes first; the JIT's code, if any, follows it.
    let at = w.position();
    w.u8(TIER_JIT);
    if !jit::serialize(code, w) {
        w.bytes[at] = TIER_INTERPRETER;
    }
}

/// Loads a module from its binary and the code `serialize_code` wrote.
pub(crate) fn deserialize_code(
    engine: &Engine,
    wasm: SharedBytes,
    r: &mut Reader<'_>,
    backing: jit::Backing<'_>,
) -> anyhow::Result<ModuleArtifacts> {
    let config = engine.config();
    match r.u8()? {
        TIER_INTERPRETER => Ok(compile_with(engine, wasm, false)?),
        TIER_JIT if JIT_AVAILABLE => {
            // The bodies were validated when the code was compiled.
            let mut bodies = jit::BodyRanges::default();
            let info = compile::compile(engine, &wasm, &mut bodies)?;
            let recompile = jit::Source {
                wasm: wasm.clone(),
                bodies: bodies.bodies,
                features: compile::decoding_features(config),
                parallel: config.parallel_compilation,
                interrupts: config.interrupts(),
            };
            let code = jit::deserialize(&info, r, backing, recompile)?;
            Ok(ModuleArtifacts { engine: engine.clone(), info, code, wasm })
        }
        TIER_JIT => anyhow::bail!("the precompiled module holds machine code, which this host cannot run"),
        _ => anyhow::bail!("the precompiled module is corrupt (unknown tier)"),
    }
}

#[cfg(test)]
mod tests {
    //! Both tiers in one store: compiled code calls interpreted functions
    //! and the reverse, with traps crossing both ways. (An engine has one
    //! strategy, so this builds the modules below the API.)

    use super::compile_with;
    use crate::{Engine, Extern, Instance, Module, Store, Trap};
    use std::sync::Arc;

    fn module(engine: &Engine, wat: &str, jit: bool) -> Module {
        let binary = wat::parse_str(wat).unwrap();
        Module::from_artifacts_arc(Arc::new(compile_with(engine, binary.into(), jit).unwrap()))
    }

    fn trap_of(err: anyhow::Error) -> Trap {
        *err.downcast_ref::<Trap>().unwrap_or_else(|| panic!("not a trap: {err:?}"))
    }

    #[test]
    fn tiers_call_each_other_and_traps_cross_both_ways() {
        if !super::JIT_AVAILABLE {
            return;
        }
        let engine = Engine::default();
        let mut store = Store::new(&engine, ());
        let inner = module(
            &engine,
            r#"(module
                 (func (export "add1") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
                 (func (export "trap") unreachable))"#,
            false,
        );
        let middle = module(
            &engine,
            r#"(module
                 (import "i" "add1" (func $add1 (param i32) (result i32)))
                 (import "i" "trap" (func $itrap))
                 (table (export "t") 2 funcref)
                 (elem (i32.const 0) $add1)
                 (type $i2i (func (param i32) (result i32)))
                 (func (export "triple") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
                 (func (export "via_interp") (param i32) (result i32)
                   (i32.mul (call $add1 (local.get 0)) (i32.const 10)))
                 (func (export "indirect") (param i32) (result i32)
                   (call_indirect (type $i2i) (local.get 0) (i32.const 0)))
                 (func (export "jit_trap") (result i32) (i32.div_u (i32.const 1) (i32.const 0)))
                 (func (export "interp_trap_via_jit") (call $itrap)))"#,
            true,
        );
        let outer = module(
            &engine,
            r#"(module
                 (import "m" "triple" (func $triple (param i32) (result i32)))
                 (import "m" "via_interp" (func $via (param i32) (result i32)))
                 (import "m" "jit_trap" (func $jtrap (result i32)))
                 (import "m" "interp_trap_via_jit" (func $deep))
                 (func (export "run") (param i32) (result i32) (call $via (call $triple (local.get 0))))
                 (func (export "jit_trap") (result i32) (call $jtrap))
                 (func (export "deep_trap") (call $deep)))"#,
            false,
        );
        let i = Instance::new(&mut store, &inner, &[]).unwrap();
        let imports: Vec<Extern> = ["add1", "trap"].iter().map(|n| i.get_export(&mut store, n).unwrap()).collect();
        let m = Instance::new(&mut store, &middle, &imports).unwrap();
        let names = ["triple", "via_interp", "jit_trap", "interp_trap_via_jit"];
        let imports: Vec<Extern> = names.iter().map(|n| m.get_export(&mut store, n).unwrap()).collect();
        let o = Instance::new(&mut store, &outer, &imports).unwrap();

        // interpreter -> JIT -> interpreter.
        let run = o.get_typed_func::<i32, i32>(&mut store, "run").unwrap();
        assert_eq!(run.call(&mut store, 4).unwrap(), (4 * 3 + 1) * 10);
        // JIT -> interpreter through a table.
        let indirect = m.get_typed_func::<i32, i32>(&mut store, "indirect").unwrap();
        assert_eq!(indirect.call(&mut store, 41).unwrap(), 42);
        // A JIT trap seen by interpreted code, and an interpreter trap seen
        // through JIT code by interpreted code.
        let jit_trap = o.get_typed_func::<(), i32>(&mut store, "jit_trap").unwrap();
        assert_eq!(trap_of(jit_trap.call(&mut store, ()).unwrap_err()), Trap::IntegerDivisionByZero);
        let deep = o.get_typed_func::<(), ()>(&mut store, "deep_trap").unwrap();
        let err = deep.call(&mut store, ()).unwrap_err();
        assert!(err.to_string().contains("unreachable"), "{err}");
        assert_eq!(trap_of(err), Trap::UnreachableCodeReached);
        // The store is usable after all of it.
        assert_eq!(run.call(&mut store, 1).unwrap(), 40);
    }
}
