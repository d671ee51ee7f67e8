//! One handler per instruction. Operands are `u32` fields after the
//! handler word (`field`); an instruction with `k` fields is `1 + ceil(k/2)`
//! words long, `Const64` three (its value in the third).

use super::{field, handler, next, prologue, trap, Done, Ip, FRAME_OVERHEAD_SLOTS};
use crate::interp::ir::{CmpOp, ImmOp, Op};
use crate::interp::numeric::*;
use crate::trap::Trap;
use crate::vm::InterpFrame;

/// `s[d] = f(s[a], s[b])`: fields `d, a, b`.
///
/// Each also comes in accumulator forms (see `encode`): operand `a` from
/// the accumulator (`acc_in`), the result to it (`acc_out`), or both
/// (`acc_inout`); `binary_acc` finds them.
macro_rules! binary {
    ($($name:ident => |$x:ident, $y:ident| $e:expr;)*) => {
        $(
            handler!($name(ip, sp, mem, len, cx, acc) {
                // SAFETY: slot indices are within the frame (module invariant).
                unsafe {
                    let $x = *sp.add(field(ip, 1) as usize);
                    let $y = *sp.add(field(ip, 2) as usize);
                    *sp.add(field(ip, 0) as usize) = $e;
                    next!(ip.add(3), sp, mem, len, cx, acc)
                }
            });
        )*

        /// Binary ops reading `a` from the accumulator.
        pub(crate) mod acc_in {
            use super::*;
            $(
                handler!($name(ip, sp, mem, len, cx, acc) {
                    // SAFETY: as in `binary`.
                    unsafe {
                        let $x = acc;
                        let $y = *sp.add(field(ip, 2) as usize);
                        *sp.add(field(ip, 0) as usize) = $e;
                        next!(ip.add(3), sp, mem, len, cx, acc)
                    }
                });
            )*
        }

        /// Binary ops leaving their result in the accumulator.
        pub(crate) mod acc_out {
            use super::*;
            $(
                handler!($name(ip, sp, mem, len, cx, acc) {
                    // SAFETY: as in `binary`.
                    unsafe {
                        let $x = *sp.add(field(ip, 1) as usize);
                        let $y = *sp.add(field(ip, 2) as usize);
                        next!(ip.add(3), sp, mem, len, cx, $e)
                    }
                });
            )*
        }

        /// Binary ops from and to the accumulator.
        pub(crate) mod acc_inout {
            use super::*;
            $(
                handler!($name(ip, sp, mem, len, cx, acc) {
                    // SAFETY: as in `binary`.
                    unsafe {
                        let $x = acc;
                        let $y = *sp.add(field(ip, 2) as usize);
                        next!(ip.add(3), sp, mem, len, cx, $e)
                    }
                });
            )*
        }

        /// The fields `(d, a, b)` of a binary op that has accumulator forms.
        pub(crate) fn binary_fields(op: &Op) -> Option<(u32, u32, Option<u32>)> {
            match *op {
                $(Op::$name { d, a, b } => Some((d, a, Some(b))),)*
                Op::BinImm { d, a, .. } => Some((d, a, None)),
                _ => None,
            }
        }

        /// The accumulator form of binary op `op` (`input`: `a` from the
        /// accumulator; `output`: the result to it).
        pub(crate) fn binary_acc(op: &Op, input: bool, output: bool) -> Option<super::Handler> {
            let forms = match *op {
                $(Op::$name { .. } => [acc_in::$name as super::Handler, acc_out::$name, acc_inout::$name],)*
                Op::BinImm { op, .. } => imm_acc(op),
                _ => return None,
            };
            match (input, output) {
                (false, false) => None,
                (true, false) => Some(forms[0]),
                (false, true) => Some(forms[1]),
                (true, true) => Some(forms[2]),
            }
        }
    };
}

