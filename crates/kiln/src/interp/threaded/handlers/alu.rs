//! Arithmetic, logic, comparisons and conversions: `s[d] = f(s[a], s[b])`,
//! `s[d] = s[a] <op> imm` and `s[d] = f(s[a])`, in every accumulator form
//! (see the parent module).

use super::{family, forms_of, modules, operand, result, Forms, Handler};
use crate::interp::ir::{ImmOp, Op};
use crate::interp::numeric::*;
use crate::interp::threaded::{field, handler, next, trap};
use crate::trap::Trap;

/// Handlers `s[d] = f(s[a], s[b])`, fields `d, a, b`, of form `$in`/`$out`;
/// `f` is `$e`, or with `trapping`, `$e` is a `Result<u64, Trap>`.
macro_rules! binary_tmpl {
    ($in:ident, $out:ident, $cin:ident, $cout:ident; { $($name:ident $(, $kind:ident)? => |$x:ident, $y:ident| $e:expr;)* }) => {$(
        handler!($name(ip, sp, mem, len, cx, acc, facc) {
            // SAFETY: slot indices are within the frame (module invariant).
            unsafe {
                let $x = operand!($in, A, $cin, ip, sp, acc, facc, 1);
                let $y = operand!($in, B, $cin, ip, sp, acc, facc, 2);
                binary_tmpl!(@result [$($kind)?] $out, $cout, $e, ip, sp, mem, len, cx, acc, facc, 0, 3)
            }
        });
    )*};
    (@result [] $out:ident, $cout:ident, $e:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $cx:ident, $acc:ident, $facc:ident, $f:literal, $size:literal) => {
        result!($out, $cout, $e, $ip, $sp, $mem, $len, $cx, $acc, $facc, $f, $size)
    };
    (@result [trapping] $out:ident, $cout:ident, $e:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $cx:ident, $acc:ident, $facc:ident, $f:literal, $size:literal) => {{
        let r: Result<u64, Trap> = $e;
        match r {
            Ok(v) => result!($out, $cout, v, $ip, $sp, $mem, $len, $cx, $acc, $facc, $f, $size),
            Err(t) => trap!($ip, $cx, t),
        }
    }};
}

/// Handlers `s[d] = f(s[a])`, fields `d, a`, of form `$in`/`$out`; with
/// `trapping`, `$e` is a `Result<u64, Trap>`.
macro_rules! unary_tmpl {
    ($in:ident, $out:ident, $cin:ident, $cout:ident; { $($name:ident $(, $kind:ident)? => |$x:ident| $e:expr;)* }) => {$(
        handler!($name(ip, sp, mem, len, cx, acc, facc) {
            // SAFETY: as in `binary_tmpl`.
            unsafe {
                let $x = operand!($in, A, $cin, ip, sp, acc, facc, 1);
                binary_tmpl!(@result [$($kind)?] $out, $cout, $e, ip, sp, mem, len, cx, acc, facc, 0, 2)
            }
        });
    )*};
}

/// Handlers `s[d] = s[a] <op> imm`, fields `d, a, imm` (the immediate
/// sign-extended to 64 bits when `$wide`), of form `$in`/`$out`.
macro_rules! imm_tmpl {
    ($in:ident, $out:ident, $cin:ident, $cout:ident; { $($name:ident, $wide:literal => |$x:ident, $y:ident| $e:expr;)* }) => {$(
        handler!($name(ip, sp, mem, len, cx, acc, facc) {
            // SAFETY: as in `binary_tmpl`.
            unsafe {
                let $x = operand!($in, A, $cin, ip, sp, acc, facc, 1);
                let imm = field(ip, 2);
                let $y = if $wide { imm as i32 as i64 as u64 } else { imm as u64 };
                result!($out, $cout, $e, ip, sp, mem, len, cx, acc, facc, 0, 3)
            }
        });
    )*};
}

/// Handlers of `Op::Select`, `s[d] = if s[c] != 0 { s[a] } else { s[b] }`:
/// fields `d, a, b, c` (`A`: the condition from the accumulator; `$e` is
/// the identity).
macro_rules! select_tmpl {
    ($in:ident, $out:ident, $cin:ident, $cout:ident; { $($name:ident => |$x:ident| $e:expr;)* }) => {$(
        handler!($name(ip, sp, mem, len, cx, acc, facc) {
            // SAFETY: as in `binary_tmpl`.
            unsafe {
                let c: u64 = operand!($in, A, $cin, ip, sp, acc, facc, 3);
                let from = if c as u32 != 0 { field(ip, 1) } else { field(ip, 2) };
                let $x: u64 = *sp.add(from as usize);
                result!($out, $cout, $e, ip, sp, mem, len, cx, acc, facc, 0, 3)
            }
        });
    )*};
}

