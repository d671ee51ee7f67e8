//! Conditional branches, in their accumulator forms (see the parent
//! module): the first operand may come from the accumulator. A branch
//! jumps by the relative word offset in its last field.

use super::{family, forms_of, modules, operand, Forms, Handler};
use crate::interp::ir::{CmpOp, ImmOp, Op};
use crate::interp::threaded::{field, handler, next};

/// Handlers of branches taken when `$e` holds, of form `$in`: fields `a,
/// b, offset`; `$x` is `s[a]` (or the accumulator) and `$y` is `s[b]`.
macro_rules! br_tmpl {
    ($in:ident, $out:ident, $cin:ident, $cout:ident; { $($name:ident => |$x:ident, $y:ident| $e:expr;)* }) => {$(
        handler!($name(ip, sp, mem, len, cx, acc, facc) {
            // SAFETY: slot indices are within the frame, and branch targets
            // are instructions of the same function (module invariants).
            unsafe {
                let $x: u64 = operand!($in, A, $cin, ip, sp, acc, facc, 0);
                let $y: u64 = *sp.add(field(ip, 1) as usize);
                if $e {
                    next!(ip.offset(field(ip, 2) as i32 as isize), sp, mem, len, cx, acc, facc)
                }
                next!(ip.add(3), sp, mem, len, cx, acc, facc)
            }
        });
    )*};
}

/// Handlers of branches on `s[a] <op> imm` (`$e`) being non-zero
/// (`$nonzero`) or zero, of form `$in`: fields `a, imm, offset`.
macro_rules! br_imm_tmpl {
    ($in:ident, $out:ident, $cin:ident, $cout:ident; { $($name:ident, $wide:literal, $nonzero:literal => |$x:ident, $y:ident| $e:expr;)* }) => {$(
        handler!($name(ip, sp, mem, len, cx, acc, facc) {
            // SAFETY: as in `br_tmpl`.
            unsafe {
                let $x: u64 = operand!($in, A, $cin, ip, sp, acc, facc, 0);
                let imm = field(ip, 1);
                let $y = if $wide { imm as i32 as i64 as u64 } else { imm as u64 };
                if ($e != 0) == $nonzero {
                    next!(ip.offset(field(ip, 2) as i32 as isize), sp, mem, len, cx, acc, facc)
                }
                next!(ip.add(3), sp, mem, len, cx, acc, facc)
            }
        });
    )*};
}

/// Handlers of branches on `s[c]`, of form `$in`: fields `c, offset`.
macro_rules! br_test_tmpl {
    ($in:ident, $out:ident, $cin:ident, $cout:ident; { $($name:ident => |$x:ident| $e:expr;)* }) => {$(
        handler!($name(ip, sp, mem, len, cx, acc, facc) {
            // SAFETY: as in `br_tmpl`.
            unsafe {
                let $x: u64 = operand!($in, A, $cin, ip, sp, acc, facc, 0);
                if $e {
                    next!(ip.offset(field(ip, 1) as i32 as isize), sp, mem, len, cx, acc, facc)
                }
                next!(ip.add(2), sp, mem, len, cx, acc, facc)
            }
        });
    )*};
}

/// Handlers of an `i32` add fused with a branch on the sum: `s[d] = s[a] +
/// imm` (or `+ s[b]` with `$add_slot`), then jump if `$e` holds for the sum
/// and field 3 (`s[c]`, or the immediate itself with `$imm`): fields `d, a,
/// imm or b, c or immediate, offset` (a loop's counter and its test).
macro_rules! add_br_tmpl {
    ($in:ident, $out:ident, $cin:ident, $cout:ident; { $($name:ident, $add_slot:literal, $imm:literal => |$x:ident, $y:ident| $e:expr;)* }) => {$(
        handler!($name(ip, sp, mem, len, cx, acc, facc) {
            // SAFETY: as in `br_tmpl`.
            unsafe {
                let addend = if $add_slot { *sp.add(field(ip, 2) as usize) as u32 } else { field(ip, 2) };
                let sum = (*sp.add(field(ip, 1) as usize) as u32).wrapping_add(addend) as u64;
                *sp.add(field(ip, 0) as usize) = sum;
                let $x: u64 = sum;
                let $y: u64 = if $imm { field(ip, 3) as u64 } else { *sp.add(field(ip, 3) as usize) };
                if $e {
                    next!(ip.offset(field(ip, 4) as i32 as isize), sp, mem, len, cx, acc, facc)
                }
                next!(ip.add(4), sp, mem, len, cx, acc, facc)
            }
        });
    )*};
}