/// `s[d] = s[a] <op> imm`: fields `d, a, imm` (`Op::BinImm`), one handler
/// per op, and `imm_handler` to find it.
macro_rules! binary_imm {
    ($($name:ident, $wide:literal => |$x:ident, $y:ident| $e:expr;)*) => {
        /// The handlers of `Op::BinImm`.
        pub(crate) mod imm {
            use super::*;
            $(
                handler!($name(ip, sp, mem, len, cx, acc) {
                    // SAFETY: as in `binary`.
                    unsafe {
                        let $x = *sp.add(field(ip, 1) as usize);
                        let imm = field(ip, 2);
                        let $y = if $wide { imm as i32 as i64 as u64 } else { imm as u64 };
                        *sp.add(field(ip, 0) as usize) = $e;
                        next!(ip.add(3), sp, mem, len, cx, acc)
                    }
                });
            )*
        }

        /// The handler of `op` with an immediate.
        pub(crate) fn imm_handler(op: ImmOp) -> super::Handler {
            match op {
                $(ImmOp::$name => imm::$name,)*
            }
        }

        /// `BinImm` ops in accumulator forms: `a` from it, the result to
        /// it, both.
        pub(crate) mod imm_acc_in {
            use super::*;
            $(
                handler!($name(ip, sp, mem, len, cx, acc) {
                    // SAFETY: as in `binary`.
                    unsafe {
                        let $x = acc;
                        let imm = field(ip, 2);
                        let $y = if $wide { imm as i32 as i64 as u64 } else { imm as u64 };
                        *sp.add(field(ip, 0) as usize) = $e;
                        next!(ip.add(3), sp, mem, len, cx, acc)
                    }
                });
            )*
        }

        pub(crate) mod imm_acc_out {
            use super::*;
            $(
                handler!($name(ip, sp, mem, len, cx, acc) {
                    // SAFETY: as in `binary`.
                    unsafe {
                        let $x = *sp.add(field(ip, 1) as usize);
                        let imm = field(ip, 2);
                        let $y = if $wide { imm as i32 as i64 as u64 } else { imm as u64 };
                        next!(ip.add(3), sp, mem, len, cx, $e)
                    }
                });
            )*
        }

        pub(crate) mod imm_acc_inout {
            use super::*;
            $(
                handler!($name(ip, sp, mem, len, cx, acc) {
                    // SAFETY: as in `binary`.
                    unsafe {
                        let $x = acc;
                        let imm = field(ip, 2);
                        let $y = if $wide { imm as i32 as i64 as u64 } else { imm as u64 };
                        next!(ip.add(3), sp, mem, len, cx, $e)
                    }
                });
            )*
        }

        /// The accumulator forms of `op` with an immediate: in, out, both.
        /// (Inlined: `tests/all/interp_dispatch.rs` holds every function
        /// of this module to never call another.)
        #[inline(always)]
        fn imm_acc(op: ImmOp) -> [super::Handler; 3] {
            match op {
                $(ImmOp::$name => [imm_acc_in::$name, imm_acc_out::$name, imm_acc_inout::$name],)*
            }
        }

        /// The handlers of `Op::BrIfImm` (`nonzero`) and `Op::BrIfNotImm`:
        /// fields `a, imm, offset`.
        pub(crate) mod br_imm {
            use super::*;
            $(
                handler!($name(ip, sp, mem, len, cx, acc) {
                    // SAFETY: as in `branch_if`.
                    unsafe {
                        let $x = *sp.add(field(ip, 0) as usize);
                        let imm = field(ip, 1);
                        let $y = if $wide { imm as i32 as i64 as u64 } else { imm as u64 };
                        if $e != 0 {
                            next!(ip.offset(field(ip, 2) as i32 as isize), sp, mem, len, cx, acc)
                        }
                        next!(ip.add(3), sp, mem, len, cx, acc)
                    }
                });
            )*
        }

        pub(crate) mod br_not_imm {
            use super::*;
            $(
                handler!($name(ip, sp, mem, len, cx, acc) {
                    // SAFETY: as in `branch_if`.
                    unsafe {
                        let $x = *sp.add(field(ip, 0) as usize);
                        let imm = field(ip, 1);
                        let $y = if $wide { imm as i32 as i64 as u64 } else { imm as u64 };
                        if $e == 0 {
                            next!(ip.offset(field(ip, 2) as i32 as isize), sp, mem, len, cx, acc)
                        }
                        next!(ip.add(3), sp, mem, len, cx, acc)
                    }
                });
            )*
        }

        /// The handler of a branch on `op` with an immediate: taken when
        /// the result is non-zero (`nonzero`) or zero.
        pub(crate) fn br_imm_handler(op: ImmOp, nonzero: bool) -> super::Handler {
            match (op, nonzero) {
                $((ImmOp::$name, true) => br_imm::$name,)*
                $((ImmOp::$name, false) => br_not_imm::$name,)*
            }
        }
    };
}
crate::interp::ir::for_each_imm_op!(binary_imm);

/// `Op::BrIfCmp`/`Op::BrIfNotCmp`: fields `a, b, offset`.
macro_rules! branch_cmp {
    ($($name:ident => |$x:ident, $y:ident| $e:expr;)*) => {
        /// The handlers of `Op::BrIfCmp`.
        pub(crate) mod br_cmp {
            use super::*;
            $(
                handler!($name(ip, sp, mem, len, cx, acc) {
                    // SAFETY: as in `branch_if`.
                    unsafe {
                        let $x = *sp.add(field(ip, 0) as usize);
                        let $y = *sp.add(field(ip, 1) as usize);
                        if $e {
                            next!(ip.offset(field(ip, 2) as i32 as isize), sp, mem, len, cx, acc)
                        }
                        next!(ip.add(3), sp, mem, len, cx, acc)
                    }
                });
            )*
        }

        /// The handlers of `Op::BrIfNotCmp`.
        pub(crate) mod br_not_cmp {
            use super::*;
            $(
                handler!($name(ip, sp, mem, len, cx, acc) {
                    // SAFETY: as in `branch_if`.
                    unsafe {
                        let $x = *sp.add(field(ip, 0) as usize);
                        let $y = *sp.add(field(ip, 1) as usize);
                        let holds: bool = $e;
                        if !holds {
                            next!(ip.offset(field(ip, 2) as i32 as isize), sp, mem, len, cx, acc)
                        }
                        next!(ip.add(3), sp, mem, len, cx, acc)
                    }
                });
            )*
        }

        /// The handler of a branch on comparison `op`, taken when it
        /// holds (`holds`) or when it does not.
        pub(crate) fn br_cmp_handler(op: CmpOp, holds: bool) -> super::Handler {
            match (op, holds) {
                $((CmpOp::$name, true) => br_cmp::$name,)*
                $((CmpOp::$name, false) => br_not_cmp::$name,)*
            }
        }
    };
}
crate::interp::ir::for_each_cmp_op!(branch_cmp);

