//! The spec-test runner: executes `.wast` scripts against Kiln.

use anyhow::{anyhow, bail, Context, Result};
use kiln::{
    CompileError, CompileErrorKind, Config, Engine, ExternRef, Global, GlobalType, Instance, Linker, Memory,
    MemoryType, Module, Mutability, Ref, RefType, Store, Table, TableType, Trap, Val, ValType, V128,
};
use std::collections::HashMap;
use std::path::Path;
use wast::core::{HeapType, NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::lexer::Lexer;
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, QuoteWatTest, Wast, WastArg, WastDirective, WastExecute, WastInvoke, WastRet, Wat};

mod component;

/// One directive that did not do what the script expects.
#[derive(Clone, Debug)]
pub struct Failure {
    /// 1-based line of the directive.
    pub line: usize,
    /// What went wrong.
    pub message: String,
}

/// An error that was right in kind but worded differently from the script:
/// information, not a failure (the wording is not normative).
#[derive(Clone, Debug)]
pub struct WordingMismatch {
    /// 1-based line of the directive.
    pub line: usize,
    /// The script's wording.
    pub expected: String,
    /// Kiln's message.
    pub actual: String,
}

/// The outcome of one script.
#[derive(Clone, Debug, Default)]
pub struct FileReport {
    /// Directives that did what the script expects.
    pub passed: usize,
    /// Directives that did not.
    pub failures: Vec<Failure>,
    /// Passing directives whose error message differed from the script's.
    pub wording: Vec<WordingMismatch>,
}

/// Runs one `.wast` file with the given configuration.
pub fn run_file(path: &Path, config: &Config) -> Result<FileReport> {
    let text = std::fs::read_to_string(path).with_context(|| format!("failed to read {}", path.display()))?;
    run_source(&text, config).with_context(|| format!("failed to run {}", path.display()))
}

/// Runs the text of a `.wast` script.
pub fn run_source(text: &str, config: &Config) -> Result<FileReport> {
    let mut lexer = Lexer::new(text);
    // names.wast uses bidirectional-text characters on purpose.
    lexer.allow_confusing_unicode(true);
    let buf = ParseBuffer::new_with_lexer(lexer).map_err(|e| anyhow!("{e}"))?;
    let wast = parser::parse::<Wast<'_>>(&buf).map_err(|e| anyhow!("{e}"))?;
    let engine = Engine::new(config)?;
    let mut runner = Runner::new(engine)?;
    let mut report = FileReport::default();
    for directive in wast.directives {
        let (line, _) = directive.span().linecol_in(text);
        let line = line + 1;
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runner.directive(directive)));
        match outcome {
            Ok(Ok(Outcome::Pass)) => report.passed += 1,
            Ok(Ok(Outcome::PassWording { expected, actual })) => {
                report.passed += 1;
                report.wording.push(WordingMismatch { line, expected, actual });
            }
            Ok(Err(e)) => report.failures.push(Failure { line, message: format!("{e:#}") }),
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                report.failures.push(Failure { line, message: format!("panic: {msg}") });
            }
        }
    }
    Ok(report)
}

enum Outcome {
    Pass,
    PassWording { expected: String, actual: String },
}

fn wording(expected: &str, err: &anyhow::Error) -> Outcome {
    let actual = format!("{err:#}");
    if actual.contains(expected) {
        Outcome::Pass
    } else {
        Outcome::PassWording { expected: expected.to_string(), actual }
    }
}

/// An instance a script can name: of a core module or of a component.
#[derive(Clone, Copy)]
enum Target {
    Core(Instance),
    Component(kiln::component::Instance),
}

struct Runner {
    engine: Engine,
    store: Store<()>,
    linker: Linker<()>,
    component_linker: kiln::component::Linker<()>,
    instances: HashMap<String, Target>,
    definitions: HashMap<String, Module>,
    component_definitions: HashMap<String, kiln::component::Component>,
    current: Option<Target>,
}

