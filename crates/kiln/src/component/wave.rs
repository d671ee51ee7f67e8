//! WAVE (the WebAssembly Value Encoding of the `wasm-wave` crate) for
//! component values: `kiln run --invoke 'f(1, "two")'` parses arguments
//! and prints results with it.

use std::borrow::Cow;

use wasm_wave::wasm::{WasmType, WasmTypeKind, WasmValue, WasmValueError};

use super::ty::Type;
use super::types::ValueType;
use super::values::Val;

impl WasmType for Type {
    fn kind(&self) -> WasmTypeKind {
        match &self.0 {
            ValueType::Bool => WasmTypeKind::Bool,
            ValueType::S8 => WasmTypeKind::S8,
            ValueType::U8 => WasmTypeKind::U8,
            ValueType::S16 => WasmTypeKind::S16,
            ValueType::U16 => WasmTypeKind::U16,
            ValueType::S32 => WasmTypeKind::S32,
            ValueType::U32 => WasmTypeKind::U32,
            ValueType::S64 => WasmTypeKind::S64,
            ValueType::U64 => WasmTypeKind::U64,
            ValueType::F32 => WasmTypeKind::F32,
            ValueType::F64 => WasmTypeKind::F64,
            ValueType::Char => WasmTypeKind::Char,
            ValueType::String => WasmTypeKind::String,
            // A fixed-length list is written as a list in WAVE.
            ValueType::List(_) | ValueType::FixedList(..) => WasmTypeKind::List,
            ValueType::Record(_) => WasmTypeKind::Record,
            ValueType::Tuple(_) => WasmTypeKind::Tuple,
            ValueType::Variant(_) => WasmTypeKind::Variant,
            ValueType::Enum(_) => WasmTypeKind::Enum,
            ValueType::Option(_) => WasmTypeKind::Option,
            ValueType::Result { .. } => WasmTypeKind::Result,
            ValueType::Flags(_) => WasmTypeKind::Flags,
            _ => WasmTypeKind::Unsupported,
        }
    }

    fn list_element_type(&self) -> Option<Self> {
        match &self.0 {
            ValueType::List(t) | ValueType::FixedList(t, _) => Some(Type((**t).clone())),
            _ => None,
        }
    }

    fn record_fields(&self) -> Box<dyn Iterator<Item = (Cow<'_, str>, Self)> + '_> {
        match &self.0 {
            ValueType::Record(fields) => {
                Box::new(fields.iter().map(|(n, t)| (Cow::Borrowed(n.as_str()), Type(t.clone()))))
            }
            _ => Box::new(std::iter::empty()),
        }
    }

    fn tuple_element_types(&self) -> Box<dyn Iterator<Item = Self> + '_> {
        match &self.0 {
            ValueType::Tuple(ts) => Box::new(ts.iter().map(|t| Type(t.clone()))),
            _ => Box::new(std::iter::empty()),
        }
    }

    fn variant_cases(&self) -> Box<dyn Iterator<Item = (Cow<'_, str>, Option<Self>)> + '_> {
        match &self.0 {
            ValueType::Variant(cases) => {
                Box::new(cases.iter().map(|(n, t)| (Cow::Borrowed(n.as_str()), t.clone().map(Type))))
            }
            _ => Box::new(std::iter::empty()),
        }
    }

    fn enum_cases(&self) -> Box<dyn Iterator<Item = Cow<'_, str>> + '_> {
        match &self.0 {
            ValueType::Enum(cases) => Box::new(cases.iter().map(|n| Cow::Borrowed(n.as_str()))),
            _ => Box::new(std::iter::empty()),
        }
    }

    fn option_some_type(&self) -> Option<Self> {
        match &self.0 {
            ValueType::Option(t) => Some(Type((**t).clone())),
            _ => None,
        }
    }

    fn result_types(&self) -> Option<(Option<Self>, Option<Self>)> {
        match &self.0 {
            ValueType::Result { ok, err } => {
                Some((ok.as_ref().map(|t| Type((**t).clone())), err.as_ref().map(|t| Type((**t).clone()))))
            }
            _ => None,
        }
    }

    fn flags_names(&self) -> Box<dyn Iterator<Item = Cow<'_, str>> + '_> {
        match &self.0 {
            ValueType::Flags(names) => Box::new(names.iter().map(|n| Cow::Borrowed(n.as_str()))),
            _ => Box::new(std::iter::empty()),
        }
    }
}

fn unexpected(ty: &Type) -> WasmValueError {
    WasmValueError::Other(format!("value does not fit type {ty}"))
}

impl WasmValue for Val {
    type Type = Type;