/// Instantiates `add_br_tmpl` for an add of an immediate (`slot`, `imm`)
/// or of a slot (`slot_add`, `imm_add`), tested against a slot (`slot*`)
/// or an immediate (`imm*`), for the comparisons listed.
macro_rules! add_br_families {
    ($($name:ident => |$x:ident, $y:ident| $e:expr;)*) => {
        /// An immediate added, tested against a slot.
        pub(crate) mod slot {
            use super::*;

            modules!(add_br_tmpl, Int, Int; [(Slots, Slot, s)]; { $($name, false, false => |$x, $y| $e;)* });
        }

        /// An immediate added, tested against an immediate.
        pub(crate) mod imm {
            use super::*;

            modules!(add_br_tmpl, Int, Int; [(Slots, Slot, s)]; { $($name, false, true => |$x, $y| $e;)* });
        }

        /// A slot added, tested against a slot.
        pub(crate) mod slot_add {
            use super::*;

            modules!(add_br_tmpl, Int, Int; [(Slots, Slot, s)]; { $($name, true, false => |$x, $y| $e;)* });
        }

        /// A slot added, tested against an immediate.
        pub(crate) mod imm_add {
            use super::*;

            modules!(add_br_tmpl, Int, Int; [(Slots, Slot, s)]; { $($name, true, true => |$x, $y| $e;)* });
        }
    };
}

/// `Op::I32AddImm` fused with the i32 compare-and-branch on its sum that
/// follows it (`encode`), against a slot (`slot`) or an immediate (`imm`),
/// one handler per comparison and polarity.
pub(crate) mod add_br {
    use super::*;

    add_br_families! {
        Eq => |x, y| x as u32 == y as u32;
        Ne => |x, y| x as u32 != y as u32;
        LtS => |x, y| (x as i32) < y as i32;
        LtU => |x, y| (x as u32) < y as u32;
        GtS => |x, y| x as i32 > y as i32;
        GtU => |x, y| x as u32 > y as u32;
        LeS => |x, y| x as i32 <= y as i32;
        LeU => |x, y| x as u32 <= y as u32;
        GeS => |x, y| x as i32 >= y as i32;
        GeU => |x, y| x as u32 >= y as u32;
    }

    /// The fused handler for a branch `op` on the sum (its first operand),
    /// with the field that goes in place of its second operand: an i32
    /// compare-and-branch against a slot, or a branch on an i32 comparison
    /// with an immediate (taken when it holds, or when it does not).
    pub(crate) fn add_br_handler(op: Op, add_slot: bool) -> Option<(Handler, u32)> {
        let found: (Handler, u32) = match (op, add_slot) {
            (Op::BrIfImm { op, imm, .. }, _) => (imm_cmp(op, true, add_slot)?, imm),
            (Op::BrIfNotImm { op, imm, .. }, _) => (imm_cmp(op, false, add_slot)?, imm),
            (op, false) => slot_cmp!(op, self::slot::s),
            (op, true) => slot_cmp!(op, self::slot_add::s),
        };
        Some(found)
    }

    /// The handler of an i32 compare-and-branch `$op` against a slot, in
    /// module `$m`, and that slot; or `return None`.
    macro_rules! slot_cmp {
        ($op:expr, $m:path) => {{
            use $m as sl;
            match $op {
                Op::BrIfI32Eq { b, .. } => (sl::Eq, b),
                Op::BrIfI32Ne { b, .. } => (sl::Ne, b),
                Op::BrIfI32LtS { b, .. } => (sl::LtS, b),
                Op::BrIfI32LtU { b, .. } => (sl::LtU, b),
                Op::BrIfI32GtS { b, .. } => (sl::GtS, b),
                Op::BrIfI32GtU { b, .. } => (sl::GtU, b),
                Op::BrIfI32LeS { b, .. } => (sl::LeS, b),
                Op::BrIfI32LeU { b, .. } => (sl::LeU, b),
                Op::BrIfI32GeS { b, .. } => (sl::GeS, b),
                Op::BrIfI32GeU { b, .. } => (sl::GeU, b),
                _ => return None,
            }
        }};
    }
    use slot_cmp;

    /// The handler of a branch on i32 comparison `op` with an immediate,
    /// taken when it holds (`holds`) or when it does not (the branch on the
    /// opposite comparison). (Inlined: no function of `handlers` calls
    /// another.)
    #[inline(always)]
    fn imm_cmp(op: ImmOp, holds: bool, add_slot: bool) -> Option<Handler> {
        macro_rules! pick {
            ($m:path) => {{
                use $m as i;
                match (op, holds) {
                    (ImmOp::I32Eq, true) | (ImmOp::I32Ne, false) => i::Eq,
                    (ImmOp::I32Ne, true) | (ImmOp::I32Eq, false) => i::Ne,
                    (ImmOp::I32LtS, true) | (ImmOp::I32GeS, false) => i::LtS,
                    (ImmOp::I32LtU, true) | (ImmOp::I32GeU, false) => i::LtU,
                    (ImmOp::I32GtS, true) | (ImmOp::I32LeS, false) => i::GtS,
                    (ImmOp::I32GtU, true) | (ImmOp::I32LeU, false) => i::GtU,
                    (ImmOp::I32LeS, true) | (ImmOp::I32GtS, false) => i::LeS,
                    (ImmOp::I32LeU, true) | (ImmOp::I32GtU, false) => i::LeU,
                    (ImmOp::I32GeS, true) | (ImmOp::I32LtS, false) => i::GeS,
                    (ImmOp::I32GeU, true) | (ImmOp::I32LtU, false) => i::GeU,
                    _ => return None,
                }
            }};
        }
        Some(if add_slot { pick!(self::imm_add::s) } else { pick!(self::imm::s) })
    }
}