/// `s[d] = f(s[a])`: fields `d, a`.
macro_rules! unary {
    ($($name:ident => |$x:ident| $e:expr;)*) => {$(
        handler!($name(ip, sp, mem, len, cx, acc) {
            // SAFETY: as in `binary`.
            unsafe {
                let $x = *sp.add(field(ip, 1) as usize);
                *sp.add(field(ip, 0) as usize) = $e;
                next!(ip.add(2), sp, mem, len, cx, acc)
            }
        });
    )*};
}

/// `s[d] = f(memory[s[a] + off..][..N])`: fields `d, a, off`.
/// Each also comes in a form leaving the value in the accumulator
/// (`load_acc`, found by `load_acc_out`; see `encode`).
macro_rules! load {
    ($($name:ident, $n:literal => |$b:ident| $e:expr;)*) => {
        $(
            handler!($name(ip, sp, mem, len, cx, acc) {
                // SAFETY: as in `binary`; the access is within `mem..mem + len`,
                // memory 0's current bytes, after the check.
                unsafe {
                    let addr = *sp.add(field(ip, 1) as usize) as u32 as u64 + field(ip, 2) as u64;
                    if addr + $n > len as u64 {
                        trap!(ip, cx, Trap::MemoryOutOfBounds);
                    }
                    let $b: [u8; $n] = (mem.add(addr as usize) as *const [u8; $n]).read();
                    *sp.add(field(ip, 0) as usize) = $e;
                    next!(ip.add(3), sp, mem, len, cx, acc)
                }
            });
        )*

        /// Loads leaving the value in the accumulator.
        pub(crate) mod load_acc {
            use super::*;
            $(
                handler!($name(ip, sp, mem, len, cx, acc) {
                    // SAFETY: as in `load`.
                    unsafe {
                        let addr = *sp.add(field(ip, 1) as usize) as u32 as u64 + field(ip, 2) as u64;
                        if addr + $n > len as u64 {
                            trap!(ip, cx, Trap::MemoryOutOfBounds);
                        }
                        let $b: [u8; $n] = (mem.add(addr as usize) as *const [u8; $n]).read();
                        next!(ip.add(3), sp, mem, len, cx, $e)
                    }
                });
            )*
        }

        /// The destination and accumulator form of a load (same fields).
        pub(crate) fn load_acc_out(op: &Op) -> Option<(u32, super::Handler)> {
            match *op {
                $(Op::$name { d, .. } => Some((d, load_acc::$name)),)*
                _ => None,
            }
        }
    };
}

/// `memory[s[a] + off..][..N] = f(s[v])`: fields `a, v, off`.
macro_rules! store {
    ($($name:ident, $n:literal => |$x:ident| $e:expr;)*) => {$(
        handler!($name(ip, sp, mem, len, cx, acc) {
            // SAFETY: as in `load`.
            unsafe {
                let addr = *sp.add(field(ip, 0) as usize) as u32 as u64 + field(ip, 2) as u64;
                if addr + $n > len as u64 {
                    trap!(ip, cx, Trap::MemoryOutOfBounds);
                }
                let $x = *sp.add(field(ip, 1) as usize);
                let bytes: [u8; $n] = $e;
                (mem.add(addr as usize) as *mut [u8; $n]).write(bytes);
                next!(ip.add(3), sp, mem, len, cx, acc)
            }
        });
    )*};
}

/// `s[d] = f(s[a], s[b])`, or a trap: fields `d, a, b`; `$e` is a
/// `Result<u64, Trap>`.
macro_rules! binary_trapping {
    ($($name:ident => |$x:ident, $y:ident| $e:expr;)*) => {$(
        handler!($name(ip, sp, mem, len, cx, acc) {
            // SAFETY: as in `binary`.
            unsafe {
                let $x = *sp.add(field(ip, 1) as usize);
                let $y = *sp.add(field(ip, 2) as usize);
                let r: Result<u64, Trap> = $e;
                match r {
                    Ok(v) => *sp.add(field(ip, 0) as usize) = v,
                    Err(t) => trap!(ip, cx, t),
                }
                next!(ip.add(3), sp, mem, len, cx, acc)
            }
        });
    )*};
}

/// `s[d] = f(s[a])`, or a trap: fields `d, a`.
macro_rules! unary_trapping {
    ($($name:ident => |$x:ident| $e:expr;)*) => {$(
        handler!($name(ip, sp, mem, len, cx, acc) {
            // SAFETY: as in `binary`.
            unsafe {
                let $x = *sp.add(field(ip, 1) as usize);
                let r: Result<u64, Trap> = $e;
                match r {
                    Ok(v) => *sp.add(field(ip, 0) as usize) = v,
                    Err(t) => trap!(ip, cx, t),
                }
                next!(ip.add(2), sp, mem, len, cx, acc)
            }
        });
    )*};
}

/// Jumps by the relative word offset in field `$f` if `$cond`.
macro_rules! branch_if {
    ($($name:ident, $size:literal, $f:literal => |$ip:ident, $sp:ident| $cond:expr;)*) => {$(
        handler!($name(ip, sp, mem, len, cx, acc) {
            // SAFETY: as in `binary`; branch targets are instructions of
            // the same function (module invariant).
            unsafe {
                let ($ip, $sp) = (ip, sp);
                if $cond {
                    next!(ip.offset(field(ip, $f) as i32 as isize), sp, mem, len, cx, acc)
                }
                next!(ip.add($size), sp, mem, len, cx, acc)
            }
        });
    )*};
}

