//! The interpreter tier: a compact slot-based IR (`ir`), the translator from
//! wasm (`translate`), and two executors: the threaded one (`threaded`,
//! where `build.rs` finds tail calls guaranteed) and the portable `match`
//! loop (`exec`). Its functions are entered through `vm`'s safe array-call
//! shim, so it is not generic over the store's data type; only `threaded`
//! holds `unsafe`.
//!
//! Translation is lazy by default (`Config::lazy_translation`): compiling a
//! module validates every body, and a function is translated to the IR on
//! its first call (`InterpCode::func`); eagerly, every body is validated and
//! translated in one pass when the module is compiled.

mod exec;
mod ir;
mod numeric;
pub(crate) mod simd;
#[cfg(kiln_tail_dispatch)]
mod threaded;
mod translate;

use crate::compile::{
    BodyReader, CompileError, CompileErrorKind, DefinedFuncIndex, FuncIndex, FunctionCompiler, Interrupts, ModuleInfo,
};
use crate::vm::{self, CodeVariant, CompiledCode, ModuleArtifacts, VMArrayCallFn};
use ir::CompiledFunc;
use std::any::Any;
use std::cell::RefCell;
use std::sync::{Arc, OnceLock};
use translate::Translator;
use wasmparser::{
    BinaryReader, FuncToValidate, FuncValidatorAllocations, FunctionBody, ValidatorResources, WasmFeatures,
};

/// Validates function bodies as the validator reaches them, and translates
/// them too when translation is eager.
pub(crate) struct Compiler {
    /// `Some` when translation is eager.
    translator: Option<Translator>,
    funcs: Vec<FuncSlot>,
    wasm2_encoding: bool,
    /// The validator's allocations, kept from one function to the next.
    allocs: FuncValidatorAllocations,
    /// The first body's error: reported once the whole module has been
    /// decoded, since a malformed module is malformed whatever its bodies
    /// hold (the spec decodes before it validates; the JIT does the same).
    first_error: Option<CompileError>,
    /// What translating a body later takes.
    features: WasmFeatures,
    interrupts: Interrupts,
    /// Whether the code is for the threaded executor.
    threaded: bool,
}

impl Compiler {
    /// A compiler for `config`'s settings (its decoding features, fuel and
    /// epoch checks, and whether translation is lazy).
    pub(crate) fn new(config: &crate::Config) -> Compiler {
        let interrupts = config.interrupts();
        let threaded = cfg!(kiln_tail_dispatch) && !config.portable_dispatch;
        let translator = (!config.lazy_translation).then(|| Translator::new(interrupts, threaded));
        Compiler {
            translator,
            funcs: Vec::new(),
            wasm2_encoding: config.wasm2_encoding,
            allocs: Default::default(),
            first_error: None,
            features: crate::compile::decoding_features(config),
            interrupts,
            threaded,
        }
    }

    /// The module's interpreter code, or the first body's error.
    pub(crate) fn finish(self) -> Result<Box<dyn CompiledCode>, CompileError> {
        match self.first_error {
            Some(e) => Err(e),
            None => Ok(Box::new(Arc::new(InterpCode {
                funcs: self.funcs.into_boxed_slice(),
                features: self.features,
                interrupts: self.interrupts,
                threaded: self.threaded,
            }))),
        }
    }
}

impl FunctionCompiler for Compiler {
    fn function(
        &mut self,
        info: &ModuleInfo,
        index: FuncIndex,
        body: &FunctionBody<'_>,
        validator: FuncToValidate<ValidatorResources>,
    ) -> Result<(), CompileError> {
        if self.first_error.is_some() {
            return Ok(());
        }
        let range = body.range();
        let mut slot = FuncSlot { code: OnceLock::new(), body: range.start as u32..range.end as u32 };
        let mut validator = validator.into_validator(std::mem::take(&mut self.allocs));
        let result = match &mut self.translator {
            Some(translator) => BodyReader::new(body, &mut validator, self.wasm2_encoding)
                .and_then(|reader| translator.translate(info, index.0, body, reader))
                .map(|code| slot.code = OnceLock::from(code)),
            None => crate::compile::validate_body(body, &mut validator, self.wasm2_encoding),
        };
        match result {
            Ok(()) => self.funcs.push(slot),
            Err(e) => self.first_error = Some(e),
        }
        self.allocs = validator.into_allocations();
        Ok(())
    }
}

