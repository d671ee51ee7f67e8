//! SIMD handlers: one per instruction of each `interp::simd` table, and the
//! loads, stores and moves of `v128`s. A `v128` sits in two slots in a row
//! (`ir`), read and written as one unaligned 16-byte access. No SIMD
//! handler takes or gives an accumulator: `encode` links none of them.

use crate::interp::simd::{
    for_each_v128_binary, for_each_v128_extract, for_each_v128_replace, for_each_v128_shift, for_each_v128_splat,
    for_each_v128_ternary, for_each_v128_test, for_each_v128_unary, V128Binary, V128Extract, V128Lane, V128Load,
    V128Replace, V128Shift, V128Splat, V128Ternary, V128Test, V128Unary,
};
use crate::interp::threaded::{field, handler, next, trap, Handler, Sp};
use crate::trap::Trap;

/// The `v128` in slots `slot` and `slot + 1`.
///
/// # Safety
/// Both slots are in the frame `sp` points to.
#[inline(always)]
unsafe fn get(sp: Sp, slot: u32) -> u128 {
    // SAFETY: the caller's promise; slots are 8-byte aligned, hence unaligned.
    unsafe { (sp.add(slot as usize) as *const u128).read_unaligned() }
}

/// Writes `v` into slots `slot` and `slot + 1`.
///
/// # Safety
/// As for `get`.
#[inline(always)]
unsafe fn set(sp: Sp, slot: u32, v: u128) {
    // SAFETY: as in `get`.
    unsafe { (sp.add(slot as usize) as *mut u128).write_unaligned(v) }
}

/// Defines one handler per table entry in module `$m`, each `$body` with
/// the entry's function as `f`, and `$lookup`, the handler of an
/// instruction of enum `$enum`. (`$d` is a `$` token, for the macros
/// defined inside.)
macro_rules! table_handlers {
    ($d:tt $table:ident, $m:ident, $enum:ident, $lookup:ident, |$ip:ident, $sp:ident, $f:ident| $body:block, $size:literal) => {
        pub(crate) mod $m {
            #[allow(unused_imports)]
            use super::*;
            macro_rules! each {
                                                        ($d(($d v:ident, $d path:path)),* $d(,)?) => {$d(
                                                            handler!($d v(ip, sp, mem, len, cx, acc, facc) {
                                                                // SAFETY: slot indices are within the frame and
                                                                // fields match the handler (module invariants).
                                                                unsafe {
                                                                    let ($ip, $sp) = (ip, sp);
                                                                    let $f = $d path;
                                                                    $body
                                                                    next!(ip.add($size), sp, mem, len, cx, acc, facc)
                                                                }
                                                            });
                                                        )*};
                                                    }
            $table!(each);
        }

        /// The handler of `op`.
        pub(crate) fn $lookup(op: $enum) -> Handler {
            macro_rules! lookup {
                                                        ($d(($d v:ident, $d path:path)),* $d(,)?) => {
                                                            match op {
                                                                $d($enum::$d v => $m::$d v as Handler,)*
                                                            }
                                                        };
                                                    }
            $table!(lookup)
        }
    };
}

// Fields `d, a`.
table_handlers!($ for_each_v128_unary, unary, V128Unary, unary_handler, |ip, sp, f| {
    set(sp, field(ip, 0), f(get(sp, field(ip, 1))));
}, 2);

// Fields `d, a, b`.
table_handlers!($ for_each_v128_binary, binary, V128Binary, binary_handler, |ip, sp, f| {
    set(sp, field(ip, 0), f(get(sp, field(ip, 1)), get(sp, field(ip, 2))));
}, 3);

// Fields `base`: operands at `base`, `base + 2`, `base + 4`, the result at `base`.
table_handlers!($ for_each_v128_ternary, ternary, V128Ternary, ternary_handler, |ip, sp, f| {
    let b = field(ip, 0);
    set(sp, b, f(get(sp, b), get(sp, b + 2), get(sp, b + 4)));
}, 2);

// Fields `d, a, b` (`b` the i32 shift count).
table_handlers!($ for_each_v128_shift, shift, V128Shift, shift_handler, |ip, sp, f| {
    set(sp, field(ip, 0), f(get(sp, field(ip, 1)), *sp.add(field(ip, 2) as usize) as u32));
}, 3);

