//! What every SIMD and relaxed-SIMD instruction computes, as plain functions
//! on `u128` for the interpreter's handlers.
//!
//! A v128 is a `u128` with lane 0 in the least significant bits, as wasm
//! lays it out in memory. Scalars come and go in slot encoding: an i32 or
//! f32 zero-extended to 64 bits, an i64 or f64 as is.
//!
//! The `for_each_v128_*` tables list the instructions of each signature as
//! `(Variant, function)`, the variant named as wasmparser's `Operator`. The
//! enums here, their `eval` and `classify` are generated from them, and the
//! executors generate one handler per entry from the same lists. Relaxed
//! instructions are entries of their own, mapped to the deterministic choice
//! the JIT makes too (documented on each function).

pub(crate) mod convert;
pub(crate) mod float;
pub(crate) mod int;
pub(crate) mod lanes;
#[cfg(test)]
mod spec_tests;
#[cfg(target_arch = "x86_64")]
mod x86;

use wasmparser::{MemArg, Operator};

/// Hands `$m` a table with each `module::function` made a path from the
/// crate root, so that a table expands to working paths anywhere.
macro_rules! with_paths {
    ($m:ident; $( ($v:ident, $md:ident :: $f:ident) ),* $(,)?) => {
        $m! { $( ($v, $crate::interp::simd::$md::$f) ),* }
    };
}

/// The `fn(u128) -> u128` instructions.
macro_rules! for_each_v128_unary {
    ($m:ident) => {
        $crate::interp::simd::with_paths! { $m;
            (V128Not, lanes::v128_not),
            (I8x16Abs, int::i8x16_abs),
            (I8x16Neg, int::i8x16_neg),
            (I8x16Popcnt, int::i8x16_popcnt),
            (I16x8Abs, int::i16x8_abs),
            (I16x8Neg, int::i16x8_neg),
            (I32x4Abs, int::i32x4_abs),
            (I32x4Neg, int::i32x4_neg),
            (I64x2Abs, int::i64x2_abs),
            (I64x2Neg, int::i64x2_neg),
            (I16x8ExtAddPairwiseI8x16S, int::i16x8_extadd_pairwise_i8x16_s),
            (I16x8ExtAddPairwiseI8x16U, int::i16x8_extadd_pairwise_i8x16_u),
            (I32x4ExtAddPairwiseI16x8S, int::i32x4_extadd_pairwise_i16x8_s),
            (I32x4ExtAddPairwiseI16x8U, int::i32x4_extadd_pairwise_i16x8_u),
            (I16x8ExtendLowI8x16S, int::i16x8_extend_low_i8x16_s),
            (I16x8ExtendHighI8x16S, int::i16x8_extend_high_i8x16_s),
            (I16x8ExtendLowI8x16U, int::i16x8_extend_low_i8x16_u),
            (I16x8ExtendHighI8x16U, int::i16x8_extend_high_i8x16_u),
            (I32x4ExtendLowI16x8S, int::i32x4_extend_low_i16x8_s),
            (I32x4ExtendHighI16x8S, int::i32x4_extend_high_i16x8_s),
            (I32x4ExtendLowI16x8U, int::i32x4_extend_low_i16x8_u),
            (I32x4ExtendHighI16x8U, int::i32x4_extend_high_i16x8_u),
            (I64x2ExtendLowI32x4S, int::i64x2_extend_low_i32x4_s),
            (I64x2ExtendHighI32x4S, int::i64x2_extend_high_i32x4_s),
            (I64x2ExtendLowI32x4U, int::i64x2_extend_low_i32x4_u),
            (I64x2ExtendHighI32x4U, int::i64x2_extend_high_i32x4_u),
            (F32x4Ceil, float::f32x4_ceil),
            (F32x4Floor, float::f32x4_floor),
            (F32x4Trunc, float::f32x4_trunc),
            (F32x4Nearest, float::f32x4_nearest),
            (F32x4Abs, float::f32x4_abs),
            (F32x4Neg, float::f32x4_neg),
            (F32x4Sqrt, float::f32x4_sqrt),
            (F64x2Ceil, float::f64x2_ceil),
            (F64x2Floor, float::f64x2_floor),
            (F64x2Trunc, float::f64x2_trunc),
            (F64x2Nearest, float::f64x2_nearest),
            (F64x2Abs, float::f64x2_abs),
            (F64x2Neg, float::f64x2_neg),
            (F64x2Sqrt, float::f64x2_sqrt),
            (I32x4TruncSatF32x4S, convert::i32x4_trunc_sat_f32x4_s),
            (I32x4TruncSatF32x4U, convert::i32x4_trunc_sat_f32x4_u),
            (I32x4TruncSatF64x2SZero, convert::i32x4_trunc_sat_f64x2_s_zero),
            (I32x4TruncSatF64x2UZero, convert::i32x4_trunc_sat_f64x2_u_zero),
            (F32x4ConvertI32x4S, convert::f32x4_convert_i32x4_s),
            (F32x4ConvertI32x4U, convert::f32x4_convert_i32x4_u),
            (F64x2ConvertLowI32x4S, convert::f64x2_convert_low_i32x4_s),
            (F64x2ConvertLowI32x4U, convert::f64x2_convert_low_i32x4_u),
            (F32x4DemoteF64x2Zero, convert::f32x4_demote_f64x2_zero),
            (F64x2PromoteLowF32x4, convert::f64x2_promote_low_f32x4),
            (I32x4RelaxedTruncF32x4S, convert::i32x4_trunc_sat_f32x4_s),
            (I32x4RelaxedTruncF32x4U, convert::i32x4_trunc_sat_f32x4_u),
            (I32x4RelaxedTruncF64x2SZero, convert::i32x4_trunc_sat_f64x2_s_zero),
            (I32x4RelaxedTruncF64x2UZero, convert::i32x4_trunc_sat_f64x2_u_zero),
        }
    };
}

