//! The interpreter's instruction set.
//!
//! A function runs in a frame of 64-bit slots: first its parameters and
//! locals, then one slot per position of the wasm operand stack (the
//! translator knows the stack height at every instruction, so each stack
//! position has a fixed "home" slot). Instructions name
//! their operands and destination by slot, so `local.get`, constants and
//! stack shuffling mostly disappear at translation time.
//!
//! Value representation in a slot: i32 and f32 are their bits zero-extended
//! to 64; i64 and f64 their bits; a funcref is the store's function id + 1
//! (0 is null); an externref is the store's extern id + 1 (0 is null).
//! A `v128` takes two slots in a row, its low half in the first: locals,
//! parameters and stack positions are laid out one after another by width,
//! so a function without `v128` values has the layout it always had.

use super::simd::{V128Binary, V128Extract, V128Lane, V128Load, V128Replace, V128Shift, V128Splat, V128Ternary};
use super::simd::{V128Test, V128Unary};
use crate::types::ValType;

/// A slot index, relative to the frame base.
pub(crate) type Slot = u32;

/// How many slots values of these types take (a `v128` two).
pub(crate) fn slots_of(types: &[ValType]) -> usize {
    types.iter().map(|t| if *t == ValType::V128 { 2 } else { 1 }).sum()
}

/// Calls `$m!` with every binary op that has a form taking its right
/// operand as an immediate (`Op::BinImm`): name, whether the immediate is
/// sign-extended to 64 bits (i64 ops; else zero-extended), and the
/// operation on the slot bits. Both executors are generated from it.
macro_rules! for_each_imm_op {
    ($m:ident) => {
        $m! {
            I32Mul, false => |x, y| (x as u32).wrapping_mul(y as u32) as u64;
            I32And, false => |x, y| x & y;
            I32Or, false => |x, y| x | y;
            I32Xor, false => |x, y| x ^ y;
            I32Shl, false => |x, y| (x as u32).wrapping_shl(y as u32) as u64;
            I32ShrS, false => |x, y| (x as i32).wrapping_shr(y as u32) as u32 as u64;
            I32ShrU, false => |x, y| (x as u32).wrapping_shr(y as u32) as u64;
            I32Rotl, false => |x, y| (x as u32).rotate_left(y as u32) as u64;
            I32Rotr, false => |x, y| (x as u32).rotate_right(y as u32) as u64;
            I64Mul, true => |x, y| x.wrapping_mul(y);
            I64And, true => |x, y| x & y;
            I64Or, true => |x, y| x | y;
            I64Xor, true => |x, y| x ^ y;
            I64Shl, true => |x, y| x.wrapping_shl(y as u32);
            I64ShrS, true => |x, y| (x as i64).wrapping_shr(y as u32) as u64;
            I64ShrU, true => |x, y| x.wrapping_shr(y as u32);
            I64Rotl, true => |x, y| x.rotate_left((y % 64) as u32);
            I64Rotr, true => |x, y| x.rotate_right((y % 64) as u32);
            I32Eq, false => |x, y| (x as u32 == y as u32) as u64;
            I32Ne, false => |x, y| (x as u32 != y as u32) as u64;
            I32LtS, false => |x, y| ((x as i32) < y as i32) as u64;
            I32LtU, false => |x, y| ((x as u32) < y as u32) as u64;
            I32GtS, false => |x, y| (x as i32 > y as i32) as u64;
            I32GtU, false => |x, y| (x as u32 > y as u32) as u64;
            I32LeS, false => |x, y| (x as i32 <= y as i32) as u64;
            I32LeU, false => |x, y| (x as u32 <= y as u32) as u64;
            I32GeS, false => |x, y| (x as i32 >= y as i32) as u64;
            I32GeU, false => |x, y| (x as u32 >= y as u32) as u64;
            I64Eq, true => |x, y| (x == y) as u64;
            I64Ne, true => |x, y| (x != y) as u64;
            I64LtS, true => |x, y| ((x as i64) < y as i64) as u64;
            I64LtU, true => |x, y| (x < y) as u64;
            I64GtS, true => |x, y| (x as i64 > y as i64) as u64;
            I64GtU, true => |x, y| (x > y) as u64;
            I64LeS, true => |x, y| (x as i64 <= y as i64) as u64;
            I64LeU, true => |x, y| (x <= y) as u64;
            I64GeS, true => |x, y| (x as i64 >= y as i64) as u64;
            I64GeU, true => |x, y| (x >= y) as u64;
        }
    };
}
#[cfg_attr(not(kiln_tail_dispatch), allow(unused_imports))]
pub(crate) use for_each_imm_op;