    fn kind(&self) -> WasmTypeKind {
        match self {
            Val::Bool(_) => WasmTypeKind::Bool,
            Val::S8(_) => WasmTypeKind::S8,
            Val::U8(_) => WasmTypeKind::U8,
            Val::S16(_) => WasmTypeKind::S16,
            Val::U16(_) => WasmTypeKind::U16,
            Val::S32(_) => WasmTypeKind::S32,
            Val::U32(_) => WasmTypeKind::U32,
            Val::S64(_) => WasmTypeKind::S64,
            Val::U64(_) => WasmTypeKind::U64,
            Val::Float32(_) => WasmTypeKind::F32,
            Val::Float64(_) => WasmTypeKind::F64,
            Val::Char(_) => WasmTypeKind::Char,
            Val::String(_) => WasmTypeKind::String,
            Val::List(_) => WasmTypeKind::List,
            Val::Record(_) => WasmTypeKind::Record,
            Val::Tuple(_) => WasmTypeKind::Tuple,
            Val::Variant(..) => WasmTypeKind::Variant,
            Val::Enum(_) => WasmTypeKind::Enum,
            Val::Option(_) => WasmTypeKind::Option,
            Val::Result(_) => WasmTypeKind::Result,
            Val::Flags(_) => WasmTypeKind::Flags,
            Val::Resource(_) => WasmTypeKind::Unsupported,
        }
    }

    fn make_bool(val: bool) -> Self {
        Val::Bool(val)
    }
    fn make_s8(val: i8) -> Self {
        Val::S8(val)
    }
    fn make_s16(val: i16) -> Self {
        Val::S16(val)
    }
    fn make_s32(val: i32) -> Self {
        Val::S32(val)
    }
    fn make_s64(val: i64) -> Self {
        Val::S64(val)
    }
    fn make_u8(val: u8) -> Self {
        Val::U8(val)
    }
    fn make_u16(val: u16) -> Self {
        Val::U16(val)
    }
    fn make_u32(val: u32) -> Self {
        Val::U32(val)
    }
    fn make_u64(val: u64) -> Self {
        Val::U64(val)
    }
    fn make_f32(val: f32) -> Self {
        Val::Float32(val)
    }
    fn make_f64(val: f64) -> Self {
        Val::Float64(val)
    }
    fn make_char(val: char) -> Self {
        Val::Char(val)
    }
    fn make_string(val: Cow<'_, str>) -> Self {
        Val::String(val.into_owned())
    }

    fn make_list(ty: &Type, vals: impl IntoIterator<Item = Self>) -> Result<Self, WasmValueError> {
        let list: Vec<Val> = vals.into_iter().collect();
        if let ValueType::FixedList(_, n) = ty.0 {
            if list.len() != n as usize {
                return Err(WasmValueError::Other(format!("expected a list of {n} values, got {}", list.len())));
            }
        }
        Ok(Val::List(list))
    }