/// The `fn(u128, u128) -> u128` instructions.
macro_rules! for_each_v128_binary {
    ($m:ident) => {
        $crate::interp::simd::with_paths! { $m;
            (V128And, lanes::v128_and),
            (V128AndNot, lanes::v128_andnot),
            (V128Or, lanes::v128_or),
            (V128Xor, lanes::v128_xor),
            (I8x16Swizzle, lanes::i8x16_swizzle),
            (I8x16RelaxedSwizzle, lanes::i8x16_swizzle),
            (I8x16Eq, int::i8x16_eq),
            (I8x16Ne, int::i8x16_ne),
            (I8x16LtS, int::i8x16_lt_s),
            (I8x16LtU, int::i8x16_lt_u),
            (I8x16GtS, int::i8x16_gt_s),
            (I8x16GtU, int::i8x16_gt_u),
            (I8x16LeS, int::i8x16_le_s),
            (I8x16LeU, int::i8x16_le_u),
            (I8x16GeS, int::i8x16_ge_s),
            (I8x16GeU, int::i8x16_ge_u),
            (I16x8Eq, int::i16x8_eq),
            (I16x8Ne, int::i16x8_ne),
            (I16x8LtS, int::i16x8_lt_s),
            (I16x8LtU, int::i16x8_lt_u),
            (I16x8GtS, int::i16x8_gt_s),
            (I16x8GtU, int::i16x8_gt_u),
            (I16x8LeS, int::i16x8_le_s),
            (I16x8LeU, int::i16x8_le_u),
            (I16x8GeS, int::i16x8_ge_s),
            (I16x8GeU, int::i16x8_ge_u),
            (I32x4Eq, int::i32x4_eq),
            (I32x4Ne, int::i32x4_ne),
            (I32x4LtS, int::i32x4_lt_s),
            (I32x4LtU, int::i32x4_lt_u),
            (I32x4GtS, int::i32x4_gt_s),
            (I32x4GtU, int::i32x4_gt_u),
            (I32x4LeS, int::i32x4_le_s),
            (I32x4LeU, int::i32x4_le_u),
            (I32x4GeS, int::i32x4_ge_s),
            (I32x4GeU, int::i32x4_ge_u),
            (I64x2Eq, int::i64x2_eq),
            (I64x2Ne, int::i64x2_ne),
            (I64x2LtS, int::i64x2_lt_s),
            (I64x2GtS, int::i64x2_gt_s),
            (I64x2LeS, int::i64x2_le_s),
            (I64x2GeS, int::i64x2_ge_s),
            (F32x4Eq, float::f32x4_eq),
            (F32x4Ne, float::f32x4_ne),
            (F32x4Lt, float::f32x4_lt),
            (F32x4Gt, float::f32x4_gt),
            (F32x4Le, float::f32x4_le),
            (F32x4Ge, float::f32x4_ge),
            (F64x2Eq, float::f64x2_eq),
            (F64x2Ne, float::f64x2_ne),
            (F64x2Lt, float::f64x2_lt),
            (F64x2Gt, float::f64x2_gt),
            (F64x2Le, float::f64x2_le),
            (F64x2Ge, float::f64x2_ge),
            (I8x16NarrowI16x8S, int::i8x16_narrow_i16x8_s),
            (I8x16NarrowI16x8U, int::i8x16_narrow_i16x8_u),
            (I16x8NarrowI32x4S, int::i16x8_narrow_i32x4_s),
            (I16x8NarrowI32x4U, int::i16x8_narrow_i32x4_u),
            (I8x16Add, int::i8x16_add),
            (I8x16AddSatS, int::i8x16_add_sat_s),
            (I8x16AddSatU, int::i8x16_add_sat_u),
            (I8x16Sub, int::i8x16_sub),
            (I8x16SubSatS, int::i8x16_sub_sat_s),
            (I8x16SubSatU, int::i8x16_sub_sat_u),
            (I8x16MinS, int::i8x16_min_s),
            (I8x16MinU, int::i8x16_min_u),
            (I8x16MaxS, int::i8x16_max_s),
            (I8x16MaxU, int::i8x16_max_u),
            (I8x16AvgrU, int::i8x16_avgr_u),
            (I16x8Add, int::i16x8_add),
            (I16x8AddSatS, int::i16x8_add_sat_s),
            (I16x8AddSatU, int::i16x8_add_sat_u),
            (I16x8Sub, int::i16x8_sub),
            (I16x8SubSatS, int::i16x8_sub_sat_s),
            (I16x8SubSatU, int::i16x8_sub_sat_u),
            (I16x8Mul, int::i16x8_mul),
            (I16x8MinS, int::i16x8_min_s),
            (I16x8MinU, int::i16x8_min_u),
            (I16x8MaxS, int::i16x8_max_s),
            (I16x8MaxU, int::i16x8_max_u),
            (I16x8AvgrU, int::i16x8_avgr_u),
            (I16x8Q15MulrSatS, int::i16x8_q15mulr_sat_s),
            (I16x8ExtMulLowI8x16S, int::i16x8_extmul_low_i8x16_s),
            (I16x8ExtMulHighI8x16S, int::i16x8_extmul_high_i8x16_s),
            (I16x8ExtMulLowI8x16U, int::i16x8_extmul_low_i8x16_u),
            (I16x8ExtMulHighI8x16U, int::i16x8_extmul_high_i8x16_u),
            (I32x4Add, int::i32x4_add),
            (I32x4Sub, int::i32x4_sub),
            (I32x4Mul, int::i32x4_mul),
            (I32x4MinS, int::i32x4_min_s),
            (I32x4MinU, int::i32x4_min_u),
            (I32x4MaxS, int::i32x4_max_s),
            (I32x4MaxU, int::i32x4_max_u),
            (I32x4DotI16x8S, int::i32x4_dot_i16x8_s),
            (I32x4ExtMulLowI16x8S, int::i32x4_extmul_low_i16x8_s),
            (I32x4ExtMulHighI16x8S, int::i32x4_extmul_high_i16x8_s),
            (I32x4ExtMulLowI16x8U, int::i32x4_extmul_low_i16x8_u),
            (I32x4ExtMulHighI16x8U, int::i32x4_extmul_high_i16x8_u),
            (I64x2Add, int::i64x2_add),
            (I64x2Sub, int::i64x2_sub),
            (I64x2Mul, int::i64x2_mul),
            (I64x2ExtMulLowI32x4S, int::i64x2_extmul_low_i32x4_s),
            (I64x2ExtMulHighI32x4S, int::i64x2_extmul_high_i32x4_s),
            (I64x2ExtMulLowI32x4U, int::i64x2_extmul_low_i32x4_u),
            (I64x2ExtMulHighI32x4U, int::i64x2_extmul_high_i32x4_u),
            (F32x4Add, float::f32x4_add),
            (F32x4Sub, float::f32x4_sub),
            (F32x4Mul, float::f32x4_mul),
            (F32x4Div, float::f32x4_div),
            (F32x4Min, float::f32x4_min),
            (F32x4Max, float::f32x4_max),
            (F32x4PMin, float::f32x4_pmin),
            (F32x4PMax, float::f32x4_pmax),
            (F64x2Add, float::f64x2_add),
            (F64x2Sub, float::f64x2_sub),
            (F64x2Mul, float::f64x2_mul),
            (F64x2Div, float::f64x2_div),
            (F64x2Min, float::f64x2_min),
            (F64x2Max, float::f64x2_max),
            (F64x2PMin, float::f64x2_pmin),
            (F64x2PMax, float::f64x2_pmax),
            (F32x4RelaxedMin, float::f32x4_min),
            (F32x4RelaxedMax, float::f32x4_max),
            (F64x2RelaxedMin, float::f64x2_min),
            (F64x2RelaxedMax, float::f64x2_max),
            (I16x8RelaxedQ15mulrS, int::i16x8_q15mulr_sat_s),
            (I16x8RelaxedDotI8x16I7x16S, int::i16x8_relaxed_dot_i8x16_i7x16_s),
        }
    };
}