/// Calls `$m!` with the slot-to-slot comparisons that fuse into a
/// following branch as `Op::BrIfCmp`/`Op::BrIfNotCmp` (i32 ones have their
/// own ops): name and the comparison on the slot bits, the f64 ones in a
/// group of their own (the threaded executor takes their operand from its
/// f64 accumulator).
macro_rules! for_each_cmp_op {
    ($m:ident) => {
        $m! {
            [Int] {
            I64Eq => |x, y| x == y;
            I64Ne => |x, y| x != y;
            I64LtS => |x, y| (x as i64) < y as i64;
            I64LtU => |x, y| x < y;
            I64GtS => |x, y| x as i64 > y as i64;
            I64GtU => |x, y| x > y;
            I64LeS => |x, y| x as i64 <= y as i64;
            I64LeU => |x, y| x <= y;
            I64GeS => |x, y| x as i64 >= y as i64;
            I64GeU => |x, y| x >= y;
            F32Eq => |x, y| f32::from_bits(x as u32) == f32::from_bits(y as u32);
            F32Ne => |x, y| f32::from_bits(x as u32) != f32::from_bits(y as u32);
            F32Lt => |x, y| f32::from_bits(x as u32) < f32::from_bits(y as u32);
            F32Gt => |x, y| f32::from_bits(x as u32) > f32::from_bits(y as u32);
            F32Le => |x, y| f32::from_bits(x as u32) <= f32::from_bits(y as u32);
            F32Ge => |x, y| f32::from_bits(x as u32) >= f32::from_bits(y as u32);
            }
            [F64] {
            F64Eq => |x, y| f64::from_bits(x) == f64::from_bits(y);
            F64Ne => |x, y| f64::from_bits(x) != f64::from_bits(y);
            F64Lt => |x, y| f64::from_bits(x) < f64::from_bits(y);
            F64Gt => |x, y| f64::from_bits(x) > f64::from_bits(y);
            F64Le => |x, y| f64::from_bits(x) <= f64::from_bits(y);
            F64Ge => |x, y| f64::from_bits(x) >= f64::from_bits(y);
            }
        }
    };
}
#[cfg_attr(not(kiln_tail_dispatch), allow(unused_imports))]
pub(crate) use for_each_cmp_op;

macro_rules! define_cmp_ops {
    ($([$class:ident] { $($name:ident => |$x:ident, $y:ident| $e:expr;)* })*) => {
        /// A comparison fused into a branch (`Op::BrIfCmp`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum CmpOp {
            $($(
                #[allow(missing_docs)]
                $name,
            )*)*
        }

        impl CmpOp {
            /// The comparison of slot bits `x` and `y`.
            #[inline(always)]
            pub(crate) fn eval(self, x: u64, y: u64) -> bool {
                match self {
                    $($(CmpOp::$name => {
                        let ($x, $y) = (x, y);
                        $e
                    })*)*
                }
            }

            /// The comparison `op` computes into slot `d` from `a` and `b`.
            pub(crate) fn of(op: &Op) -> Option<(CmpOp, Slot, Slot, Slot)> {
                match *op {
                    $($(Op::$name { d, a, b } => Some((CmpOp::$name, d, a, b)),)*)*
                    _ => None,
                }
            }
        }
    };
}
for_each_cmp_op!(define_cmp_ops);

macro_rules! define_imm_ops {
    ($($name:ident, $wide:literal => |$x:ident, $y:ident| $e:expr;)*) => {
        /// A binary op with an immediate right operand (`Op::BinImm`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum ImmOp {
            $(
                #[allow(missing_docs)]
                $name,
            )*
        }

        impl ImmOp {
            /// Whether the immediate is sign-extended to 64 bits.
            #[allow(dead_code)]
            pub(crate) fn wide(self) -> bool {
                match self {
                    $(ImmOp::$name => $wide,)*
                }
            }

            /// The op on slot bits `x` and the immediate's bits `imm`.
            #[inline(always)]
            pub(crate) fn eval(self, x: u64, imm: u32) -> u64 {
                match self {
                    $(ImmOp::$name => {
                        let $x = x;
                        let $y = if $wide { imm as i32 as i64 as u64 } else { imm as u64 };
                        $e
                    })*
                }
            }
        }
    };
}
for_each_imm_op!(define_imm_ops);