pub(crate) mod test {
    use super::*;

    family!(br_test_tmpl, br_test_forms, Op, (Int, Int), [(Slots, Slot, s), (A, Slot, a)], {
        BrIfNez => |x| x as u32 != 0;
        BrIfEqz => |x| x as u32 == 0;
    });
}

/// The fused i32 compare-and-branch ops.
pub(crate) mod i32_cmp {
    use super::*;

    family!(br_tmpl, br_i32_forms, Op, (Int, Int), [(Slots, Slot, s), (A, Slot, a)], {
        BrIfI32Eq => |x, y| x as u32 == y as u32;
        BrIfI32Ne => |x, y| x as u32 != y as u32;
        BrIfI32LtS => |x, y| (x as i32) < y as i32;
        BrIfI32LtU => |x, y| (x as u32) < y as u32;
        BrIfI32GtS => |x, y| x as i32 > y as i32;
        BrIfI32GtU => |x, y| x as u32 > y as u32;
        BrIfI32LeS => |x, y| x as i32 <= y as i32;
        BrIfI32LeU => |x, y| x as u32 <= y as u32;
        BrIfI32GeS => |x, y| x as i32 >= y as i32;
        BrIfI32GeU => |x, y| x as u32 >= y as u32;
    });
}

/// Whether `holds` is false (a negated float comparison, which also
/// holds for NaNs, as `Op::BrIfNotCmp` asks).
#[inline(always)]
fn not(holds: bool) -> bool {
    !holds
}

/// Instantiates `br_tmpl` for `Op::BrIfCmp` (`holds`) and `Op::BrIfNotCmp`
/// (`fails`) with the comparisons `for_each_cmp_op` lists, the f64 ones
/// taking their operand from the f64 accumulator.
macro_rules! br_cmp_families {
    ([Int] { $($name:ident => |$x:ident, $y:ident| $e:expr;)* }
     [F64] { $($fname:ident => |$fx:ident, $fy:ident| $fe:expr;)* }) => {
        /// `Op::BrIfCmp`.
        pub(crate) mod holds {
            use super::*;

            family!(br_tmpl, br_cmp_forms, CmpOp, (Int, Int), [(Slots, Slot, s), (A, Slot, a)], { $($name => |$x, $y| $e;)* });
        }

        /// `Op::BrIfCmp` on f64s.
        pub(crate) mod holds_f64 {
            use super::*;

            family!(br_tmpl, br_cmp_f64_forms, CmpOp, (F64, Int), [(Slots, Slot, s), (A, Slot, a)], { $($fname => |$fx, $fy| $fe;)* });
        }

        /// `Op::BrIfNotCmp`.
        pub(crate) mod fails {
            use super::*;

            family!(br_tmpl, br_not_cmp_forms, CmpOp, (Int, Int), [(Slots, Slot, s), (A, Slot, a)], { $($name => |$x, $y| not($e);)* });
        }

        /// `Op::BrIfNotCmp` on f64s.
        pub(crate) mod fails_f64 {
            use super::*;

            family!(br_tmpl, br_not_cmp_f64_forms, CmpOp, (F64, Int), [(Slots, Slot, s), (A, Slot, a)], { $($fname => |$fx, $fy| not($fe);)* });
        }
    };
}

/// Instantiates `br_imm_tmpl` for `Op::BrIfImm` (`nonzero`) and
/// `Op::BrIfNotImm` (`zero`) with the ops `for_each_imm_op` lists.
macro_rules! br_imm_families {
    ($($name:ident, $wide:literal => |$x:ident, $y:ident| $e:expr;)*) => {
        /// `Op::BrIfImm`.
        pub(crate) mod nonzero {
            use super::*;

            family!(br_imm_tmpl, br_imm_forms, ImmOp, (Int, Int), [(Slots, Slot, s), (A, Slot, a)], { $($name, $wide, true => |$x, $y| $e;)* });
        }

        /// `Op::BrIfNotImm`.
        pub(crate) mod zero {
            use super::*;

            family!(br_imm_tmpl, br_not_imm_forms, ImmOp, (Int, Int), [(Slots, Slot, s), (A, Slot, a)], { $($name, $wide, false => |$x, $y| $e;)* });
        }
    };
}

/// Compare-and-branch on the comparisons of `CmpOp`.
pub(crate) mod cmp {
    use super::*;

    crate::interp::ir::for_each_cmp_op!(br_cmp_families);
}

/// Branches on an `ImmOp` with an immediate.
pub(crate) mod imm {
    use super::*;

    crate::interp::ir::for_each_imm_op!(br_imm_families);
}

pub(crate) use add_br::add_br_handler;
pub(crate) use cmp::{fails::br_not_cmp_forms, fails_f64::br_not_cmp_f64_forms};
pub(crate) use cmp::{holds::br_cmp_forms, holds_f64::br_cmp_f64_forms};
pub(crate) use i32_cmp::br_i32_forms;
pub(crate) use imm::{nonzero::br_imm_forms, zero::br_not_imm_forms};
pub(crate) use test::br_test_forms;
