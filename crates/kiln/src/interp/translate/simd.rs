//! SIMD instructions: each `v128` operand and result takes two slots (see
//! `ir`). Instructions with more operands than an `Op` has room for find
//! them in a row in their home slots.

use super::{Result, Translator};
use crate::interp::ir::Op;
use crate::interp::simd::SimdOp;

impl Translator {
    /// Translates one SIMD instruction (`simd::classify`).
    pub(super) fn simd(&mut self, op: SimdOp) -> Result<()> {
        match op {
            SimdOp::Const(v) => {
                let idx = self.v128_const(v);
                let d = self.push_temp_as(true);
                self.emit_producer(Op::V128Const { d, idx });
            }
            SimdOp::Unary(op) => {
                let a = self.pop_slot();
                let d = self.push_temp_as(true);
                self.emit_producer(Op::V128Unary { op, d, a });
            }
            SimdOp::Binary(op) => {
                let b = self.pop_slot();
                let a = self.pop_slot();
                let d = self.push_temp_as(true);
                self.emit_producer(Op::V128Binary { op, d, a, b });
            }
            SimdOp::Ternary(op) => {
                let base = self.take_operands(3);
                self.push_temp_as(true);
                self.emit(Op::V128Ternary { op, base });
            }
            SimdOp::Shift(op) => {
                let b = self.pop_slot();
                let a = self.pop_slot();
                let d = self.push_temp_as(true);
                self.emit_producer(Op::V128Shift { op, d, a, b });
            }
            SimdOp::Splat(op) => {
                let a = self.pop_slot();
                let d = self.push_temp_as(true);
                self.emit_producer(Op::V128Splat { op, d, a });
            }
            SimdOp::Extract(op, lane) => {
                let a = self.pop_slot();
                let d = self.push_temp();
                self.emit_producer(Op::V128Extract { op, lane, d, a });
            }
            SimdOp::Replace(op, lane) => {
                let b = self.pop_slot();
                let a = self.pop_slot();
                let d = self.push_temp_as(true);
                self.emit_producer(Op::V128Replace { op, lane, d, a, b });
            }
            SimdOp::Test(op) => {
                let a = self.pop_slot();
                let d = self.push_temp();
                self.emit_producer(Op::V128Test { op, d, a });
            }
            SimdOp::Shuffle(lanes) => {
                let idx = self.v128_const(u128::from_le_bytes(lanes));
                let base = self.take_operands(2);
                self.push_temp_as(true);
                self.emit(Op::I8x16Shuffle { base, idx });
            }
            SimdOp::Load(op, memarg) => {
                let off = self.offset32(memarg)?;
                let a = self.pop_slot();
                let d = self.push_temp_as(true);
                self.emit_producer(Op::V128Load { op, d, a, off });
            }
            SimdOp::Store(memarg) => {
                let off = self.offset32(memarg)?;
                let v = self.pop_slot();
                let a = self.pop_slot();
                self.emit(Op::V128Store { a, v, off });
            }
            SimdOp::LoadLane(op, memarg, lane) => {
                let off = self.offset32(memarg)?;
                let base = self.take_operands(2);
                self.push_temp_as(true);
                self.emit(Op::V128LoadLane { op, lane, base, off });
            }
            SimdOp::StoreLane(op, memarg, lane) => {
                let off = self.offset32(memarg)?;
                let base = self.take_operands(2);
                self.emit(Op::V128StoreLane { op, lane, base, off });
            }
        }
        Ok(())
    }

    /// The index of a new entry of the function's `v128` constants. Linear
    /// in the body: one entry per instruction that names one.
    fn v128_const(&mut self, v: u128) -> u32 {
        self.v128_consts.push(v);
        (self.v128_consts.len() - 1) as u32
    }
}