macro_rules! define_ops {
    (
        binary: [$($bin:ident),* $(,)?],
        unary: [$($un:ident),* $(,)?],
        load: [$($load:ident),* $(,)?],
        store: [$($store:ident),* $(,)?],
        other: { $($other:ident { $($field:ident : $fty:ty),* $(,)? }),* $(,)? }
    ) => {
        /// One interpreter instruction.
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub(crate) enum Op {
            $(
                /// `s[d] = s[a] <op> s[b]`
                $bin { d: Slot, a: Slot, b: Slot },
            )*
            $(
                /// `s[d] = <op> s[a]`
                $un { d: Slot, a: Slot },
            )*
            $(
                /// `s[d] = memory[s[a] + off]`
                $load { d: Slot, a: Slot, off: u32 },
            )*
            $(
                /// `memory[s[a] + off] = s[v]`
                $store { a: Slot, v: Slot, off: u32 },
            )*
            $(
                #[allow(missing_docs)]
                $other { $($field: $fty),* },
            )*
        }

        #[cfg_attr(not(kiln_tail_dispatch), allow(dead_code))]
        impl Op {
            /// `(d, a, b)` of a binary op.
            pub(crate) fn binary_operands(&self) -> Option<(Slot, Slot, Slot)> {
                match *self {
                    $(Op::$bin { d, a, b } => Some((d, a, b)),)*
                    _ => None,
                }
            }

            /// `(d, a)` of a unary op.
            pub(crate) fn unary_operands(&self) -> Option<(Slot, Slot)> {
                match *self {
                    $(Op::$un { d, a } => Some((d, a)),)*
                    _ => None,
                }
            }

            /// `(d, a)` (value, address) of a load.
            pub(crate) fn load_operands(&self) -> Option<(Slot, Slot)> {
                match *self {
                    $(Op::$load { d, a, .. } => Some((d, a)),)*
                    _ => None,
                }
            }

            /// `(a, v)` (address, value) of a store.
            pub(crate) fn store_operands(&self) -> Option<(Slot, Slot)> {
                match *self {
                    $(Op::$store { a, v, .. } => Some((a, v)),)*
                    _ => None,
                }
            }
        }

        impl Op {
            /// The destination slot of an instruction whose only effect is
            /// writing one result slot, and whose operands are all explicit,
            /// so the translator may redirect the result (e.g. straight into
            /// a local for `local.set`).
            pub(crate) fn retargetable_dst(&mut self) -> Option<&mut Slot> {
                match self {
                    $(Op::$bin { d, .. } => Some(d),)*
                    $(Op::$un { d, .. } => Some(d),)*
                    $(Op::$load { d, .. } => Some(d),)*
                    Op::Copy { d, .. } | Op::Const32 { d, .. } | Op::BinImm { d, .. } | Op::Const64 { d, .. }
                    | Op::GlobalGet { d, .. } | Op::I32AddImm { d, .. } | Op::I64AddImm { d, .. }
                    | Op::I32LoadAddImm { d, .. } | Op::I64LoadAddImm { d, .. } | Op::I32Load8UAddImm { d, .. }
                    | Op::I32LoadAdd { d, .. } | Op::I64LoadAdd { d, .. } | Op::I32Load8UAdd { d, .. }
                    | Op::V128Const { d, .. } | Op::V128Copy { d, .. } | Op::V128Unary { d, .. }
                    | Op::V128Binary { d, .. } | Op::V128Shift { d, .. } | Op::V128Splat { d, .. }
                    | Op::V128Extract { d, .. } | Op::V128Replace { d, .. } | Op::V128Test { d, .. }
                    | Op::V128Load { d, .. } | Op::V128GlobalGet { d, .. } => Some(d),
                    _ => None,
                }
            }
        }
    };
}