/// An operation done by `Exec`: fields as it reads them.
macro_rules! slow {
    ($($name:ident, $size:literal => $method:ident;)*) => {$(
        handler!($name(ip, sp, mem, len, cx, acc) {
            // SAFETY: `cx` is the live context; the method may have grown
            // or replaced memory 0, so its bounds are read again.
            unsafe {
                if !(*cx).$method(ip, sp) {
                    return Done::Stopped;
                }
                let (mem, len) = (*cx).memory0();
                next!(ip.add($size), sp, mem, len, cx, acc)
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

binary! {
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
    F64Eq => |x, y| (f64_of(x) == f64_of(y)) as u64;
    F64Ne => |x, y| (f64_of(x) != f64_of(y)) as u64;
    F64Lt => |x, y| (f64_of(x) < f64_of(y)) as u64;
    F64Gt => |x, y| (f64_of(x) > f64_of(y)) as u64;
    F64Le => |x, y| (f64_of(x) <= f64_of(y)) as u64;
    F64Ge => |x, y| (f64_of(x) >= f64_of(y)) as u64;

    F32Add => |x, y| from_f32(f32_of(x) + f32_of(y));
    F32Sub => |x, y| from_f32(f32_of(x) - f32_of(y));
    F32Mul => |x, y| from_f32(f32_of(x) * f32_of(y));
    F32Div => |x, y| from_f32(f32_of(x) / f32_of(y));
    F32Min => |x, y| from_f32(fmin(f32_of(x), f32_of(y), x, y, f32_of));
    F32Max => |x, y| from_f32(fmax(f32_of(x), f32_of(y), x, y, f32_of));
    F32Copysign => |x, y| (x & 0x7fff_ffff) | (y & 0x8000_0000);
    F64Add => |x, y| from_f64(f64_of(x) + f64_of(y));
    F64Sub => |x, y| from_f64(f64_of(x) - f64_of(y));
    F64Mul => |x, y| from_f64(f64_of(x) * f64_of(y));
    F64Div => |x, y| from_f64(f64_of(x) / f64_of(y));
    F64Min => |x, y| from_f64(fmin(f64_of(x), f64_of(y), x, y, f64_of));
    F64Max => |x, y| from_f64(fmax(f64_of(x), f64_of(y), x, y, f64_of));
    F64Copysign => |x, y| (x & 0x7fff_ffff_ffff_ffff) | (y & 0x8000_0000_0000_0000);

    // Address arithmetic fused into the load (offset 0).
}

binary_trapping! {
    I32DivS => |x, y| i32_div_s(x, y);
    I32DivU => |x, y| nonzero(y as u32 as u64, || (x as u32 / y as u32) as u64);
    I32RemS => |x, y| nonzero(y as u32 as u64, || (x as i32).wrapping_rem(y as i32) as u32 as u64);
    I32RemU => |x, y| nonzero(y as u32 as u64, || (x as u32 % y as u32) as u64);
    I64DivS => |x, y| i64_div_s(x, y);
    I64DivU => |x, y| nonzero(y, || x / y);
    I64RemS => |x, y| nonzero(y, || (x as i64).wrapping_rem(y as i64) as u64);
    I64RemU => |x, y| nonzero(y, || x % y);
}

unary! {
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
    F64Abs => |x| x & 0x7fff_ffff_ffff_ffff;
    F64Neg => |x| x ^ 0x8000_0000_0000_0000;
    F64Ceil => |x| from_f64(quiet_f64(f64_of(x).ceil()));
    F64Floor => |x| from_f64(quiet_f64(f64_of(x).floor()));
    F64Trunc => |x| from_f64(quiet_f64(f64_of(x).trunc()));
    F64Nearest => |x| from_f64(quiet_f64(f64_of(x).round_ties_even()));
    F64Sqrt => |x| from_f64(f64_of(x).sqrt());
    I32WrapI64 => |x| x as u32 as u64;
    I64ExtendI32S => |x| x as i32 as i64 as u64;
    I64ExtendI32U => |x| x as u32 as u64;
    F32ConvertI32S => |x| from_f32(x as i32 as f32);
    F32ConvertI32U => |x| from_f32(x as u32 as f32);
    F32ConvertI64S => |x| from_f32(x as i64 as f32);
    F32ConvertI64U => |x| from_f32(x as f32);
    F32DemoteF64 => |x| from_f32(f64_of(x) as f32);
    F64ConvertI32S => |x| from_f64(x as i32 as f64);
    F64ConvertI32U => |x| from_f64(x as u32 as f64);
    F64ConvertI64S => |x| from_f64(x as i64 as f64);
    F64ConvertI64U => |x| from_f64(x as f64);
    F64PromoteF32 => |x| from_f64(f32_of(x) as f64);
    I32Extend8S => |x| x as i8 as i32 as u32 as u64;
    I32Extend16S => |x| x as i16 as i32 as u32 as u64;
    I64Extend8S => |x| x as i8 as i64 as u64;
    I64Extend16S => |x| x as i16 as i64 as u64;
    I64Extend32S => |x| x as i32 as i64 as u64;
    I32TruncSatF32S => |x| f32_of(x) as i32 as u32 as u64;
    I32TruncSatF32U => |x| f32_of(x) as u32 as u64;
    I32TruncSatF64S => |x| f64_of(x) as i32 as u32 as u64;
    I32TruncSatF64U => |x| f64_of(x) as u32 as u64;
    I64TruncSatF32S => |x| f32_of(x) as i64 as u64;
    I64TruncSatF32U => |x| f32_of(x) as u64;
    I64TruncSatF64S => |x| f64_of(x) as i64 as u64;
    I64TruncSatF64U => |x| f64_of(x) as u64;
    RefIsNull => |x| (x == 0) as u64;
}

unary_trapping! {
    I32TruncF32S => |x| trunc(f32_of(x) as f64, -2147483649.0, 2147483648.0, |v| v as i32 as u32 as u64);
    I32TruncF32U => |x| trunc(f32_of(x) as f64, -1.0, 4294967296.0, |v| v as u32 as u64);
    I32TruncF64S => |x| trunc(f64_of(x), -2147483649.0, 2147483648.0, |v| v as i32 as u32 as u64);
    I32TruncF64U => |x| trunc(f64_of(x), -1.0, 4294967296.0, |v| v as u32 as u64);
    // f32 has no exact -2^63 - 1: the range is checked in f32.
    I64TruncF32S => |x| {
        let v = f32_of(x);
        if v.is_nan() {
            Err(Trap::BadConversionToInteger)
        } else if !(-9223372036854775808.0f32..9223372036854775808.0f32).contains(&v) {
            Err(Trap::IntegerOverflow)
        } else {
            Ok(v as i64 as u64)
        }
    };
    I64TruncF32U => |x| trunc(f32_of(x) as f64, -1.0, 18446744073709551616.0, |v| v as u64);
    I64TruncF64S => |x| {
        let v = f64_of(x);
        if v.is_nan() {
            Err(Trap::BadConversionToInteger)
        } else if !(-9223372036854775808.0f64..9223372036854775808.0f64).contains(&v) {
            Err(Trap::IntegerOverflow)
        } else {
            Ok(v as i64 as u64)
        }
    };
    I64TruncF64U => |x| trunc(f64_of(x), -1.0, 18446744073709551616.0, |v| v as u64);
}

load! {
    I32Load, 4 => |b| u32::from_le_bytes(b) as u64;
    I64Load, 8 => |b| u64::from_le_bytes(b);
    I32Load8S, 1 => |b| b[0] as i8 as i32 as u32 as u64;
    I32Load8U, 1 => |b| b[0] as u64;
    I32Load16S, 2 => |b| i16::from_le_bytes(b) as i32 as u32 as u64;
    I32Load16U, 2 => |b| u16::from_le_bytes(b) as u64;
    I64Load8S, 1 => |b| b[0] as i8 as i64 as u64;
    I64Load8U, 1 => |b| b[0] as u64;
    I64Load16S, 2 => |b| i16::from_le_bytes(b) as i64 as u64;
    I64Load16U, 2 => |b| u16::from_le_bytes(b) as u64;
    I64Load32S, 4 => |b| i32::from_le_bytes(b) as i64 as u64;
    I64Load32U, 4 => |b| u32::from_le_bytes(b) as u64;
}

store! {
    I32Store, 4 => |x| (x as u32).to_le_bytes();
    I64Store, 8 => |x| x.to_le_bytes();
    Store8, 1 => |x| [x as u8];
    Store16, 2 => |x| (x as u16).to_le_bytes();
}

/// Loads at `s[a] + imm` or `s[a] + s[b]` (mod 2^32), offset 0: fields
/// `d, a, imm or b`.
macro_rules! load_add {
    ($($name:ident, $n:literal, $imm:literal => |$b:ident| $e:expr;)*) => {
        $(
            handler!($name(ip, sp, mem, len, cx, acc) {
                // SAFETY: as in `load`.
                unsafe {
                    let base = *sp.add(field(ip, 1) as usize) as u32;
                    let add = if $imm { field(ip, 2) } else { *sp.add(field(ip, 2) as usize) as u32 };
                    let addr = base.wrapping_add(add) as u64;
                    if addr + $n > len as u64 {
                        trap!(ip, cx, Trap::MemoryOutOfBounds);
                    }
                    let $b: [u8; $n] = (mem.add(addr as usize) as *const [u8; $n]).read();
                    *sp.add(field(ip, 0) as usize) = $e;
                    next!(ip.add(3), sp, mem, len, cx, acc)
                }
            });
        )*

        /// Fused loads leaving the value in the accumulator.
        pub(crate) mod load_add_acc {
            use super::*;
            $(
                handler!($name(ip, sp, mem, len, cx, acc) {
                    // SAFETY: as in `load`.
                    unsafe {
                        let base = *sp.add(field(ip, 1) as usize) as u32;
                        let add = if $imm { field(ip, 2) } else { *sp.add(field(ip, 2) as usize) as u32 };
                        let addr = base.wrapping_add(add) as u64;
                        if addr + $n > len as u64 {
                            trap!(ip, cx, Trap::MemoryOutOfBounds);
                        }
                        let $b: [u8; $n] = (mem.add(addr as usize) as *const [u8; $n]).read();
                        next!(ip.add(3), sp, mem, len, cx, $e)
                    }
                });
            )*
        }

        /// The destination and accumulator form of a fused load.
        pub(crate) fn load_add_acc_out(op: &Op) -> Option<(u32, super::Handler)> {
            match *op {
                $(Op::$name { d, .. } => Some((d, load_add_acc::$name)),)*
                _ => None,
            }
        }
    };
}

load_add! {
    I32LoadAddImm, 4, true => |b| u32::from_le_bytes(b) as u64;
    I64LoadAddImm, 8, true => |b| u64::from_le_bytes(b);
    I32Load8UAddImm, 1, true => |b| b[0] as u64;
    I32LoadAdd, 4, false => |b| u32::from_le_bytes(b) as u64;
    I64LoadAdd, 8, false => |b| u64::from_le_bytes(b);
    I32Load8UAdd, 1, false => |b| b[0] as u64;
}

branch_if! {
    BrIfNez, 2, 1 => |ip, sp| *sp.add(field(ip, 0) as usize) as u32 != 0;
    BrIfEqz, 2, 1 => |ip, sp| *sp.add(field(ip, 0) as usize) as u32 == 0;
    BrIfI32Eq, 3, 2 => |ip, sp| *sp.add(field(ip, 0) as usize) as u32 == *sp.add(field(ip, 1) as usize) as u32;
    BrIfI32Ne, 3, 2 => |ip, sp| *sp.add(field(ip, 0) as usize) as u32 != *sp.add(field(ip, 1) as usize) as u32;
    BrIfI32LtS, 3, 2 => |ip, sp| (*sp.add(field(ip, 0) as usize) as i32) < *sp.add(field(ip, 1) as usize) as i32;
    BrIfI32LtU, 3, 2 => |ip, sp| (*sp.add(field(ip, 0) as usize) as u32) < *sp.add(field(ip, 1) as usize) as u32;
    BrIfI32GtS, 3, 2 => |ip, sp| *sp.add(field(ip, 0) as usize) as i32 > *sp.add(field(ip, 1) as usize) as i32;
    BrIfI32GtU, 3, 2 => |ip, sp| *sp.add(field(ip, 0) as usize) as u32 > *sp.add(field(ip, 1) as usize) as u32;
    BrIfI32LeS, 3, 2 => |ip, sp| *sp.add(field(ip, 0) as usize) as i32 <= *sp.add(field(ip, 1) as usize) as i32;
    BrIfI32LeU, 3, 2 => |ip, sp| *sp.add(field(ip, 0) as usize) as u32 <= *sp.add(field(ip, 1) as usize) as u32;
    BrIfI32GeS, 3, 2 => |ip, sp| *sp.add(field(ip, 0) as usize) as i32 >= *sp.add(field(ip, 1) as usize) as i32;
    BrIfI32GeU, 3, 2 => |ip, sp| *sp.add(field(ip, 0) as usize) as u32 >= *sp.add(field(ip, 1) as usize) as u32;
}

slow! {
    MemoryGrow, 2 => memory_grow;
    MemoryInit, 2 => memory_init;
    DataDrop, 2 => data_drop;
    ElemDrop, 2 => elem_drop;
    TableGet, 3 => table_get;
    TableSet, 2 => table_set;
    TableSize, 2 => table_size;
    TableGrow, 2 => table_grow;
    TableFill, 2 => table_fill;
    TableCopy, 3 => table_copy;
    TableInit, 3 => table_init;
    RefFunc, 2 => ref_func;
    Check, 1 => check_interrupts;
}

handler!(Br(ip, sp, mem, len, cx, acc) {
    // SAFETY: branch targets are instructions of the same function.
    unsafe { next!(ip.offset(field(ip, 0) as i32 as isize), sp, mem, len, cx, acc) }
});

// Fields `idx, n`; `n + 1` `Br` instructions (two words each) follow, the
// last the default.
handler!(BrTable(ip, sp, mem, len, cx, acc) {
    // SAFETY: as in `binary`; the index is clamped to the table.
    unsafe {
        let i = (*sp.add(field(ip, 0) as usize) as u32).min(field(ip, 1));
        next!(ip.add(2 + 2 * i as usize), sp, mem, len, cx, acc)
    }
});

// Fields `d, a, n`: `s[d..d + n] = s[a..a + n]`, the spans may overlap.
handler!(CopySpan(ip, sp, mem, len, cx, acc) {
    // SAFETY: both spans are within the frame (module invariant).
    unsafe {
        let (d, a, n) = (field(ip, 0) as usize, field(ip, 1) as usize, field(ip, 2) as usize);
        std::ptr::copy(sp.add(a), sp.add(d), n);
        next!(ip.add(3), sp, mem, len, cx, acc)
    }
});

// Fields `d, v`.
handler!(Const32(ip, sp, mem, len, cx, acc) {
    // SAFETY: as in `binary`.
    unsafe {
        *sp.add(field(ip, 0) as usize) = field(ip, 1) as u64;
        next!(ip.add(2), sp, mem, len, cx, acc)
    }
});

// Fields `d, _`, then the value in the third word.
handler!(Const64(ip, sp, mem, len, cx, acc) {
    // SAFETY: as in `binary`.
    unsafe {
        *sp.add(field(ip, 0) as usize) = *ip.add(2);
        next!(ip.add(3), sp, mem, len, cx, acc)
    }
});

// Fields `d, a, imm`.
handler!(I32AddImm(ip, sp, mem, len, cx, acc) {
    // SAFETY: as in `binary`.
    unsafe {
        let x = *sp.add(field(ip, 1) as usize) as u32;
        *sp.add(field(ip, 0) as usize) = x.wrapping_add(field(ip, 2)) as u64;
        next!(ip.add(3), sp, mem, len, cx, acc)
    }
});

handler!(I64AddImm(ip, sp, mem, len, cx, acc) {
    // SAFETY: as in `binary`.
    unsafe {
        let x = *sp.add(field(ip, 1) as usize);
        *sp.add(field(ip, 0) as usize) = x.wrapping_add(field(ip, 2) as i32 as i64 as u64);
        next!(ip.add(3), sp, mem, len, cx, acc)
    }
});

// Fields `d, a, b`: `s[d] = if s[d + 2] != 0 { s[a] } else { s[b] }`.
handler!(Select(ip, sp, mem, len, cx, acc) {
    // SAFETY: as in `binary`.
    unsafe {
        let d = field(ip, 0) as usize;
        let c = *sp.add(d + 2) as u32;
        let from = if c != 0 { field(ip, 1) } else { field(ip, 2) };
        *sp.add(d) = *sp.add(from as usize);
        next!(ip.add(3), sp, mem, len, cx, acc)
    }
});

handler!(Unreachable(ip, sp, mem, len, cx, acc) {
    trap!(ip, cx, Trap::UnreachableCodeReached)
});

// Fields `d`.
handler!(MemorySize(ip, sp, mem, len, cx, acc) {
    // SAFETY: as in `binary`.
    unsafe {
        *sp.add(field(ip, 0) as usize) = (len / crate::vm::WASM_PAGE_SIZE) as u64;
        next!(ip.add(2), sp, mem, len, cx, acc)
    }
});

// Fields `base`: (dst, value, n) at `base..base + 3`.
handler!(MemoryFill(ip, sp, mem, len, cx, acc) {
    // SAFETY: as in `binary`; `mem..mem + len` is memory 0's bytes, used
    // only through this slice while it lives.
    unsafe {
        let o = field(ip, 0) as usize;
        let (dst, val, n) = (*sp.add(o) as u32, *sp.add(o + 1) as u8, *sp.add(o + 2) as u32);
        if let Err(t) = crate::vm::fill(std::slice::from_raw_parts_mut(mem, len), dst, val, n) {
            trap!(ip, cx, t);
        }
        next!(ip.add(2), sp, mem, len, cx, acc)
    }
});

// Fields `base`: (dst, src, n) at `base..base + 3`.
handler!(MemoryCopy(ip, sp, mem, len, cx, acc) {
    // SAFETY: as in `MemoryFill`.
    unsafe {
        let o = field(ip, 0) as usize;
        let (dst, src, n) = (*sp.add(o) as u32, *sp.add(o + 1) as u32, *sp.add(o + 2) as u32);
        if let Err(t) = crate::vm::copy_within(std::slice::from_raw_parts_mut(mem, len), dst, src, n) {
            trap!(ip, cx, t);
        }
        next!(ip.add(2), sp, mem, len, cx, acc)
    }
});

// Fields `d, offset` (defined globals: the value is at that offset of the
// instance's context; imported: a pointer to it).
handler!(GlobalGetDefined(ip, sp, mem, len, cx, acc) {
    // SAFETY: as in `binary`; see `Exec::global`.
    unsafe {
        *sp.add(field(ip, 0) as usize) = *(*cx).global(field(ip, 1), false);
        next!(ip.add(2), sp, mem, len, cx, acc)
    }
});

handler!(GlobalGetImported(ip, sp, mem, len, cx, acc) {
    // SAFETY: as in `GlobalGetDefined`.
    unsafe {
        *sp.add(field(ip, 0) as usize) = *(*cx).global(field(ip, 1), true);
        next!(ip.add(2), sp, mem, len, cx, acc)
    }
});

// Fields `offset, a`.
handler!(GlobalSetDefined(ip, sp, mem, len, cx, acc) {
    // SAFETY: as in `GlobalGetDefined`.
    unsafe {
        *(*cx).global(field(ip, 0), false) = *sp.add(field(ip, 1) as usize);
        next!(ip.add(2), sp, mem, len, cx, acc)
    }
});

handler!(GlobalSetImported(ip, sp, mem, len, cx, acc) {
    // SAFETY: as in `GlobalGetDefined`.
    unsafe {
        *(*cx).global(field(ip, 0), true) = *sp.add(field(ip, 1) as usize);
        next!(ip.add(2), sp, mem, len, cx, acc)
    }
});

// Fields `n`.
handler!(ConsumeFuel(ip, sp, mem, len, cx, acc) {
    // SAFETY: `cx` is the live context.
    unsafe {
        (*cx).consume_fuel(field(ip, 0));
        next!(ip.add(2), sp, mem, len, cx, acc)
    }
});

/// Enters defined function `$func` of the current instance, its arguments
/// at slot `$args`, resuming at `$ret` after it returns, when it is
/// translated and its frame fits; otherwise goes on with `$slow` (a
/// handler, out of line, so these handlers never call).
macro_rules! enter_fast {
    ($ip:ident, $sp:ident, $mem:ident, $len:ident, $cx:ident, $acc:ident, $func:expr, $args:expr, $ret:expr, $slow:path) => {{
        let cxr = &mut *$cx;
        let func: crate::compile::FuncIndex = $func;
        // The module's code outlives the call.
        let Some(code) = cxr.translated(func) else { return $slow($ip, $sp, $mem, $len, $cx, $acc) };
        let code = &*(code as *const crate::interp::ir::CompiledFunc);
        let callee_sp = $sp.add($args);
        let end = callee_sp.offset_from(cxr.stack_base) as usize + code.frame_size as usize;
        let n = cxr.frames.len();
        if end <= cxr.stack.len() && n < cxr.frames.capacity() && end + (n + 1) * FRAME_OVERHEAD_SLOTS <= cxr.limit {
            let caller = InterpFrame {
                instance: cxr.instance,
                func: cxr.func,
                pc: $ret as usize,
                base: $sp.offset_from(cxr.stack_base) as usize,
            };
            cxr.frames.as_mut_ptr().add(n).write(caller);
            cxr.frames.set_len(n + 1);
            cxr.func = func;
            prologue(callee_sp, code);
            next!(code.code.as_ptr(), callee_sp, $mem, $len, $cx, $acc)
        }
        // Not translated yet, the stack or the frame list must grow, or
        // the limit is reached.
        return $slow($ip, $sp, $mem, $len, $cx, $acc);
    }};
}

// Fields `func, base`: a defined function of this module, its arguments
// (and then results) at `base`.
handler!(Call(ip, sp, mem, len, cx, acc) {
    // SAFETY: `cx` is the live context; the callee's frame is checked to
    // fit the stack and the limit before it is set up (else `call_slow`
    // translates, grows the stack, or stops the code).
    unsafe {
        enter_fast!(ip, sp, mem, len, cx, acc, crate::compile::FuncIndex(field(ip, 0)), field(ip, 1) as usize, ip.add(2), super::call_slow)
    }
});

// Fields `func, base`.
handler!(CallImport(ip, sp, mem, len, cx, acc) {
    // SAFETY: `cx` is the live context; after a call, memory 0 is read again.
    unsafe {
        let (ip, sp) = (*cx).call_import(ip, sp, 2);
        if ip.is_null() {
            return Done::Stopped;
        }
        let (mem, len) = (*cx).memory0();
        next!(ip, sp, mem, len, cx, acc)
    }
});

// Fields `table, type, base, table pointer offset, type id, params`; the
// table index operand sits just above the arguments. A function of the
// same instance is entered here; anything else (and every trap) is
// `Exec::call_indirect`'s.
handler!(CallIndirect(ip, sp, mem, len, cx, acc) {
    // SAFETY: as in `Call`; the table definition is the current instance's
    // (its pointer at the offset `encode` took from the module's layout),
    // and a non-null element is a live `VMFuncRef`.
    unsafe {
        let args = field(ip, 2) as usize;
        let i = *sp.add(args + field(ip, 5) as usize) as u32 as usize;
        let table = *((*cx).vmctx.add(field(ip, 3) as usize) as *const *const crate::vm::VMTableDefinition);
        if i < (*table).current_elements {
            let f = *(*table).base.add(i) as *const crate::vm::VMFuncRef;
            if !f.is_null() && (*f).type_id.0 == field(ip, 4) && (*f).vmctx.cast::<u8>() == (*cx).vmctx {
                enter_fast!(ip, sp, mem, len, cx, acc, crate::compile::FuncIndex((*f).func_index), args, ip.add(4), call_indirect_slow)
            }
        }
        call_indirect_slow(ip, sp, mem, len, cx, acc)
    }
});

// `CallIndirect` through `Exec::call_indirect`: other instances, other
// tiers, the host, and the traps.
handler!(#[inline(never)] call_indirect_slow(ip, sp, mem, len, cx, acc) {
    // SAFETY: as in `CallImport`.
    unsafe {
        let (ip, sp) = (*cx).call_indirect(ip, sp, 4);
        if ip.is_null() {
            return Done::Stopped;
        }
        let (mem, len) = (*cx).memory0();
        next!(ip, sp, mem, len, cx, acc)
    }
});

/// Returns to the innermost suspended caller, or out of the executor.
/// A caller of another instance is resumed out of line (`return_slow`), so
/// these handlers never call.
macro_rules! return_to_caller {
    ($ip:ident, $sp:ident, $mem:ident, $len:ident, $cx:ident, $acc:ident) => {{
        let cxr = &mut *$cx;
        let Some(caller) = cxr.frames.last() else { return Done::Returned };
        if caller.instance != cxr.instance {
            return super::return_slow($ip, $sp, $mem, $len, $cx, $acc);
        }
        let caller = *caller;
        cxr.frames.set_len(cxr.frames.len() - 1);
        cxr.func = caller.func;
        let sp = cxr.stack_base.add(caller.base);
        next!(caller.pc as Ip, sp, $mem, $len, $cx, $acc)
    }};
}

// Fields `src, n`: results at `src..src + n` move to slots `0..n`.
handler!(Return(ip, sp, mem, len, cx, acc) {
    // SAFETY: as in `binary`; a popped frame is a suspended caller, whose
    // return address is in its code and whose slots are in the stack.
    unsafe {
        let (src, n) = (field(ip, 0) as usize, field(ip, 1) as usize);
        std::ptr::copy(sp.add(src), sp, n);
        return_to_caller!(ip, sp, mem, len, cx, acc)
    }
});

// `Return` with no result.
handler!(Return0(ip, sp, mem, len, cx, acc) {
    // SAFETY: as in `Return`.
    unsafe { return_to_caller!(ip, sp, mem, len, cx, acc) }
});

// `Return` with one result.
handler!(Return1(ip, sp, mem, len, cx, acc) {
    // SAFETY: as in `Return`.
    unsafe {
        *sp = *sp.add(field(ip, 0) as usize);
        return_to_caller!(ip, sp, mem, len, cx, acc)
    }
});