/// The `fn(u128, u128, u128) -> u128` instructions.
macro_rules! for_each_v128_ternary {
    ($m:ident) => {
        $crate::interp::simd::with_paths! { $m;
            (V128Bitselect, lanes::v128_bitselect),
            (I8x16RelaxedLaneselect, lanes::v128_bitselect),
            (I16x8RelaxedLaneselect, lanes::v128_bitselect),
            (I32x4RelaxedLaneselect, lanes::v128_bitselect),
            (I64x2RelaxedLaneselect, lanes::v128_bitselect),
            (F32x4RelaxedMadd, float::f32x4_relaxed_madd),
            (F32x4RelaxedNmadd, float::f32x4_relaxed_nmadd),
            (F64x2RelaxedMadd, float::f64x2_relaxed_madd),
            (F64x2RelaxedNmadd, float::f64x2_relaxed_nmadd),
            (I32x4RelaxedDotI8x16I7x16AddS, int::i32x4_relaxed_dot_i8x16_i7x16_add_s),
        }
    };
}

/// The shifts, `fn(u128, u32) -> u128`: the count is the i32 operand, taken
/// modulo the lane width by the function.
macro_rules! for_each_v128_shift {
    ($m:ident) => {
        $crate::interp::simd::with_paths! { $m;
            (I8x16Shl, int::i8x16_shl),
            (I8x16ShrS, int::i8x16_shr_s),
            (I8x16ShrU, int::i8x16_shr_u),
            (I16x8Shl, int::i16x8_shl),
            (I16x8ShrS, int::i16x8_shr_s),
            (I16x8ShrU, int::i16x8_shr_u),
            (I32x4Shl, int::i32x4_shl),
            (I32x4ShrS, int::i32x4_shr_s),
            (I32x4ShrU, int::i32x4_shr_u),
            (I64x2Shl, int::i64x2_shl),
            (I64x2ShrS, int::i64x2_shr_s),
            (I64x2ShrU, int::i64x2_shr_u),
        }
    };
}

