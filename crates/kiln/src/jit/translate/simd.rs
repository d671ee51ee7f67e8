//! 128-bit SIMD (Wasm 2.0) and relaxed SIMD.
//!
//! Every `v128` on the operand stack, in a local, a block parameter, a
//! global or a call is an `I8X16` (`V128`); `push` bitcasts any other
//! vector type back to it. An operator bitcasts its operands to the shape
//! it works on (`pop_as`); the bitcasts name little-endian lane order, the
//! only order wasm knows, and cost nothing on little-endian hosts.
//!
//! The relaxed operators take one deterministic choice each, the same as
//! the interpreter's, so both tiers agree bit for bit (but for NaN
//! payloads): most are translated as the operator they stand for (e.g.
//! `relaxed_swizzle` as `swizzle`, `relaxed_min` as `min`), the rest in
//! `relaxed_op`.

use super::memory::heap_flags;
use super::FuncTranslator;
use crate::compile::CompileError;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F32, F32X4, F64X2, I16, I16X8, I32, I32X4, I64, I64X2, I8, I8X16};
use cranelift_codegen::ir::{ConstantData, Endianness, InstBuilder, MemFlagsData, Type, Value};
use cranelift_frontend::FunctionBuilder;
use wasmparser::{MemArg, Operator};

/// The one Cranelift type of a wasm `v128` wherever it is stored or passed.
pub(crate) const V128: Type = I8X16;

/// Flags of a bitcast between vector shapes: lanes in wasm's order.
pub(super) fn lane_order() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

/// The vector shape whose lanes are `lane`.
fn shape_of(lane: Type) -> Type {
    match lane {
        I8 => I8X16,
        I16 => I16X8,
        I32 => I32X4,
        I64 => I64X2,
        F32 => F32X4,
        _ => F64X2,
    }
}

/// Bitcasts vector `v` to shape `ty` unless it already has it.
pub(super) fn cast(b: &mut FunctionBuilder<'_>, v: Value, ty: Type) -> Value {
    if b.func.dfg.value_type(v) == ty {
        v
    } else {
        b.ins().bitcast(ty, lane_order(), v)
    }
}

/// The all-zero vector of shape `ty`.
pub(super) fn vector_zero(b: &mut FunctionBuilder<'_>, ty: Type) -> Value {
    let zero = b.func.dfg.constants.insert(ConstantData::from(vec![0u8; 16]));
    b.ins().vconst(ty, zero)
}

/// The low or high half of the lanes of `v`, extended to twice the width.
fn widen(b: &mut FunctionBuilder<'_>, v: Value, signed: bool, high: bool) -> Value {
    match (signed, high) {
        (true, false) => b.ins().swiden_low(v),
        (true, true) => b.ins().swiden_high(v),
        (false, false) => b.ins().uwiden_low(v),
        (false, true) => b.ins().uwiden_high(v),
    }
}

/// `i32x4.dot_i16x8_s` of two `I16X8`: each i32 lane the sum of two
/// adjacent products. (Cranelift turns this shape into `pmaddwd` on x64.)
fn dot_i16x8(b: &mut FunctionBuilder<'_>, x: Value, y: Value) -> Value {
    let xl = b.ins().swiden_low(x);
    let yl = b.ins().swiden_low(y);
    let low = b.ins().imul(xl, yl);
    let xh = b.ins().swiden_high(x);
    let yh = b.ins().swiden_high(y);
    let high = b.ins().imul(xh, yh);
    b.ins().iadd_pairwise(low, high)
}

/// How a SIMD load produces its vector.
#[derive(Clone, Copy)]
enum VLoad {
    /// All 16 bytes.
    Full,
    /// `v128.loadNxM_s/u`: `M` lanes of `N` bits, each extended to twice its width.
    Extend { lane: Type, signed: bool },
    /// `v128.loadN_splat`: one lane, copied to every lane.
    Splat(Type),
    /// `v128.loadN_zero`: one lane, the others zero.
    Zero(Type),
}

impl FuncTranslator<'_, '_> {
    /// Pops a `v128` as shape `ty`.
    fn pop_as(&mut self, ty: Type) -> Value {
        let v = self.pop();
        cast(&mut self.b, v, ty)
    }

    fn pop2_as(&mut self, ty: Type) -> (Value, Value) {
        let y = self.pop_as(ty);
        let x = self.pop_as(ty);
        (x, y)
    }

    fn pop3_as(&mut self, ty: Type) -> (Value, Value, Value) {
        let z = self.pop_as(ty);
        let (x, y) = self.pop2_as(ty);
        (x, y, z)
    }

