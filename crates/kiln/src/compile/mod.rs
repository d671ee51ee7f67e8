//! From bytes to a validated module description: the one input every tier
//! shares. Decoding and validation are wasmparser's; each function body is
//! handed to the tier's `FunctionCompiler` with its validator, so a tier
//! can validate and translate in one pass.

mod body;
mod const_expr;
mod error;
mod index;
mod interrupts;
mod limits;
pub(crate) mod serial;
// Every field of the layout has its offset, checked against the structs by
// tests; the fuel, epoch and exit-frame ones have no reader yet.
#[allow(dead_code)]
mod vmoffsets;

pub(crate) use body::{validate_body, BodyReader};
pub(crate) use const_expr::{ConstExpr, ConstOp};
pub use error::{CompileError, CompileErrorKind};
pub(crate) use index::{DefinedFuncIndex, DefinedGlobalIndex, FuncIndex, GlobalIndex, MemoryIndex, TableIndex};
pub(crate) use interrupts::{charges_fuel, fuel_cost, Interrupts};
pub(crate) use vmoffsets::{VMCounts, VMOffsets, VMCONTEXT_MAGIC, VMCTX_INSTANCE_OFFSET, VMCTX_STORE_OFFSET};

use crate::engine::{Engine, SigId};
use crate::type_registry::RegisteredTypes;
use crate::types::{FuncType, GlobalType, MemoryType, RefType, TableType};
use std::collections::HashMap;
use wasmparser::{FuncToValidate, FunctionBody, Parser, Payload, ValidPayload, Validator, ValidatorResources};

/// What kind of entity an import or export is, and its index in that index space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EntityIndex {
    Func(u32),
    Table(u32),
    Memory(u32),
    Global(u32),
}

/// The declared type of an import.
#[derive(Clone, Debug)]
pub(crate) enum ImportKind {
    Func(u32),
    Table(TableType),
    Memory(MemoryType),
    Global(GlobalType),
}

#[derive(Clone, Debug)]
pub(crate) struct Import {
    pub(crate) module: String,
    pub(crate) name: String,
    pub(crate) kind: ImportKind,
}

#[derive(Clone, Debug)]
pub(crate) struct TableDecl {
    pub(crate) ty: TableType,
    /// Initial value of every element; `None` is null.
    pub(crate) init: Option<ConstExpr>,
}

#[derive(Clone, Debug)]
pub(crate) enum ElemMode {
    Passive,
    Active { table: u32, offset: ConstExpr },
    Declared,
}

#[derive(Clone, Debug)]
pub(crate) struct ElemSegment {
    pub(crate) mode: ElemMode,
    pub(crate) items: Vec<ConstExpr>,
}

#[derive(Clone, Debug)]
pub(crate) enum DataMode {
    Passive,
    Active { memory: u32, offset: ConstExpr },
}

#[derive(Clone, Debug)]
pub(crate) struct DataSegment {
    pub(crate) mode: DataMode,
    pub(crate) bytes: Box<[u8]>,
}

/// A validated module, described for instantiation and for the tiers.
/// Index spaces (functions, tables, memories, globals) list imports first.
#[derive(Debug, Default)]
pub(crate) struct ModuleInfo {
    pub(crate) name: Option<std::sync::Arc<str>>,
    pub(crate) types: Vec<FuncType>,
    /// The engine-wide id of each type, registered for as long as this
    /// description (and so any instance of the module) lives.
    pub(crate) sigs: RegisteredTypes,
    pub(crate) imports: Vec<Import>,
    /// Type index of every function.
    pub(crate) funcs: Vec<u32>,
    pub(crate) num_imported_funcs: u32,
    pub(crate) tables: Vec<TableDecl>,
    pub(crate) num_imported_tables: u32,
    pub(crate) memories: Vec<MemoryType>,
    pub(crate) num_imported_memories: u32,
    pub(crate) globals: Vec<GlobalType>,
    /// Initialisers of the defined (not imported) globals.
    pub(crate) global_inits: Vec<ConstExpr>,
    pub(crate) num_imported_globals: u32,
    pub(crate) exports: Vec<(String, EntityIndex)>,
    pub(crate) start: Option<u32>,
    pub(crate) elems: Vec<ElemSegment>,
    pub(crate) datas: Vec<DataSegment>,
    pub(crate) func_names: HashMap<u32, std::sync::Arc<str>>,
    /// Where each defined function's body starts in the binary (its local
    /// declarations, after the body's size).
    pub(crate) body_starts: Vec<u32>,
    /// Where everything is in an instance's `VMContext`.
    pub(crate) offsets: VMOffsets,
}

