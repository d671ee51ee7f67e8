//! Component value and function types, owned by Kiln.
//!
//! wasmparser's validated types are ids into its `Types` arena and only mean
//! something next to it; the runtime needs types it can keep, compare and
//! walk on their own (in a compiled component, in a host function's
//! signature). [`TypeConverter`] turns the former into the latter.

use std::collections::HashMap;
use std::fmt;

#[cfg(test)]
use wasmparser::component_types::ComponentAnyTypeId;
use wasmparser::component_types::{ComponentDefinedType, ComponentFuncTypeId, ComponentValType};
use wasmparser::types::TypesRef;
use wasmparser::PrimitiveValType;

/// How deep a converted type may nest.
///
/// wasmparser refuses deeper types while validating
/// (`MAX_WASM_COMPONENT_TYPE_DEPTH = 100` in its `limits.rs`, enforced by
/// `TypeInfo::combine` in `validator/types.rs`), so types of a validated
/// component never reach this. The converter checks anyway: it and the
/// layout functions in [`super::abi`] recurse once per level, and this bound
/// is what keeps that recursion off the end of the stack should wasmparser's
/// limit ever change.
pub(crate) const MAX_TYPE_DEPTH: u32 = 100;

/// A resource type, as the component that uses it sees it.
///
/// Ids are handed out densely, in the order a [`TypeConverter`] first meets
/// each resource; two handles name the same resource type exactly when their
/// ids are equal (within one converter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct ResourceId(pub(crate) u32);

/// A component-model value type.
///
/// The specialised types (`tuple`, `enum`, `option`, `result`, `flags`) keep
/// their own variants rather than being despecialised here: their names and
/// lifted values differ, even though [`super::abi`] lays most of them out as
/// the record or variant they expand to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum ValueType {
    /// `bool`
    Bool,
    /// `s8`
    S8,
    /// `u8`
    U8,
    /// `s16`
    S16,
    /// `u16`
    U16,
    /// `s32`
    S32,
    /// `u32`
    U32,
    /// `s64`
    S64,
    /// `u64`
    U64,
    /// `f32`
    F32,
    /// `f64`
    F64,
    /// `char`: a Unicode scalar value.
    Char,
    /// `string`
    String,
    /// `error-context` (async proposal): a handle.
    ErrorContext,
    /// `list<T>`
    List(Box<ValueType>),
    /// `list<T, N>`: a fixed-length list, laid out inline like a tuple.
    FixedList(Box<ValueType>, u32),
    /// `map<K, V>`: passed like a `list<tuple<K, V>>`.
    Map(Box<ValueType>, Box<ValueType>),
    /// `record { name: T, ... }`, fields in declaration order.
    Record(Vec<(String, ValueType)>),
    /// `tuple<T, ...>`
    Tuple(Vec<ValueType>),
    /// `variant { case(T)?, ... }`, cases in declaration order.
    Variant(Vec<(String, Option<ValueType>)>),
    /// `enum { case, ... }`
    Enum(Vec<String>),
    /// `option<T>`
    Option(Box<ValueType>),
    /// `result<T?, E?>`
    Result {
        /// The `ok` payload, if any.
        ok: Option<Box<ValueType>>,
        /// The `error` payload, if any.
        err: Option<Box<ValueType>>,
    },
    /// `flags { name, ... }`
    Flags(Vec<String>),
    /// `own<R>`
    Own(ResourceId),
    /// `borrow<R>`
    Borrow(ResourceId),
    /// `future<T?>` (async proposal): a handle.
    Future(Option<Box<ValueType>>),
    /// `stream<T?>` (async proposal): a handle.
    Stream(Option<Box<ValueType>>),
}

impl ValueType {
    /// Renames the resource ids in this type through `map` (ids not in it
    /// stay).
    pub(crate) fn map_resources(&mut self, map: &HashMap<ResourceId, ResourceId>) {
        let rename = |r: &mut ResourceId| {
            if let Some(n) = map.get(r) {
                *r = *n;
            }
        };
        match self {
            ValueType::Own(r) | ValueType::Borrow(r) => rename(r),
            ValueType::List(t) | ValueType::FixedList(t, _) | ValueType::Option(t) => t.map_resources(map),
            ValueType::Map(k, v) => {
                k.map_resources(map);
                v.map_resources(map);
            }
            ValueType::Record(fields) => fields.iter_mut().for_each(|(_, t)| t.map_resources(map)),
            ValueType::Tuple(ts) => ts.iter_mut().for_each(|t| t.map_resources(map)),
            ValueType::Variant(cases) => cases.iter_mut().flat_map(|(_, t)| t).for_each(|t| t.map_resources(map)),
            ValueType::Result { ok, err } => ok.iter_mut().chain(err).for_each(|t| t.map_resources(map)),
            ValueType::Future(t) | ValueType::Stream(t) => t.iter_mut().for_each(|t| t.map_resources(map)),
            _ => {}
        }
    }

