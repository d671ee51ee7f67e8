//! Constant expressions (global initialisers, segment offsets, element items).

/// One instruction of a constant expression.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum ConstOp {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    RefNull,
    RefFunc(u32),
    GlobalGet(u32),
    I32Add,
    I32Sub,
    I32Mul,
    I64Add,
    I64Sub,
    I64Mul,
}

/// A validated constant expression, evaluated at instantiation.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ConstExpr {
    ops: Vec<ConstOp>,
}

impl ConstExpr {
    /// The functions the expression takes a reference to (`ref.func`).
    pub(crate) fn referenced_funcs(&self) -> impl Iterator<Item = u32> + '_ {
        self.ops.iter().filter_map(|op| match op {
            ConstOp::RefFunc(f) => Some(*f),
            _ => None,
        })
    }

    pub(crate) fn from_ops(ops: Vec<ConstOp>) -> Self {
        ConstExpr { ops }
    }

    pub(crate) fn read(expr: &wasmparser::ConstExpr<'_>) -> Result<Self, super::CompileError> {
        use wasmparser::Operator as O;
        let mut ops = Vec::new();
        let mut reader = expr.get_operators_reader();
        while !reader.eof() {
            let offset = reader.original_position();
            let op = match reader.read().map_err(super::CompileError::malformed)? {
                O::I32Const { value } => ConstOp::I32(value),
                O::I64Const { value } => ConstOp::I64(value),
                O::F32Const { value } => ConstOp::F32(value.bits()),
                O::F64Const { value } => ConstOp::F64(value.bits()),
                O::V128Const { value } => ConstOp::V128(value.i128() as u128),
                O::RefNull { .. } => ConstOp::RefNull,
                O::RefFunc { function_index } => ConstOp::RefFunc(function_index),
                O::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
                O::I32Add => ConstOp::I32Add,
                O::I32Sub => ConstOp::I32Sub,
                O::I32Mul => ConstOp::I32Mul,
                O::I64Add => ConstOp::I64Add,
                O::I64Sub => ConstOp::I64Sub,
                O::I64Mul => ConstOp::I64Mul,
                O::End => continue,
                other => {
                    return Err(super::CompileError::new(
                        super::CompileErrorKind::Invalid,
                        format!("constant expression required, found {other:?}"),
                        Some(offset as usize),
                    ))
                }
            };
            ops.push(op);
        }
        Ok(ConstExpr { ops })
    }

    /// Evaluates to a value in the encoding globals hold (a v128 all 128
    /// bits, anything else zero-extended; see design.md's run-time layout).
    /// `global` gives a global's current value, `func` a function's reference.
    pub(crate) fn eval(&self, global: impl Fn(u32) -> u128, mut func: impl FnMut(u32) -> u64) -> u128 {
        let mut stack: Vec<u128> = Vec::with_capacity(2);
        for op in &self.ops {
            let v = match *op {
                ConstOp::I32(v) => v as u32 as u128,
                ConstOp::I64(v) => v as u64 as u128,
                ConstOp::F32(v) => v as u128,
                ConstOp::F64(v) => v as u128,
                ConstOp::V128(v) => v,
                ConstOp::RefNull => 0,
                ConstOp::RefFunc(f) => func(f) as u128,
                ConstOp::GlobalGet(g) => global(g),
                ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                    let b = stack.pop().unwrap_or(0) as u32;
                    let a = stack.pop().unwrap_or(0) as u32;
                    let r = match op {
                        ConstOp::I32Add => a.wrapping_add(b),
                        ConstOp::I32Sub => a.wrapping_sub(b),
                        _ => a.wrapping_mul(b),
                    };
                    r as u128
                }
                ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                    let b = stack.pop().unwrap_or(0) as u64;
                    let a = stack.pop().unwrap_or(0) as u64;
                    let r = match op {
                        ConstOp::I64Add => a.wrapping_add(b),
                        ConstOp::I64Sub => a.wrapping_sub(b),
                        _ => a.wrapping_mul(b),
                    };
                    r as u128
                }
            };
            stack.push(v);
        }
        stack.pop().unwrap_or(0)
    }
}