impl ModuleInfo {
    pub(crate) fn func_type(&self, func: u32) -> &FuncType {
        &self.types[self.funcs[func as usize] as usize]
    }
    pub(crate) fn func_sig(&self, func: u32) -> SigId {
        self.sigs[self.funcs[func as usize] as usize]
    }
    /// Which functions can be reached other than by a direct call: exported,
    /// the start function, or referenced by an element segment or constant
    /// expression (`ref.func` in code must name one of those). By function
    /// index.
    pub(crate) fn escaping_funcs(&self) -> Vec<bool> {
        let mut escapes = vec![false; self.funcs.len()];
        let mut mark = |f: u32| {
            if let Some(e) = escapes.get_mut(f as usize) {
                *e = true;
            }
        };
        for (_, index) in &self.exports {
            if let EntityIndex::Func(f) = index {
                mark(*f);
            }
        }
        if let Some(f) = self.start {
            mark(f);
        }
        let exprs = self.elems.iter().flat_map(|e| &e.items);
        let exprs = exprs.chain(&self.global_inits).chain(self.tables.iter().filter_map(|t| t.init.as_ref()));
        for expr in exprs {
            expr.referenced_funcs().for_each(&mut mark);
        }
        escapes
    }

    pub(crate) fn export(&self, name: &str) -> Option<EntityIndex> {
        self.exports.iter().find(|(n, _)| n == name).map(|(_, e)| *e)
    }
}

/// A tier's part in compiling: it gets every function body, in order,
/// with what validating it takes, and must validate the whole body (read
/// through `BodyReader`) before its module is used: at once, so validation
/// and translation are one pass, or later, on other threads.
pub(crate) trait FunctionCompiler {
    /// Takes in the body of defined function `index`.
    fn function(
        &mut self,
        info: &ModuleInfo,
        index: FuncIndex,
        body: &FunctionBody<'_>,
        validator: FuncToValidate<ValidatorResources>,
    ) -> Result<(), CompileError>;
}

/// A `FunctionCompiler` that only validates the bodies (tests compile a
/// module's description this way before handing it to a tier).
#[cfg(test)]
#[derive(Default)]
pub(crate) struct ValidateOnly;

#[cfg(test)]
impl FunctionCompiler for ValidateOnly {
    fn function(
        &mut self,
        _info: &ModuleInfo,
        _index: FuncIndex,
        body: &FunctionBody<'_>,
        validator: FuncToValidate<ValidatorResources>,
    ) -> Result<(), CompileError> {
        validate_body(body, &mut validator.into_validator(Default::default()), false)
    }
}

impl ModuleInfo {
    fn compute_offsets(&mut self) {
        let defined_funcs = self.funcs.len() as u32 - self.num_imported_funcs;
        self.offsets = VMOffsets::new(VMCounts {
            imported_funcs: self.num_imported_funcs,
            defined_funcs,
            memories: self.memories.len() as u32,
            tables: self.tables.len() as u32,
            imported_globals: self.num_imported_globals,
            defined_globals: self.globals.len() as u32 - self.num_imported_globals,
        });
    }
}

/// The features binaries are decoded with (a superset of those validated):
/// Wasm 3.0 decodes limits and memory offsets as 64-bit numbers and memory
/// arguments with an optional memory index, whatever the module uses; 2.0
/// decodes them as 32-bit numbers and without the index.
pub(crate) fn decoding_features(config: &crate::Config) -> wasmparser::WasmFeatures {
    let mut decoding = config.features;
    if !config.wasm2_encoding {
        decoding |= wasmparser::WasmFeatures::MEMORY64 | wasmparser::WasmFeatures::MULTI_MEMORY;
    }
    decoding
}