    /// How many type nodes this type has (for bounding conversion work).
    pub(crate) fn node_count(&self) -> usize {
        1 + match self {
            ValueType::List(t) | ValueType::FixedList(t, _) | ValueType::Option(t) => t.node_count(),
            ValueType::Map(k, v) => k.node_count() + v.node_count(),
            ValueType::Record(fields) => fields.iter().map(|(_, t)| t.node_count()).sum(),
            ValueType::Tuple(ts) => ts.iter().map(|t| t.node_count()).sum(),
            ValueType::Variant(cases) => cases.iter().flat_map(|(_, t)| t).map(|t| t.node_count()).sum(),
            ValueType::Result { ok, err } => ok.iter().chain(err).map(|t| t.node_count()).sum(),
            ValueType::Future(t) | ValueType::Stream(t) => t.iter().map(|t| t.node_count()).sum(),
            _ => 0,
        }
    }
}

/// A component function type.
///
/// The component model gives a function at most one result (multiple named
/// results were removed from the spec; a tuple or record takes their place).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct FuncType {
    /// Named parameters, in order.
    pub(crate) params: Vec<(String, ValueType)>,
    /// The result, if the function returns one.
    pub(crate) result: Option<ValueType>,
}

/// Why a validated component type could not be converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConvertError {
    /// The type nests deeper than [`MAX_TYPE_DEPTH`].
    TooDeep,
    /// An `async` function type: its canonical ABI (task returns, callbacks,
    /// a 4-value parameter limit) is not implemented yet.
    AsyncFunction,
    /// A type id that does not name a function type.
    #[cfg(test)]
    NotAFunction,
}

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConvertError::TooDeep => write!(f, "component type nests deeper than {MAX_TYPE_DEPTH} levels"),
            ConvertError::AsyncFunction => {
                write!(f, "async component functions are not supported yet")
            }
            #[cfg(test)]
            ConvertError::NotAFunction => write!(f, "component type is not a function type"),
        }
    }
}

impl std::error::Error for ConvertError {}

/// Converts the types of one validated component into [`ValueType`]s.
///
/// One converter per component: it numbers the resource types it meets, so
/// handles converted by the same converter can be compared.
pub(crate) struct TypeConverter<'a> {
    types: TypesRef<'a>,
    resources: HashMap<wasmparser::component_types::ResourceId, ResourceId>,
}

impl<'a> TypeConverter<'a> {
    /// A converter for the component whose validated types are `types`.
    pub(crate) fn new(types: TypesRef<'a>) -> Self {
        TypeConverter { types, resources: HashMap::new() }
    }

    /// The function type at component type index `index`.
    #[cfg(test)]
    pub(crate) fn func_type_at(&mut self, index: u32) -> Result<FuncType, ConvertError> {
        match self.types.component_any_type_at(index) {
            ComponentAnyTypeId::Func(id) => self.func_type(id),
            _ => Err(ConvertError::NotAFunction),
        }
    }

    /// The type of the component function at function index `index`.
    #[cfg(test)]
    pub(crate) fn func_at(&mut self, index: u32) -> Result<FuncType, ConvertError> {
        let id = self.types.component_function_at(index);
        self.func_type(id)
    }

    /// Converts a function type.
    pub(crate) fn func_type(&mut self, id: ComponentFuncTypeId) -> Result<FuncType, ConvertError> {
        let types = self.types;
        let ty = &types[id];
        if ty.async_ {
            return Err(ConvertError::AsyncFunction);
        }
        let params = ty
            .params
            .iter()
            .map(|(name, t)| Ok((name.as_str().to_string(), self.value_type(*t)?)))
            .collect::<Result<_, ConvertError>>()?;
        let result = ty.result.map(|t| self.value_type(t)).transpose()?;
        Ok(FuncType { params, result })
    }

    /// Converts a value type.
    pub(crate) fn value_type(&mut self, ty: ComponentValType) -> Result<ValueType, ConvertError> {
        self.convert(ty, 0)
    }

