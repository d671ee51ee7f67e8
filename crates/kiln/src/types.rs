//! Types of WebAssembly values and entities, as the embedding API shows them.

use std::fmt;
use std::sync::Arc;

/// The type of a WebAssembly value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit IEEE float.
    F32,
    /// 64-bit IEEE float.
    F64,
    /// 128-bit SIMD vector.
    V128,
    /// A reference.
    Ref(RefType),
}

impl ValType {
    /// `funcref`, the nullable function reference type.
    pub const FUNCREF: ValType = ValType::Ref(RefType::FUNCREF);
    /// `externref`, the nullable host reference type.
    pub const EXTERNREF: ValType = ValType::Ref(RefType::EXTERNREF);

    /// Is this a numeric type (i32, i64, f32, f64)?
    pub fn is_num(&self) -> bool {
        matches!(self, ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64)
    }

    pub(crate) fn from_wasmparser(ty: wasmparser::ValType) -> anyhow::Result<ValType> {
        Ok(match ty {
            wasmparser::ValType::I32 => ValType::I32,
            wasmparser::ValType::I64 => ValType::I64,
            wasmparser::ValType::F32 => ValType::F32,
            wasmparser::ValType::F64 => ValType::F64,
            wasmparser::ValType::V128 => ValType::V128,
            wasmparser::ValType::Ref(r) => ValType::Ref(RefType::from_wasmparser(r)?),
        })
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValType::I32 => f.write_str("i32"),
            ValType::I64 => f.write_str("i64"),
            ValType::F32 => f.write_str("f32"),
            ValType::F64 => f.write_str("f64"),
            ValType::V128 => f.write_str("v128"),
            ValType::Ref(r) => write!(f, "{r}"),
        }
    }
}

/// The heap type a reference points to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeapType {
    /// Any function.
    Func,
    /// Any host value.
    Extern,
}

/// A reference type: a heap type and whether null is allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RefType {
    nullable: bool,
    heap_type: HeapType,
}

impl RefType {
    /// `funcref`.
    pub const FUNCREF: RefType = RefType { nullable: true, heap_type: HeapType::Func };
    /// `externref`.
    pub const EXTERNREF: RefType = RefType { nullable: true, heap_type: HeapType::Extern };

    /// A reference type.
    pub fn new(nullable: bool, heap_type: HeapType) -> RefType {
        RefType { nullable, heap_type }
    }
    /// Whether null is a value of this type.
    pub fn is_nullable(&self) -> bool {
        self.nullable
    }
    /// The heap type.
    pub fn heap_type(&self) -> HeapType {
        self.heap_type
    }

    pub(crate) fn from_wasmparser(ty: wasmparser::RefType) -> anyhow::Result<RefType> {
        use wasmparser::{AbstractHeapType, HeapType as H};
        let heap_type = match ty.heap_type() {
            H::Abstract { shared: false, ty: AbstractHeapType::Func } => HeapType::Func,
            H::Abstract { shared: false, ty: AbstractHeapType::Extern } => HeapType::Extern,
            other => anyhow::bail!("unsupported reference type {other:?}"),
        };
        Ok(RefType { nullable: ty.is_nullable(), heap_type })
    }
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.nullable, self.heap_type) {
            (true, HeapType::Func) => f.write_str("funcref"),
            (true, HeapType::Extern) => f.write_str("externref"),
            (false, HeapType::Func) => f.write_str("(ref func)"),
            (false, HeapType::Extern) => f.write_str("(ref extern)"),
        }
    }
}

/// The type of a function: its parameters and results.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FuncType {
    inner: Arc<FuncTypeInner>,
}

#[derive(PartialEq, Eq, Hash)]
struct FuncTypeInner {
    params: Box<[ValType]>,
    results: Box<[ValType]>,
}