fn i32_div_s(x: u64, y: u64) -> Result<u64, Trap> {
    let (x, y) = (x as i32, y as i32);
    if y == 0 {
        Err(Trap::IntegerDivisionByZero)
    } else if x == i32::MIN && y == -1 {
        Err(Trap::IntegerOverflow)
    } else {
        Ok((x / y) as u32 as u64)
    }
}

fn i64_div_s(x: u64, y: u64) -> Result<u64, Trap> {
    let (x, y) = (x as i64, y as i64);
    if y == 0 {
        Err(Trap::IntegerDivisionByZero)
    } else if x == i64::MIN && y == -1 {
        Err(Trap::IntegerOverflow)
    } else {
        Ok((x / y) as u64)
    }
}

/// `Ok(f(x, y))` unless `y` is zero.
#[inline(always)]
fn nonzero(y: u64, f: impl FnOnce() -> u64) -> Result<u64, Trap> {
    if y == 0 {
        Err(Trap::IntegerDivisionByZero)
    } else {
        Ok(f())
    }
}

/// A truncation of `x` checked against the exclusive bounds `lo..hi`.
#[inline(always)]
fn trunc(x: f64, lo: f64, hi: f64, f: impl FnOnce(f64) -> u64) -> Result<u64, Trap> {
    trunc_check(x, lo, hi).map(|()| f(x))
}

/// `f32` to `i64`, signed. f32 has no exact -2^63 - 1: the range is
/// checked in f32.
fn i64_trunc_f32_s(v: f32) -> Result<u64, Trap> {
    if v.is_nan() {
        Err(Trap::BadConversionToInteger)
    } else if !(-9223372036854775808.0f32..9223372036854775808.0f32).contains(&v) {
        Err(Trap::IntegerOverflow)
    } else {
        Ok(v as i64 as u64)
    }
}

fn i64_trunc_f64_s(v: f64) -> Result<u64, Trap> {
    if v.is_nan() {
        Err(Trap::BadConversionToInteger)
    } else if !(-9223372036854775808.0f64..9223372036854775808.0f64).contains(&v) {
        Err(Trap::IntegerOverflow)
    } else {
        Ok(v as i64 as u64)
    }
}

/// Binary ops: either operand may come from the accumulator.
pub(crate) mod binary {
    use super::*;