define_ops! {
    binary: [
        I32Eq, I32Ne, I32LtS, I32LtU, I32GtS, I32GtU, I32LeS, I32LeU, I32GeS, I32GeU,
        I64Eq, I64Ne, I64LtS, I64LtU, I64GtS, I64GtU, I64LeS, I64LeU, I64GeS, I64GeU,
        F32Eq, F32Ne, F32Lt, F32Gt, F32Le, F32Ge,
        F64Eq, F64Ne, F64Lt, F64Gt, F64Le, F64Ge,
        I32Add, I32Sub, I32Mul, I32DivS, I32DivU, I32RemS, I32RemU,
        I32And, I32Or, I32Xor, I32Shl, I32ShrS, I32ShrU, I32Rotl, I32Rotr,
        I64Add, I64Sub, I64Mul, I64DivS, I64DivU, I64RemS, I64RemU,
        I64And, I64Or, I64Xor, I64Shl, I64ShrS, I64ShrU, I64Rotl, I64Rotr,
        F32Add, F32Sub, F32Mul, F32Div, F32Min, F32Max, F32Copysign,
        F64Add, F64Sub, F64Mul, F64Div, F64Min, F64Max, F64Copysign,
    ],
    unary: [
        I32Eqz,
        I32Clz, I32Ctz, I32Popcnt, I64Clz, I64Ctz, I64Popcnt,
        F32Abs, F32Neg, F32Ceil, F32Floor, F32Trunc, F32Nearest, F32Sqrt,
        F64Abs, F64Neg, F64Ceil, F64Floor, F64Trunc, F64Nearest, F64Sqrt,
        I32WrapI64, I32TruncF32S, I32TruncF32U, I32TruncF64S, I32TruncF64U,
        I64ExtendI32S, I64TruncF32S, I64TruncF32U, I64TruncF64S, I64TruncF64U,
        F32ConvertI32S, F32ConvertI32U, F32ConvertI64S, F32ConvertI64U, F32DemoteF64,
        F64ConvertI32S, F64ConvertI32U, F64ConvertI64S, F64ConvertI64U, F64PromoteF32,
        I32Extend8S, I32Extend16S, I64Extend8S, I64Extend16S, I64Extend32S,
        I32TruncSatF32S, I32TruncSatF32U, I32TruncSatF64S, I32TruncSatF64U,
        I64TruncSatF32S, I64TruncSatF32U, I64TruncSatF64S, I64TruncSatF64U,
        RefIsNull,
    ],
    load: [
        I32Load, I64Load, I32Load8S, I32Load8U, I32Load16S, I32Load16U,
        I64Load8S, I64Load8U, I64Load16S, I64Load16U, I64Load32S, I64Load32U,
    ],
    store: [I32Store, I64Store, I32Store8, I32Store16, I64Store8, I64Store16, I64Store32],
    other: {
        // Moves and constants.
        Copy { d: Slot, a: Slot },
        // `s[d..d + n] = s[a..a + n]` (the spans may overlap): a branch
        // carrying many values.
        CopySpan { d: Slot, a: Slot, n: u32 },
        Const32 { d: Slot, v: u32 },
        Const64 { d: Slot, v: u64 },
        I32AddImm { d: Slot, a: Slot, imm: i32 },
        // `s[d] = s[a] <op> imm`.
        BinImm { op: ImmOp, d: Slot, a: Slot, imm: u32 },
        // Jump if `s[a] <op> imm` is non-zero (`BrIfImm`) or zero
        // (`BrIfNotImm`): a comparison (or `and`) fused into a branch.
        BrIfImm { op: ImmOp, a: Slot, imm: u32, target: u32 },
        BrIfNotImm { op: ImmOp, a: Slot, imm: u32, target: u32 },
        // Jump if `s[a] <cmp> s[b]` holds (`BrIfCmp`) or not (`BrIfNotCmp`).
        BrIfCmp { op: CmpOp, a: Slot, b: Slot, target: u32 },
        BrIfNotCmp { op: CmpOp, a: Slot, b: Slot, target: u32 },
        I64AddImm { d: Slot, a: Slot, imm: i32 },
        // Address arithmetic fused into the load that uses it (offset 0):
        // the address is `(s[a] + imm) mod 2^32` or `(s[a] + s[b]) mod 2^32`.
        I32LoadAddImm { d: Slot, a: Slot, imm: i32 },
        I64LoadAddImm { d: Slot, a: Slot, imm: i32 },
        I32Load8UAddImm { d: Slot, a: Slot, imm: i32 },
        I32LoadAdd { d: Slot, a: Slot, b: Slot },
        I64LoadAdd { d: Slot, a: Slot, b: Slot },
        I32Load8UAdd { d: Slot, a: Slot, b: Slot },
        // Stores at `(s[a] + imm) mod 2^32`, offset 0: `memory[..] = s[v]`.
        I32StoreAddImm { a: Slot, v: Slot, imm: i32 },
        I64StoreAddImm { a: Slot, v: Slot, imm: i32 },
        I32Store8AddImm { a: Slot, v: Slot, imm: i32 },
        // `s[d] = if s[d + 2] != 0 { s[a] } else { s[b] }`: the condition sits
        // in its home slot, two above the result's.
        Select { d: Slot, a: Slot, b: Slot },

        // Control flow. Targets are instruction indices in the function.
        Br { target: u32 },
        BrIfNez { c: Slot, target: u32 },
        BrIfEqz { c: Slot, target: u32 },
        // Fused compare-and-branch: jump if the comparison holds.
        BrIfI32Eq { a: Slot, b: Slot, target: u32 },
        BrIfI32Ne { a: Slot, b: Slot, target: u32 },
        BrIfI32LtS { a: Slot, b: Slot, target: u32 },
        BrIfI32LtU { a: Slot, b: Slot, target: u32 },
        BrIfI32GtS { a: Slot, b: Slot, target: u32 },
        BrIfI32GtU { a: Slot, b: Slot, target: u32 },
        BrIfI32LeS { a: Slot, b: Slot, target: u32 },
        BrIfI32LeU { a: Slot, b: Slot, target: u32 },
        BrIfI32GeS { a: Slot, b: Slot, target: u32 },
        BrIfI32GeU { a: Slot, b: Slot, target: u32 },
        // `len + 1` `Br` instructions follow; the index picks one (the last
        // is the default).
        BrTable { idx: Slot, len: u32 },
        Unreachable {},
        // Results at `src..src + n` move to slots `0..n`, then return.
        Return { src: Slot, n: u32 },
        // Arguments at `base..`, results come back at `base..`.
        Call { func: u32, base: Slot },
        CallImport { func: u32, base: Slot },
        // The table index operand sits just above the arguments.
        CallIndirect { table: u32, ty: u32, base: Slot },

        // Variables.
        GlobalGet { d: Slot, g: u32 },
        GlobalSet { g: u32, a: Slot },

        // Memory 0.
        MemorySize { d: Slot },
        MemoryGrow { d: Slot, a: Slot },
        // Operands (dst, value/src, len) at `base..base + 3`.
        MemoryFill { base: Slot },
        MemoryCopy { base: Slot },
        MemoryInit { seg: u32, base: Slot },
        DataDrop { seg: u32 },

        // Tables and references.
        TableGet { d: Slot, a: Slot, table: u32 },
        TableSet { table: u32, base: Slot },
        TableSize { d: Slot, table: u32 },
        // Operands (init, n) at `base`, result at `base`.
        TableGrow { table: u32, base: Slot },
        // Operands (i, value, n) at `base..base + 3`.
        TableFill { table: u32, base: Slot },
        TableCopy { dst: u32, src: u32, base: Slot },
        TableInit { table: u32, seg: u32, base: Slot },
        ElemDrop { seg: u32 },
        RefFunc { d: Slot, func: u32 },

        // SIMD: every `v128` operand or result names the first of its two
        // slots. Ops with more operands than fit read them in a row from
        // `base` (each `v128` two slots) and write their result at `base`.
        // `s[d..d + 2] = consts[idx]` (`CompiledFunc::v128_consts`).
        V128Const { d: Slot, idx: u32 },
        V128Copy { d: Slot, a: Slot },
        V128Unary { op: V128Unary, d: Slot, a: Slot },
        V128Binary { op: V128Binary, d: Slot, a: Slot, b: Slot },
        // Operands (a, b, c) at `base`, `base + 2`, `base + 4`.
        V128Ternary { op: V128Ternary, base: Slot },
        // A `v128` shifted by the i32 in `b`.
        V128Shift { op: V128Shift, d: Slot, a: Slot, b: Slot },
        V128Splat { op: V128Splat, d: Slot, a: Slot },
        V128Extract { op: V128Extract, lane: u8, d: Slot, a: Slot },
        V128Replace { op: V128Replace, lane: u8, d: Slot, a: Slot, b: Slot },
        // A `v128` test giving an i32.
        V128Test { op: V128Test, d: Slot, a: Slot },
        // Operands (a, b) at `base`, `base + 2`; the lane indices are
        // `v128_consts[idx]`, one per byte.
        I8x16Shuffle { base: Slot, idx: u32 },
        V128Load { op: V128Load, d: Slot, a: Slot, off: u32 },
        V128Store { a: Slot, v: Slot, off: u32 },
        // Address at `base`, vector at `base + 1`; the result at `base`.
        V128LoadLane { op: V128Lane, lane: u8, base: Slot, off: u32 },
        V128StoreLane { op: V128Lane, lane: u8, base: Slot, off: u32 },
        // `select` of two `v128`s: the condition at `d + 4`.
        V128Select { d: Slot, a: Slot, b: Slot },
        V128GlobalGet { d: Slot, g: u32 },
        V128GlobalSet { g: u32, a: Slot },

        // Stopping the guest (`compile::interrupts`).
        // Adds `n` to the store's fuel consumed.
        ConsumeFuel { n: u32 },
        // At function entries and loop starts: out of fuel traps, a reached
        // epoch deadline runs the store's epoch behaviour.
        Check {},
    }
}