/// What a frame costs against `max_wasm_stack` besides its slots (both
/// executors count it the same).
const FRAME_OVERHEAD_SLOTS: usize = 4;

/// The slots an entry into the interpreter from the host may use, or the
/// "call stack exhausted" trap. The interpreter keeps wasm frames off the
/// native stack, but each entry from the host (host -> wasm -> host -> ...)
/// nests native frames, and costs `ACTIVATION_COST_BYTES` of
/// `max_wasm_stack`.
fn activation_limit(store: &vm::StoreOpaque) -> anyhow::Result<usize> {
    let max_bytes = store.engine.config().max_wasm_stack;
    let in_use = store.stack_in_use;
    if in_use + vm::ACTIVATION_COST_BYTES > max_bytes || vm::native_stack_exhausted() {
        return Err(crate::trap::Trap::StackOverflow.into());
    }
    Ok((max_bytes - in_use - vm::ACTIVATION_COST_BYTES) / 8)
}

/// One defined function: its body's place in the module's binary, and its
/// code once translated.
struct FuncSlot {
    code: OnceLock<CompiledFunc>,
    body: std::ops::Range<u32>,
}

/// A module's interpreter code: a slot per defined function, holding its
/// translated code from its first call on (or from the start, when
/// translation is eager). The slots are one boxed slice, never resized: a
/// slot stays at its address for as long as the code lives, so the code
/// may point at them. Held in an `Arc` (the module's `CompiledCode` is the
/// `Arc`), so the executor can hold a module's code across calls without
/// looking it up again.
pub(crate) struct InterpCode {
    funcs: Box<[FuncSlot]>,
    /// The decoding features the bodies were validated with (the binary is
    /// decoded the same way when it is translated).
    features: WasmFeatures,
    /// The fuel and epoch checks to translate in.
    interrupts: Interrupts,
    /// Which executor runs the code: the threaded one, or the `match` loop.
    #[cfg_attr(not(kiln_tail_dispatch), allow(dead_code))]
    threaded: bool,
}

thread_local! {
    /// The translator's scratch allocations, kept between the functions a
    /// thread translates on their first calls (so a thread keeps, until it
    /// ends, what its largest function took).
    static TRANSLATOR: RefCell<Translator> = RefCell::new(Translator::default());
}

impl InterpCode {
    /// The code of defined function `index` of `module` (whose code this
    /// is), translated now if this is its first use. Safe to race: threads
    /// that translate the same function at once all get the code of the
    /// first to finish.
    // Always inlined: the executor looks a callee up on every call and
    // return (out of line, it made fib about 8% slower).
    #[inline(always)]
    pub(crate) fn func(
        &self,
        module: &ModuleArtifacts,
        index: DefinedFuncIndex,
    ) -> Result<&CompiledFunc, CompileError> {
        let slot = &self.funcs[index.index()];
        match slot.code.get() {
            Some(code) => Ok(code),
            None => self.translate(module, index, slot),
        }
    }

