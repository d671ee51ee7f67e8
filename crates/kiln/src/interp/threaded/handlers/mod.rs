//! One handler per instruction. Operands are `u32` fields after the
//! handler word (`field`); an instruction with `k` fields is `1 + ceil(k/2)`
//! words long, `Const64` three (its value in the third).
//!
//! The ops of a chain of computation come in *accumulator forms*, one
//! handler per form, with the fields of the plain one (`encode` picks the
//! form): an operand may come from the accumulator register instead of its
//! slot (`In`), and a result may go to the accumulator instead of its slot,
//! or to both (`Out`). A value handed on that way skips a store and a load
//! of the same slot in a row, which cost a dependency chain their latency.
//! Each family's `forms` finds an op's handlers.

mod alu;
mod branch;
mod memory;
pub(crate) mod simd;

pub(crate) use alu::select::s_s::Select;
pub(crate) use alu::{add_imm::s_s::*, binary::s_s::*, binary_f64::s_s::*, cmp_f64::s_s::*};
pub(crate) use alu::{add_imm_forms, binary_f64_forms, binary_forms, cmp_f64_forms, imm_forms};
pub(crate) use alu::{from_f64::s_s::*, to_f64::s_s::*, unary::s_s::*, unary_f64::s_s::*};
pub(crate) use alu::{from_f64_forms, select_forms, to_f64_forms, unary_f64_forms, unary_forms};
pub(crate) use branch::{add_br_handler, br_not_cmp_forms, br_not_imm_forms, br_test_forms};
pub(crate) use branch::{br_cmp_f64_forms, br_cmp_forms, br_i32_forms, br_imm_forms, br_not_cmp_f64_forms};
pub(crate) use branch::{i32_cmp::s::*, test::s::*};
pub(crate) use memory::{load::s_s::*, load_add::s_s::*, store::s::*, store_add::s::*};
pub(crate) use memory::{load_add_forms, load_forms, store_add_forms, store_forms};

use super::{field, handler, next, trap, Done, Handler, Ip, FRAME_OVERHEAD_SLOTS};
use crate::trap::Trap;
use crate::vm::InterpFrame;

/// Which operand of an op comes from the accumulator: none (`Slots`),
/// its first (`A`) or its second (`B`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum In {
    Slots,
    A,
    B,
}

/// Where an op's result goes: its slot, the accumulator, or both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Out {
    Slot,
    Acc,
    Both,
}

/// Which accumulator a value travels in: the integer one (slot bits, in
/// a general register) or the `f64` one (in a float register), so that
/// float chains never move between register files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    Int,
    F64,
}

/// An op's handlers by form, `handlers[In as usize][Out as usize]`
/// (`None` for a form it does not have), and the accumulators its
/// operands come in and its result goes to.
#[derive(Clone, Copy)]
pub(crate) struct Forms {
    pub(crate) handlers: [[Option<Handler>; 3]; 3],
    pub(crate) input: Class,
    pub(crate) output: Class,
}

/// Operand `$at` (`A` or `B`, in field `$f`) of a handler of form `$in`
/// whose accumulated operands are of class `$class`: the accumulator of
/// that class when `$in` names the operand, else its slot (as slot bits).
macro_rules! operand {
    (A, A, Int, $ip:ident, $sp:ident, $acc:ident, $facc:ident, $f:literal) => {
        $acc
    };
    (B, B, Int, $ip:ident, $sp:ident, $acc:ident, $facc:ident, $f:literal) => {
        $acc
    };
    (A, A, F64, $ip:ident, $sp:ident, $acc:ident, $facc:ident, $f:literal) => {
        f64::to_bits($facc)
    };
    (B, B, F64, $ip:ident, $sp:ident, $acc:ident, $facc:ident, $f:literal) => {
        f64::to_bits($facc)
    };
    ($in:ident, $at:ident, $class:ident, $ip:ident, $sp:ident, $acc:ident, $facc:ident, $f:literal) => {
        *$sp.add(field($ip, $f) as usize)
    };
}
use operand;

