//! The component-model half of the spec-test runner: component modules
//! (binary, text, quoted), their definitions and instances, `register`,
//! `invoke` and `assert_return` with component values, and the
//! `assert_trap` / `assert_invalid` / `assert_malformed` /
//! `assert_unlinkable` directives for components.

use std::collections::BTreeSet;

use anyhow::{anyhow, bail, Result};
use kiln::component::{self, Component, Val};
use kiln::Trap;
use wast::component::WastVal;
use wast::{QuoteWat, WastArg, WastExecute, WastInvoke, WastRet, Wat};

use super::{wording, Outcome, Runner, Target};

/// What a component's own failures say first (`component/call.rs`):
/// Kiln has no typed component trap yet, so this prefix is how a trap of
/// the canonical ABI's run-time rules is told apart from an embedding
/// error (a wrong argument, a missing export) that must not pass as one.
const COMPONENT_TRAP_PREFIX: &str = "component trap: ";

/// Whether `e` is a trap: a core trap in guest code, or a trap of the
/// component runtime. Anything else (a link error, a wrong argument, an
/// export that is not there) is not.
pub(super) fn is_trap(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<Trap>().is_some() || c.to_string().starts_with(COMPONENT_TRAP_PREFIX))
}

/// Whether `module` is a component (text, binary or quoted).
pub(super) fn is_component(module: &QuoteWat<'_>) -> bool {
    matches!(module, QuoteWat::Wat(Wat::Component(_)) | QuoteWat::QuoteComponent(..))
}

/// The name a script gives a component, if any.
pub(super) fn component_name(module: &QuoteWat<'_>) -> Option<String> {
    match module {
        QuoteWat::Wat(Wat::Component(c)) => c.id.map(|id| id.name().to_string()),
        _ => None,
    }
}

impl Runner {
    /// Compiles a component written in the script. A text component that
    /// the text parser refuses is an error here: only `assert_malformed`
    /// accepts that, and it does not come through this path.
    pub(super) fn compile_component(&self, module: &mut QuoteWat<'_>) -> Result<Component> {
        let bytes = module.encode().map_err(|e| anyhow!("text parse error: {e}"))?;
        Component::from_binary(&self.engine, &bytes)
    }

    pub(super) fn instantiate_component(&mut self, component: &Component) -> Result<component::Instance> {
        self.component_linker.instantiate(&mut self.store, component)
    }

    /// `(component ...)`: compile and instantiate; `(component definition
    /// ...)`: compile only.
    pub(super) fn component_module(&mut self, mut module: QuoteWat<'_>, instantiate: bool) -> Result<Outcome> {
        let name = component_name(&module);
        let component = self.compile_component(&mut module)?;
        if !instantiate {
            if let Some(name) = name {
                self.component_definitions.insert(name, component);
            }
            return Ok(Outcome::Pass);
        }
        let instance = self.instantiate_component(&component)?;
        if let Some(name) = name {
            self.instances.insert(name, Target::Component(instance));
        }
        self.current = Some(Target::Component(instance));
        Ok(Outcome::Pass)
    }

    /// `(register "name" $instance)` of a component instance: later
    /// components may import `name` as an instance whose exports are the
    /// registered instance's functions. Each forwards to the registered
    /// function, so a call goes through the canonical ABI twice (lowered
    /// into the host's values and lifted again), as between components.
    pub(super) fn register_component(&mut self, name: &str, instance: component::Instance) -> Result<Outcome> {
        let mut funcs = Vec::new();
        for export in instance.export_names(&self.store) {
            match instance.get_func(&mut self.store, export.as_str()) {
                Some(f) => funcs.push((export, f)),
                None => bail!(
                    "cannot register `{name}`: its export `{export}` is not a function, and only functions \
                     can be registered from a component instance"
                ),
            }
        }
        let mut linker = self.component_linker.instance(name)?;
        for (export, func) in funcs {
            linker.func_new(&export, move |store, params, results| func.call(store, params, results))?;
        }
        Ok(Outcome::Pass)
    }

    /// An `invoke` of a component instance's export.
    pub(super) fn invoke_component(
        &mut self,
        instance: component::Instance,
        invoke: &WastInvoke<'_>,
    ) -> Result<Vec<Val>> {
        let func = instance
            .get_func(&mut self.store, invoke.name)
            .ok_or_else(|| anyhow!("no function export named {:?}", invoke.name))?;
        let mut args = Vec::with_capacity(invoke.args.len());
        for arg in &invoke.args {
            let WastArg::Component(arg) = arg else { bail!("a core argument passed to a component function") };
            args.push(val(arg)?);
        }
        // A placeholder the call overwrites; its type is not checked.
        let mut results = match func.result(&self.store) {
            Some(_) => vec![Val::Bool(false)],
            None => Vec::new(),
        };
        func.call(&mut self.store, &args, &mut results)?;
        Ok(results)
    }