    family!(binary_tmpl, binary_forms, Op, (Int, Int), [(Slots, Slot, s_s), (Slots, Acc, s_a), (Slots, Both, s_b), (A, Slot, a_s), (A, Acc, a_a), (A, Both, a_b), (B, Slot, b_s), (B, Acc, b_a), (B, Both, b_b)], {
        I32Add => |x, y| (x as u32).wrapping_add(y as u32) as u64;
        I32Sub => |x, y| (x as u32).wrapping_sub(y as u32) as u64;
        I32Mul => |x, y| (x as u32).wrapping_mul(y as u32) as u64;
        I32And => |x, y| x & y;
        I32Or => |x, y| x | y;
        I32Xor => |x, y| x ^ y;
        I32Shl => |x, y| (x as u32).wrapping_shl(y as u32) as u64;
        I32ShrS => |x, y| (x as i32).wrapping_shr(y as u32) as u32 as u64;
        I32ShrU => |x, y| (x as u32).wrapping_shr(y as u32) as u64;
        I32Rotl => |x, y| (x as u32).rotate_left(y as u32) as u64;
        I32Rotr => |x, y| (x as u32).rotate_right(y as u32) as u64;
        I64Add => |x, y| x.wrapping_add(y);
        I64Sub => |x, y| x.wrapping_sub(y);
        I64Mul => |x, y| x.wrapping_mul(y);
        I64And => |x, y| x & y;
        I64Or => |x, y| x | y;
        I64Xor => |x, y| x ^ y;
        I64Shl => |x, y| x.wrapping_shl(y as u32);
        I64ShrS => |x, y| (x as i64).wrapping_shr(y as u32) as u64;
        I64ShrU => |x, y| x.wrapping_shr(y as u32);
        I64Rotl => |x, y| x.rotate_left((y % 64) as u32);
        I64Rotr => |x, y| x.rotate_right((y % 64) as u32);

        I32Eq => |x, y| (x as u32 == y as u32) as u64;
        I32Ne => |x, y| (x as u32 != y as u32) as u64;
        I32LtS => |x, y| ((x as i32) < y as i32) as u64;
        I32LtU => |x, y| ((x as u32) < y as u32) as u64;
        I32GtS => |x, y| (x as i32 > y as i32) as u64;
        I32GtU => |x, y| (x as u32 > y as u32) as u64;
        I32LeS => |x, y| (x as i32 <= y as i32) as u64;
        I32LeU => |x, y| (x as u32 <= y as u32) as u64;
        I32GeS => |x, y| (x as i32 >= y as i32) as u64;
        I32GeU => |x, y| (x as u32 >= y as u32) as u64;
        I64Eq => |x, y| (x == y) as u64;
        I64Ne => |x, y| (x != y) as u64;
        I64LtS => |x, y| ((x as i64) < y as i64) as u64;
        I64LtU => |x, y| (x < y) as u64;
        I64GtS => |x, y| (x as i64 > y as i64) as u64;
        I64GtU => |x, y| (x > y) as u64;
        I64LeS => |x, y| (x as i64 <= y as i64) as u64;
        I64LeU => |x, y| (x <= y) as u64;
        I64GeS => |x, y| (x as i64 >= y as i64) as u64;
        I64GeU => |x, y| (x >= y) as u64;
        F32Eq => |x, y| (f32_of(x) == f32_of(y)) as u64;
        F32Ne => |x, y| (f32_of(x) != f32_of(y)) as u64;
        F32Lt => |x, y| (f32_of(x) < f32_of(y)) as u64;
        F32Gt => |x, y| (f32_of(x) > f32_of(y)) as u64;
        F32Le => |x, y| (f32_of(x) <= f32_of(y)) as u64;
        F32Ge => |x, y| (f32_of(x) >= f32_of(y)) as u64;

        F32Add => |x, y| from_f32(f32_of(x) + f32_of(y));
        F32Sub => |x, y| from_f32(f32_of(x) - f32_of(y));
        F32Mul => |x, y| from_f32(f32_of(x) * f32_of(y));
        F32Div => |x, y| from_f32(f32_of(x) / f32_of(y));
        F32Min => |x, y| from_f32(fmin(f32_of(x), f32_of(y), x, y, f32_of));
        F32Max => |x, y| from_f32(fmax(f32_of(x), f32_of(y), x, y, f32_of));
        F32Copysign => |x, y| (x & 0x7fff_ffff) | (y & 0x8000_0000);


        I32DivS, trapping => |x, y| i32_div_s(x, y);
        I32DivU, trapping => |x, y| nonzero(y as u32 as u64, || (x as u32 / y as u32) as u64);
        I32RemS, trapping => |x, y| nonzero(y as u32 as u64, || (x as i32).wrapping_rem(y as i32) as u32 as u64);
        I32RemU, trapping => |x, y| nonzero(y as u32 as u64, || (x as u32 % y as u32) as u64);
        I64DivS, trapping => |x, y| i64_div_s(x, y);
        I64DivU, trapping => |x, y| nonzero(y, || x / y);
        I64RemS, trapping => |x, y| nonzero(y, || (x as i64).wrapping_rem(y as i64) as u64);
        I64RemU, trapping => |x, y| nonzero(y, || x % y);
    });
}

/// Unary ops and conversions.
pub(crate) mod unary {
    use super::*;

