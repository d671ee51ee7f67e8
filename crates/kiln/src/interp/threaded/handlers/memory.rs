//! Memory 0's loads and stores, in every accumulator form (see the parent
//! module). Every access is checked against memory 0's current length,
//! which travels with the instruction pointer.

use super::{family, forms_of, modules, operand, result, Forms, Handler};
use crate::interp::ir::Op;
use crate::interp::threaded::{field, handler, next, trap};
use crate::trap::Trap;

/// Handlers `s[d] = f(memory[s[a] + off..][..N])`, fields `d, a, off`,
/// of form `$in`/`$out` (`A`: the address from the accumulator).
macro_rules! load_tmpl {
    ($in:ident, $out:ident, $cin:ident, $cout:ident; { $($name:ident, $n:literal => |$b:ident| $e:expr;)* }) => {$(
        handler!($name(ip, sp, mem, len, cx, acc, facc) {
            // SAFETY: slot indices are within the frame (module invariant);
            // the access is within `mem..mem + len`, memory 0's current
            // bytes, after the check.
            unsafe {
                let base: u64 = operand!($in, A, $cin, ip, sp, acc, facc, 1);
                let addr = base as u32 as u64 + field(ip, 2) as u64;
                if addr + $n > len as u64 {
                    trap!(ip, cx, Trap::MemoryOutOfBounds);
                }
                let $b: [u8; $n] = (mem.add(addr as usize) as *const [u8; $n]).read();
                result!($out, $cout, $e, ip, sp, mem, len, cx, acc, facc, 0, 3)
            }
        });
    )*};
}

/// Handlers of loads at `s[a] + imm` or `s[a] + s[b]` (mod 2^32), offset
/// 0: fields `d, a, imm or b`, of form `$in`/`$out` (`A`: `s[a]` from the
/// accumulator).
macro_rules! load_add_tmpl {
    ($in:ident, $out:ident, $cin:ident, $cout:ident; { $($name:ident, $n:literal, $imm:literal => |$b:ident| $e:expr;)* }) => {$(
        handler!($name(ip, sp, mem, len, cx, acc, facc) {
            // SAFETY: as in `load_tmpl`.
            unsafe {
                let base: u64 = operand!($in, A, $cin, ip, sp, acc, facc, 1);
                let add = if $imm { field(ip, 2) } else { *sp.add(field(ip, 2) as usize) as u32 };
                let addr = (base as u32).wrapping_add(add) as u64;
                if addr + $n > len as u64 {
                    trap!(ip, cx, Trap::MemoryOutOfBounds);
                }
                let $b: [u8; $n] = (mem.add(addr as usize) as *const [u8; $n]).read();
                result!($out, $cout, $e, ip, sp, mem, len, cx, acc, facc, 0, 3)
            }
        });
    )*};
}

/// Handlers `memory[s[a] + off..][..N] = f(s[v])`, fields `a, v, off`, of
/// form `$in` (`A`: the address from the accumulator, `B`: the value);
/// with `$wrapping`, the address is `(s[a] + off) mod 2^32` (an add fused
/// into the store, offset 0).
macro_rules! store_tmpl {
    ($in:ident, $out:ident, $cin:ident, $cout:ident; { $($name:ident, $n:literal, $wrapping:literal => |$x:ident| $e:expr;)* }) => {$(
        handler!($name(ip, sp, mem, len, cx, acc, facc) {
            // SAFETY: as in `load_tmpl`.
            unsafe {
                let base: u64 = operand!($in, A, $cin, ip, sp, acc, facc, 0);
                let addr = if $wrapping {
                    (base as u32).wrapping_add(field(ip, 2)) as u64
                } else {
                    base as u32 as u64 + field(ip, 2) as u64
                };
                if addr + $n > len as u64 {
                    trap!(ip, cx, Trap::MemoryOutOfBounds);
                }
                let $x: u64 = operand!($in, B, $cin, ip, sp, acc, facc, 1);
                let bytes: [u8; $n] = $e;
                (mem.add(addr as usize) as *mut [u8; $n]).write(bytes);
                next!(ip.add(3), sp, mem, len, cx, acc, facc)
            }
        });
    )*};
}

/// Loads with an offset.
pub(crate) mod load {
    use super::*;

    family!(load_tmpl, load_forms, Op, (Int, Int), [(Slots, Slot, s_s), (Slots, Acc, s_a), (Slots, Both, s_b), (A, Slot, a_s), (A, Acc, a_a), (A, Both, a_b)], {
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
    });
}

/// Loads with their address arithmetic fused in.
pub(crate) mod load_add {
    use super::*;

    family!(load_add_tmpl, load_add_forms, Op, (Int, Int), [(Slots, Slot, s_s), (Slots, Acc, s_a), (Slots, Both, s_b), (A, Slot, a_s), (A, Acc, a_a), (A, Both, a_b)], {
        I32LoadAddImm, 4, true => |b| u32::from_le_bytes(b) as u64;
        I64LoadAddImm, 8, true => |b| u64::from_le_bytes(b);
        I32Load8UAddImm, 1, true => |b| b[0] as u64;
        I32LoadAdd, 4, false => |b| u32::from_le_bytes(b) as u64;
        I64LoadAdd, 8, false => |b| u64::from_le_bytes(b);
        I32Load8UAdd, 1, false => |b| b[0] as u64;
    });
}

/// Stores (one handler per width).
pub(crate) mod store {
    use super::*;

    modules!(store_tmpl, Int, Int; [(Slots, Slot, s), (A, Slot, a), (B, Slot, b)]; {
        I32Store, 4, false => |x| (x as u32).to_le_bytes();
        I64Store, 8, false => |x| x.to_le_bytes();
        Store8, 1, false => |x| [x as u8];
        Store16, 2, false => |x| (x as u16).to_le_bytes();
    });

    /// The handlers of store `op` by form.
    pub(crate) fn store_forms(op: Op) -> Option<Forms> {
        let forms = match op {
            Op::I32Store { .. } | Op::I64Store32 { .. } => {
                forms_of!(I32Store, Int, Int; [(Slots, Slot, s), (A, Slot, a), (B, Slot, b)])
            }
            Op::I64Store { .. } => forms_of!(I64Store, Int, Int; [(Slots, Slot, s), (A, Slot, a), (B, Slot, b)]),
            Op::I32Store8 { .. } | Op::I64Store8 { .. } => {
                forms_of!(Store8, Int, Int; [(Slots, Slot, s), (A, Slot, a), (B, Slot, b)])
            }
            Op::I32Store16 { .. } | Op::I64Store16 { .. } => {
                forms_of!(Store16, Int, Int; [(Slots, Slot, s), (A, Slot, a), (B, Slot, b)])
            }
            _ => return None,
        };
        Some(forms)
    }
}

/// Stores with their address arithmetic fused in.
pub(crate) mod store_add {
    use super::*;

    family!(store_tmpl, store_add_forms, Op, (Int, Int), [(Slots, Slot, s), (A, Slot, a), (B, Slot, b)], {
        I32StoreAddImm, 4, true => |x| (x as u32).to_le_bytes();
        I64StoreAddImm, 8, true => |x| x.to_le_bytes();
        I32Store8AddImm, 1, true => |x| [x as u8];
    });
}

pub(crate) use load::load_forms;
pub(crate) use load_add::load_add_forms;
pub(crate) use store::store_forms;
pub(crate) use store_add::store_add_forms;