/// Decodes and validates a binary module, handing each function body to
/// `tier`.
pub(crate) fn compile(
    engine: &Engine,
    bytes: &[u8],
    tier: &mut dyn FunctionCompiler,
) -> Result<ModuleInfo, CompileError> {
    let mut validator = Validator::new_with_features(engine.config().features);
    let mut info = ModuleInfo::default();
    let mut num_bodies = 0u32;

    let mut parser = Parser::new(0);
    // Decoding depends on the features too (e.g. a memory index byte is
    // only a LEB128 with multi-memory).
    let config = engine.config();
    parser.set_features(decoding_features(config));
    for payload in parser.parse_all(bytes) {
        let payload = payload.map_err(CompileError::malformed)?;
        if config.wasm2_encoding {
            let section = match &payload {
                Payload::ImportSection(r) => Some((limits::Section::Import, r.range())),
                Payload::TableSection(r) => Some((limits::Section::Table, r.range())),
                Payload::MemorySection(r) => Some((limits::Section::Memory, r.range())),
                _ => None,
            };
            if let Some((section, range)) = section {
                let (start, end) = (range.start as usize, range.end as usize);
                limits::check(section, &bytes[start..end], start)?;
            }
        }
        // Decode first, so a decoding error is reported as malformed even
        // when the validator would also have tripped over it; an
        // unsupported construct is reported only if the module is valid.
        let read = read_section(engine, &mut info, &payload);
        if let Err(e) = &read {
            if e.kind() == CompileErrorKind::Malformed {
                return Err(read.unwrap_err());
            }
        }
        let valid = validator.payload(&payload).map_err(CompileError::from_validator)?;
        read?;
        if let Payload::CodeSectionStart { .. } = payload {
            // Every section the layout depends on comes before the code.
            info.compute_offsets();
        }
        if let ValidPayload::Func(to_validate, body) = valid {
            let func_index = FuncIndex(info.num_imported_funcs + num_bodies);
            info.body_starts.push(body.range().start as u32);
            tier.function(&info, func_index, &body, to_validate)?;
            num_bodies += 1;
        }
    }
    info.compute_offsets();
    Ok(info)
}