    /// `assert_return` of a component function's results.
    pub(super) fn assert_component_return(&mut self, actual: &[Val], expected: &[WastRet<'_>]) -> Result<Outcome> {
        if actual.len() != expected.len() {
            bail!("expected {} results, got {}", expected.len(), actual.len());
        }
        for (i, (v, e)) in actual.iter().zip(expected).enumerate() {
            let WastRet::Component(e) = e else { bail!("a core result expected from a component function") };
            if !matches(v, e) {
                bail!("result {i}: expected {e:?}, got {v:?}");
            }
        }
        Ok(Outcome::Pass)
    }

    /// `assert_trap` of a component: the instantiation or call must trap
    /// (see [`is_trap`]); the wording is compared like the core runner's.
    pub(super) fn assert_component_trap(&mut self, exec: WastExecute<'_>, message: &str) -> Result<Outcome> {
        let result = match exec {
            WastExecute::Wat(Wat::Component(c)) => {
                let mut module = QuoteWat::Wat(Wat::Component(c));
                let component = self.compile_component(&mut module)?;
                self.instantiate_component(&component).map(|_| Vec::new())
            }
            WastExecute::Invoke(invoke) => match self.target(invoke.module.map(|m| m.name()))? {
                Target::Component(instance) => self.invoke_component(instance, &invoke),
                Target::Core(_) => bail!("internal: a core invoke reached the component runner"),
            },
            other => bail!("unsupported component assert_trap {other:?}"),
        };
        match result {
            Ok(vals) => bail!("expected a trap ({message}), got {vals:?}"),
            Err(e) if is_trap(&e) => Ok(wording(message, &e)),
            Err(e) => bail!("expected a trap ({message}), got: {e:#}"),
        }
    }

    /// `assert_malformed` / `assert_invalid` of a component. wasmparser
    /// decodes a component's sections as it validates them, and its errors
    /// do not say which of the two failed, so either rejection counts for
    /// both; but an `assert_invalid` component must reach Kiln: one that
    /// the text parser refuses fails the directive.
    pub(super) fn assert_component_rejected(
        &mut self,
        mut module: QuoteWat<'_>,
        message: &str,
        malformed: bool,
    ) -> Result<Outcome> {
        let bytes = match super::rejected_binary(&mut module, message, malformed, "component")? {
            Ok(bytes) => bytes,
            Err(outcome) => return Ok(outcome),
        };
        match Component::from_binary(&self.engine, &bytes) {
            Ok(_) => bail!("expected the component to be rejected ({message}), but it compiled"),
            Err(e) => Ok(wording(message, &e)),
        }
    }

    /// `assert_unlinkable` of a component: it compiles, and instantiating
    /// it fails without a trap.
    pub(super) fn assert_component_unlinkable(&mut self, module: Wat<'_>, message: &str) -> Result<Outcome> {
        let mut module = QuoteWat::Wat(module);
        let component = self.compile_component(&mut module).map_err(|e| e.context("component must compile"))?;
        match self.instantiate_component(&component) {
            Ok(_) => bail!("expected a link error ({message}), but instantiation succeeded"),
            Err(e) if is_trap(&e) => bail!("expected a link error ({message}), got a trap: {e:#}"),
            Err(e) => Ok(wording(message, &e)),
        }
    }
}

/// The runtime value a script's component value stands for.
fn val(v: &WastVal<'_>) -> Result<Val> {
    let boxed = |v: &Option<Box<WastVal<'_>>>| -> Result<Option<Box<Val>>> {
        v.as_deref().map(|v| val(v).map(Box::new)).transpose()
    };
    Ok(match v {
        WastVal::Bool(b) => Val::Bool(*b),
        WastVal::U8(n) => Val::U8(*n),
        WastVal::S8(n) => Val::S8(*n),
        WastVal::U16(n) => Val::U16(*n),
        WastVal::S16(n) => Val::S16(*n),
        WastVal::U32(n) => Val::U32(*n),
        WastVal::S32(n) => Val::S32(*n),
        WastVal::U64(n) => Val::U64(*n),
        WastVal::S64(n) => Val::S64(*n),
        WastVal::F32(f) => Val::Float32(f32::from_bits(f.bits)),
        WastVal::F64(f) => Val::Float64(f64::from_bits(f.bits)),
        WastVal::Char(c) => Val::Char(*c),
        WastVal::String(s) => Val::String(s.to_string()),
        WastVal::List(items) => Val::List(items.iter().map(val).collect::<Result<_>>()?),
        // The canonical ABI passes a map as a list of key/value pairs,
        // and `Val` represents it so.
        WastVal::Map(entries) => {
            Val::List(entries.iter().map(|(k, v)| Ok(Val::Tuple(vec![val(k)?, val(v)?]))).collect::<Result<_>>()?)
        }
        WastVal::Record(fields) => {
            Val::Record(fields.iter().map(|(n, v)| Ok((n.to_string(), val(v)?))).collect::<Result<_>>()?)
        }
        WastVal::Tuple(items) => Val::Tuple(items.iter().map(val).collect::<Result<_>>()?),
        WastVal::Variant(name, payload) => Val::Variant(name.to_string(), boxed(payload)?),
        WastVal::Enum(name) => Val::Enum(name.to_string()),
        WastVal::Option(payload) => Val::Option(boxed(payload)?),
        WastVal::Result(Ok(payload)) => Val::Result(Ok(boxed(payload)?)),
        WastVal::Result(Err(payload)) => Val::Result(Err(boxed(payload)?)),
        WastVal::Flags(names) => Val::Flags(names.iter().map(|n| n.to_string()).collect()),
    })
}