impl FuncType {
    /// A function type from its parameter and result types, for use with
    /// `engine` (Wasmtime's signature). Kiln's function types are plain
    /// structural values usable with any engine, so `engine` only keeps
    /// code written for Wasmtime compiling; [`FuncType::from_types`] is the
    /// same without it.
    pub fn new(
        _engine: &crate::Engine,
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> FuncType {
        FuncType::from_types(params, results)
    }

    /// A function type from its parameter and result types.
    pub fn from_types(
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> FuncType {
        FuncType {
            inner: Arc::new(FuncTypeInner {
                params: params.into_iter().collect(),
                results: results.into_iter().collect(),
            }),
        }
    }
    /// The parameter types.
    pub fn params(&self) -> &[ValType] {
        &self.inner.params
    }
    /// The result types.
    pub fn results(&self) -> &[ValType] {
        &self.inner.results
    }

    pub(crate) fn from_wasmparser(ty: &wasmparser::FuncType) -> anyhow::Result<FuncType> {
        let params = ty.params().iter().map(|t| ValType::from_wasmparser(*t)).collect::<anyhow::Result<Vec<_>>>()?;
        let results = ty.results().iter().map(|t| ValType::from_wasmparser(*t)).collect::<anyhow::Result<Vec<_>>>()?;
        Ok(FuncType::from_types(params, results))
    }
}

impl fmt::Debug for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(func")?;
        if !self.params().is_empty() {
            f.write_str(" (param")?;
            for p in self.params() {
                write!(f, " {p}")?;
            }
            f.write_str(")")?;
        }
        if !self.results().is_empty() {
            f.write_str(" (result")?;
            for r in self.results() {
                write!(f, " {r}")?;
            }
            f.write_str(")")?;
        }
        f.write_str(")")
    }
}

/// The type of a linear memory: its limits in 64 KiB pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemoryType {
    minimum: u64,
    maximum: Option<u64>,
    memory64: bool,
    shared: bool,
}

impl MemoryType {
    /// A 32-bit memory with `minimum` pages and an optional maximum.
    pub fn new(minimum: u32, maximum: Option<u32>) -> MemoryType {
        MemoryType { minimum: minimum.into(), maximum: maximum.map(Into::into), memory64: false, shared: false }
    }
    /// The minimum size in pages.
    pub fn minimum(&self) -> u64 {
        self.minimum
    }
    /// The maximum size in pages, if any.
    pub fn maximum(&self) -> Option<u64> {
        self.maximum
    }
    /// Whether this memory is indexed by 64-bit addresses.
    pub fn is_64(&self) -> bool {
        self.memory64
    }
    /// Whether this memory is shared between threads.
    pub fn is_shared(&self) -> bool {
        self.shared
    }
    pub(crate) fn from_wasmparser(ty: &wasmparser::MemoryType) -> MemoryType {
        MemoryType { minimum: ty.initial, maximum: ty.maximum, memory64: ty.memory64, shared: ty.shared }
    }
}

/// The type of a table: element type and limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TableType {
    element: RefType,
    minimum: u64,
    maximum: Option<u64>,
}

impl TableType {
    /// A table of `element` references with the given limits.
    pub fn new(element: RefType, minimum: u32, maximum: Option<u32>) -> TableType {
        TableType { element, minimum: minimum.into(), maximum: maximum.map(Into::into) }
    }
    /// The element type.
    pub fn element(&self) -> &RefType {
        &self.element
    }
    /// The minimum number of elements.
    pub fn minimum(&self) -> u64 {
        self.minimum
    }
    /// The maximum number of elements, if any.
    pub fn maximum(&self) -> Option<u64> {
        self.maximum
    }
    pub(crate) fn from_wasmparser(ty: &wasmparser::TableType) -> anyhow::Result<TableType> {
        Ok(TableType { element: RefType::from_wasmparser(ty.element_type)?, minimum: ty.initial, maximum: ty.maximum })
    }
}