    fn convert(&mut self, ty: ComponentValType, depth: u32) -> Result<ValueType, ConvertError> {
        let id = match ty {
            ComponentValType::Primitive(p) => return Ok(primitive(p)),
            ComponentValType::Type(id) => id,
        };
        if depth >= MAX_TYPE_DEPTH {
            return Err(ConvertError::TooDeep);
        }
        let d = depth + 1;
        let boxed =
            |this: &mut Self, t: ComponentValType| -> Result<_, ConvertError> { Ok(Box::new(this.convert(t, d)?)) };
        let types = self.types;
        Ok(match &types[id] {
            ComponentDefinedType::Primitive(p) => primitive(*p),
            ComponentDefinedType::Record(r) => ValueType::Record(
                r.fields
                    .iter()
                    .map(|(name, t)| Ok((name.as_str().to_string(), self.convert(*t, d)?)))
                    .collect::<Result<_, ConvertError>>()?,
            ),
            ComponentDefinedType::Variant(v) => ValueType::Variant(
                v.cases
                    .iter()
                    .map(|(name, case)| {
                        let payload = case.ty.map(|t| self.convert(t, d)).transpose()?;
                        Ok((name.as_str().to_string(), payload))
                    })
                    .collect::<Result<_, ConvertError>>()?,
            ),
            ComponentDefinedType::List { element, .. } => ValueType::List(boxed(self, *element)?),
            ComponentDefinedType::FixedLengthList { element, length, .. } => {
                ValueType::FixedList(boxed(self, *element)?, *length)
            }
            ComponentDefinedType::Map { key, value, .. } => ValueType::Map(boxed(self, *key)?, boxed(self, *value)?),
            ComponentDefinedType::Tuple(t) => {
                ValueType::Tuple(t.types.iter().map(|t| self.convert(*t, d)).collect::<Result<_, ConvertError>>()?)
            }
            ComponentDefinedType::Flags(names) => {
                ValueType::Flags(names.iter().map(|n| n.as_str().to_string()).collect())
            }
            ComponentDefinedType::Enum(names) => {
                ValueType::Enum(names.iter().map(|n| n.as_str().to_string()).collect())
            }
            ComponentDefinedType::Option { ty, .. } => ValueType::Option(boxed(self, *ty)?),
            ComponentDefinedType::Result { ok, err, .. } => ValueType::Result {
                ok: ok.map(|t| boxed(self, t)).transpose()?,
                err: err.map(|t| boxed(self, t)).transpose()?,
            },
            ComponentDefinedType::Own(r) => ValueType::Own(self.resource(r.resource())),
            ComponentDefinedType::Borrow(r) => ValueType::Borrow(self.resource(r.resource())),
            ComponentDefinedType::Future { ty, .. } => ValueType::Future(ty.map(|t| boxed(self, t)).transpose()?),
            ComponentDefinedType::Stream { ty, .. } => ValueType::Stream(ty.map(|t| boxed(self, t)).transpose()?),
        })
    }

    /// The resources this converter has numbered: (wasmparser's id, ours).
    pub(crate) fn resources(&self) -> impl Iterator<Item = (wasmparser::component_types::ResourceId, ResourceId)> + '_ {
        self.resources.iter().map(|(k, v)| (*k, *v))
    }

    fn resource(&mut self, id: wasmparser::component_types::ResourceId) -> ResourceId {
        let next = ResourceId(self.resources.len() as u32);
        *self.resources.entry(id).or_insert(next)
    }
}

fn primitive(p: PrimitiveValType) -> ValueType {
    match p {
        PrimitiveValType::Bool => ValueType::Bool,
        PrimitiveValType::S8 => ValueType::S8,
        PrimitiveValType::U8 => ValueType::U8,
        PrimitiveValType::S16 => ValueType::S16,
        PrimitiveValType::U16 => ValueType::U16,
        PrimitiveValType::S32 => ValueType::S32,
        PrimitiveValType::U32 => ValueType::U32,
        PrimitiveValType::S64 => ValueType::S64,
        PrimitiveValType::U64 => ValueType::U64,
        PrimitiveValType::F32 => ValueType::F32,
        PrimitiveValType::F64 => ValueType::F64,
        PrimitiveValType::Char => ValueType::Char,
        PrimitiveValType::String => ValueType::String,
        PrimitiveValType::ErrorContext => ValueType::ErrorContext,
    }
}