impl Runner {
    fn new(engine: Engine) -> Result<Runner> {
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        linker.allow_shadowing(true);
        define_spectest(&mut linker, &mut store)?;
        let mut component_linker = kiln::component::Linker::new(&engine);
        component_linker.allow_shadowing(true);
        Ok(Runner {
            engine,
            store,
            linker,
            component_linker,
            instances: HashMap::new(),
            definitions: HashMap::new(),
            component_definitions: HashMap::new(),
            current: None,
        })
    }

    fn directive(&mut self, directive: WastDirective<'_>) -> Result<Outcome> {
        if self.is_component_directive(&directive) {
            self.component_directive(directive)
        } else {
            self.core_directive(directive)
        }
    }

    /// Whether `directive` is about a component (a component module, or an
    /// instance of one) rather than a core module.
    fn is_component_directive(&self, directive: &WastDirective<'_>) -> bool {
        let names_component = |name: Option<&str>| matches!(self.target(name), Ok(Target::Component(_)));
        let execs_component = |exec: &WastExecute<'_>| match exec {
            WastExecute::Invoke(invoke) => names_component(invoke.module.map(|m| m.name())),
            WastExecute::Wat(wat) => matches!(wat, Wat::Component(_)),
            WastExecute::Get { .. } => false,
        };
        match directive {
            WastDirective::Module(module)
            | WastDirective::ModuleDefinition(module)
            | WastDirective::AssertMalformed { module, .. }
            | WastDirective::AssertInvalid { module, .. } => component::is_component(module),
            WastDirective::ModuleInstance { module, .. } => {
                module.is_some_and(|m| self.component_definitions.contains_key(m.name()))
            }
            WastDirective::Register { module, .. } => names_component(module.map(|m| m.name())),
            WastDirective::Invoke(invoke) => names_component(invoke.module.map(|m| m.name())),
            WastDirective::AssertReturn { exec, .. } | WastDirective::AssertTrap { exec, .. } => execs_component(exec),
            WastDirective::AssertUnlinkable { module, .. } => matches!(module, Wat::Component(_)),
            _ => false,
        }
    }

    fn component_directive(&mut self, directive: WastDirective<'_>) -> Result<Outcome> {
        match directive {
            WastDirective::Module(module) => self.component_module(module, true),
            WastDirective::ModuleDefinition(module) => self.component_module(module, false),
            WastDirective::ModuleInstance { instance, module, .. } => {
                let def = module.map(|m| m.name()).unwrap_or_default();
                let component = self
                    .component_definitions
                    .get(def)
                    .cloned()
                    .ok_or_else(|| anyhow!("no component definition named {def}"))?;
                let inst = Target::Component(self.instantiate_component(&component)?);
                if let Some(name) = instance {
                    self.instances.insert(name.name().to_string(), inst);
                }
                self.current = Some(inst);
                Ok(Outcome::Pass)
            }
            WastDirective::Register { name, module, .. } => match self.target(module.map(|m| m.name()))? {
                Target::Component(instance) => self.register_component(name, instance),
                Target::Core(_) => bail!("internal: a core register reached the component runner"),
            },
            WastDirective::Invoke(invoke) => {
                let instance = self.component_instance(invoke.module.map(|m| m.name()))?;
                self.invoke_component(instance, &invoke)?;
                Ok(Outcome::Pass)
            }
            WastDirective::AssertReturn { exec: WastExecute::Invoke(invoke), results, .. } => {
                let instance = self.component_instance(invoke.module.map(|m| m.name()))?;
                let actual = self.invoke_component(instance, &invoke)?;
                self.assert_component_return(&actual, &results)
            }
            WastDirective::AssertTrap { exec, message, .. } => self.assert_component_trap(exec, message),
            WastDirective::AssertMalformed { module, message, .. } => {
                self.assert_component_rejected(module, message, true)
            }
            WastDirective::AssertInvalid { module, message, .. } => {
                self.assert_component_rejected(module, message, false)
            }
            WastDirective::AssertUnlinkable { module, message, .. } => {
                self.assert_component_unlinkable(module, message)
            }
            other => bail!("unsupported component directive {other:?}"),
        }
    }

    fn core_directive(&mut self, directive: WastDirective<'_>) -> Result<Outcome> {
        match directive {
            WastDirective::Module(mut module) => {
                let name = module_name(&module);
                let bytes = module.encode().map_err(|e| anyhow!("text parse error: {e}"))?;
                let module = Module::from_binary(&self.engine, &bytes)?;
                let instance = self.instantiate(&module)?;
                if let Some(name) = name {
                    self.instances.insert(name, Target::Core(instance));
                }
                self.current = Some(Target::Core(instance));
                Ok(Outcome::Pass)
            }
            WastDirective::ModuleDefinition(mut module) => {
                let name = module_name(&module);
                let bytes = module.encode().map_err(|e| anyhow!("text parse error: {e}"))?;
                let module = Module::from_binary(&self.engine, &bytes)?;
                if let Some(name) = name {
                    self.definitions.insert(name, module);
                }
                Ok(Outcome::Pass)
            }
            WastDirective::ModuleInstance { instance, module, .. } => {
                let def =
                    module.map(|m| m.name().to_string()).ok_or_else(|| anyhow!("module instance needs a module"))?;
                let module =
                    self.definitions.get(&def).cloned().ok_or_else(|| anyhow!("no module definition named {def}"))?;
                let inst = self.instantiate(&module)?;
                if let Some(name) = instance {
                    self.instances.insert(name.name().to_string(), Target::Core(inst));
                }
                self.current = Some(Target::Core(inst));
                Ok(Outcome::Pass)
            }
            WastDirective::Register { name, module, .. } => {
                let instance = self.instance(module.map(|m| m.name()))?;
                self.linker.instance(&mut self.store, name, instance)?;
                Ok(Outcome::Pass)
            }
            WastDirective::Invoke(invoke) => {
                self.invoke(&invoke)?;
                Ok(Outcome::Pass)
            }
            WastDirective::AssertReturn { exec, results, .. } => {
                let actual = self.execute(exec)?;
                if actual.len() != results.len() {
                    bail!("expected {} results, got {}", results.len(), actual.len());
                }
                for (i, (v, expected)) in actual.iter().zip(&results).enumerate() {
                    let WastRet::Core(expected) = expected else { bail!("component results are not supported") };
                    if !self.matches(v, expected)? {
                        bail!("result {i}: expected {expected:?}, got {v:?}");
                    }
                }
                Ok(Outcome::Pass)
            }
            WastDirective::AssertTrap { exec, message, .. } => {
                let is_module = matches!(exec, WastExecute::Wat(_));
                match self.execute(exec) {
                    Ok(vals) => bail!("expected a trap ({message}), got {vals:?}"),
                    Err(e) => {
                        if e.downcast_ref::<Trap>().is_none() {
                            if is_module && e.downcast_ref::<CompileError>().is_none() {
                                // Instantiation failed for a reason other than a trap.
                                bail!("expected a trap ({message}) while instantiating, got: {e:#}");
                            }
                            bail!("expected a trap ({message}), got: {e:#}");
                        }
                        Ok(wording(message, &e))
                    }
                }
            }
            WastDirective::AssertExhaustion { call, message, .. } => match self.invoke(&call) {
                Ok(vals) => bail!("expected stack exhaustion, got {vals:?}"),
                Err(e) => match e.downcast_ref::<Trap>() {
                    Some(Trap::StackOverflow) => Ok(wording(message, &e)),
                    _ => bail!("expected stack exhaustion, got: {e:#}"),
                },
            },
            WastDirective::AssertMalformed { module, message, .. } => self.assert_rejected(module, message, true),
            WastDirective::AssertInvalid { module, message, .. } => self.assert_rejected(module, message, false),
            WastDirective::AssertUnlinkable { mut module, message, .. } => {
                let bytes = module.encode().map_err(|e| anyhow!("text parse error: {e}"))?;
                let module = Module::from_binary(&self.engine, &bytes).context("module must compile")?;
                match self.instantiate(&module) {
                    Ok(_) => bail!("expected a link error ({message}), but instantiation succeeded"),
                    Err(e) if e.downcast_ref::<Trap>().is_some() => {
                        bail!("expected a link error ({message}), got a trap: {e:#}")
                    }
                    Err(e) => Ok(wording(message, &e)),
                }
            }
            other => bail!("unsupported directive {other:?}"),
        }
    }

    /// assert_malformed / assert_invalid: the module must be rejected, and
    /// by the right phase. A text module that the text parser refuses
    /// counts as malformed.
    fn assert_rejected(&mut self, mut module: QuoteWat<'_>, message: &str, malformed: bool) -> Result<Outcome> {
        let is_binary =
            matches!(&module, QuoteWat::Wat(Wat::Module(m)) if matches!(m.kind, wast::core::ModuleKind::Binary(_)));
        let is_quote = matches!(module, QuoteWat::QuoteModule(..));
        let bytes = match rejected_binary(&mut module, message, malformed, "module")? {
            Ok(bytes) => bytes,
            Err(outcome) => return Ok(outcome),
        };
        let err = match Module::from_binary(&self.engine, &bytes) {
            Ok(_) => bail!("expected the module to be rejected ({message}), but it compiled"),
            Err(e) => e,
        };
        let kind = err.downcast_ref::<CompileError>().map(|c| c.kind());
        match (malformed, kind) {
            (true, Some(CompileErrorKind::Malformed)) | (false, Some(CompileErrorKind::Invalid)) => {}
            // The text and reference parsers split the work differently: a
            // quoted or text module that must be malformed may fail later.
            (true, Some(_)) if !is_binary || is_quote => {}
            (_, kind) => bail!(
                "expected the module to be {} ({message}), but it was rejected as {kind:?}: {err:#}",
                if malformed { "malformed" } else { "invalid" }
            ),
        }
        Ok(wording(message, &err))
    }

    /// The instance `name`, or the latest one.
    fn target(&self, name: Option<&str>) -> Result<Target> {
        match name {
            Some(name) => self.instances.get(name).copied().ok_or_else(|| anyhow!("no instance named {name}")),
            None => self.current.ok_or_else(|| anyhow!("no module instantiated yet")),
        }
    }

    fn instance(&self, name: Option<&str>) -> Result<Instance> {
        match self.target(name)? {
            Target::Core(i) => Ok(i),
            Target::Component(_) => bail!("{} is a component instance, not a core one", name.unwrap_or("the latest")),
        }
    }

    fn component_instance(&self, name: Option<&str>) -> Result<kiln::component::Instance> {
        match self.target(name)? {
            Target::Component(i) => Ok(i),
            Target::Core(_) => bail!("{} is a core instance, not a component one", name.unwrap_or("the latest")),
        }
    }

    fn instantiate(&mut self, module: &Module) -> Result<Instance> {
        let mut imports = Vec::new();
        for import in module.imports() {
            let ext = self
                .linker
                .get(&mut self.store, import.module(), import.name())
                .map_err(|_| anyhow!("unknown import `{}::{}`", import.module(), import.name()))?;
            imports.push(ext);
        }
        Instance::new(&mut self.store, module, &imports)
    }

    fn execute(&mut self, exec: WastExecute<'_>) -> Result<Vec<Val>> {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(&invoke),
            WastExecute::Wat(mut module) => {
                let bytes = module.encode().map_err(|e| anyhow!("text parse error: {e}"))?;
                let module = Module::from_binary(&self.engine, &bytes)?;
                self.instantiate(&module)?;
                Ok(Vec::new())
            }
            WastExecute::Get { module, global, .. } => {
                let instance = self.instance(module.map(|m| m.name()))?;
                let g = instance
                    .get_global(&mut self.store, global)
                    .ok_or_else(|| anyhow!("no global export named {global}"))?;
                Ok(vec![g.get(&self.store)])
            }
        }
    }

    fn invoke(&mut self, invoke: &WastInvoke<'_>) -> Result<Vec<Val>> {
        let instance = self.instance(invoke.module.map(|m| m.name()))?;
        let func = instance
            .get_func(&mut self.store, invoke.name)
            .ok_or_else(|| anyhow!("no function export named {:?}", invoke.name))?;
        let mut args = Vec::with_capacity(invoke.args.len());
        for arg in &invoke.args {
            let WastArg::Core(arg) = arg else { bail!("component arguments are not supported") };
            args.push(self.arg(arg)?);
        }
        let ty = func.ty(&self.store);
        let mut results: Vec<Val> = ty.results().iter().map(Val::default_for).collect();
        func.call(&mut self.store, &args, &mut results)?;
        Ok(results)
    }

    fn arg(&mut self, arg: &WastArgCore<'_>) -> Result<Val> {
        Ok(match arg {
            WastArgCore::I32(v) => Val::I32(*v),
            WastArgCore::I64(v) => Val::I64(*v),
            WastArgCore::F32(v) => Val::F32(v.bits),
            WastArgCore::F64(v) => Val::F64(v.bits),
            WastArgCore::V128(v) => Val::V128(V128::from_u128(u128::from_le_bytes(v.to_le_bytes()))),
            WastArgCore::RefNull(HeapType::Abstract { ty: wast::core::AbstractHeapType::Func, .. }) => {
                Val::FuncRef(None)
            }
            WastArgCore::RefNull(HeapType::Abstract { ty: wast::core::AbstractHeapType::Extern, .. }) => {
                Val::ExternRef(None)
            }
            WastArgCore::RefNull(other) => bail!("unsupported null reference type {other:?}"),
            WastArgCore::RefExtern(n) | WastArgCore::RefHost(n) => {
                Val::ExternRef(Some(ExternRef::new(&mut self.store, *n)?))
            }
        })
    }

    fn matches(&self, actual: &Val, expected: &WastRetCore<'_>) -> Result<bool> {
        Ok(match (actual, expected) {
            (Val::I32(a), WastRetCore::I32(e)) => a == e,
            (Val::I64(a), WastRetCore::I64(e)) => a == e,
            (Val::F32(a), WastRetCore::F32(e)) => f32_matches(*a, e),
            (Val::F64(a), WastRetCore::F64(e)) => f64_matches(*a, e),
            (Val::V128(a), WastRetCore::V128(e)) => v128_matches(a.as_u128(), e),
            (Val::FuncRef(f), WastRetCore::RefNull(_)) => f.is_none(),
            (Val::ExternRef(e), WastRetCore::RefNull(_)) => e.is_none(),
            (Val::FuncRef(f), WastRetCore::RefFunc(_)) => f.is_some(),
            (Val::ExternRef(e), WastRetCore::RefExtern(n)) => match (e, n) {
                (None, _) => false,
                (Some(_), None) => true,
                (Some(e), Some(n)) => e.data(&self.store)?.downcast_ref::<u32>() == Some(n),
            },
            (Val::ExternRef(Some(e)), WastRetCore::RefHost(n)) => e.data(&self.store)?.downcast_ref::<u32>() == Some(n),
            (v, WastRetCore::Either(options)) => {
                for option in options {
                    if self.matches(v, option)? {
                        return Ok(true);
                    }
                }
                false
            }
            _ => false,
        })
    }
}