/// Puts result `$v` (slot bits) where output form `$out` says (the slot
/// in field `$f`, the accumulator of class `$class`, or both) and goes on
/// to the instruction `$size` words on.
macro_rules! result {
    (Slot, $class:ident, $v:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $cx:ident, $acc:ident, $facc:ident, $f:literal, $size:literal) => {{
        let v: u64 = $v;
        *$sp.add(field($ip, $f) as usize) = v;
        next!($ip.add($size), $sp, $mem, $len, $cx, $acc, $facc)
    }};
    (Acc, $class:ident, $v:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $cx:ident, $acc:ident, $facc:ident, $f:literal, $size:literal) => {{
        let v: u64 = $v;
        result!(@next $class, v, $ip, $sp, $mem, $len, $cx, $acc, $facc, $size)
    }};
    (Both, $class:ident, $v:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $cx:ident, $acc:ident, $facc:ident, $f:literal, $size:literal) => {{
        let v: u64 = $v;
        *$sp.add(field($ip, $f) as usize) = v;
        result!(@next $class, v, $ip, $sp, $mem, $len, $cx, $acc, $facc, $size)
    }};
    (@next Int, $v:ident, $ip:ident, $sp:ident, $mem:ident, $len:ident, $cx:ident, $acc:ident, $facc:ident, $size:literal) => {
        next!($ip.add($size), $sp, $mem, $len, $cx, $v, $facc)
    };
    (@next F64, $v:ident, $ip:ident, $sp:ident, $mem:ident, $len:ident, $cx:ident, $acc:ident, $facc:ident, $size:literal) => {
        next!($ip.add($size), $sp, $mem, $len, $cx, $acc, f64::from_bits($v))
    };
}
use result;

/// One module per form (`(in, out, module)`), each holding the family's
/// handlers of that form, written by `$tmpl!(in, out, input class, output
/// class; ops)`.
macro_rules! modules {
    ($tmpl:ident, $cin:ident, $cout:ident; [$(($in:ident, $out:ident, $m:ident)),*]; $ops:tt) => {
        $(
            pub(crate) mod $m {
                #[allow(unused_imports)]
                use super::*;
                $tmpl!($in, $out, $cin, $cout; $ops);
            }
        )*
    };
}
use modules;

/// The `Forms` of handler `$name` in the form modules listed.
macro_rules! forms_of {
    ($name:ident, $cin:ident, $cout:ident; [$(($in:ident, $out:ident, $m:ident)),*]) => {{
        use $crate::interp::threaded::handlers::{Class, Forms, In, Out};
        let mut forms = Forms { handlers: [[None; 3]; 3], input: Class::$cin, output: Class::$cout };
        $(
            forms.handlers[In::$in as usize][Out::$out as usize] = Some($m::$name as Handler);
        )*
        forms
    }};
}
use forms_of;