// Fields `d, a` (`a` a scalar).
table_handlers!($ for_each_v128_splat, splat, V128Splat, splat_handler, |ip, sp, f| {
    set(sp, field(ip, 0), f(*sp.add(field(ip, 1) as usize)));
}, 2);

// Fields `d, a, lane` (`d` a scalar).
table_handlers!($ for_each_v128_extract, extract, V128Extract, extract_handler, |ip, sp, f| {
    *sp.add(field(ip, 0) as usize) = f(get(sp, field(ip, 1)), field(ip, 2) as u8);
}, 3);

// Fields `d, a, b, lane` (`b` a scalar).
table_handlers!($ for_each_v128_replace, replace, V128Replace, replace_handler, |ip, sp, f| {
    let v = f(get(sp, field(ip, 1)), *sp.add(field(ip, 2) as usize), field(ip, 3) as u8);
    set(sp, field(ip, 0), v);
}, 3);

// Fields `d, a` (`d` an i32).
table_handlers!($ for_each_v128_test, test, V128Test, test_handler, |ip, sp, f| {
    *sp.add(field(ip, 0) as usize) = f(get(sp, field(ip, 1)));
}, 2);

// Fields `d, _`, then the value in the next two words.
handler!(V128Const(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: slot indices are within the frame; the value follows the
    // fields (module invariants).
    unsafe {
        set(sp, field(ip, 0), (ip.add(2) as *const u128).read_unaligned());
        next!(ip.add(4), sp, mem, len, cx, acc, facc)
    }
});

// Fields `d, a`.
handler!(V128Copy(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: slot indices are within the frame (module invariant).
    unsafe {
        set(sp, field(ip, 0), get(sp, field(ip, 1)));
        next!(ip.add(2), sp, mem, len, cx, acc, facc)
    }
});

// Fields `d, a, b`; the condition at `d + 4`.
handler!(V128Select(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: slot indices are within the frame (module invariant).
    unsafe {
        let d = field(ip, 0);
        let v = if *sp.add(d as usize + 4) as u32 != 0 { get(sp, field(ip, 1)) } else { get(sp, field(ip, 2)) };
        set(sp, d, v);
        next!(ip.add(3), sp, mem, len, cx, acc, facc)
    }
});

// Fields `base, _`, then the 16 lane indices in the next two words.
handler!(I8x16Shuffle(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: as in `V128Const`.
    unsafe {
        let b = field(ip, 0);
        let lanes = (ip.add(2) as *const [u8; 16]).read_unaligned();
        set(sp, b, crate::interp::simd::shuffle(get(sp, b), get(sp, b + 2), lanes));
        next!(ip.add(4), sp, mem, len, cx, acc, facc)
    }
});

/// Reads `n` bytes at `addr` of memory 0 (little-endian, zero-extended),
/// or `None` when they are not all inside it.
///
/// # Safety
/// `mem..mem + len` is memory 0's bytes.
#[inline(always)]
unsafe fn read(mem: *mut u8, len: usize, addr: u64, n: usize) -> Option<u128> {
    if addr + n as u64 > len as u64 {
        return None;
    }
    let mut b = [0u8; 16];
    // SAFETY: inside the memory after the check.
    unsafe { std::ptr::copy_nonoverlapping(mem.add(addr as usize), b.as_mut_ptr(), n) };
    Some(u128::from_le_bytes(b))
}

/// Writes the low `n` bytes of `v` at `addr` of memory 0, or returns
/// `false` when they are not all inside it.
///
/// # Safety
/// As for `read`.
#[inline(always)]
unsafe fn write(mem: *mut u8, len: usize, addr: u64, n: usize, v: u128) -> bool {
    if addr + n as u64 > len as u64 {
        return false;
    }
    // SAFETY: inside the memory after the check.
    unsafe { std::ptr::copy_nonoverlapping(v.to_le_bytes().as_ptr(), mem.add(addr as usize), n) };
    true
}

/// The loads: fields `d, a, off`.
pub(crate) mod load {
    use super::*;
    macro_rules! loads {
        ($($v:ident),* $(,)?) => {
            $(handler!($v(ip, sp, mem, len, cx, acc, facc) {
                // SAFETY: slot indices are within the frame (module
                // invariant); `mem..mem + len` is memory 0's bytes.
                unsafe {
                    let addr = *sp.add(field(ip, 1) as usize) as u32 as u64 + field(ip, 2) as u64;
                    let Some(raw) = read(mem, len, addr, V128Load::$v.size() as usize) else {
                        trap!(ip, cx, Trap::MemoryOutOfBounds)
                    };
                    set(sp, field(ip, 0), V128Load::$v.finish(raw));
                    next!(ip.add(3), sp, mem, len, cx, acc, facc)
                }
            });)*

            /// The handler of load `op`.
            pub(crate) fn handler(op: V128Load) -> Handler {
                match op {
                    $(V128Load::$v => $v as Handler,)*
                }
            }
        };
    }
    crate::interp::simd::for_each_v128_load!(loads);
}