fn f32_matches(a: u32, e: &NanPattern<wast::token::F32>) -> bool {
    match e {
        NanPattern::CanonicalNan => a & 0x7fff_ffff == 0x7fc0_0000,
        NanPattern::ArithmeticNan => a & 0x7fc0_0000 == 0x7fc0_0000,
        NanPattern::Value(v) => a == v.bits,
    }
}

fn f64_matches(a: u64, e: &NanPattern<wast::token::F64>) -> bool {
    match e {
        NanPattern::CanonicalNan => a & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        NanPattern::ArithmeticNan => a & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
        NanPattern::Value(v) => a == v.bits,
    }
}

/// Lane by lane: float lanes may be NaN patterns, integer lanes are exact.
fn v128_matches(a: u128, e: &V128Pattern) -> bool {
    let bytes = a.to_le_bytes();
    let lane = |i: usize, size: usize| -> u64 {
        let mut b = [0u8; 8];
        b[..size].copy_from_slice(&bytes[i * size..(i + 1) * size]);
        u64::from_le_bytes(b)
    };
    match e {
        V128Pattern::I8x16(l) => l.iter().enumerate().all(|(i, v)| lane(i, 1) == *v as u8 as u64),
        V128Pattern::I16x8(l) => l.iter().enumerate().all(|(i, v)| lane(i, 2) == *v as u16 as u64),
        V128Pattern::I32x4(l) => l.iter().enumerate().all(|(i, v)| lane(i, 4) == *v as u32 as u64),
        V128Pattern::I64x2(l) => l.iter().enumerate().all(|(i, v)| lane(i, 8) == *v as u64),
        V128Pattern::F32x4(l) => l.iter().enumerate().all(|(i, p)| f32_matches(lane(i, 4) as u32, p)),
        V128Pattern::F64x2(l) => l.iter().enumerate().all(|(i, p)| f64_matches(lane(i, 8), p)),
    }
}