impl Op {
    /// The branch target of a branching instruction, for patching.
    pub(crate) fn target_mut(&mut self) -> Option<&mut u32> {
        match self {
            Op::Br { target }
            | Op::BrIfImm { target, .. }
            | Op::BrIfCmp { target, .. }
            | Op::BrIfNotCmp { target, .. }
            | Op::BrIfNotImm { target, .. }
            | Op::BrIfNez { target, .. }
            | Op::BrIfEqz { target, .. }
            | Op::BrIfI32Eq { target, .. }
            | Op::BrIfI32Ne { target, .. }
            | Op::BrIfI32LtS { target, .. }
            | Op::BrIfI32LtU { target, .. }
            | Op::BrIfI32GtS { target, .. }
            | Op::BrIfI32GtU { target, .. }
            | Op::BrIfI32LeS { target, .. }
            | Op::BrIfI32LeU { target, .. }
            | Op::BrIfI32GeS { target, .. }
            | Op::BrIfI32GeU { target, .. } => Some(target),
            _ => None,
        }
    }
}

/// A function translated for the interpreter.
#[derive(Debug)]
pub(crate) struct CompiledFunc {
    /// The code, for the `match` executor (empty for the threaded one).
    pub(crate) ops: Box<[Op]>,
    /// Byte offset in the module binary of the wasm instruction each op came from.
    pub(crate) offsets: Box<[u32]>,
    /// Slots of the parameters, and of the parameters and locals together
    /// (a `v128` counts two).
    pub(crate) param_slots: u32,
    pub(crate) local_slots: u32,
    /// Values of the constant slots, which follow the locals.
    pub(crate) consts: Box<[u64]>,
    /// The `v128` constants and shuffle patterns the code names by index.
    pub(crate) v128_consts: Box<[u128]>,
    /// Slots the frame needs (locals, constants, operand stack),
    /// rounded up to a power of two; every slot index of `ops` is below it.
    pub(crate) frame_size: u32,
    /// The code laid out for the threaded executor, and the word where
    /// each op starts there (both empty for the `match` executor).
    #[cfg(kiln_tail_dispatch)]
    pub(crate) code: Box<[u64]>,
    #[cfg(kiln_tail_dispatch)]
    pub(crate) op_starts: Box<[u32]>,
}

#[cfg(test)]
mod tests {
    #[test]
    fn ops_stay_small() {
        // Dispatch speed depends on dense code: keep an op in 16 bytes.
        assert!(std::mem::size_of::<super::Op>() <= 16);
    }
}