    fn v_unary(&mut self, ty: Type, f: impl FnOnce(&mut FunctionBuilder<'_>, Value) -> Value) {
        let a = self.pop_as(ty);
        let v = f(&mut self.b, a);
        self.push(v);
    }

    fn v_binary(&mut self, ty: Type, f: impl FnOnce(&mut FunctionBuilder<'_>, Value, Value) -> Value) {
        let (x, y) = self.pop2_as(ty);
        let v = f(&mut self.b, x, y);
        self.push(v);
    }

    fn v_icmp(&mut self, ty: Type, cc: IntCC) {
        self.v_binary(ty, |b, x, y| b.ins().icmp(cc, x, y));
    }

    fn v_fcmp(&mut self, ty: Type, cc: FloatCC) {
        self.v_binary(ty, |b, x, y| b.ins().fcmp(cc, x, y));
    }

    /// A shift of every lane by the scalar on top, which Cranelift (like
    /// wasm) takes modulo the lane width.
    fn v_shift(&mut self, ty: Type, f: impl FnOnce(&mut FunctionBuilder<'_>, Value, Value) -> Value) {
        let amount = self.pop();
        let a = self.pop_as(ty);
        let v = f(&mut self.b, a, amount);
        self.push(v);
    }

    fn v_all_true(&mut self, ty: Type) {
        let a = self.pop_as(ty);
        let c = self.b.ins().vall_true(a);
        self.push_truth(c);
    }

    fn v_bitmask(&mut self, ty: Type) {
        let a = self.pop_as(ty);
        let v = self.b.ins().vhigh_bits(I32, a);
        self.push(v);
    }

    /// `extadd_pairwise` of a `ty` vector: adjacent lanes summed at twice
    /// the width.
    fn v_extadd_pairwise(&mut self, ty: Type, signed: bool) {
        self.v_unary(ty, |b, a| {
            let low = widen(b, a, signed, false);
            let high = widen(b, a, signed, true);
            b.ins().iadd_pairwise(low, high)
        });
    }

    /// `extmul_low/high` of two `ty` vectors: half of their lanes
    /// multiplied at twice the width.
    fn v_extmul(&mut self, ty: Type, signed: bool, high: bool) {
        self.v_binary(ty, |b, x, y| {
            let x = widen(b, x, signed, high);
            let y = widen(b, y, signed, high);
            b.ins().imul(x, y)
        });
    }

    /// `relaxed_madd` (`a*b + c`), or `relaxed_nmadd` (`-(a*b) + c`), with
    /// one rounding. Cranelift calls the `fma` library routine for each
    /// lane where the host has no fused instruction.
    fn v_fma(&mut self, ty: Type, negate: bool) {
        let (a, b, c) = self.pop3_as(ty);
        // Negating a factor is exact, so `(-a)*b + c` rounds once to
        // `-(a*b) + c`.
        let a = if negate { self.b.ins().fneg(a) } else { a };
        let v = self.b.ins().fma(a, b, c);
        self.push(v);
    }

    /// Pushes an `i8` truth value as an `i32` 0 or 1.
    fn push_truth(&mut self, c: Value) {
        let v = self.b.ins().uextend(I32, c);
        self.push(v);
    }

    /// `f32x4.pmin` (`min`) or `pmax`: `b < a ? b : a` (or `a < b ? b : a`),
    /// an operand itself even when the other is NaN or the zeros differ.
    fn v_pminmax(&mut self, ty: Type, max: bool) {
        let (a, b) = self.pop2_as(ty);
        let take_b =
            if max { self.b.ins().fcmp(FloatCC::LessThan, a, b) } else { self.b.ins().fcmp(FloatCC::LessThan, b, a) };
        let mask = cast(&mut self.b, take_b, ty);
        let v = self.b.ins().bitselect(mask, b, a);
        self.push(v);
    }

    /// `i32x4.trunc_sat_f64x2_s/u_zero`: converted at 64 bits, then
    /// narrowed against zeros. Cranelift's x64 backend lowers only this
    /// exact shape (a `vconst` of zeros as the second operand) of an
    /// `I64X2` narrow; aarch64 lowers any.
    fn v_trunc_sat_f64x2_zero(&mut self, signed: bool) {
        let a = self.pop_as(F64X2);
        let zero = vector_zero(&mut self.b, I64X2);
        let v = if signed {
            let wide = self.b.ins().fcvt_to_sint_sat(I64X2, a);
            self.b.ins().snarrow(wide, zero)
        } else {
            let wide = self.b.ins().fcvt_to_uint_sat(I64X2, a);
            self.b.ins().uunarrow(wide, zero)
        };
        self.push(v);
    }

    /// `i16x8.relaxed_dot_i8x16_i7x16_s` as Kiln defines it: both operands
    /// signed, each i16 lane the saturated sum of two adjacent products.
    fn relaxed_dot_i8x16(&mut self, a: Value, b: Value) -> Value {
        // Each product fits an i16; their sum needs 17 bits, so it is
        // formed in i32 lanes and narrowed with signed saturation.
        let al = self.b.ins().swiden_low(a);
        let bl = self.b.ins().swiden_low(b);
        let ah = self.b.ins().swiden_high(a);
        let bh = self.b.ins().swiden_high(b);
        let low = dot_i16x8(&mut self.b, al, bl);
        let high = dot_i16x8(&mut self.b, ah, bh);
        self.b.ins().snarrow(low, high)
    }

    fn extract_lane(&mut self, ty: Type, lane: u8, extend: Option<bool>) {
        let a = self.pop_as(ty);
        let x = self.b.ins().extractlane(a, lane);
        let v = match extend {
            Some(true) => self.b.ins().sextend(I32, x),
            Some(false) => self.b.ins().uextend(I32, x),
            None => x,
        };
        self.push(v);
    }

    fn replace_lane(&mut self, ty: Type, lane: u8) {
        let x = self.pop();
        let x = match ty.lane_type() {
            l @ (I8 | I16) => self.b.ins().ireduce(l, x),
            _ => x,
        };
        let a = self.pop_as(ty);
        let v = self.b.ins().insertlane(a, x, lane);
        self.push(v);
    }

    fn splat(&mut self, ty: Type) {
        let x = self.pop();
        let x = match ty.lane_type() {
            l @ (I8 | I16) => self.b.ins().ireduce(l, x),
            _ => x,
        };
        let v = self.b.ins().splat(ty, x);
        self.push(v);
    }

    fn v_load(&mut self, memarg: &MemArg, kind: VLoad) -> Result<(), CompileError> {
        let size = match kind {
            VLoad::Full => 16,
            VLoad::Extend { .. } => 8,
            VLoad::Splat(lane) | VLoad::Zero(lane) => lane.bytes() as u64,
        };
        let addr = self.heap_address(memarg, size)?;
        let f = heap_flags();
        let ins = self.b.ins();
        let v = match kind {
            VLoad::Full => ins.load(V128, f, addr, 0),
            VLoad::Extend { lane: I8, signed: true } => ins.sload8x8(f, addr, 0),
            VLoad::Extend { lane: I8, signed: false } => ins.uload8x8(f, addr, 0),
            VLoad::Extend { lane: I16, signed: true } => ins.sload16x4(f, addr, 0),
            VLoad::Extend { lane: I16, signed: false } => ins.uload16x4(f, addr, 0),
            VLoad::Extend { signed: true, .. } => ins.sload32x2(f, addr, 0),
            VLoad::Extend { signed: false, .. } => ins.uload32x2(f, addr, 0),
            VLoad::Splat(lane) => {
                let x = ins.load(lane, f, addr, 0);
                self.b.ins().splat(shape_of(lane), x)
            }
            VLoad::Zero(lane) => {
                let x = ins.load(lane, f, addr, 0);
                self.b.ins().scalar_to_vector(shape_of(lane), x)
            }
        };
        self.push(v);
        Ok(())
    }

    /// `v128.loadN_lane`: the vector is on top, the address below it.
    fn v_load_lane(&mut self, memarg: &MemArg, lane_ty: Type, lane: u8) -> Result<(), CompileError> {
        let ty = shape_of(lane_ty);
        let a = self.pop_as(ty);
        let addr = self.heap_address(memarg, lane_ty.bytes() as u64)?;
        let x = self.b.ins().load(lane_ty, heap_flags(), addr, 0);
        let v = self.b.ins().insertlane(a, x, lane);
        self.push(v);
        Ok(())
    }

    /// `v128.storeN_lane`: the vector is on top, the address below it.
    fn v_store_lane(&mut self, memarg: &MemArg, lane_ty: Type, lane: u8) -> Result<(), CompileError> {
        let ty = shape_of(lane_ty);
        let a = self.pop_as(ty);
        let x = self.b.ins().extractlane(a, lane);
        let addr = self.heap_address(memarg, lane_ty.bytes() as u64)?;
        self.b.ins().store(heap_flags(), x, addr, 0);
        Ok(())
    }

    /// The SIMD operators of Wasm 2.0 and relaxed SIMD.
    pub(super) fn simd_op(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        use Operator as O;
        match *op {
            // Memory.
            O::V128Load { memarg } => self.v_load(&memarg, VLoad::Full)?,
            O::V128Load8x8S { memarg } => self.v_load(&memarg, VLoad::Extend { lane: I8, signed: true })?,
            O::V128Load8x8U { memarg } => self.v_load(&memarg, VLoad::Extend { lane: I8, signed: false })?,
            O::V128Load16x4S { memarg } => self.v_load(&memarg, VLoad::Extend { lane: I16, signed: true })?,
            O::V128Load16x4U { memarg } => self.v_load(&memarg, VLoad::Extend { lane: I16, signed: false })?,
            O::V128Load32x2S { memarg } => self.v_load(&memarg, VLoad::Extend { lane: I32, signed: true })?,
            O::V128Load32x2U { memarg } => self.v_load(&memarg, VLoad::Extend { lane: I32, signed: false })?,
            O::V128Load8Splat { memarg } => self.v_load(&memarg, VLoad::Splat(I8))?,
            O::V128Load16Splat { memarg } => self.v_load(&memarg, VLoad::Splat(I16))?,
            O::V128Load32Splat { memarg } => self.v_load(&memarg, VLoad::Splat(I32))?,
            O::V128Load64Splat { memarg } => self.v_load(&memarg, VLoad::Splat(I64))?,
            O::V128Load32Zero { memarg } => self.v_load(&memarg, VLoad::Zero(I32))?,
            O::V128Load64Zero { memarg } => self.v_load(&memarg, VLoad::Zero(I64))?,
            O::V128Store { memarg } => {
                let v = self.pop_as(V128);
                let addr = self.heap_address(&memarg, 16)?;
                self.b.ins().store(heap_flags(), v, addr, 0);
            }
            O::V128Load8Lane { memarg, lane } => self.v_load_lane(&memarg, I8, lane)?,
            O::V128Load16Lane { memarg, lane } => self.v_load_lane(&memarg, I16, lane)?,
            O::V128Load32Lane { memarg, lane } => self.v_load_lane(&memarg, I32, lane)?,
            O::V128Load64Lane { memarg, lane } => self.v_load_lane(&memarg, I64, lane)?,
            O::V128Store8Lane { memarg, lane } => self.v_store_lane(&memarg, I8, lane)?,
            O::V128Store16Lane { memarg, lane } => self.v_store_lane(&memarg, I16, lane)?,
            O::V128Store32Lane { memarg, lane } => self.v_store_lane(&memarg, I32, lane)?,
            O::V128Store64Lane { memarg, lane } => self.v_store_lane(&memarg, I64, lane)?,

            // Constants, lanes and shuffles.
            O::V128Const { value } => {
                let c = self.b.func.dfg.constants.insert(ConstantData::from(&value.bytes()[..]));
                let v = self.b.ins().vconst(V128, c);
                self.push(v);
            }
            O::I8x16Shuffle { lanes } => {
                let (a, b) = self.pop2_as(I8X16);
                let mask = self.b.func.dfg.immediates.push(ConstantData::from(&lanes[..]));
                let v = self.b.ins().shuffle(a, b, mask);
                self.push(v);
            }
            O::I8x16Swizzle | O::I8x16RelaxedSwizzle => self.v_binary(I8X16, |b, x, y| b.ins().swizzle(x, y)),
            O::I8x16Splat => self.splat(I8X16),
            O::I16x8Splat => self.splat(I16X8),
            O::I32x4Splat => self.splat(I32X4),
            O::I64x2Splat => self.splat(I64X2),
            O::F32x4Splat => self.splat(F32X4),
            O::F64x2Splat => self.splat(F64X2),
            O::I8x16ExtractLaneS { lane } => self.extract_lane(I8X16, lane, Some(true)),
            O::I8x16ExtractLaneU { lane } => self.extract_lane(I8X16, lane, Some(false)),
            O::I16x8ExtractLaneS { lane } => self.extract_lane(I16X8, lane, Some(true)),
            O::I16x8ExtractLaneU { lane } => self.extract_lane(I16X8, lane, Some(false)),
            O::I32x4ExtractLane { lane } => self.extract_lane(I32X4, lane, None),
            O::I64x2ExtractLane { lane } => self.extract_lane(I64X2, lane, None),
            O::F32x4ExtractLane { lane } => self.extract_lane(F32X4, lane, None),
            O::F64x2ExtractLane { lane } => self.extract_lane(F64X2, lane, None),
            O::I8x16ReplaceLane { lane } => self.replace_lane(I8X16, lane),
            O::I16x8ReplaceLane { lane } => self.replace_lane(I16X8, lane),
            O::I32x4ReplaceLane { lane } => self.replace_lane(I32X4, lane),
            O::I64x2ReplaceLane { lane } => self.replace_lane(I64X2, lane),
            O::F32x4ReplaceLane { lane } => self.replace_lane(F32X4, lane),
            O::F64x2ReplaceLane { lane } => self.replace_lane(F64X2, lane),

            // Bitwise.
            O::V128Not => self.v_unary(V128, |b, a| b.ins().bnot(a)),
            O::V128And => self.v_binary(V128, |b, x, y| b.ins().band(x, y)),
            O::V128AndNot => self.v_binary(V128, |b, x, y| b.ins().band_not(x, y)),
            O::V128Or => self.v_binary(V128, |b, x, y| b.ins().bor(x, y)),
            O::V128Xor => self.v_binary(V128, |b, x, y| b.ins().bxor(x, y)),
            O::V128Bitselect => {
                let (a, b, mask) = self.pop3_as(V128);
                let v = self.b.ins().bitselect(mask, a, b);
                self.push(v);
            }
            O::V128AnyTrue => {
                let a = self.pop_as(V128);
                let c = self.b.ins().vany_true(a);
                self.push_truth(c);
            }

            _ => return self.simd_lanewise_op(op),
        }
        Ok(true)
    }

    /// The operators that work lane by lane on one shape, and the
    /// conversions between shapes.
    fn simd_lanewise_op(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        use Operator as O;
        match *op {
            // Integer comparisons.
            O::I8x16Eq => self.v_icmp(I8X16, IntCC::Equal),
            O::I16x8Eq => self.v_icmp(I16X8, IntCC::Equal),
            O::I32x4Eq => self.v_icmp(I32X4, IntCC::Equal),
            O::I64x2Eq => self.v_icmp(I64X2, IntCC::Equal),
            O::I8x16Ne => self.v_icmp(I8X16, IntCC::NotEqual),
            O::I16x8Ne => self.v_icmp(I16X8, IntCC::NotEqual),
            O::I32x4Ne => self.v_icmp(I32X4, IntCC::NotEqual),
            O::I64x2Ne => self.v_icmp(I64X2, IntCC::NotEqual),
            O::I8x16LtS => self.v_icmp(I8X16, IntCC::SignedLessThan),
            O::I16x8LtS => self.v_icmp(I16X8, IntCC::SignedLessThan),
            O::I32x4LtS => self.v_icmp(I32X4, IntCC::SignedLessThan),
            O::I64x2LtS => self.v_icmp(I64X2, IntCC::SignedLessThan),
            O::I8x16LtU => self.v_icmp(I8X16, IntCC::UnsignedLessThan),
            O::I16x8LtU => self.v_icmp(I16X8, IntCC::UnsignedLessThan),
            O::I32x4LtU => self.v_icmp(I32X4, IntCC::UnsignedLessThan),
            O::I8x16GtS => self.v_icmp(I8X16, IntCC::SignedGreaterThan),
            O::I16x8GtS => self.v_icmp(I16X8, IntCC::SignedGreaterThan),
            O::I32x4GtS => self.v_icmp(I32X4, IntCC::SignedGreaterThan),
            O::I64x2GtS => self.v_icmp(I64X2, IntCC::SignedGreaterThan),
            O::I8x16GtU => self.v_icmp(I8X16, IntCC::UnsignedGreaterThan),
            O::I16x8GtU => self.v_icmp(I16X8, IntCC::UnsignedGreaterThan),
            O::I32x4GtU => self.v_icmp(I32X4, IntCC::UnsignedGreaterThan),
            O::I8x16LeS => self.v_icmp(I8X16, IntCC::SignedLessThanOrEqual),
            O::I16x8LeS => self.v_icmp(I16X8, IntCC::SignedLessThanOrEqual),
            O::I32x4LeS => self.v_icmp(I32X4, IntCC::SignedLessThanOrEqual),
            O::I64x2LeS => self.v_icmp(I64X2, IntCC::SignedLessThanOrEqual),
            O::I8x16LeU => self.v_icmp(I8X16, IntCC::UnsignedLessThanOrEqual),
            O::I16x8LeU => self.v_icmp(I16X8, IntCC::UnsignedLessThanOrEqual),
            O::I32x4LeU => self.v_icmp(I32X4, IntCC::UnsignedLessThanOrEqual),
            O::I8x16GeS => self.v_icmp(I8X16, IntCC::SignedGreaterThanOrEqual),
            O::I16x8GeS => self.v_icmp(I16X8, IntCC::SignedGreaterThanOrEqual),
            O::I32x4GeS => self.v_icmp(I32X4, IntCC::SignedGreaterThanOrEqual),
            O::I64x2GeS => self.v_icmp(I64X2, IntCC::SignedGreaterThanOrEqual),
            O::I8x16GeU => self.v_icmp(I8X16, IntCC::UnsignedGreaterThanOrEqual),
            O::I16x8GeU => self.v_icmp(I16X8, IntCC::UnsignedGreaterThanOrEqual),
            O::I32x4GeU => self.v_icmp(I32X4, IntCC::UnsignedGreaterThanOrEqual),

            // Float comparisons: `ne` is true for unordered lanes.
            O::F32x4Eq => self.v_fcmp(F32X4, FloatCC::Equal),
            O::F64x2Eq => self.v_fcmp(F64X2, FloatCC::Equal),
            O::F32x4Ne => self.v_fcmp(F32X4, FloatCC::NotEqual),
            O::F64x2Ne => self.v_fcmp(F64X2, FloatCC::NotEqual),
            O::F32x4Lt => self.v_fcmp(F32X4, FloatCC::LessThan),
            O::F64x2Lt => self.v_fcmp(F64X2, FloatCC::LessThan),
            O::F32x4Gt => self.v_fcmp(F32X4, FloatCC::GreaterThan),
            O::F64x2Gt => self.v_fcmp(F64X2, FloatCC::GreaterThan),
            O::F32x4Le => self.v_fcmp(F32X4, FloatCC::LessThanOrEqual),
            O::F64x2Le => self.v_fcmp(F64X2, FloatCC::LessThanOrEqual),
            O::F32x4Ge => self.v_fcmp(F32X4, FloatCC::GreaterThanOrEqual),
            O::F64x2Ge => self.v_fcmp(F64X2, FloatCC::GreaterThanOrEqual),

            // Lane tests.
            O::I8x16AllTrue => self.v_all_true(I8X16),
            O::I16x8AllTrue => self.v_all_true(I16X8),
            O::I32x4AllTrue => self.v_all_true(I32X4),
            O::I64x2AllTrue => self.v_all_true(I64X2),
            O::I8x16Bitmask => self.v_bitmask(I8X16),
            O::I16x8Bitmask => self.v_bitmask(I16X8),
            O::I32x4Bitmask => self.v_bitmask(I32X4),
            O::I64x2Bitmask => self.v_bitmask(I64X2),

            // Integer arithmetic.
            O::I8x16Add => self.v_binary(I8X16, |b, x, y| b.ins().iadd(x, y)),
            O::I16x8Add => self.v_binary(I16X8, |b, x, y| b.ins().iadd(x, y)),
            O::I32x4Add => self.v_binary(I32X4, |b, x, y| b.ins().iadd(x, y)),
            O::I64x2Add => self.v_binary(I64X2, |b, x, y| b.ins().iadd(x, y)),
            O::I8x16Sub => self.v_binary(I8X16, |b, x, y| b.ins().isub(x, y)),
            O::I16x8Sub => self.v_binary(I16X8, |b, x, y| b.ins().isub(x, y)),
            O::I32x4Sub => self.v_binary(I32X4, |b, x, y| b.ins().isub(x, y)),
            O::I64x2Sub => self.v_binary(I64X2, |b, x, y| b.ins().isub(x, y)),
            O::I16x8Mul => self.v_binary(I16X8, |b, x, y| b.ins().imul(x, y)),
            O::I32x4Mul => self.v_binary(I32X4, |b, x, y| b.ins().imul(x, y)),
            O::I64x2Mul => self.v_binary(I64X2, |b, x, y| b.ins().imul(x, y)),
            O::I8x16Neg => self.v_unary(I8X16, |b, a| b.ins().ineg(a)),
            O::I16x8Neg => self.v_unary(I16X8, |b, a| b.ins().ineg(a)),
            O::I32x4Neg => self.v_unary(I32X4, |b, a| b.ins().ineg(a)),
            O::I64x2Neg => self.v_unary(I64X2, |b, a| b.ins().ineg(a)),
            O::I8x16Abs => self.v_unary(I8X16, |b, a| b.ins().iabs(a)),
            O::I16x8Abs => self.v_unary(I16X8, |b, a| b.ins().iabs(a)),
            O::I32x4Abs => self.v_unary(I32X4, |b, a| b.ins().iabs(a)),
            O::I64x2Abs => self.v_unary(I64X2, |b, a| b.ins().iabs(a)),
            O::I8x16AddSatS => self.v_binary(I8X16, |b, x, y| b.ins().sadd_sat(x, y)),
            O::I16x8AddSatS => self.v_binary(I16X8, |b, x, y| b.ins().sadd_sat(x, y)),
            O::I8x16AddSatU => self.v_binary(I8X16, |b, x, y| b.ins().uadd_sat(x, y)),
            O::I16x8AddSatU => self.v_binary(I16X8, |b, x, y| b.ins().uadd_sat(x, y)),
            O::I8x16SubSatS => self.v_binary(I8X16, |b, x, y| b.ins().ssub_sat(x, y)),
            O::I16x8SubSatS => self.v_binary(I16X8, |b, x, y| b.ins().ssub_sat(x, y)),
            O::I8x16SubSatU => self.v_binary(I8X16, |b, x, y| b.ins().usub_sat(x, y)),
            O::I16x8SubSatU => self.v_binary(I16X8, |b, x, y| b.ins().usub_sat(x, y)),
            O::I8x16MinS => self.v_binary(I8X16, |b, x, y| b.ins().smin(x, y)),
            O::I16x8MinS => self.v_binary(I16X8, |b, x, y| b.ins().smin(x, y)),
            O::I32x4MinS => self.v_binary(I32X4, |b, x, y| b.ins().smin(x, y)),
            O::I8x16MinU => self.v_binary(I8X16, |b, x, y| b.ins().umin(x, y)),
            O::I16x8MinU => self.v_binary(I16X8, |b, x, y| b.ins().umin(x, y)),
            O::I32x4MinU => self.v_binary(I32X4, |b, x, y| b.ins().umin(x, y)),
            O::I8x16MaxS => self.v_binary(I8X16, |b, x, y| b.ins().smax(x, y)),
            O::I16x8MaxS => self.v_binary(I16X8, |b, x, y| b.ins().smax(x, y)),
            O::I32x4MaxS => self.v_binary(I32X4, |b, x, y| b.ins().smax(x, y)),
            O::I8x16MaxU => self.v_binary(I8X16, |b, x, y| b.ins().umax(x, y)),
            O::I16x8MaxU => self.v_binary(I16X8, |b, x, y| b.ins().umax(x, y)),
            O::I32x4MaxU => self.v_binary(I32X4, |b, x, y| b.ins().umax(x, y)),
            O::I8x16AvgrU => self.v_binary(I8X16, |b, x, y| b.ins().avg_round(x, y)),
            O::I16x8AvgrU => self.v_binary(I16X8, |b, x, y| b.ins().avg_round(x, y)),
            O::I8x16Popcnt => self.v_unary(I8X16, |b, a| b.ins().popcnt(a)),
            O::I16x8Q15MulrSatS | O::I16x8RelaxedQ15mulrS => {
                self.v_binary(I16X8, |b, x, y| b.ins().sqmul_round_sat(x, y))
            }
            O::I32x4DotI16x8S => self.v_binary(I16X8, dot_i16x8),

            // Shifts.
            O::I8x16Shl => self.v_shift(I8X16, |b, a, n| b.ins().ishl(a, n)),
            O::I16x8Shl => self.v_shift(I16X8, |b, a, n| b.ins().ishl(a, n)),
            O::I32x4Shl => self.v_shift(I32X4, |b, a, n| b.ins().ishl(a, n)),
            O::I64x2Shl => self.v_shift(I64X2, |b, a, n| b.ins().ishl(a, n)),
            O::I8x16ShrS => self.v_shift(I8X16, |b, a, n| b.ins().sshr(a, n)),
            O::I16x8ShrS => self.v_shift(I16X8, |b, a, n| b.ins().sshr(a, n)),
            O::I32x4ShrS => self.v_shift(I32X4, |b, a, n| b.ins().sshr(a, n)),
            O::I64x2ShrS => self.v_shift(I64X2, |b, a, n| b.ins().sshr(a, n)),
            O::I8x16ShrU => self.v_shift(I8X16, |b, a, n| b.ins().ushr(a, n)),
            O::I16x8ShrU => self.v_shift(I16X8, |b, a, n| b.ins().ushr(a, n)),
            O::I32x4ShrU => self.v_shift(I32X4, |b, a, n| b.ins().ushr(a, n)),
            O::I64x2ShrU => self.v_shift(I64X2, |b, a, n| b.ins().ushr(a, n)),

            // Narrowing, widening, and the widening arithmetic.
            O::I8x16NarrowI16x8S => self.v_binary(I16X8, |b, x, y| b.ins().snarrow(x, y)),
            O::I8x16NarrowI16x8U => self.v_binary(I16X8, |b, x, y| b.ins().unarrow(x, y)),
            O::I16x8NarrowI32x4S => self.v_binary(I32X4, |b, x, y| b.ins().snarrow(x, y)),
            O::I16x8NarrowI32x4U => self.v_binary(I32X4, |b, x, y| b.ins().unarrow(x, y)),
            O::I16x8ExtendLowI8x16S => self.v_unary(I8X16, |b, a| b.ins().swiden_low(a)),
            O::I16x8ExtendHighI8x16S => self.v_unary(I8X16, |b, a| b.ins().swiden_high(a)),
            O::I16x8ExtendLowI8x16U => self.v_unary(I8X16, |b, a| b.ins().uwiden_low(a)),
            O::I16x8ExtendHighI8x16U => self.v_unary(I8X16, |b, a| b.ins().uwiden_high(a)),
            O::I32x4ExtendLowI16x8S => self.v_unary(I16X8, |b, a| b.ins().swiden_low(a)),
            O::I32x4ExtendHighI16x8S => self.v_unary(I16X8, |b, a| b.ins().swiden_high(a)),
            O::I32x4ExtendLowI16x8U => self.v_unary(I16X8, |b, a| b.ins().uwiden_low(a)),
            O::I32x4ExtendHighI16x8U => self.v_unary(I16X8, |b, a| b.ins().uwiden_high(a)),
            O::I64x2ExtendLowI32x4S => self.v_unary(I32X4, |b, a| b.ins().swiden_low(a)),
            O::I64x2ExtendHighI32x4S => self.v_unary(I32X4, |b, a| b.ins().swiden_high(a)),
            O::I64x2ExtendLowI32x4U => self.v_unary(I32X4, |b, a| b.ins().uwiden_low(a)),
            O::I64x2ExtendHighI32x4U => self.v_unary(I32X4, |b, a| b.ins().uwiden_high(a)),
            O::I16x8ExtAddPairwiseI8x16S => self.v_extadd_pairwise(I8X16, true),
            O::I16x8ExtAddPairwiseI8x16U => self.v_extadd_pairwise(I8X16, false),
            O::I32x4ExtAddPairwiseI16x8S => self.v_extadd_pairwise(I16X8, true),
            O::I32x4ExtAddPairwiseI16x8U => self.v_extadd_pairwise(I16X8, false),
            O::I16x8ExtMulLowI8x16S => self.v_extmul(I8X16, true, false),
            O::I32x4ExtMulLowI16x8S => self.v_extmul(I16X8, true, false),
            O::I64x2ExtMulLowI32x4S => self.v_extmul(I32X4, true, false),
            O::I16x8ExtMulHighI8x16S => self.v_extmul(I8X16, true, true),
            O::I32x4ExtMulHighI16x8S => self.v_extmul(I16X8, true, true),
            O::I64x2ExtMulHighI32x4S => self.v_extmul(I32X4, true, true),
            O::I16x8ExtMulLowI8x16U => self.v_extmul(I8X16, false, false),
            O::I32x4ExtMulLowI16x8U => self.v_extmul(I16X8, false, false),
            O::I64x2ExtMulLowI32x4U => self.v_extmul(I32X4, false, false),
            O::I16x8ExtMulHighI8x16U => self.v_extmul(I8X16, false, true),
            O::I32x4ExtMulHighI16x8U => self.v_extmul(I16X8, false, true),
            O::I64x2ExtMulHighI32x4U => self.v_extmul(I32X4, false, true),

            // Float arithmetic. Cranelift's `fmin`/`fmax` are wasm's:
            // NaN if either lane is, and -0 below +0.
            O::F32x4Add => self.v_binary(F32X4, |b, x, y| b.ins().fadd(x, y)),
            O::F64x2Add => self.v_binary(F64X2, |b, x, y| b.ins().fadd(x, y)),
            O::F32x4Sub => self.v_binary(F32X4, |b, x, y| b.ins().fsub(x, y)),
            O::F64x2Sub => self.v_binary(F64X2, |b, x, y| b.ins().fsub(x, y)),
            O::F32x4Mul => self.v_binary(F32X4, |b, x, y| b.ins().fmul(x, y)),
            O::F64x2Mul => self.v_binary(F64X2, |b, x, y| b.ins().fmul(x, y)),
            O::F32x4Div => self.v_binary(F32X4, |b, x, y| b.ins().fdiv(x, y)),
            O::F64x2Div => self.v_binary(F64X2, |b, x, y| b.ins().fdiv(x, y)),
            O::F32x4Min | O::F32x4RelaxedMin => self.v_binary(F32X4, |b, x, y| b.ins().fmin(x, y)),
            O::F64x2Min | O::F64x2RelaxedMin => self.v_binary(F64X2, |b, x, y| b.ins().fmin(x, y)),
            O::F32x4Max | O::F32x4RelaxedMax => self.v_binary(F32X4, |b, x, y| b.ins().fmax(x, y)),
            O::F64x2Max | O::F64x2RelaxedMax => self.v_binary(F64X2, |b, x, y| b.ins().fmax(x, y)),
            O::F32x4PMin => self.v_pminmax(F32X4, false),
            O::F64x2PMin => self.v_pminmax(F64X2, false),
            O::F32x4PMax => self.v_pminmax(F32X4, true),
            O::F64x2PMax => self.v_pminmax(F64X2, true),
            O::F32x4Abs => self.v_unary(F32X4, |b, a| b.ins().fabs(a)),
            O::F64x2Abs => self.v_unary(F64X2, |b, a| b.ins().fabs(a)),
            O::F32x4Neg => self.v_unary(F32X4, |b, a| b.ins().fneg(a)),
            O::F64x2Neg => self.v_unary(F64X2, |b, a| b.ins().fneg(a)),
            O::F32x4Sqrt => self.v_unary(F32X4, |b, a| b.ins().sqrt(a)),
            O::F64x2Sqrt => self.v_unary(F64X2, |b, a| b.ins().sqrt(a)),
            O::F32x4Ceil => self.v_unary(F32X4, |b, a| b.ins().ceil(a)),
            O::F64x2Ceil => self.v_unary(F64X2, |b, a| b.ins().ceil(a)),
            O::F32x4Floor => self.v_unary(F32X4, |b, a| b.ins().floor(a)),
            O::F64x2Floor => self.v_unary(F64X2, |b, a| b.ins().floor(a)),
            O::F32x4Trunc => self.v_unary(F32X4, |b, a| b.ins().trunc(a)),
            O::F64x2Trunc => self.v_unary(F64X2, |b, a| b.ins().trunc(a)),
            O::F32x4Nearest => self.v_unary(F32X4, |b, a| b.ins().nearest(a)),
            O::F64x2Nearest => self.v_unary(F64X2, |b, a| b.ins().nearest(a)),

            // Conversions.
            O::I32x4TruncSatF32x4S | O::I32x4RelaxedTruncF32x4S => {
                self.v_unary(F32X4, |b, a| b.ins().fcvt_to_sint_sat(I32X4, a))
            }
            O::I32x4TruncSatF32x4U | O::I32x4RelaxedTruncF32x4U => {
                self.v_unary(F32X4, |b, a| b.ins().fcvt_to_uint_sat(I32X4, a))
            }
            O::I32x4TruncSatF64x2SZero | O::I32x4RelaxedTruncF64x2SZero => self.v_trunc_sat_f64x2_zero(true),
            O::I32x4TruncSatF64x2UZero | O::I32x4RelaxedTruncF64x2UZero => self.v_trunc_sat_f64x2_zero(false),
            O::F32x4ConvertI32x4S => self.v_unary(I32X4, |b, a| b.ins().fcvt_from_sint(F32X4, a)),
            O::F32x4ConvertI32x4U => self.v_unary(I32X4, |b, a| b.ins().fcvt_from_uint(F32X4, a)),
            O::F64x2ConvertLowI32x4S => self.v_unary(I32X4, |b, a| {
                let wide = b.ins().swiden_low(a);
                b.ins().fcvt_from_sint(F64X2, wide)
            }),
            O::F64x2ConvertLowI32x4U => self.v_unary(I32X4, |b, a| {
                let wide = b.ins().uwiden_low(a);
                b.ins().fcvt_from_uint(F64X2, wide)
            }),
            O::F32x4DemoteF64x2Zero => self.v_unary(F64X2, |b, a| b.ins().fvdemote(a)),
            O::F64x2PromoteLowF32x4 => self.v_unary(F32X4, |b, a| b.ins().fvpromote_low(a)),

            _ => return self.relaxed_op(op),
        }
        Ok(true)
    }

    /// The relaxed-SIMD operators that are not simply another operator:
    /// fused multiply-adds, `laneselect` as `bitselect`, and the dot
    /// products with both operands signed and each i16 sum saturated.
    fn relaxed_op(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        use Operator as O;
        match *op {
            O::F32x4RelaxedMadd => self.v_fma(F32X4, false),
            O::F64x2RelaxedMadd => self.v_fma(F64X2, false),
            O::F32x4RelaxedNmadd => self.v_fma(F32X4, true),
            O::F64x2RelaxedNmadd => self.v_fma(F64X2, true),
            O::I8x16RelaxedLaneselect
            | O::I16x8RelaxedLaneselect
            | O::I32x4RelaxedLaneselect
            | O::I64x2RelaxedLaneselect => {
                let (a, b, mask) = self.pop3_as(V128);
                let v = self.b.ins().bitselect(mask, a, b);
                self.push(v);
            }
            O::I16x8RelaxedDotI8x16I7x16S => {
                let (a, b) = self.pop2_as(I8X16);
                let v = self.relaxed_dot_i8x16(a, b);
                self.push(v);
            }
            O::I32x4RelaxedDotI8x16I7x16AddS => {
                let c = self.pop_as(I32X4);
                let (a, b) = self.pop2_as(I8X16);
                let dot = self.relaxed_dot_i8x16(a, b);
                let low = self.b.ins().swiden_low(dot);
                let high = self.b.ins().swiden_high(dot);
                let sums = self.b.ins().iadd_pairwise(low, high);
                let v = self.b.ins().iadd(sums, c);
                self.push(v);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