/// The splats, `fn(u64) -> u128` from a scalar in slot encoding.
macro_rules! for_each_v128_splat {
    ($m:ident) => {
        $crate::interp::simd::with_paths! { $m;
            (I8x16Splat, lanes::i8x16_splat),
            (I16x8Splat, lanes::i16x8_splat),
            (I32x4Splat, lanes::i32x4_splat),
            (I64x2Splat, lanes::i64x2_splat),
            (F32x4Splat, lanes::i32x4_splat),
            (F64x2Splat, lanes::i64x2_splat),
        }
    };
}

/// The lane extractions, `fn(u128, u8) -> u64`: the lane index is the
/// instruction's immediate, the result in slot encoding.
macro_rules! for_each_v128_extract {
    ($m:ident) => {
        $crate::interp::simd::with_paths! { $m;
            (I8x16ExtractLaneS, lanes::i8x16_extract_lane_s),
            (I8x16ExtractLaneU, lanes::i8x16_extract_lane_u),
            (I16x8ExtractLaneS, lanes::i16x8_extract_lane_s),
            (I16x8ExtractLaneU, lanes::i16x8_extract_lane_u),
            (I32x4ExtractLane, lanes::i32x4_extract_lane),
            (I64x2ExtractLane, lanes::i64x2_extract_lane),
            (F32x4ExtractLane, lanes::i32x4_extract_lane),
            (F64x2ExtractLane, lanes::i64x2_extract_lane),
        }
    };
}

/// The lane replacements, `fn(u128, u64, u8) -> u128`: the vector, the
/// scalar in slot encoding, the lane index immediate.
macro_rules! for_each_v128_replace {
    ($m:ident) => {
        $crate::interp::simd::with_paths! { $m;
            (I8x16ReplaceLane, lanes::i8x16_replace_lane),
            (I16x8ReplaceLane, lanes::i16x8_replace_lane),
            (I32x4ReplaceLane, lanes::i32x4_replace_lane),
            (I64x2ReplaceLane, lanes::i64x2_replace_lane),
            (F32x4ReplaceLane, lanes::i32x4_replace_lane),
            (F64x2ReplaceLane, lanes::i64x2_replace_lane),
        }
    };
}

/// The tests, `fn(u128) -> u64`: an i32 (0 or 1, or the bitmask) in slot
/// encoding.
macro_rules! for_each_v128_test {
    ($m:ident) => {
        $crate::interp::simd::with_paths! { $m;
            (V128AnyTrue, lanes::v128_any_true),
            (I8x16AllTrue, lanes::i8x16_all_true),
            (I16x8AllTrue, lanes::i16x8_all_true),
            (I32x4AllTrue, lanes::i32x4_all_true),
            (I64x2AllTrue, lanes::i64x2_all_true),
            (I8x16Bitmask, lanes::i8x16_bitmask),
            (I16x8Bitmask, lanes::i16x8_bitmask),
            (I32x4Bitmask, lanes::i32x4_bitmask),
            (I64x2Bitmask, lanes::i64x2_bitmask),
        }
    };
}

pub(crate) use {
    for_each_v128_binary, for_each_v128_extract, for_each_v128_replace, for_each_v128_shift, for_each_v128_splat,
    for_each_v128_ternary, for_each_v128_test, for_each_v128_unary, with_paths,
};

/// Defines the enum of one table's instructions, its `eval`, and the match
/// from wasmparser's operator.
macro_rules! define_enum {
    ($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty, $args:tt; $( ($v:ident, $f:path) ),* $(,)?) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        // The variants are wasmparser's operator names, postfixes and all,
        // so that `of_operator` is one arm per entry.
        #[allow(clippy::enum_variant_names)]
        pub(crate) enum $name {
            $( $v, )*
        }

        impl $name {
            /// Every instruction of the table.
            #[cfg(test)]
            pub(crate) const ALL: &'static [Self] = &[$(Self::$v),*];

            /// What the instruction computes.
            #[inline]
            pub(crate) fn eval(self, $($arg: $ty),*) -> $ret {
                match self {
                    $( Self::$v => $f $args, )*
                }
            }

            /// The instruction, if `op` is one of this table's. (Unused
            /// for the lane tables: `classify` takes their lane itself.)
            #[allow(dead_code)]
            fn of_operator(op: &Operator<'_>) -> Option<Self> {
                match op {
                    $( Operator::$v { .. } => Some(Self::$v), )*
                    _ => None,
                }
            }
        }
    };
}

/// `i8x16.shuffle`: byte `i` of the result is byte `lanes[i]` of `a`
/// followed by `b` (indices below 32, validated).
#[inline(always)]
pub(crate) fn shuffle(a: u128, b: u128, lanes: [u8; 16]) -> u128 {
    let mut both = [0u8; 32];
    both[..16].copy_from_slice(&a.to_le_bytes());
    both[16..].copy_from_slice(&b.to_le_bytes());
    u128::from_le_bytes(lanes.map(|i| both[i as usize & 31]))
}