    family!(unary_tmpl, unary_forms, Op, (Int, Int), [(Slots, Slot, s_s), (Slots, Acc, s_a), (Slots, Both, s_b), (A, Slot, a_s), (A, Acc, a_a), (A, Both, a_b)], {
        Copy => |x| x;
        I32Eqz => |x| (x as u32 == 0) as u64;
        I32Clz => |x| (x as u32).leading_zeros() as u64;
        I32Ctz => |x| (x as u32).trailing_zeros() as u64;
        I32Popcnt => |x| (x as u32).count_ones() as u64;
        I64Clz => |x| x.leading_zeros() as u64;
        I64Ctz => |x| x.trailing_zeros() as u64;
        I64Popcnt => |x| x.count_ones() as u64;
        F32Abs => |x| x & 0x7fff_ffff;
        F32Neg => |x| (x ^ 0x8000_0000) & 0xffff_ffff;
        F32Ceil => |x| from_f32(quiet_f32(f32_of(x).ceil()));
        F32Floor => |x| from_f32(quiet_f32(f32_of(x).floor()));
        F32Trunc => |x| from_f32(quiet_f32(f32_of(x).trunc()));
        F32Nearest => |x| from_f32(quiet_f32(f32_of(x).round_ties_even()));
        F32Sqrt => |x| from_f32(f32_of(x).sqrt());
        I32WrapI64 => |x| x as u32 as u64;
        I64ExtendI32S => |x| x as i32 as i64 as u64;
        F32ConvertI32S => |x| from_f32(x as i32 as f32);
        F32ConvertI32U => |x| from_f32(x as u32 as f32);
        F32ConvertI64S => |x| from_f32(x as i64 as f32);
        F32ConvertI64U => |x| from_f32(x as f32);
        I32Extend8S => |x| x as i8 as i32 as u32 as u64;
        I32Extend16S => |x| x as i16 as i32 as u32 as u64;
        I64Extend8S => |x| x as i8 as i64 as u64;
        I64Extend16S => |x| x as i16 as i64 as u64;
        I64Extend32S => |x| x as i32 as i64 as u64;
        I32TruncSatF32S => |x| f32_of(x) as i32 as u32 as u64;
        I32TruncSatF32U => |x| f32_of(x) as u32 as u64;
        I64TruncSatF32S => |x| f32_of(x) as i64 as u64;
        I64TruncSatF32U => |x| f32_of(x) as u64;
        RefIsNull => |x| (x == 0) as u64;

        I32TruncF32S, trapping => |x| trunc(f32_of(x) as f64, -2147483649.0, 2147483648.0, |v| v as i32 as u32 as u64);
        I32TruncF32U, trapping => |x| trunc(f32_of(x) as f64, -1.0, 4294967296.0, |v| v as u32 as u64);
        I64TruncF32S, trapping => |x| i64_trunc_f32_s(f32_of(x));
        I64TruncF32U, trapping => |x| trunc(f32_of(x) as f64, -1.0, 18446744073709551616.0, |v| v as u64);
    });
}

/// f64 arithmetic: from and to the f64 accumulator.
pub(crate) mod binary_f64 {
    use super::*;

    family!(binary_tmpl, binary_f64_forms, Op, (F64, F64), [(Slots, Slot, s_s), (Slots, Acc, s_a), (Slots, Both, s_b), (A, Slot, a_s), (A, Acc, a_a), (A, Both, a_b), (B, Slot, b_s), (B, Acc, b_a), (B, Both, b_b)], {
        F64Add => |x, y| from_f64(f64_of(x) + f64_of(y));
        F64Sub => |x, y| from_f64(f64_of(x) - f64_of(y));
        F64Mul => |x, y| from_f64(f64_of(x) * f64_of(y));
        F64Div => |x, y| from_f64(f64_of(x) / f64_of(y));
        F64Min => |x, y| from_f64(fmin(f64_of(x), f64_of(y), x, y, f64_of));
        F64Max => |x, y| from_f64(fmax(f64_of(x), f64_of(y), x, y, f64_of));
        F64Copysign => |x, y| (x & 0x7fff_ffff_ffff_ffff) | (y & 0x8000_0000_0000_0000);
    });
}

/// f64 comparisons: operands from the f64 accumulator.
pub(crate) mod cmp_f64 {
    use super::*;

    family!(binary_tmpl, cmp_f64_forms, Op, (F64, Int), [(Slots, Slot, s_s), (Slots, Acc, s_a), (Slots, Both, s_b), (A, Slot, a_s), (A, Acc, a_a), (A, Both, a_b), (B, Slot, b_s), (B, Acc, b_a), (B, Both, b_b)], {
        F64Eq => |x, y| (f64_of(x) == f64_of(y)) as u64;
        F64Ne => |x, y| (f64_of(x) != f64_of(y)) as u64;
        F64Lt => |x, y| (f64_of(x) < f64_of(y)) as u64;
        F64Gt => |x, y| (f64_of(x) > f64_of(y)) as u64;
        F64Le => |x, y| (f64_of(x) <= f64_of(y)) as u64;
        F64Ge => |x, y| (f64_of(x) >= f64_of(y)) as u64;
    });
}

/// f64 to f64.
pub(crate) mod unary_f64 {
    use super::*;

    family!(unary_tmpl, unary_f64_forms, Op, (F64, F64), [(Slots, Slot, s_s), (Slots, Acc, s_a), (Slots, Both, s_b), (A, Slot, a_s), (A, Acc, a_a), (A, Both, a_b)], {
        F64Abs => |x| x & 0x7fff_ffff_ffff_ffff;
        F64Neg => |x| x ^ 0x8000_0000_0000_0000;
        F64Ceil => |x| from_f64(quiet_f64(f64_of(x).ceil()));
        F64Floor => |x| from_f64(quiet_f64(f64_of(x).floor()));
        F64Trunc => |x| from_f64(quiet_f64(f64_of(x).trunc()));
        F64Nearest => |x| from_f64(quiet_f64(f64_of(x).round_ties_even()));
        F64Sqrt => |x| from_f64(f64_of(x).sqrt());
    });
}