    #[cold]
    #[inline(never)]
    fn translate<'a>(
        &self,
        module: &ModuleArtifacts,
        index: DefinedFuncIndex,
        slot: &'a FuncSlot,
    ) -> Result<&'a CompiledFunc, CompileError> {
        let info = &module.info;
        let range = slot.body.start as usize..slot.body.end as usize;
        let body = FunctionBody::new(BinaryReader::new_features(
            &module.wasm[range.clone()],
            range.start as u64,
            self.features,
        ));
        let func_index = info.num_imported_funcs + index.0;
        // The body was decoded and validated with these features when the
        // module was compiled, so reading it cannot fail; and the
        // translator refuses nothing that validation accepts under the
        // features an engine may enable (`Config::check` refuses the
        // proposals Kiln does not implement, so multiple memories, 64-bit
        // offsets and unimplemented instructions do not validate). The one
        // error left is a limit of the interpreter's own: a frame of more
        // than 2^31 slots (locals are at most 51,000 and a body at most
        // 7,654,321 bytes, but calls of functions with 1,000 results can
        // pile up billions of operands; validating such a body takes
        // gigabytes, so only hostile input comes near). Eager translation
        // refuses that module; lazily, the call is the error.
        let translate = |translator: &mut Translator| {
            translator.interrupts = self.interrupts;
            translator.threaded = self.threaded;
            translator.translate(info, func_index, &body, BodyReader::validated(&body)?)
        };
        // The thread's scratch translator (measured on SQLite's 1,423
        // functions: 5% faster than a fresh one each time); a fresh one if
        // it is in use (translating never calls back into translating, but
        // should it) or gone (a thread-local destructor calling wasm).
        let translated = TRANSLATOR
            .try_with(|scratch| scratch.try_borrow_mut().ok().map(|mut translator| translate(&mut translator)))
            .ok()
            .flatten()
            .unwrap_or_else(|| translate(&mut Translator::new(self.interrupts, self.threaded)));
        let code = translated.map_err(|e| {
            let name = info.func_names.get(&func_index).map(|n| format!(" `{n}`")).unwrap_or_default();
            CompileError::new(
                CompileErrorKind::Unsupported,
                format!("the interpreter could not translate function {func_index}{name}: {}", e.message()),
                e.offset(),
            )
        })?;
        // Another thread may have got there first: its code is kept, and
        // every caller gets the same.
        Ok(slot.code.get_or_init(|| code))
    }

    /// How many of the functions are translated (tests).
    #[cfg(test)]
    fn translated(&self) -> usize {
        self.funcs.iter().filter(|f| f.code.get().is_some()).count()
    }
}

/// The interpreter's code of `module`, if its code is the interpreter's.
#[inline]
pub(crate) fn code_of(module: &ModuleArtifacts) -> Option<&Arc<InterpCode>> {
    module.code.as_any().downcast_ref::<Arc<InterpCode>>()
}