fn module_name(module: &QuoteWat<'_>) -> Option<String> {
    match module {
        QuoteWat::Wat(Wat::Module(m)) => m.id.map(|id| id.name().to_string()),
        _ => None,
    }
}

/// The `spectest` module every script may import from.
fn define_spectest(linker: &mut Linker<()>, store: &mut Store<()>) -> Result<()> {
    linker.func_wrap("spectest", "print", || {})?;
    linker.func_wrap("spectest", "print_i32", |_: i32| {})?;
    linker.func_wrap("spectest", "print_i64", |_: i64| {})?;
    linker.func_wrap("spectest", "print_f32", |_: f32| {})?;
    linker.func_wrap("spectest", "print_f64", |_: f64| {})?;
    linker.func_wrap("spectest", "print_i32_f32", |_: i32, _: f32| {})?;
    linker.func_wrap("spectest", "print_f64_f64", |_: f64, _: f64| {})?;
    let globals: [(&str, ValType, Val); 4] = [
        ("global_i32", ValType::I32, Val::I32(666)),
        ("global_i64", ValType::I64, Val::I64(666)),
        ("global_f32", ValType::F32, Val::from(666.6f32)),
        ("global_f64", ValType::F64, Val::from(666.6f64)),
    ];
    for (name, ty, v) in globals {
        let g = Global::new(&mut *store, GlobalType::new(ty, Mutability::Const), v)?;
        linker.define(&mut *store, "spectest", name, g)?;
    }
    let table = Table::new(&mut *store, TableType::new(RefType::FUNCREF, 10, Some(20)), Ref::Func(None))?;
    linker.define(&mut *store, "spectest", "table", table)?;
    let memory = Memory::new(&mut *store, MemoryType::new(1, Some(2)))?;
    linker.define(&mut *store, "spectest", "memory", memory)?;
    Ok(())
}