// A table hands its macro only the list, so each enum takes a wrapper.

/// Expands a table into `define_enum!`.
macro_rules! unary_enum {
    ($($t:tt)*) => {
        define_enum! {
            /// The `v128 -> v128` instructions.
            V128Unary(a: u128) -> u128, (a); $($t)*
        }
    };
}
self::for_each_v128_unary!(unary_enum);

/// Expands a table into `define_enum!`.
macro_rules! binary_enum {
    ($($t:tt)*) => {
        define_enum! {
            /// The `v128 v128 -> v128` instructions.
            V128Binary(a: u128, b: u128) -> u128, (a, b); $($t)*
        }
    };
}
self::for_each_v128_binary!(binary_enum);

/// Expands a table into `define_enum!`.
macro_rules! ternary_enum {
    ($($t:tt)*) => {
        define_enum! {
            /// The `v128 v128 v128 -> v128` instructions.
            V128Ternary(a: u128, b: u128, c: u128) -> u128, (a, b, c); $($t)*
        }
    };
}
self::for_each_v128_ternary!(ternary_enum);

/// Expands a table into `define_enum!`.
macro_rules! shift_enum {
    ($($t:tt)*) => {
        define_enum! {
            /// The shifts: `v128 i32 -> v128`.
            V128Shift(a: u128, n: u32) -> u128, (a, n); $($t)*
        }
    };
}
self::for_each_v128_shift!(shift_enum);

/// Expands a table into `define_enum!`.
macro_rules! splat_enum {
    ($($t:tt)*) => {
        define_enum! {
            /// The splats: a scalar to a `v128`.
            V128Splat(x: u64) -> u128, (x); $($t)*
        }
    };
}
self::for_each_v128_splat!(splat_enum);

/// Expands a table into `define_enum!`.
macro_rules! extract_enum {
    ($($t:tt)*) => {
        define_enum! {
            /// The lane extractions: a `v128` to a scalar, with a lane immediate.
            V128Extract(v: u128, lane: u8) -> u64, (v, lane); $($t)*
        }
    };
}
self::for_each_v128_extract!(extract_enum);

/// Expands a table into `define_enum!`.
macro_rules! replace_enum {
    ($($t:tt)*) => {
        define_enum! {
            /// The lane replacements: a `v128` and a scalar to a `v128`, with a lane immediate.
            V128Replace(v: u128, x: u64, lane: u8) -> u128, (v, x, lane); $($t)*
        }
    };
}
self::for_each_v128_replace!(replace_enum);

/// Expands a table into `define_enum!`.
macro_rules! test_enum {
    ($($t:tt)*) => {
        define_enum! {
            /// The tests: `v128 -> i32`.
            V128Test(v: u128) -> u64, (v); $($t)*
        }
    };
}
self::for_each_v128_test!(test_enum);

/// The loads of a whole v128, as `$m! { Variant, ... }`: the enum below
/// and the interpreter's load handlers come from it.
macro_rules! for_each_v128_load {
    ($m:ident) => {
        $m! {
            Load128, Load8x8S, Load8x8U, Load16x4S, Load16x4U, Load32x2S, Load32x2U, Load8Splat, Load16Splat,
            Load32Splat, Load64Splat, Load32Zero, Load64Zero
        }
    };
}
#[cfg_attr(not(kiln_tail_dispatch), allow(unused_imports))]
pub(crate) use for_each_v128_load;

macro_rules! load_enum {
    ($($v:ident),*) => {
        /// The loads of a whole v128: how many bytes each reads and what
        /// it makes of them.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum V128Load {
            $($v,)*
        }
    };
}
for_each_v128_load!(load_enum);

impl V128Load {
    /// The bytes the load reads.
    #[inline(always)]
    pub(crate) fn size(self) -> u32 {
        match self {
            V128Load::Load128 => 16,
            V128Load::Load8x8S
            | V128Load::Load8x8U
            | V128Load::Load16x4S
            | V128Load::Load16x4U
            | V128Load::Load32x2S
            | V128Load::Load32x2U
            | V128Load::Load64Splat
            | V128Load::Load64Zero => 8,
            V128Load::Load8Splat => 1,
            V128Load::Load16Splat => 2,
            V128Load::Load32Splat | V128Load::Load32Zero => 4,
        }
    }

    /// The loaded value from `raw`, the `size()` bytes read little-endian
    /// and zero-extended.
    #[inline(always)]
    pub(crate) fn finish(self, raw: u128) -> u128 {
        match self {
            V128Load::Load128 => raw,
            V128Load::Load8x8S => int::i16x8_extend_low_i8x16_s(raw),
            V128Load::Load8x8U => int::i16x8_extend_low_i8x16_u(raw),
            V128Load::Load16x4S => int::i32x4_extend_low_i16x8_s(raw),
            V128Load::Load16x4U => int::i32x4_extend_low_i16x8_u(raw),
            V128Load::Load32x2S => int::i64x2_extend_low_i32x4_s(raw),
            V128Load::Load32x2U => int::i64x2_extend_low_i32x4_u(raw),
            V128Load::Load8Splat => lanes::i8x16_splat(raw as u64),
            V128Load::Load16Splat => lanes::i16x8_splat(raw as u64),
            V128Load::Load32Splat => lanes::i32x4_splat(raw as u64),
            V128Load::Load64Splat => lanes::i64x2_splat(raw as u64),
            // `raw` is zero-extended already; the mask only keeps a caller's
            // stray high bits from leaking in.
            V128Load::Load32Zero => raw as u32 as u128,
            V128Load::Load64Zero => raw as u64 as u128,
        }
    }
}