impl CompiledCode for Arc<InterpCode> {
    fn for_memories(&self, _info: &ModuleInfo, _guarded: bool) -> Result<&(dyn CodeVariant + 'static), CompileError> {
        // The interpreter checks every access: one variant serves all.
        Ok(&**self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl CodeVariant for InterpCode {
    fn array_call(&self, _func: DefinedFuncIndex) -> VMArrayCallFn {
        #[cfg(kiln_tail_dispatch)]
        if self.threaded {
            return vm::array_call_shim::<threaded::Entry>;
        }
        vm::array_call_shim::<exec::Entry>
    }
    fn wasm_call(&self, _func: DefinedFuncIndex) -> *const u8 {
        std::ptr::null()
    }
    fn wasm_offset(&self, func: DefinedFuncIndex, pc: usize) -> Option<usize> {
        let code = self.funcs.get(func.index())?.code.get()?;
        // The executor's positions: an address in the threaded code, or
        // the index after an op for the `match` executor.
        #[cfg(kiln_tail_dispatch)]
        if self.threaded {
            return threaded::wasm_offset(code, pc);
        }
        code.offsets.get(pc.checked_sub(1)?).map(|o| *o as usize)
    }
}

/// Reads values of `types` from consecutive slots (a `v128` from two)
/// into `out`, one per value.
pub(crate) fn slots_to_raw(types: &[crate::types::ValType], slots: &[u64], out: &mut [vm::ValRaw]) {
    let mut at = 0;
    for (ty, raw) in types.iter().zip(out.iter_mut()) {
        if *ty == crate::types::ValType::V128 {
            *raw = vm::ValRaw::v128(slots[at] as u128 | (slots[at + 1] as u128) << 64);
            at += 2;
        } else {
            *raw = vm::ValRaw::from_slot(slots[at]);
            at += 1;
        }
    }
}

/// Writes values of `types` from `raw` into consecutive slots (a `v128`
/// into two).
pub(crate) fn raw_to_slots(types: &[crate::types::ValType], raw: &[vm::ValRaw], slots: &mut [u64]) {
    let mut at = 0;
    for (ty, raw) in types.iter().zip(raw) {
        if *ty == crate::types::ValType::V128 {
            let v = raw.get_v128();
            slots[at] = v as u64;
            slots[at + 1] = (v >> 64) as u64;
            at += 2;
        } else {
            slots[at] = raw.slot();
            at += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::code_of;
    use crate::{Config, Engine, Instance, Module, Store, Strategy};

    const WAT: &str = r#"(module
      (func $helper (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
      (func $never (result i32) (i32.const 7))
      (func (export "run") (param i32) (result i32) (call $helper (local.get 0)))
      (func (export "also_never") (call $never) drop))"#;

    fn engine(lazy: bool) -> Engine {
        let mut config = Config::new();
        config.strategy(Strategy::Interpreter).lazy_translation(lazy);
        Engine::new(&config).unwrap()
    }

    fn translated(module: &Module) -> usize {
        code_of(module.artifacts()).expect("interpreter code").translated()
    }

    #[test]
    fn only_functions_called_are_translated() {
        let engine = engine(true);
        let module = Module::new(&engine, WAT).unwrap();
        assert_eq!(translated(&module), 0, "nothing is translated by Module::new");
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        assert_eq!(translated(&module), 0, "nor by instantiation");
        let run = instance.get_typed_func::<i32, i32>(&mut store, "run").unwrap();
        assert_eq!(run.call(&mut store, 41).unwrap(), 42);
        assert_eq!(translated(&module), 2, "`run` and the `helper` it calls");
        // Other stores share the module's translations.
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let run = instance.get_typed_func::<i32, i32>(&mut store, "run").unwrap();
        assert_eq!(run.call(&mut store, 1).unwrap(), 2);
        assert_eq!(translated(&module), 2);

        // A precompiled module is loaded by validating it, not translating.
        let bytes = module.serialize().unwrap();
        // SAFETY: `bytes` come from `serialize` just above.
        let loaded = unsafe { Module::deserialize(&engine, &bytes) }.unwrap();
        assert_eq!(translated(&loaded), 0);
    }

    #[test]
    fn eager_translation_translates_everything_up_front() {
        let module = Module::new(&engine(false), WAT).unwrap();
        assert_eq!(translated(&module), 4);
    }

    #[test]
    fn racing_translations_hand_out_the_same_code() {
        let engine = engine(true);
        let module = Module::new(&engine, WAT).unwrap();
        let artifacts = module.artifacts();
        let code = code_of(artifacts).unwrap();
        let barrier = std::sync::Barrier::new(4);
        let addresses: Vec<usize> = std::thread::scope(|s| {
            let threads: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        barrier.wait();
                        let f = code.func(artifacts, crate::compile::DefinedFuncIndex(0)).unwrap();
                        f as *const _ as usize
                    })
                })
                .collect();
            threads.into_iter().map(|t| t.join().unwrap()).collect()
        });
        assert!(addresses.iter().all(|a| *a == addresses[0]), "{addresses:x?}");
        // The code lives in the function's slot.
        assert_eq!(addresses[0], code.funcs[0].code.get().unwrap() as *const _ as usize);
        assert_eq!(code.translated(), 1);
    }
}