/// Whether the value a function returned is the one the script expects.
fn matches(actual: &Val, expected: &WastVal<'_>) -> bool {
    let payload = |a: &Option<Box<Val>>, e: &Option<Box<WastVal<'_>>>| match (a, e) {
        (None, None) => true,
        (Some(a), Some(e)) => matches(a, e),
        _ => false,
    };
    let all = |a: &[Val], e: &[WastVal<'_>]| a.len() == e.len() && a.iter().zip(e).all(|(a, e)| matches(a, e));
    match (actual, expected) {
        (Val::Bool(a), WastVal::Bool(e)) => a == e,
        (Val::U8(a), WastVal::U8(e)) => a == e,
        (Val::S8(a), WastVal::S8(e)) => a == e,
        (Val::U16(a), WastVal::U16(e)) => a == e,
        (Val::S16(a), WastVal::S16(e)) => a == e,
        (Val::U32(a), WastVal::U32(e)) => a == e,
        (Val::S32(a), WastVal::S32(e)) => a == e,
        (Val::U64(a), WastVal::U64(e)) => a == e,
        (Val::S64(a), WastVal::S64(e)) => a == e,
        // Component floats have one NaN: the canonical ABI does not keep a
        // NaN's bits across the boundary, so any NaN matches a NaN; other
        // values match bit for bit (so -0 is not 0).
        (Val::Float32(a), WastVal::F32(e)) => {
            let e = f32::from_bits(e.bits);
            if e.is_nan() {
                a.is_nan()
            } else {
                a.to_bits() == e.to_bits()
            }
        }
        (Val::Float64(a), WastVal::F64(e)) => {
            let e = f64::from_bits(e.bits);
            if e.is_nan() {
                a.is_nan()
            } else {
                a.to_bits() == e.to_bits()
            }
        }
        (Val::Char(a), WastVal::Char(e)) => a == e,
        (Val::String(a), WastVal::String(e)) => a == e,
        (Val::List(a), WastVal::List(e)) => all(a, e),
        (Val::List(a), WastVal::Map(e)) => {
            a.len() == e.len()
                && a.iter().zip(e).all(|(a, (k, v))| match a {
                    Val::Tuple(pair) if pair.len() == 2 => matches(&pair[0], k) && matches(&pair[1], v),
                    _ => false,
                })
        }
        (Val::Record(a), WastVal::Record(e)) => {
            a.len() == e.len() && a.iter().zip(e).all(|((an, av), (en, ev))| an == en && matches(av, ev))
        }
        (Val::Tuple(a), WastVal::Tuple(e)) => all(a, e),
        (Val::Variant(an, ap), WastVal::Variant(en, ep)) => an == en && payload(ap, ep),
        (Val::Enum(a), WastVal::Enum(e)) => a == e,
        (Val::Option(a), WastVal::Option(e)) => payload(a, e),
        (Val::Result(Ok(a)), WastVal::Result(Ok(e))) => payload(a, e),
        (Val::Result(Err(a)), WastVal::Result(Err(e))) => payload(a, e),
        // Flags are a set: the script may list them in any order.
        (Val::Flags(a), WastVal::Flags(e)) => {
            a.iter().map(String::as_str).collect::<BTreeSet<_>>() == e.iter().copied().collect::<BTreeSet<_>>()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_val(text: &str, f: impl FnOnce(&WastVal<'_>)) {
        let buf = wast::parser::ParseBuffer::new(text).unwrap();
        let v: WastVal<'_> = wast::parser::parse(&buf).unwrap();
        f(&v)
    }

    #[test]
    fn values_round_trip_and_match() {
        let cases = [
            "u32.const 7",
            "str.const \"hi\"",
            "list.const (u8.const 1) (u8.const 2)",
            "record.const (field \"a\" u32.const 1) (field \"b\" bool.const true)",
            "variant.const \"x\" (u32.const 3)",
            "option.some (s64.const -1)",
            "result.err (char.const \"c\")",
            "f32.const nan",
        ];
        for text in cases {
            parse_val(text, |v| assert!(matches(&val(v).unwrap(), v), "{text}"));
        }
    }

    #[test]
    fn mismatches_are_found() {
        parse_val("record.const (field \"a\" u32.const 1)", |v| {
            assert!(!matches(&Val::Record(vec![("b".into(), Val::U32(1))]), v));
            assert!(!matches(&Val::Record(vec![("a".into(), Val::U32(2))]), v));
        });
        parse_val("f32.const 0", |v| assert!(!matches(&Val::Float32(-0.0), v)));
        parse_val("flags.const \"a\" \"b\"", |v| {
            assert!(matches(&Val::Flags(vec!["b".into(), "a".into()]), v));
            assert!(!matches(&Val::Flags(vec!["a".into()]), v));
        });
    }
}

#[cfg(test)]
mod script_tests {
    use crate::wast::run_source;
    use kiln::Config;

    const DOUBLER: &str = r#"
        (component $a
          (core module $m (func (export "double") (param i32) (result i32)
            (i32.mul (local.get 0) (i32.const 2))))
          (core instance $i (instantiate $m))
          (func (export "double") (param "x" u32) (result u32) (canon lift (core func $i "double"))))
    "#;

    fn run(script: &str) -> crate::wast::FileReport {
        run_source(script, &Config::new()).unwrap()
    }

    #[test]
    fn registered_component_instances_are_imports() {
        let script = format!(
            r#"{DOUBLER}
            (register "doubler" $a)
            (component $b
              (import "doubler" (instance $d (export "double" (func (param "x" u32) (result u32)))))
              (alias export $d "double" (func $double))
              (core func $double' (canon lower (func $double)))
              (core module $m
                (import "" "double" (func $double (param i32) (result i32)))
                (func (export "quadruple") (param i32) (result i32)
                  (call $double (call $double (local.get 0)))))
              (core instance $i (instantiate $m (with "" (instance (export "double" (func $double'))))))
              (func (export "quadruple") (param "x" u32) (result u32) (canon lift (core func $i "quadruple"))))
            (assert_return (invoke "quadruple" (u32.const 5)) (u32.const 20))
            (assert_return (invoke $a "double" (u32.const 5)) (u32.const 10))"#
        );
        let report = run(&script);
        assert!(report.failures.is_empty(), "{:?}", report.failures);
        assert_eq!(report.passed, 5);
    }

    #[test]
    fn wrong_results_and_non_traps_fail() {
        let script = format!(
            r#"{DOUBLER}
            (assert_return (invoke "double" (u32.const 5)) (u32.const 11))
            (assert_return (invoke "double" (u32.const 5)) (s32.const 10))
            (assert_trap (invoke "double" (u32.const 5)) "unreachable")
            (assert_trap (invoke "double" (s32.const 5)) "wrong type")
            (assert_trap (invoke "missing") "unreachable")
            (assert_invalid (component (core module $m) (core instance (instantiate $m))) "valid")
            (assert_invalid (component (core module $m) (core instance (instantiate 7))) "index")"#
        );
        let report = run(&script);
        let lines: Vec<usize> = report.failures.iter().map(|f| f.line).collect();
        // A wrong value, a wrong type, a call that returns, an argument of
        // the wrong type and a missing export (not traps), and a valid
        // component all fail; the invalid component passes.
        assert_eq!(lines, [8, 9, 10, 11, 12, 13], "{:?}", report.failures);
        assert_eq!(report.passed, 2);
    }

    #[test]
    fn component_traps_pass_assert_trap() {
        let script = r#"
            (component
              (core module $m (func (export "f") unreachable))
              (core instance $i (instantiate $m))
              (func (export "f") (canon lift (core func $i "f"))))
            (assert_trap (invoke "f") "unreachable")
            (assert_trap (invoke "f") "cannot enter component instance")
            (component
              (core module $m (func (export "c") (result i32) (i32.const 0xd800)))
              (core instance $i (instantiate $m))
              (func (export "c") (result char) (canon lift (core func $i "c"))))
            (assert_trap (invoke "c") "invalid `char` bit pattern")
            (assert_malformed (component quote "(func") "unexpected end")
            (assert_malformed (component binary "\00asm" "\0d\00\01") "unexpected end")"#;
        let report = run(script);
        assert!(report.failures.is_empty(), "{:?}", report.failures);
        assert_eq!(report.passed, 7);
    }
}