fn read_section(engine: &Engine, info: &mut ModuleInfo, payload: &Payload<'_>) -> Result<(), CompileError> {
    match payload {
        Payload::TypeSection(reader) => {
            for group in reader.clone() {
                for sub in group.map_err(CompileError::malformed)?.into_types() {
                    let ty = match &sub.composite_type.inner {
                        wasmparser::CompositeInnerType::Func(f) => f,
                        _ => {
                            return Err(CompileError::unsupported(
                                "only function types are supported",
                                reader.range().start,
                            ))
                        }
                    };
                    let ty = FuncType::from_wasmparser(ty).map_err(|e| unsupported(e, reader.range().start))?;
                    info.sigs.push(engine.type_registry(), &ty);
                    info.types.push(ty);
                }
            }
        }
        Payload::ImportSection(reader) => {
            for import in reader.clone().into_imports_with_offsets() {
                let (offset, import) = import.map_err(CompileError::malformed)?;
                let offset = offset as usize;
                let kind = match import.ty {
                    wasmparser::TypeRef::Func(t) | wasmparser::TypeRef::FuncExact(t) => {
                        info.funcs.push(t);
                        info.num_imported_funcs += 1;
                        ImportKind::Func(t)
                    }
                    wasmparser::TypeRef::Table(t) => {
                        let ty = TableType::from_wasmparser(&t).map_err(|e| unsupported(e, offset))?;
                        info.tables.push(TableDecl { ty, init: None });
                        info.num_imported_tables += 1;
                        ImportKind::Table(ty)
                    }
                    wasmparser::TypeRef::Memory(m) => {
                        let ty = MemoryType::from_wasmparser(&m);
                        info.memories.push(ty);
                        info.num_imported_memories += 1;
                        ImportKind::Memory(ty)
                    }
                    wasmparser::TypeRef::Global(g) => {
                        let ty = GlobalType::from_wasmparser(&g).map_err(|e| unsupported(e, offset))?;
                        info.globals.push(ty);
                        info.num_imported_globals += 1;
                        ImportKind::Global(ty)
                    }
                    wasmparser::TypeRef::Tag(_) => {
                        return Err(CompileError::unsupported("tags are not supported", offset))
                    }
                };
                info.imports.push(Import { module: import.module.to_string(), name: import.name.to_string(), kind });
            }
        }
        Payload::FunctionSection(reader) => {
            for ty in reader.clone() {
                info.funcs.push(ty.map_err(CompileError::malformed)?);
            }
        }
        Payload::TableSection(reader) => {
            for table in reader.clone() {
                let table = table.map_err(CompileError::malformed)?;
                let offset = reader.range().start;
                let ty = TableType::from_wasmparser(&table.ty).map_err(|e| unsupported(e, offset))?;
                let init = match table.init {
                    wasmparser::TableInit::RefNull => None,
                    wasmparser::TableInit::Expr(e) => Some(ConstExpr::read(&e)?),
                };
                info.tables.push(TableDecl { ty, init });
            }
        }
        Payload::MemorySection(reader) => {
            for mem in reader.clone() {
                info.memories.push(MemoryType::from_wasmparser(&mem.map_err(CompileError::malformed)?));
            }
        }
        Payload::GlobalSection(reader) => {
            for global in reader.clone() {
                let global = global.map_err(CompileError::malformed)?;
                let ty = GlobalType::from_wasmparser(&global.ty).map_err(|e| unsupported(e, reader.range().start))?;
                info.globals.push(ty);
                info.global_inits.push(ConstExpr::read(&global.init_expr)?);
            }
        }
        Payload::ExportSection(reader) => {
            for export in reader.clone() {
                let export = export.map_err(CompileError::malformed)?;
                let index = match export.kind {
                    wasmparser::ExternalKind::Func | wasmparser::ExternalKind::FuncExact => {
                        EntityIndex::Func(export.index)
                    }
                    wasmparser::ExternalKind::Table => EntityIndex::Table(export.index),
                    wasmparser::ExternalKind::Memory => EntityIndex::Memory(export.index),
                    wasmparser::ExternalKind::Global => EntityIndex::Global(export.index),
                    wasmparser::ExternalKind::Tag => {
                        return Err(CompileError::unsupported("tags are not supported", reader.range().start))
                    }
                };
                info.exports.push((export.name.to_string(), index));
            }
        }
        Payload::StartSection { func, .. } => info.start = Some(*func),
        Payload::ElementSection(reader) => {
            for elem in reader.clone() {
                let elem = elem.map_err(CompileError::malformed)?;
                let offset = elem.range.start as usize;
                let mode = match elem.kind {
                    wasmparser::ElementKind::Passive => ElemMode::Passive,
                    wasmparser::ElementKind::Declared => ElemMode::Declared,
                    wasmparser::ElementKind::Active { table_index, offset_expr } => {
                        ElemMode::Active { table: table_index.unwrap_or(0), offset: ConstExpr::read(&offset_expr)? }
                    }
                };
                let items = match elem.items {
                    wasmparser::ElementItems::Functions(funcs) => {
                        let mut items = Vec::new();
                        for f in funcs {
                            items
                                .push(ConstExpr::from_ops(vec![ConstOp::RefFunc(f.map_err(CompileError::malformed)?)]));
                        }
                        items
                    }
                    wasmparser::ElementItems::Expressions(ty, exprs) => {
                        RefType::from_wasmparser(ty).map_err(|e| unsupported(e, offset))?;
                        let mut items = Vec::new();
                        for e in exprs {
                            items.push(ConstExpr::read(&e.map_err(CompileError::malformed)?)?);
                        }
                        items
                    }
                };
                info.elems.push(ElemSegment { mode, items });
            }
        }
        Payload::DataSection(reader) => {
            for data in reader.clone() {
                let data = data.map_err(CompileError::malformed)?;
                let mode = match data.kind {
                    wasmparser::DataKind::Passive => DataMode::Passive,
                    wasmparser::DataKind::Active { memory_index, offset_expr } => {
                        DataMode::Active { memory: memory_index, offset: ConstExpr::read(&offset_expr)? }
                    }
                };
                info.datas.push(DataSegment { mode, bytes: data.data.into() });
            }
        }
        Payload::CustomSection(reader) if reader.name() == "name" => {
            // A malformed name section does not make the module invalid:
            // names are read on a best-effort basis.
            let names =
                wasmparser::NameSectionReader::new(wasmparser::BinaryReader::new(reader.data(), reader.data_offset()));
            let _ = read_names(info, names);
        }
        _ => {}
    }
    Ok(())
}

/// The longest name kept from the name section, in bytes: names are for
/// people reading backtraces, and a hostile module's 100 KB names must not
/// be copied into every frame of a deep one.
const MAX_NAME_BYTES: usize = 1024;

/// `name`, cut to `MAX_NAME_BYTES` (at a character boundary, marked `…`).
fn bounded_name(name: &str) -> std::sync::Arc<str> {
    if name.len() <= MAX_NAME_BYTES {
        return name.into();
    }
    let mut end = MAX_NAME_BYTES;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &name[..end]).into()
}

fn read_names(info: &mut ModuleInfo, names: wasmparser::NameSectionReader<'_>) -> wasmparser::Result<()> {
    for name in names {
        match name? {
            wasmparser::Name::Module { name, .. } => info.name = Some(bounded_name(name)),
            wasmparser::Name::Function(map) => {
                for naming in map {
                    let naming = naming?;
                    info.func_names.insert(naming.index, bounded_name(naming.name));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn unsupported(err: anyhow::Error, offset: impl TryInto<usize>) -> CompileError {
    CompileError::unsupported(err.to_string(), offset)
}