// Fields `a, v, off`.
handler!(V128Store(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: as in the loads.
    unsafe {
        let addr = *sp.add(field(ip, 0) as usize) as u32 as u64 + field(ip, 2) as u64;
        if !write(mem, len, addr, 16, get(sp, field(ip, 1))) {
            trap!(ip, cx, Trap::MemoryOutOfBounds)
        }
        next!(ip.add(3), sp, mem, len, cx, acc, facc)
    }
});

/// The lane loads and stores: fields `base, off, lane`, the address at
/// `base` and the vector at `base + 1` (a load's result at `base`).
pub(crate) mod lane {
    use super::*;
    macro_rules! lanes {
        ($(($v:ident, $load:ident, $store:ident)),*) => {
            $(handler!($load(ip, sp, mem, len, cx, acc, facc) {
                // SAFETY: as in the loads.
                unsafe {
                    let b = field(ip, 0);
                    let addr = *sp.add(b as usize) as u32 as u64 + field(ip, 1) as u64;
                    let Some(raw) = read(mem, len, addr, V128Lane::$v.size() as usize) else {
                        trap!(ip, cx, Trap::MemoryOutOfBounds)
                    };
                    set(sp, b, V128Lane::$v.insert(get(sp, b + 1), raw as u64, field(ip, 2) as u8));
                    next!(ip.add(3), sp, mem, len, cx, acc, facc)
                }
            });
            handler!($store(ip, sp, mem, len, cx, acc, facc) {
                // SAFETY: as in the loads.
                unsafe {
                    let b = field(ip, 0);
                    let addr = *sp.add(b as usize) as u32 as u64 + field(ip, 1) as u64;
                    let x = V128Lane::$v.extract(get(sp, b + 1), field(ip, 2) as u8);
                    if !write(mem, len, addr, V128Lane::$v.size() as usize, x as u128) {
                        trap!(ip, cx, Trap::MemoryOutOfBounds)
                    }
                    next!(ip.add(3), sp, mem, len, cx, acc, facc)
                }
            });)*

            /// The handlers of lane loads (`store` false) and stores.
            pub(crate) fn handler(op: V128Lane, store: bool) -> Handler {
                match (op, store) {
                    $((V128Lane::$v, false) => $load as Handler, (V128Lane::$v, true) => $store as Handler,)*
                }
            }
        };
    }
    lanes!((L8, Load8, Store8), (L16, Load16, Store16), (L32, Load32, Store32), (L64, Load64, Store64));
}

// Fields `d, offset`, as the scalar globals (`GlobalGetDefined`).
handler!(V128GlobalGetDefined(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: slot indices are within the frame; a `v128` global's 16
    // bytes are at the offset (see `Exec::global`).
    unsafe {
        set(sp, field(ip, 0), ((*cx).global(field(ip, 1), false) as *const u128).read_unaligned());
        next!(ip.add(2), sp, mem, len, cx, acc, facc)
    }
});

handler!(V128GlobalGetImported(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: as in `V128GlobalGetDefined`.
    unsafe {
        set(sp, field(ip, 0), ((*cx).global(field(ip, 1), true) as *const u128).read_unaligned());
        next!(ip.add(2), sp, mem, len, cx, acc, facc)
    }
});

// Fields `offset, a`.
handler!(V128GlobalSetDefined(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: as in `V128GlobalGetDefined`.
    unsafe {
        ((*cx).global(field(ip, 0), false) as *mut u128).write_unaligned(get(sp, field(ip, 1)));
        next!(ip.add(2), sp, mem, len, cx, acc, facc)
    }
});

handler!(V128GlobalSetImported(ip, sp, mem, len, cx, acc, facc) {
    // SAFETY: as in `V128GlobalGetDefined`.
    unsafe {
        ((*cx).global(field(ip, 0), true) as *mut u128).write_unaligned(get(sp, field(ip, 1)));
        next!(ip.add(2), sp, mem, len, cx, acc, facc)
    }
});