/// A family of handlers: its form modules (`$list`, see `modules`),
/// written by template `$tmpl` with the accumulator classes of its
/// operands and result (`$cin`, `$cout`), and `$forms_fn`, which finds the
/// handlers of an op (`$key::$name` for handler `$name`) by form.
macro_rules! family {
    ($tmpl:ident, $forms_fn:ident, $key:ident, ($cin:ident, $cout:ident), $list:tt,
     { $($name:ident $(, $extra:tt)* => |$($arg:ident),*| $e:expr;)* }) => {
        modules!($tmpl, $cin, $cout; $list; { $($name $(, $extra)* => |$($arg),*| $e;)* });

        /// The handlers of `op` by form, if this family has it.
        #[allow(unreachable_patterns)]
        pub(crate) fn $forms_fn(op: $key) -> Option<Forms> {
            match op {
                $($key::$name { .. } => Some(forms_of!($name, $cin, $cout; $list)),)*
                _ => None,
            }
        }
    };
}
use family;
/// An operation done by `Exec`: fields as it reads them.
macro_rules! slow {
    ($($name:ident, $size:literal => $method:ident;)*) => {$(
        handler!($name(ip, sp, mem, len, cx, acc, facc) {
            // SAFETY: `cx` is the live context; the method may have grown
            // or replaced memory 0, so its bounds are read again.
            unsafe {
                if !(*cx).$method(ip, sp) {
                    return Done::Stopped;
                }
                let (mem, len) = (*cx).memory0();
                next!(ip.add($size), sp, mem, len, cx, acc, facc)
            }
        });
    )*};
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

handler!(Br(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: branch targets are instructions of the same function.
    unsafe { next!(ip.offset(field(ip, 0) as i32 as isize), sp, mem, len, cx, acc, facc) }
});

// Fields `idx, n`; `n + 1` `Br` instructions (two words each) follow, the
// last the default (the translator emits nothing else there). The entry's
// offset is taken here, so the chosen `Br` is never run: one jump.
handler!(BrTable(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: slot indices are within the frame (module invariant); the
    // index is clamped to the table, whose entries are `Br`s with their
    // offset in their first field, relative to the entry.
    unsafe {
        let i = (*sp.add(field(ip, 0) as usize) as u32).min(field(ip, 1));
        let entry = ip.add(2 + 2 * i as usize);
        next!(entry.offset(field(entry, 0) as i32 as isize), sp, mem, len, cx, acc, facc)
    }
});

// Fields `d, a, n`: `s[d..d + n] = s[a..a + n]`, the spans may overlap.
handler!(CopySpan(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: both spans are within the frame (module invariant).
    unsafe {
        let (d, a, n) = (field(ip, 0) as usize, field(ip, 1) as usize, field(ip, 2) as usize);
        std::ptr::copy(sp.add(a), sp.add(d), n);
        next!(ip.add(3), sp, mem, len, cx, acc, facc)
    }
});

// Fields `d, v`.
handler!(Const32(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: slot indices are within the frame (module invariant).
    unsafe {
        *sp.add(field(ip, 0) as usize) = field(ip, 1) as u64;
        next!(ip.add(2), sp, mem, len, cx, acc, facc)
    }
});

// Fields `d, _`, then the value in the third word.
handler!(Const64(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: slot indices are within the frame (module invariant).
    unsafe {
        *sp.add(field(ip, 0) as usize) = *ip.add(2);
        next!(ip.add(3), sp, mem, len, cx, acc, facc)
    }
});

// Fields `from, to, n`, then `n` words: a function's first instruction
// when it has locals to zero (slots `from..to`) or constants (`n` slots
// from `to` on, their values inline).
handler!(Enter(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: the locals and constants are within the frame (module
    // invariant), and the constants' values follow the fields.
    unsafe {
        let (from, to, n) = (field(ip, 0) as usize, field(ip, 1) as usize, field(ip, 2) as usize);
        // Volatile writes keep these loops inline: as `memset`/`memcpy`
        // calls they would cost more for the few slots functions have.
        let mut i = from;
        while i < to {
            sp.add(i).write_volatile(0);
            i += 1;
        }
        let consts = ip.add(3);
        let mut j = 0;
        while j < n {
            sp.add(to + j).write_volatile(*consts.add(j));
            j += 1;
        }
        next!(ip.add(3 + n), sp, mem, len, cx, acc, facc)
    }
});

handler!(Unreachable(ip, sp, mem, len, cx, acc, facc) {
    trap!(ip, cx, Trap::UnreachableCodeReached)
});

// Fields `d`.
handler!(MemorySize(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: slot indices are within the frame (module invariant).
    unsafe {
        *sp.add(field(ip, 0) as usize) = (len / crate::vm::WASM_PAGE_SIZE) as u64;
        next!(ip.add(2), sp, mem, len, cx, acc, facc)
    }
});

// Fields `base`: (dst, value, n) at `base..base + 3`.
handler!(MemoryFill(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: slot indices are within the frame (module invariant); `mem..mem + len` is memory 0's bytes, used
    // only through this slice while it lives.
    unsafe {
        let o = field(ip, 0) as usize;
        let (dst, val, n) = (*sp.add(o) as u32, *sp.add(o + 1) as u8, *sp.add(o + 2) as u32);
        if let Err(t) = crate::vm::fill(std::slice::from_raw_parts_mut(mem, len), dst, val, n) {
            trap!(ip, cx, t);
        }
        next!(ip.add(2), sp, mem, len, cx, acc, facc)
    }
});

// Fields `base`: (dst, src, n) at `base..base + 3`.
handler!(MemoryCopy(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: as in `MemoryFill`.
    unsafe {
        let o = field(ip, 0) as usize;
        let (dst, src, n) = (*sp.add(o) as u32, *sp.add(o + 1) as u32, *sp.add(o + 2) as u32);
        if let Err(t) = crate::vm::copy_within(std::slice::from_raw_parts_mut(mem, len), dst, src, n) {
            trap!(ip, cx, t);
        }
        next!(ip.add(2), sp, mem, len, cx, acc, facc)
    }
});

// Fields `d, offset` (defined globals: the value is at that offset of the
// instance's context; imported: a pointer to it).
handler!(GlobalGetDefined(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: slot indices are within the frame (module invariant); see `Exec::global`.
    unsafe {
        *sp.add(field(ip, 0) as usize) = *(*cx).global(field(ip, 1), false);
        next!(ip.add(2), sp, mem, len, cx, acc, facc)
    }
});

handler!(GlobalGetImported(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: as in `GlobalGetDefined`.
    unsafe {
        *sp.add(field(ip, 0) as usize) = *(*cx).global(field(ip, 1), true);
        next!(ip.add(2), sp, mem, len, cx, acc, facc)
    }
});

// Fields `offset, a`.
handler!(GlobalSetDefined(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: as in `GlobalGetDefined`.
    unsafe {
        *(*cx).global(field(ip, 0), false) = *sp.add(field(ip, 1) as usize);
        next!(ip.add(2), sp, mem, len, cx, acc, facc)
    }
});

handler!(GlobalSetImported(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: as in `GlobalGetDefined`.
    unsafe {
        *(*cx).global(field(ip, 0), true) = *sp.add(field(ip, 1) as usize);
        next!(ip.add(2), sp, mem, len, cx, acc, facc)
    }
});

// Fields `n`.
handler!(ConsumeFuel(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: `cx` is the live context.
    unsafe {
        (*cx).consume_fuel(field(ip, 0));
        next!(ip.add(2), sp, mem, len, cx, acc, facc)
    }
});

/// Enters defined function `$func` of the current instance, its arguments
/// at slot `$args`, resuming at `$ret` after it returns, when it is
/// translated and its frame fits; otherwise goes on with `$slow` (a
/// handler, out of line, so these handlers never call).
macro_rules! enter_fast {
    ($ip:ident, $sp:ident, $mem:ident, $len:ident, $cx:ident, $acc:ident, $facc:ident, $func:expr, $args:expr, $ret:expr, $slow:path) => {{
        let cxr = &mut *$cx;
        let func: crate::compile::FuncIndex = $func;
        // The module's code outlives the call.
        let Some(code) = cxr.translated(func) else { return $slow($ip, $sp, $mem, $len, $cx, $acc, $facc) };
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
            // No value is handed on through the accumulator across a call
            // (`encode` links only neighbouring ops of one function), so
            // its register is free here.
            next!(code.code.as_ptr(), callee_sp, $mem, $len, $cx, 0, $facc)
        }
        // Not translated yet, the stack or the frame list must grow, or
        // the limit is reached.
        return $slow($ip, $sp, $mem, $len, $cx, $acc, $facc);
    }};
}

// Fields `func, base`: a defined function of this module, its arguments
// (and then results) at `base`.
handler!(Call(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: `cx` is the live context; the callee's frame is checked to
    // fit the stack and the limit before it is set up (else `call_slow`
    // translates, grows the stack, or stops the code).
    unsafe {
        enter_fast!(ip, sp, mem, len, cx, acc, facc, crate::compile::FuncIndex(field(ip, 0)), field(ip, 1) as usize, ip.add(2), super::call_slow)
    }
});

// Fields `func, base`.
handler!(CallImport(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: `cx` is the live context; after a call, memory 0 is read again.
    unsafe {
        let (ip, sp) = (*cx).call_import(ip, sp, 2);
        if ip.is_null() {
            return Done::Stopped;
        }
        let (mem, len) = (*cx).memory0();
        next!(ip, sp, mem, len, cx, acc, facc)
    }
});

// Fields `table, type, base, table pointer offset, type id, params`; the
// table index operand sits just above the arguments. A function of the
// same instance is entered here; anything else (and every trap) is
// `Exec::call_indirect`'s.
handler!(CallIndirect(ip, sp, mem, len, cx, acc, facc) {
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
                enter_fast!(ip, sp, mem, len, cx, acc, facc, crate::compile::FuncIndex((*f).func_index), args, ip.add(4), call_indirect_slow)
            }
        }
        call_indirect_slow(ip, sp, mem, len, cx, acc, facc)
    }
});