/// The lane width of `v128.loadN_lane` and `v128.storeN_lane`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum V128Lane {
    L8,
    L16,
    L32,
    L64,
}

impl V128Lane {
    /// The bytes one lane takes in memory.
    #[inline(always)]
    pub(crate) fn size(self) -> u32 {
        match self {
            V128Lane::L8 => 1,
            V128Lane::L16 => 2,
            V128Lane::L32 => 4,
            V128Lane::L64 => 8,
        }
    }

    /// `v` with lane `lane` replaced by the loaded bytes `raw` (read
    /// little-endian; only the low `size()` bytes count).
    #[inline(always)]
    pub(crate) fn insert(self, v: u128, raw: u64, lane: u8) -> u128 {
        match self {
            V128Lane::L8 => lanes::i8x16_replace_lane(v, raw, lane),
            V128Lane::L16 => lanes::i16x8_replace_lane(v, raw, lane),
            V128Lane::L32 => lanes::i32x4_replace_lane(v, raw, lane),
            V128Lane::L64 => lanes::i64x2_replace_lane(v, raw, lane),
        }
    }

    /// Lane `lane` of `v`, zero-extended: the bytes to store, little-endian.
    #[inline(always)]
    pub(crate) fn extract(self, v: u128, lane: u8) -> u64 {
        match self {
            V128Lane::L8 => lanes::i8x16_extract_lane_u(v, lane),
            V128Lane::L16 => lanes::i16x8_extract_lane_u(v, lane),
            V128Lane::L32 => lanes::i32x4_extract_lane(v, lane),
            V128Lane::L64 => lanes::i64x2_extract_lane(v, lane),
        }
    }
}

/// A SIMD instruction as the translator sees it: its kind and immediates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SimdOp {
    Const(u128),
    Unary(V128Unary),
    Binary(V128Binary),
    Ternary(V128Ternary),
    Shift(V128Shift),
    Splat(V128Splat),
    /// With the lane index.
    Extract(V128Extract, u8),
    /// With the lane index.
    Replace(V128Replace, u8),
    Test(V128Test),
    /// `i8x16.shuffle` with its lane indices (below 32).
    Shuffle([u8; 16]),
    Load(V128Load, MemArg),
    /// `v128.store`.
    Store(MemArg),
    /// With the lane index.
    LoadLane(V128Lane, MemArg, u8),
    /// With the lane index.
    StoreLane(V128Lane, MemArg, u8),
}