    fn make_record<'a>(ty: &Type, fields: impl IntoIterator<Item = (&'a str, Self)>) -> Result<Self, WasmValueError> {
        let ValueType::Record(types) = &ty.0 else { return Err(unexpected(ty)) };
        let mut given: Vec<(&str, Val)> = fields.into_iter().collect();
        let mut out = Vec::with_capacity(types.len());
        for (name, fty) in types {
            match given.iter().position(|(n, _)| n == name) {
                Some(i) => out.push((name.clone(), given.swap_remove(i).1)),
                // WAVE leaves out `none` option fields.
                None if matches!(fty, ValueType::Option(_)) => out.push((name.clone(), Val::Option(None))),
                None => return Err(WasmValueError::MissingField(name.clone())),
            }
        }
        if let Some((n, _)) = given.first() {
            return Err(WasmValueError::UnknownField(n.to_string()));
        }
        Ok(Val::Record(out))
    }

    fn make_tuple(_ty: &Type, vals: impl IntoIterator<Item = Self>) -> Result<Self, WasmValueError> {
        Ok(Val::Tuple(vals.into_iter().collect()))
    }

    fn make_variant(_ty: &Type, case: &str, val: Option<Self>) -> Result<Self, WasmValueError> {
        Ok(Val::Variant(case.to_string(), val.map(Box::new)))
    }

    fn make_enum(_ty: &Type, case: &str) -> Result<Self, WasmValueError> {
        Ok(Val::Enum(case.to_string()))
    }

    fn make_option(_ty: &Type, val: Option<Self>) -> Result<Self, WasmValueError> {
        Ok(Val::Option(val.map(Box::new)))
    }

    fn make_result(_ty: &Type, val: Result<Option<Self>, Option<Self>>) -> Result<Self, WasmValueError> {
        Ok(Val::Result(val.map(|v| v.map(Box::new)).map_err(|e| e.map(Box::new))))
    }

    fn make_flags<'a>(ty: &Type, names: impl IntoIterator<Item = &'a str>) -> Result<Self, WasmValueError> {
        let ValueType::Flags(all) = &ty.0 else { return Err(unexpected(ty)) };
        let given: Vec<&str> = names.into_iter().collect();
        // Kept in declaration order, as lifted flags are.
        Ok(Val::Flags(all.iter().filter(|n| given.contains(&n.as_str())).cloned().collect()))
    }

    fn unwrap_bool(&self) -> bool {
        matches!(self, Val::Bool(true))
    }
    fn unwrap_s8(&self) -> i8 {
        if let Val::S8(v) = self {
            *v
        } else {
            0
        }
    }
    fn unwrap_s16(&self) -> i16 {
        if let Val::S16(v) = self {
            *v
        } else {
            0
        }
    }
    fn unwrap_s32(&self) -> i32 {
        if let Val::S32(v) = self {
            *v
        } else {
            0
        }
    }
    fn unwrap_s64(&self) -> i64 {
        if let Val::S64(v) = self {
            *v
        } else {
            0
        }
    }
    fn unwrap_u8(&self) -> u8 {
        if let Val::U8(v) = self {
            *v
        } else {
            0
        }
    }
    fn unwrap_u16(&self) -> u16 {
        if let Val::U16(v) = self {
            *v
        } else {
            0
        }
    }
    fn unwrap_u32(&self) -> u32 {
        if let Val::U32(v) = self {
            *v
        } else {
            0
        }
    }
    fn unwrap_u64(&self) -> u64 {
        if let Val::U64(v) = self {
            *v
        } else {
            0
        }
    }
    fn unwrap_f32(&self) -> f32 {
        if let Val::Float32(v) = self {
            *v
        } else {
            0.0
        }
    }
    fn unwrap_f64(&self) -> f64 {
        if let Val::Float64(v) = self {
            *v
        } else {
            0.0
        }
    }
    fn unwrap_char(&self) -> char {
        if let Val::Char(v) = self {
            *v
        } else {
            '\0'
        }
    }
    fn unwrap_string(&self) -> Cow<'_, str> {
        if let Val::String(v) = self {
            Cow::Borrowed(v)
        } else {
            Cow::Borrowed("")
        }
    }
    fn unwrap_list(&self) -> Box<dyn Iterator<Item = Cow<'_, Self>> + '_> {
        match self {
            Val::List(v) => Box::new(v.iter().map(Cow::Borrowed)),
            _ => Box::new(std::iter::empty()),
        }
    }
    fn unwrap_record(&self) -> Box<dyn Iterator<Item = (Cow<'_, str>, Cow<'_, Self>)> + '_> {
        match self {
            Val::Record(v) => Box::new(v.iter().map(|(n, v)| (Cow::Borrowed(n.as_str()), Cow::Borrowed(v)))),
            _ => Box::new(std::iter::empty()),
        }
    }
    fn unwrap_tuple(&self) -> Box<dyn Iterator<Item = Cow<'_, Self>> + '_> {
        match self {
            Val::Tuple(v) => Box::new(v.iter().map(Cow::Borrowed)),
            _ => Box::new(std::iter::empty()),
        }
    }
    fn unwrap_variant(&self) -> (Cow<'_, str>, Option<Cow<'_, Self>>) {
        match self {
            Val::Variant(n, v) => (Cow::Borrowed(n.as_str()), v.as_deref().map(Cow::Borrowed)),
            _ => (Cow::Borrowed(""), None),
        }
    }
    fn unwrap_enum(&self) -> Cow<'_, str> {
        match self {
            Val::Enum(n) => Cow::Borrowed(n.as_str()),
            _ => Cow::Borrowed(""),
        }
    }
    fn unwrap_option(&self) -> Option<Cow<'_, Self>> {
        match self {
            Val::Option(v) => v.as_deref().map(Cow::Borrowed),
            _ => None,
        }
    }
    fn unwrap_result(&self) -> Result<Option<Cow<'_, Self>>, Option<Cow<'_, Self>>> {
        match self {
            Val::Result(Ok(v)) => Ok(v.as_deref().map(Cow::Borrowed)),
            Val::Result(Err(v)) => Err(v.as_deref().map(Cow::Borrowed)),
            _ => Ok(None),
        }
    }
    fn unwrap_flags(&self) -> Box<dyn Iterator<Item = Cow<'_, str>> + '_> {
        match self {
            Val::Flags(v) => Box::new(v.iter().map(|n| Cow::Borrowed(n.as_str()))),
            _ => Box::new(std::iter::empty()),
        }
    }
}