// `CallIndirect` through `Exec::call_indirect`: other instances, other
// tiers, the host, and the traps.
handler!(#[inline(never)] call_indirect_slow(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: as in `CallImport`.
    unsafe {
        let (ip, sp) = (*cx).call_indirect(ip, sp, 4);
        if ip.is_null() {
            return Done::Stopped;
        }
        let (mem, len) = (*cx).memory0();
        next!(ip, sp, mem, len, cx, acc, facc)
    }
});

/// Returns to the innermost suspended caller, or out of the executor.
/// A caller of another instance is resumed out of line (`return_slow`), so
/// these handlers never call.
macro_rules! return_to_caller {
    ($ip:ident, $sp:ident, $mem:ident, $len:ident, $cx:ident, $acc:ident, $facc:ident) => {{
        let cxr = &mut *$cx;
        let Some(caller) = cxr.frames.last() else { return Done::Returned };
        if caller.instance != cxr.instance {
            return super::return_slow($ip, $sp, $mem, $len, $cx, $acc, $facc);
        }
        let caller = *caller;
        cxr.frames.set_len(cxr.frames.len() - 1);
        cxr.func = caller.func;
        let sp = cxr.stack_base.add(caller.base);
        next!(caller.pc as Ip, sp, $mem, $len, $cx, $acc, $facc)
    }};
}

// Fields `src, n`: results at `src..src + n` move to slots `0..n`.
handler!(Return(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: slot indices are within the frame (module invariant); a popped frame is a suspended caller, whose
    // return address is in its code and whose slots are in the stack.
    unsafe {
        let (src, n) = (field(ip, 0) as usize, field(ip, 1) as usize);
        std::ptr::copy(sp.add(src), sp, n);
        return_to_caller!(ip, sp, mem, len, cx, acc, facc)
    }
});

// `Return` with no result.
handler!(Return0(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: as in `Return`.
    unsafe { return_to_caller!(ip, sp, mem, len, cx, acc, facc) }
});

// `Return` with one result.
handler!(Return1(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: as in `Return`.
    unsafe {
        *sp = *sp.add(field(ip, 0) as usize);
        return_to_caller!(ip, sp, mem, len, cx, acc, facc)
    }
});