/// The SIMD instruction `op` is, or `None` for any other operator.
pub(crate) fn classify(op: &Operator<'_>) -> Option<SimdOp> {
    use SimdOp::{Extract, Load, LoadLane, Replace, StoreLane};
    let simd = match *op {
        Operator::V128Const { value } => SimdOp::Const(value.into()),
        Operator::I8x16Shuffle { lanes } => SimdOp::Shuffle(lanes),
        Operator::V128Load { memarg } => Load(V128Load::Load128, memarg),
        Operator::V128Load8x8S { memarg } => Load(V128Load::Load8x8S, memarg),
        Operator::V128Load8x8U { memarg } => Load(V128Load::Load8x8U, memarg),
        Operator::V128Load16x4S { memarg } => Load(V128Load::Load16x4S, memarg),
        Operator::V128Load16x4U { memarg } => Load(V128Load::Load16x4U, memarg),
        Operator::V128Load32x2S { memarg } => Load(V128Load::Load32x2S, memarg),
        Operator::V128Load32x2U { memarg } => Load(V128Load::Load32x2U, memarg),
        Operator::V128Load8Splat { memarg } => Load(V128Load::Load8Splat, memarg),
        Operator::V128Load16Splat { memarg } => Load(V128Load::Load16Splat, memarg),
        Operator::V128Load32Splat { memarg } => Load(V128Load::Load32Splat, memarg),
        Operator::V128Load64Splat { memarg } => Load(V128Load::Load64Splat, memarg),
        Operator::V128Load32Zero { memarg } => Load(V128Load::Load32Zero, memarg),
        Operator::V128Load64Zero { memarg } => Load(V128Load::Load64Zero, memarg),
        Operator::V128Store { memarg } => SimdOp::Store(memarg),
        Operator::V128Load8Lane { memarg, lane } => LoadLane(V128Lane::L8, memarg, lane),
        Operator::V128Load16Lane { memarg, lane } => LoadLane(V128Lane::L16, memarg, lane),
        Operator::V128Load32Lane { memarg, lane } => LoadLane(V128Lane::L32, memarg, lane),
        Operator::V128Load64Lane { memarg, lane } => LoadLane(V128Lane::L64, memarg, lane),
        Operator::V128Store8Lane { memarg, lane } => StoreLane(V128Lane::L8, memarg, lane),
        Operator::V128Store16Lane { memarg, lane } => StoreLane(V128Lane::L16, memarg, lane),
        Operator::V128Store32Lane { memarg, lane } => StoreLane(V128Lane::L32, memarg, lane),
        Operator::V128Store64Lane { memarg, lane } => StoreLane(V128Lane::L64, memarg, lane),
        Operator::I8x16ExtractLaneS { lane } => Extract(V128Extract::I8x16ExtractLaneS, lane),
        Operator::I8x16ExtractLaneU { lane } => Extract(V128Extract::I8x16ExtractLaneU, lane),
        Operator::I16x8ExtractLaneS { lane } => Extract(V128Extract::I16x8ExtractLaneS, lane),
        Operator::I16x8ExtractLaneU { lane } => Extract(V128Extract::I16x8ExtractLaneU, lane),
        Operator::I32x4ExtractLane { lane } => Extract(V128Extract::I32x4ExtractLane, lane),
        Operator::I64x2ExtractLane { lane } => Extract(V128Extract::I64x2ExtractLane, lane),
        Operator::F32x4ExtractLane { lane } => Extract(V128Extract::F32x4ExtractLane, lane),
        Operator::F64x2ExtractLane { lane } => Extract(V128Extract::F64x2ExtractLane, lane),
        Operator::I8x16ReplaceLane { lane } => Replace(V128Replace::I8x16ReplaceLane, lane),
        Operator::I16x8ReplaceLane { lane } => Replace(V128Replace::I16x8ReplaceLane, lane),
        Operator::I32x4ReplaceLane { lane } => Replace(V128Replace::I32x4ReplaceLane, lane),
        Operator::I64x2ReplaceLane { lane } => Replace(V128Replace::I64x2ReplaceLane, lane),
        Operator::F32x4ReplaceLane { lane } => Replace(V128Replace::F32x4ReplaceLane, lane),
        Operator::F64x2ReplaceLane { lane } => Replace(V128Replace::F64x2ReplaceLane, lane),
        _ => {
            return V128Unary::of_operator(op)
                .map(SimdOp::Unary)
                .or_else(|| V128Binary::of_operator(op).map(SimdOp::Binary))
                .or_else(|| V128Ternary::of_operator(op).map(SimdOp::Ternary))
                .or_else(|| V128Shift::of_operator(op).map(SimdOp::Shift))
                .or_else(|| V128Splat::of_operator(op).map(SimdOp::Splat))
                .or_else(|| V128Test::of_operator(op).map(SimdOp::Test));
        }
    };
    Some(simd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmparser::{MemArgTarget, V128};

    /// A placeholder value for each kind of operator immediate.
    trait Dummy {
        fn dummy() -> Self;
    }
    impl Dummy for u8 {
        fn dummy() -> u8 {
            1
        }
    }
    impl Dummy for [u8; 16] {
        fn dummy() -> [u8; 16] {
            [3; 16]
        }
    }
    impl Dummy for V128 {
        fn dummy() -> V128 {
            V128::from(7u128)
        }
    }
    impl Dummy for MemArg {
        fn dummy() -> MemArg {
            MemArg { align: 0, max_align: 4, offset: 16, target: MemArgTarget::Memory(0), ordering: None }
        }
    }

    /// Every SIMD and relaxed-SIMD operator wasmparser knows, with
    /// placeholder immediates.
    fn all_simd_operators() -> Vec<(&'static str, Operator<'static>)> {
        macro_rules! build {
            ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
                vec![$( (stringify!($op), Operator::$op $({ $($arg: <$argty as Dummy>::dummy()),* })?) ),*]
            };
        }
        wasmparser::for_each_visit_simd_operator!(build)
    }

    #[test]
    fn classify_knows_every_simd_operator() {
        let ops = all_simd_operators();
        // 236 of SIMD proper and 20 relaxed ones, as of wasmparser 0.263.
        assert_eq!(ops.len(), 256);
        for (name, op) in &ops {
            let simd = classify(op).unwrap_or_else(|| panic!("{name} is not classified"));
            // The generated kinds carry the operator's own name.
            let kind = match simd {
                SimdOp::Unary(k) => format!("{k:?}"),
                SimdOp::Binary(k) => format!("{k:?}"),
                SimdOp::Ternary(k) => format!("{k:?}"),
                SimdOp::Shift(k) => format!("{k:?}"),
                SimdOp::Splat(k) => format!("{k:?}"),
                SimdOp::Extract(k, lane) => {
                    assert_eq!(lane, 1);
                    format!("{k:?}")
                }
                SimdOp::Replace(k, lane) => {
                    assert_eq!(lane, 1);
                    format!("{k:?}")
                }
                SimdOp::Test(k) => format!("{k:?}"),
                SimdOp::Const(v) => {
                    assert_eq!(v, 7);
                    continue;
                }
                SimdOp::Shuffle(lanes) => {
                    assert_eq!(lanes, [3; 16]);
                    continue;
                }
                SimdOp::Load(_, m) | SimdOp::Store(m) => {
                    assert_eq!(m.offset, 16);
                    continue;
                }
                SimdOp::LoadLane(l, m, lane) | SimdOp::StoreLane(l, m, lane) => {
                    assert_eq!((m.offset, lane), (16, 1));
                    assert!(name.contains(&format!("{}Lane", l.size() * 8)), "{name}: {l:?}");
                    continue;
                }
            };
            assert_eq!(&kind, name);
        }
    }

    #[test]
    fn classify_leaves_other_operators() {
        let memarg = MemArg::dummy();
        for op in [
            Operator::Nop,
            Operator::I32Add,
            Operator::F64Min,
            Operator::I64Load { memarg },
            Operator::LocalGet { local_index: 0 },
        ] {
            assert_eq!(classify(&op), None, "{op:?}");
        }
    }

    #[test]
    fn loads() {
        use V128Load::*;
        let sizes = [16, 8, 8, 8, 8, 8, 8, 1, 2, 4, 8, 4, 8];
        let all = [
            Load128,
            Load8x8S,
            Load8x8U,
            Load16x4S,
            Load16x4U,
            Load32x2S,
            Load32x2U,
            Load8Splat,
            Load16Splat,
            Load32Splat,
            Load64Splat,
            Load32Zero,
            Load64Zero,
        ];
        assert_eq!(all.map(V128Load::size), sizes);
        let raw = 0x8000_0001_ff02_7f80u128;
        assert_eq!(Load128.finish(raw), raw);
        assert_eq!(lanes::i16x8(Load8x8S.finish(raw)), [-128, 127, 2, -1, 1, 0, 0, -128]);
        assert_eq!(lanes::u16x8(Load8x8U.finish(raw)), [128, 127, 2, 255, 1, 0, 0, 128]);
        assert_eq!(lanes::i32x4(Load16x4S.finish(raw)), [0x7f80, -254, 1, -32768]);
        assert_eq!(lanes::u32x4(Load16x4U.finish(raw)), [0x7f80, 0xff02, 1, 0x8000]);
        assert_eq!(lanes::i64x2(Load32x2S.finish(raw)), [0xff02_7f80u32 as i32 as i64, i32::MIN as i64 + 1]);
        assert_eq!(lanes::u64x2(Load32x2U.finish(raw)), [0xff02_7f80, 0x8000_0001]);
        assert_eq!(Load8Splat.finish(0x80), u128::from_le_bytes([0x80; 16]));
        assert_eq!(lanes::u16x8(Load16Splat.finish(0xbeef)), [0xbeef; 8]);
        assert_eq!(lanes::u32x4(Load32Splat.finish(0xdead_beef)), [0xdead_beef; 4]);
        assert_eq!(lanes::u64x2(Load64Splat.finish(raw)), [raw as u64; 2]);
        assert_eq!(Load32Zero.finish(0xdead_beef), 0xdead_beef);
        assert_eq!(Load64Zero.finish(raw), raw);
    }

    #[test]
    fn lane_loads_and_stores() {
        use V128Lane::*;
        assert_eq!([L8, L16, L32, L64].map(V128Lane::size), [1, 2, 4, 8]);
        let v = u128::MAX;
        assert_eq!(L8.insert(v, 0, 15), v >> 8);
        assert_eq!(L16.insert(0, 0x1234, 1), 0x1234 << 16);
        assert_eq!(L32.insert(0, 0x1_0000_0002, 2), 2 << 64);
        assert_eq!(L64.insert(v, 0, 0), v << 64);
        let v = 0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100u128;
        assert_eq!(L8.extract(v, 9), 9);
        assert_eq!(L16.extract(v, 7), 0x0f0e);
        assert_eq!(L32.extract(v, 1), 0x0706_0504);
        assert_eq!(L64.extract(v, 1), 0x0f0e_0d0c_0b0a_0908);
    }

    #[test]
    fn shuffle_picks_from_both() {
        let a = lanes::from_u8x16(std::array::from_fn(|i| i as u8));
        let b = lanes::from_u8x16(std::array::from_fn(|i| 16 + i as u8));
        let picks: [u8; 16] = std::array::from_fn(|i| 31 - i as u8);
        assert_eq!(lanes::u8x16(shuffle(a, b, picks)), picks);
        assert_eq!(shuffle(a, b, [0; 16]), 0);
        assert_eq!(shuffle(a, b, [17; 16]), u128::from_le_bytes([17; 16]));
    }

    #[test]
    fn eval_dispatches_to_the_table() {
        assert_eq!(V128Unary::V128Not.eval(0), u128::MAX);
        let s = u128::from_le_bytes(std::array::from_fn(|i| if i == 0 { 1 } else { 16 }));
        assert_eq!(V128Binary::I8x16RelaxedSwizzle.eval(0x1234, s), 0x12);
        assert_eq!(V128Ternary::I64x2RelaxedLaneselect.eval(u128::MAX, 0, 0xff), 0xff);
        assert_eq!(V128Shift::I32x4Shl.eval(1, 33), 2);
        assert_eq!(V128Splat::F64x2Splat.eval(1), 1 | 1 << 64);
        assert_eq!(V128Extract::I8x16ExtractLaneS.eval(0x80, 0), 0xffff_ff80);
        assert_eq!(V128Replace::F32x4ReplaceLane.eval(0, 5, 3), 5 << 96);
        assert_eq!(V128Test::I8x16Bitmask.eval(0x80 << 8), 2);
    }
}