/// Whether a global can be changed after instantiation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mutability {
    /// Immutable.
    Const,
    /// Mutable.
    Var,
}

/// The type of a global: value type and mutability.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GlobalType {
    content: ValType,
    mutability: Mutability,
}

impl GlobalType {
    /// A global type.
    pub fn new(content: ValType, mutability: Mutability) -> GlobalType {
        GlobalType { content, mutability }
    }
    /// The value type.
    pub fn content(&self) -> &ValType {
        &self.content
    }
    /// The mutability.
    pub fn mutability(&self) -> Mutability {
        self.mutability
    }
    pub(crate) fn from_wasmparser(ty: &wasmparser::GlobalType) -> anyhow::Result<GlobalType> {
        Ok(GlobalType {
            content: ValType::from_wasmparser(ty.content_type)?,
            mutability: if ty.mutable { Mutability::Var } else { Mutability::Const },
        })
    }
}

/// The type of something a module imports or exports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExternType {
    /// A function.
    Func(FuncType),
    /// A global.
    Global(GlobalType),
    /// A table.
    Table(TableType),
    /// A linear memory.
    Memory(MemoryType),
}

impl ExternType {
    /// The function type, if this is a function.
    pub fn func(&self) -> Option<&FuncType> {
        match self {
            ExternType::Func(t) => Some(t),
            _ => None,
        }
    }
    /// The global type, if this is a global.
    pub fn global(&self) -> Option<&GlobalType> {
        match self {
            ExternType::Global(t) => Some(t),
            _ => None,
        }
    }
    /// The table type, if this is a table.
    pub fn table(&self) -> Option<&TableType> {
        match self {
            ExternType::Table(t) => Some(t),
            _ => None,
        }
    }
    /// The memory type, if this is a memory.
    pub fn memory(&self) -> Option<&MemoryType> {
        match self {
            ExternType::Memory(t) => Some(t),
            _ => None,
        }
    }
    pub(crate) fn kind_name(&self) -> &'static str {
        match self {
            ExternType::Func(_) => "function",
            ExternType::Global(_) => "global",
            ExternType::Table(_) => "table",
            ExternType::Memory(_) => "memory",
        }
    }
}

impl fmt::Display for ExternType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExternType::Func(t) => write!(f, "{t}"),
            ExternType::Global(t) => match t.mutability {
                Mutability::Const => write!(f, "(global {})", t.content),
                Mutability::Var => write!(f, "(global (mut {}))", t.content),
            },
            ExternType::Table(t) => match t.maximum {
                Some(m) => write!(f, "(table {} {} {})", t.minimum, m, t.element),
                None => write!(f, "(table {} {})", t.minimum, t.element),
            },
            ExternType::Memory(t) => match t.maximum {
                Some(m) => write!(f, "(memory {} {})", t.minimum, m),
                None => write!(f, "(memory {})", t.minimum),
            },
        }
    }
}

/// One import of a module: where it comes from and its type.
#[derive(Clone, Debug)]
pub struct ImportType<'module> {
    pub(crate) module: &'module str,
    pub(crate) name: &'module str,
    pub(crate) ty: ExternType,
}

impl<'module> ImportType<'module> {
    /// The module name of the import.
    pub fn module(&self) -> &'module str {
        self.module
    }
    /// The field name of the import.
    pub fn name(&self) -> &'module str {
        self.name
    }
    /// The type the import must have.
    pub fn ty(&self) -> ExternType {
        self.ty.clone()
    }
}

/// One export of a module: its name and type.
#[derive(Clone, Debug)]
pub struct ExportType<'module> {
    pub(crate) name: &'module str,
    pub(crate) ty: ExternType,
}

impl<'module> ExportType<'module> {
    /// The export's name.
    pub fn name(&self) -> &'module str {
        self.name
    }
    /// The type of the exported item.
    pub fn ty(&self) -> ExternType {
        self.ty.clone()
    }
}