/// Conversions to f64: the result to the f64 accumulator.
pub(crate) mod to_f64 {
    use super::*;

    family!(unary_tmpl, to_f64_forms, Op, (Int, F64), [(Slots, Slot, s_s), (Slots, Acc, s_a), (Slots, Both, s_b), (A, Slot, a_s), (A, Acc, a_a), (A, Both, a_b)], {
        F64ConvertI32S => |x| from_f64(x as i32 as f64);
        F64ConvertI32U => |x| from_f64(x as u32 as f64);
        F64ConvertI64S => |x| from_f64(x as i64 as f64);
        F64ConvertI64U => |x| from_f64(x as f64);
        F64PromoteF32 => |x| from_f64(f32_of(x) as f64);
    });
}

/// Conversions from f64: the operand from the f64 accumulator.
pub(crate) mod from_f64 {
    use super::*;

    family!(unary_tmpl, from_f64_forms, Op, (F64, Int), [(Slots, Slot, s_s), (Slots, Acc, s_a), (Slots, Both, s_b), (A, Slot, a_s), (A, Acc, a_a), (A, Both, a_b)], {
        F32DemoteF64 => |x| from_f32(f64_of(x) as f32);
        I32TruncSatF64S => |x| f64_of(x) as i32 as u32 as u64;
        I32TruncSatF64U => |x| f64_of(x) as u32 as u64;
        I64TruncSatF64S => |x| f64_of(x) as i64 as u64;
        I64TruncSatF64U => |x| f64_of(x) as u64;
        I32TruncF64S, trapping => |x| trunc(f64_of(x), -2147483649.0, 2147483648.0, |v| v as i32 as u32 as u64);
        I32TruncF64U, trapping => |x| trunc(f64_of(x), -1.0, 4294967296.0, |v| v as u32 as u64);
        I64TruncF64S, trapping => |x| i64_trunc_f64_s(f64_of(x));
        I64TruncF64U, trapping => |x| trunc(f64_of(x), -1.0, 18446744073709551616.0, |v| v as u64);
    });
}

/// `select`, with its condition in a field of its own.
pub(crate) mod select {
    use super::*;

    family!(select_tmpl, select_forms, Op, (Int, Int), [(Slots, Slot, s_s), (Slots, Acc, s_a), (Slots, Both, s_b), (A, Slot, a_s), (A, Acc, a_a), (A, Both, a_b)], {
        Select => |x| x;
    });
}

/// Instantiates `imm_tmpl` for the ops `for_each_imm_op` lists.
macro_rules! imm_family {
    ($($ops:tt)*) => {
        family!(imm_tmpl, imm_forms, ImmOp, (Int, Int), [(Slots, Slot, s_s), (Slots, Acc, s_a), (Slots, Both, s_b), (A, Slot, a_s), (A, Acc, a_a), (A, Both, a_b)], { $($ops)* });
    };
}

/// `Op::BinImm`, one handler per `ImmOp`.
pub(crate) mod imm {
    use super::*;

    crate::interp::ir::for_each_imm_op!(imm_family);
}

/// `Op::I32AddImm`/`Op::I64AddImm`.
pub(crate) mod add_imm {
    use super::*;

    family!(imm_tmpl, add_imm_forms, Op, (Int, Int), [(Slots, Slot, s_s), (Slots, Acc, s_a), (Slots, Both, s_b), (A, Slot, a_s), (A, Acc, a_a), (A, Both, a_b)], {
        I32AddImm, false => |x, y| (x as u32).wrapping_add(y as u32) as u64;
        I64AddImm, true => |x, y| x.wrapping_add(y);
    });
}

pub(crate) use add_imm::add_imm_forms;
pub(crate) use binary::binary_forms;
pub(crate) use binary_f64::binary_f64_forms;
pub(crate) use cmp_f64::cmp_f64_forms;
pub(crate) use from_f64::from_f64_forms;
pub(crate) use imm::imm_forms;
pub(crate) use select::select_forms;
pub(crate) use to_f64::to_f64_forms;
pub(crate) use unary::unary_forms;
pub(crate) use unary_f64::unary_f64_forms;
