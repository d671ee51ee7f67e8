//! The public view of component value types.

use std::fmt;

use super::types::ValueType;

/// The type of a component value, as a function's parameters and result
/// have it ([`Func::params`](super::Func::params)). Its WIT spelling is its
/// `Display`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Type(pub(crate) ValueType);

impl fmt::Debug for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Type({self})")
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_type(f, &self.0)
    }
}

fn write_list(f: &mut fmt::Formatter<'_>, items: &mut dyn Iterator<Item = &ValueType>) -> fmt::Result {
    for (i, t) in items.enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write_type(f, t)?;
    }
    Ok(())
}

fn write_type(f: &mut fmt::Formatter<'_>, ty: &ValueType) -> fmt::Result {
    match ty {
        ValueType::Bool => f.write_str("bool"),
        ValueType::S8 => f.write_str("s8"),
        ValueType::U8 => f.write_str("u8"),
        ValueType::S16 => f.write_str("s16"),
        ValueType::U16 => f.write_str("u16"),
        ValueType::S32 => f.write_str("s32"),
        ValueType::U32 => f.write_str("u32"),
        ValueType::S64 => f.write_str("s64"),
        ValueType::U64 => f.write_str("u64"),
        ValueType::F32 => f.write_str("f32"),
        ValueType::F64 => f.write_str("f64"),
        ValueType::Char => f.write_str("char"),
        ValueType::String => f.write_str("string"),
        ValueType::ErrorContext => f.write_str("error-context"),
        ValueType::List(t) => {
            f.write_str("list<")?;
            write_type(f, t)?;
            f.write_str(">")
        }
        ValueType::FixedList(t, n) => {
            f.write_str("list<")?;
            write_type(f, t)?;
            write!(f, ", {n}>")
        }
        ValueType::Map(k, v) => {
            f.write_str("map<")?;
            write_type(f, k)?;
            f.write_str(", ")?;
            write_type(f, v)?;
            f.write_str(">")
        }
        ValueType::Record(fields) => {
            f.write_str("record { ")?;
            for (i, (n, t)) in fields.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{n}: ")?;
                write_type(f, t)?;
            }
            f.write_str(" }")
        }
        ValueType::Tuple(ts) => {
            f.write_str("tuple<")?;
            write_list(f, &mut ts.iter())?;
            f.write_str(">")
        }
        ValueType::Variant(cases) => {
            f.write_str("variant { ")?;
            for (i, (n, t)) in cases.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                f.write_str(n)?;
                if let Some(t) = t {
                    f.write_str("(")?;
                    write_type(f, t)?;
                    f.write_str(")")?;
                }
            }
            f.write_str(" }")
        }
        ValueType::Enum(cases) => write!(f, "enum {{ {} }}", cases.join(", ")),
        ValueType::Option(t) => {
            f.write_str("option<")?;
            write_type(f, t)?;
            f.write_str(">")
        }
        ValueType::Result { ok, err } => {
            f.write_str("result")?;
            match (ok, err) {
                (None, None) => Ok(()),
                (Some(o), None) => {
                    f.write_str("<")?;
                    write_type(f, o)?;
                    f.write_str(">")
                }
                (o, Some(e)) => {
                    f.write_str("<")?;
                    match o {
                        Some(o) => write_type(f, o)?,
                        None => f.write_str("_")?,
                    }
                    f.write_str(", ")?;
                    write_type(f, e)?;
                    f.write_str(">")
                }
            }
        }
        ValueType::Flags(names) => write!(f, "flags {{ {} }}", names.join(", ")),
        ValueType::Own(_) => f.write_str("own<resource>"),
        ValueType::Borrow(_) => f.write_str("borrow<resource>"),
        ValueType::Future(_) => f.write_str("future"),
        ValueType::Stream(_) => f.write_str("stream"),
    }
}