/// The binary of the module or component (`what`) an `assert_malformed` or
/// `assert_invalid` expects to be rejected, or the directive's outcome if
/// the text parser already refused it: a pass for a malformed one, an
/// error for one that should only be invalid.
fn rejected_binary(
    module: &mut QuoteWat<'_>,
    message: &str,
    malformed: bool,
    what: &str,
) -> Result<std::result::Result<Vec<u8>, Outcome>> {
    Ok(Ok(match module.to_test() {
        Ok(QuoteWatTest::Binary(bytes)) => bytes,
        Ok(QuoteWatTest::Text(text)) => {
            let text = match String::from_utf8(text) {
                Ok(t) => t,
                Err(_) if malformed => return Ok(Err(Outcome::Pass)),
                Err(_) => bail!("expected an invalid {what}, but its text is not UTF-8"),
            };
            match wat::parse_str(&text) {
                Ok(bytes) => bytes,
                Err(e) if malformed => return Ok(Err(wording(message, &anyhow!("{e}")))),
                Err(e) => bail!("expected an invalid {what} ({message}), but the text does not parse: {e}"),
            }
        }
        Err(e) if malformed => return Ok(Err(wording(message, &anyhow!("{e}")))),
        Err(e) => bail!("expected an invalid {what} ({message}), but the text does not parse: {e}"),
    }))
}
