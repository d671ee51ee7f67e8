//! Compilation must take time and memory linear in the size of its input,
//! whatever the input: hostile shapes (deep nesting, long `local.tee`
//! chains, branches carrying many values, huge block types, many locals,
//! many functions...) compiled under each tier, each in a child process so
//! that its peak resident memory is its own.
//!
//! The bounds are generous: a ~300 KB module in under 200 MB, and in under
//! 2 s of CPU time besides what wasmparser's validation of it alone takes
//! (measured the same way). CPU time, not wall time, so that other tests
//! and builds running at the same time do not move it much. Validation is linear too, but a block type or a
//! function type may have 1,000 params and 1,000 results, and validation
//! checks each of them at every operator that takes or passes them: about
//! 1 s for the worst shapes here, in debug builds on a loaded machine. A
//! quadratic translator misses the bounds by orders of magnitude, a linear
//! one meets them many times over. `growth_report` (ignored by default)
//! prints time and memory at two sizes for every shape and tier, to see
//! the growth factor.
//!
//! Modules are encoded to binary here (`Enc`), so that the text parser's
//! own cost is not part of the measure and sizes are exact.

use kiln::{Config, Engine, Module, Strategy};
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The size of module the tests compile (but see `test_size`).
const SIZE: usize = 300_000;
/// The bounds for a `SIZE` module, per tier: CPU time beyond
/// `VALIDATION_FACTOR` times what validation alone takes, and peak memory;
/// in proportion for other sizes.
const MAX_SECS: f64 = 2.0;
const VALIDATION_FACTOR: f64 = 1.5;
const MAX_PEAK_MIB: u64 = 200;

/// How long a child may run and how much address space (`ulimit -v`) it
/// gets: a runaway compilation ends there, and the numbers say "more than".
#[derive(Clone, Copy)]
struct ChildLimits {
    timeout: Duration,
    address_space_kib: u64,
}

/// For the checks: well past their bounds, so a failure is quick.
const CHECK_LIMITS: ChildLimits = ChildLimits { timeout: Duration::from_secs(20), address_space_kib: 3 << 20 };
/// For the report: room to see how far past the bounds a shape goes.
const REPORT_LIMITS: ChildLimits = ChildLimits { timeout: Duration::from_secs(60), address_space_kib: 6 << 20 };

// ---- a minimal binary encoder ----

const I32: u8 = 0x7f;

fn uleb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn sleb(out: &mut Vec<u8>, mut v: i64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        let done = (v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0);
        if done {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// One function body: its locals and code (the final `end` is added).
#[derive(Default, Clone)]
struct Body {
    locals: Vec<(u32, u8)>,
    code: Vec<u8>,
}

impl Body {
    fn with_locals(locals: &[(u32, u8)]) -> Body {
        Body { locals: locals.to_vec(), code: Vec::new() }
    }
    fn op(&mut self, byte: u8) -> &mut Self {
        self.code.push(byte);
        self
    }
    fn idx(&mut self, byte: u8, index: u32) -> &mut Self {
        self.code.push(byte);
        uleb(&mut self.code, index.into());
        self
    }
    fn block(&mut self) -> &mut Self {
        self.code.extend([0x02, 0x40]);
        self
    }
    fn loop_(&mut self) -> &mut Self {
        self.code.extend([0x03, 0x40]);
        self
    }
    fn if_(&mut self) -> &mut Self {
        self.code.extend([0x04, 0x40]);
        self
    }
    /// `block`/`loop`/`if` (`opcode`) with the function type `ty` as block type.
    fn typed(&mut self, opcode: u8, ty: u32) -> &mut Self {
        self.code.push(opcode);
        sleb(&mut self.code, ty.into());
        self
    }
    fn block_i32(&mut self) -> &mut Self {
        self.code.extend([0x02, I32]);
        self
    }
    fn else_(&mut self) -> &mut Self {
        self.op(0x05)
    }
    fn end(&mut self) -> &mut Self {
        self.op(0x0b)
    }
    fn br(&mut self, depth: u32) -> &mut Self {
        self.idx(0x0c, depth)
    }
    fn br_if(&mut self, depth: u32) -> &mut Self {
        self.idx(0x0d, depth)
    }
    fn br_table(&mut self, targets: &[u32], default: u32) -> &mut Self {
        self.idx(0x0e, targets.len() as u32);
        for &t in targets {
            uleb(&mut self.code, t.into());
        }
        uleb(&mut self.code, default.into());
        self
    }
    fn ret(&mut self) -> &mut Self {
        self.op(0x0f)
    }
    fn call(&mut self, f: u32) -> &mut Self {
        self.idx(0x10, f)
    }
    fn drop_(&mut self) -> &mut Self {
        self.op(0x1a)
    }
    fn select(&mut self) -> &mut Self {
        self.op(0x1b)
    }
    fn get(&mut self, l: u32) -> &mut Self {
        self.idx(0x20, l)
    }
    fn set(&mut self, l: u32) -> &mut Self {
        self.idx(0x21, l)
    }
    fn tee(&mut self, l: u32) -> &mut Self {
        self.idx(0x22, l)
    }
    fn global_get(&mut self, g: u32) -> &mut Self {
        self.idx(0x23, g)
    }
    fn i32_const(&mut self, v: i32) -> &mut Self {
        self.code.push(0x41);
        sleb(&mut self.code, v.into());
        self
    }
    fn i32_add(&mut self) -> &mut Self {
        self.op(0x6a)
    }
    fn unreachable(&mut self) -> &mut Self {
        self.op(0x00)
    }
}

/// A module: function types, functions (type index, body), one mutable
/// i32 global; the first function is exported.
#[derive(Default)]
struct Enc {
    types: Vec<(Vec<u8>, Vec<u8>)>,
    funcs: Vec<(u32, Body)>,
}

impl Enc {
    fn ty(&mut self, params: &[u8], results: &[u8]) -> u32 {
        self.types.push((params.to_vec(), results.to_vec()));
        self.types.len() as u32 - 1
    }
    fn func(&mut self, ty: u32, body: Body) -> u32 {
        self.funcs.push((ty, body));
        self.funcs.len() as u32 - 1
    }

    fn finish(&self) -> Vec<u8> {
        fn section(out: &mut Vec<u8>, id: u8, contents: &[u8]) {
            out.push(id);
            uleb(out, contents.len() as u64);
            out.extend_from_slice(contents);
        }
        let mut out = b"\0asm\x01\0\0\0".to_vec();
        let mut s = Vec::new();
        uleb(&mut s, self.types.len() as u64);
        for (params, results) in &self.types {
            s.push(0x60);
            uleb(&mut s, params.len() as u64);
            s.extend_from_slice(params);
            uleb(&mut s, results.len() as u64);
            s.extend_from_slice(results);
        }
        section(&mut out, 1, &s);
        s.clear();
        uleb(&mut s, self.funcs.len() as u64);
        for (ty, _) in &self.funcs {
            uleb(&mut s, (*ty).into());
        }
        section(&mut out, 3, &s);
        // (global (mut i32) (i32.const 0))
        section(&mut out, 6, &[1, I32, 1, 0x41, 0, 0x0b]);
        // (export "f" (func 0))
        section(&mut out, 7, &[1, 1, b'f', 0x00, 0]);
        s.clear();
        uleb(&mut s, self.funcs.len() as u64);
        let mut body = Vec::new();
        for (_, b) in &self.funcs {
            body.clear();
            uleb(&mut body, b.locals.len() as u64);
            for &(n, ty) in &b.locals {
                uleb(&mut body, n.into());
                body.push(ty);
            }
            body.extend_from_slice(&b.code);
            body.push(0x0b);
            uleb(&mut s, body.len() as u64);
            s.extend_from_slice(&body);
        }
        section(&mut out, 10, &s);
        out
    }
}

/// A module with one function of type `params -> results`.
fn one_func(params: &[u8], results: &[u8], body: Body) -> Vec<u8> {
    let mut m = Enc::default();
    let ty = m.ty(params, results);
    m.func(ty, body);
    m.finish()
}

/// The wasm limit on a function type's params and on its results.
const MAX_ARITY: usize = 1000;

// ---- the hostile shapes; `size` is the module size to aim at, in bytes ----

/// `block` nested `size / 3` deep.
fn nested_blocks(size: usize) -> Vec<u8> {
    let n = size / 3;
    let mut b = Body::default();
    for _ in 0..n {
        b.block();
    }
    for _ in 0..n {
        b.end();
    }
    one_func(&[], &[], b)
}

/// `loop` nested `size / 3` deep.
fn nested_loops(size: usize) -> Vec<u8> {
    let n = size / 3;
    let mut b = Body::default();
    for _ in 0..n {
        b.loop_();
    }
    for _ in 0..n {
        b.end();
    }
    one_func(&[], &[], b)
}

/// `if` nested `size / 6` deep, each with an `else`.
fn nested_ifs(size: usize) -> Vec<u8> {
    let n = size / 6;
    let mut b = Body::default();
    for _ in 0..n {
        b.get(0).if_();
    }
    for _ in 0..n {
        b.else_().end();
    }
    one_func(&[I32], &[], b)
}

/// `block (result i32)` nested deep, a branch out of every level from the
/// innermost one (`br_table` over all depths), a value through every `end`.
fn nested_blocks_with_results(size: usize) -> Vec<u8> {
    let n = size / 9;
    let mut b = Body::default();
    for _ in 0..n {
        b.block_i32();
    }
    let targets: Vec<u32> = (0..n as u32).collect();
    b.i32_const(7).get(0).br_table(&targets, 0);
    for _ in 0..n {
        b.end().i32_const(1).i32_add();
    }
    one_func(&[I32], &[I32], b)
}

/// A `switch` as compilers emit it: a `br_table` in the innermost of many
/// nested blocks, with a target per block; each case's code after its
/// block's `end` sets a local and leaves the switch.
fn switch(size: usize) -> Vec<u8> {
    let n = size / 13;
    let mut b = Body::default();
    b.block();
    for _ in 0..n {
        b.block();
    }
    let targets: Vec<u32> = (0..n as u32).collect();
    b.get(0).br_table(&targets, n as u32);
    for i in 0..n {
        b.end().i32_const(i as i32).set(0).br((n - 1 - i) as u32);
    }
    b.end().get(0);
    one_func(&[I32], &[I32], b)
}

/// Blocks of type `[] -> [1000 x i32]` nested deep; the innermost makes the
/// 1000 values, every `end` passes them on.
fn nested_blocks_many_results(size: usize) -> Vec<u8> {
    let mut m = Enc::default();
    let f = m.ty(&[I32], &[]);
    let t = m.ty(&[], &[I32; MAX_ARITY]);
    let n = (size - 2 * MAX_ARITY) / 3;
    let mut b = Body::default();
    for _ in 0..n {
        b.typed(0x02, t);
    }
    for _ in 0..MAX_ARITY {
        b.get(0);
    }
    for _ in 0..n {
        b.end();
    }
    b.ret();
    m.func(f, b);
    m.finish()
}

/// `loop`s of type `[1000 x i32] -> [1000 x i32]` nested deep, with a
/// branch back to each header.
fn nested_loops_many_params(size: usize) -> Vec<u8> {
    let mut m = Enc::default();
    let f = m.ty(&[I32], &[]);
    let t = m.ty(&[I32; MAX_ARITY], &[I32; MAX_ARITY]);
    let n = (size - 2 * MAX_ARITY) / 7;
    let mut b = Body::default();
    for _ in 0..MAX_ARITY {
        b.get(0);
    }
    for _ in 0..n {
        b.typed(0x03, t).get(0).br_if(0);
    }
    for _ in 0..n {
        b.end();
    }
    b.ret();
    m.func(f, b);
    m.finish()
}

/// `if`s of type `[1000 x i32] -> [1000 x i32]`, one after the other, on a
/// stack of 1000 values: each `if` takes them all as parameters.
fn if_many_params(size: usize) -> Vec<u8> {
    let mut m = Enc::default();
    let f = m.ty(&[I32], &[]);
    let t = m.ty(&[I32; MAX_ARITY], &[I32; MAX_ARITY]);
    let n = (size - 2 * MAX_ARITY) / 6;
    let mut b = Body::default();
    for _ in 0..MAX_ARITY {
        b.i32_const(0);
    }
    for _ in 0..n {
        b.get(0).typed(0x04, t).else_().end();
    }
    b.ret();
    m.func(f, b);
    m.finish()
}

/// `br_if` to a block carrying 1000 values, which sit one slot above the
/// block's height (so they must move), many times.
fn br_if_many_values(size: usize) -> Vec<u8> {
    let mut m = Enc::default();
    let f = m.ty(&[I32], &[]);
    let t = m.ty(&[], &[I32; MAX_ARITY]);
    let n = (size - 2 * MAX_ARITY) / 4;
    let mut b = Body::default();
    b.typed(0x02, t).i32_const(0);
    for _ in 0..MAX_ARITY {
        b.get(0);
    }
    for _ in 0..n {
        b.get(0).br_if(0);
    }
    b.unreachable().end().ret();
    m.func(f, b);
    m.finish()
}

/// `br_if` out of the function (a conditional return) with 1000 results,
/// on a stack of 1000 locals, many times.
fn br_if_return_many_values(size: usize) -> Vec<u8> {
    let mut b = Body::default();
    for _ in 0..MAX_ARITY {
        b.get(0);
    }
    let n = (size - 2 * MAX_ARITY) / 4;
    for _ in 0..n {
        b.get(0).br_if(0);
    }
    one_func(&[I32], &[I32; MAX_ARITY], b)
}

/// One `br_table` with many targets spread over 1000 nested blocks that
/// each carry 1000 values, one slot above their height.
fn br_table_many_values(size: usize) -> Vec<u8> {
    let mut m = Enc::default();
    let f = m.ty(&[I32], &[]);
    let t = m.ty(&[], &[I32; MAX_ARITY]);
    let depth = 1000;
    let mut b = Body::default();
    for _ in 0..depth {
        b.typed(0x02, t);
    }
    b.i32_const(0);
    for _ in 0..MAX_ARITY {
        b.get(0);
    }
    let n = (size - 5 * depth - 2 * MAX_ARITY) / 2;
    let targets: Vec<u32> = (0..n as u32).map(|i| i % depth as u32).collect();
    b.get(0).br_table(&targets, 0);
    for _ in 0..depth {
        b.end();
    }
    b.ret();
    m.func(f, b);
    m.finish()
}

/// `br` out of many nested blocks of type `[1000 x i32] -> [1000 x i32]`,
/// each branch moving 1000 values down one slot.
fn br_many_values(size: usize) -> Vec<u8> {
    let mut m = Enc::default();
    let f = m.ty(&[I32], &[]);
    let t = m.ty(&[], &[I32; MAX_ARITY]);
    let p = m.ty(&[I32; MAX_ARITY], &[I32; MAX_ARITY]);
    let mut b = Body::default();
    b.typed(0x02, t).i32_const(0);
    for _ in 0..MAX_ARITY {
        b.get(0);
    }
    let n = (size - 2 * MAX_ARITY) / 5;
    for _ in 0..n {
        b.typed(0x02, p).br(1).end();
    }
    b.unreachable().end().ret();
    m.func(f, b);
    m.finish()
}

/// Calls of a function of type `[1000 x i32] -> [1000 x i32]`, each on
/// the results of the one before.
fn call_many_values(size: usize) -> Vec<u8> {
    let mut m = Enc::default();
    let f = m.ty(&[I32], &[]);
    let t = m.ty(&[I32; MAX_ARITY], &[I32; MAX_ARITY]);
    let mut callee = Body::default();
    callee.unreachable();
    let mut b = Body::default();
    for _ in 0..MAX_ARITY {
        b.get(0);
    }
    let n = (size - 2 * MAX_ARITY) / 2;
    for _ in 0..n {
        b.call(1);
    }
    b.ret();
    m.func(f, b);
    m.func(t, callee);
    m.finish()
}

/// `local.get 0; local.tee 1` many times: the stack grows by one each time.
fn tee_chain(size: usize) -> Vec<u8> {
    let n = size / 4;
    let mut b = Body::with_locals(&[(1, I32)]);
    for _ in 0..n {
        b.get(0).tee(1);
    }
    b.ret();
    one_func(&[I32], &[], b)
}

/// A long chain `local.tee 1 ... local.tee 50000` of one value through
/// many locals, then each of them read back and summed.
fn tee_chain_many_locals(size: usize) -> Vec<u8> {
    let n = (size / 9).min(49_000) as u32;
    let mut b = Body::with_locals(&[(n + 1, I32)]);
    b.get(0);
    for l in 1..=n {
        b.tee(l);
    }
    for l in 1..=n {
        b.get(l).i32_add();
    }
    one_func(&[I32], &[I32], b)
}

/// 50,000 locals read onto the stack, then written back in reverse order.
fn many_locals_get_set(size: usize) -> Vec<u8> {
    let n = (size / 8).min(49_999) as u32;
    let mut b = Body::with_locals(&[(n, I32)]);
    for l in 0..n {
        b.get(l);
    }
    for l in (0..n).rev() {
        b.set((l + 1) % n);
    }
    one_func(&[], &[], b)
}

/// A stack of many `local.get`s, then many `local.set`s of another local.
fn local_set_deep_stack(size: usize) -> Vec<u8> {
    let n = size / 6;
    let mut b = Body::with_locals(&[(1, I32)]);
    for _ in 0..n {
        b.get(0);
    }
    for _ in 0..n {
        b.i32_const(0).set(1);
    }
    b.ret();
    one_func(&[I32], &[], b)
}

/// A stack of many values (half the module), then many blocks, loops and
/// ifs on top of it.
fn blocks_on_deep_stack(size: usize) -> Vec<u8> {
    let mut b = Body::default();
    for _ in 0..size / 4 {
        b.global_get(0);
    }
    for _ in 0..size / 34 {
        b.block().end().loop_().end().get(0).if_().end().get(0).block().end().drop_();
    }
    b.ret();
    one_func(&[I32], &[], b)
}

/// A stack of many values (half the module), then many conditional returns
/// (`br_if` to the function's own label).
fn br_if_return_deep_stack(size: usize) -> Vec<u8> {
    let mut b = Body::default();
    for _ in 0..size / 4 {
        b.global_get(0);
    }
    for _ in 0..size / 8 {
        b.get(0).br_if(0);
    }
    b.ret();
    one_func(&[I32], &[], b)
}

/// 50,000 locals, each written after a long chain of blocks (each with a
/// branch to its end), then all read and summed.
fn many_locals_after_blocks(size: usize) -> Vec<u8> {
    let locals = (size / 16).min(49_999) as u32;
    let blocks = (size - 9 * locals as usize) / 6;
    let mut b = Body::with_locals(&[(locals, I32)]);
    for _ in 0..blocks {
        b.block().get(0).br_if(0).end();
    }
    for l in 0..locals {
        b.get(0).set(l);
    }
    b.i32_const(0);
    for l in 0..locals {
        b.get(l).i32_add();
    }
    one_func(&[], &[I32], b)
}

/// `select` chained many times.
fn select_chain(size: usize) -> Vec<u8> {
    let n = size / 5;
    let mut b = Body::default();
    b.get(0);
    for _ in 0..n {
        b.get(1).get(2).select();
    }
    one_func(&[I32, I32, I32], &[I32], b)
}

/// Very long straight-line code on a few locals.
fn straight_line(size: usize) -> Vec<u8> {
    let n = size / 7;
    let mut b = Body::with_locals(&[(3, I32)]);
    for i in 0..n as u32 {
        b.get(i % 3).get((i + 1) % 3).i32_add().set((i + 2) % 3);
    }
    b.get(0);
    one_func(&[], &[I32], b)
}

/// Many small functions calling each other.
fn many_functions(size: usize) -> Vec<u8> {
    let n = size / 13;
    let mut m = Enc::default();
    let t = m.ty(&[I32], &[I32]);
    for i in 0..n as u32 {
        let mut b = Body::default();
        b.get(0).i32_const(1).i32_add().call((i + 1) % n as u32);
        m.func(t, b);
    }
    m.finish()
}

/// Many tiny functions, each declaring 50,000 locals (6 bytes).
fn many_functions_many_locals(size: usize) -> Vec<u8> {
    let n = size / 8;
    let mut m = Enc::default();
    let t = m.ty(&[], &[]);
    for _ in 0..n {
        m.func(t, Body::with_locals(&[(50_000, I32)]));
    }
    m.finish()
}

type Shape = fn(usize) -> Vec<u8>;

const SHAPES: &[(&str, Shape)] = &[
    ("nested_blocks", nested_blocks),
    ("nested_loops", nested_loops),
    ("nested_ifs", nested_ifs),
    ("nested_blocks_with_results", nested_blocks_with_results),
    ("switch", switch),
    ("nested_blocks_many_results", nested_blocks_many_results),
    ("nested_loops_many_params", nested_loops_many_params),
    ("if_many_params", if_many_params),
    ("br_if_many_values", br_if_many_values),
    ("br_if_return_many_values", br_if_return_many_values),
    ("br_table_many_values", br_table_many_values),
    ("br_many_values", br_many_values),
    ("call_many_values", call_many_values),
    ("tee_chain", tee_chain),
    ("tee_chain_many_locals", tee_chain_many_locals),
    ("many_locals_get_set", many_locals_get_set),
    ("local_set_deep_stack", local_set_deep_stack),
    ("blocks_on_deep_stack", blocks_on_deep_stack),
    ("br_if_return_deep_stack", br_if_return_deep_stack),
    ("many_locals_after_blocks", many_locals_after_blocks),
    ("select_chain", select_chain),
    ("straight_line", straight_line),
    ("many_functions", many_functions),
    ("many_functions_many_locals", many_functions_many_locals),
];

/// The shapes whose types carry 1,000 values: validating them alone costs
/// about 1,000 type checks per operator.
const MANY_VALUE_SHAPES: &[&str] = &[
    "nested_blocks_many_results",
    "nested_loops_many_params",
    "if_many_params",
    "br_if_many_values",
    "br_if_return_many_values",
    "br_table_many_values",
    "br_many_values",
    "call_many_values",
];

/// The size a shape is tested at: `SIZE` for `MANY_VALUE_SHAPES`, 4 x
/// `SIZE` for the others, which cost little per byte: at 300 KB a
/// quadratic translator could still pass them in about 2 s (long
/// `local.tee` chains did), at 1.2 MB it misses the bounds by far rather
/// than by a margin that depends on the machine.
fn test_size(name: &str) -> usize {
    if MANY_VALUE_SHAPES.contains(&name) {
        SIZE
    } else {
        4 * SIZE
    }
}

fn shape(name: &str) -> Shape {
    SHAPES.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("no shape `{name}`")).1
}

// ---- measuring in a child process ----

const MEASURE_ENV: &str = "KILN_COMPILE_TIME_MEASURE";

/// What compiling one module took.
#[derive(Debug)]
struct Measure {
    bytes: usize,
    /// Wall time.
    secs: f64,
    /// CPU time of the whole process (all compiling threads), to 10 ms.
    cpu_secs: f64,
    peak_kib: u64,
    outcome: String,
}

/// User + system CPU time of this process so far, in seconds
/// (`/proc/self/stat` counts in USER_HZ, 100 per second on Linux).
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // The fields after the command name (in parentheses, may hold spaces):
    // utime and stime are the 14th and 15th fields of the line.
    let after_comm = &stat[stat.rfind(')').expect("a command name") + 2..];
    let fields: Vec<&str> = after_comm.split(' ').collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    ticks as f64 / 100.0
}

fn proc_status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status.lines().find(|l| l.starts_with(field)).unwrap_or_else(|| panic!("no {field} line"));
    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).expect("a number of KiB")
}

/// The child's side: runs the measure named by `MEASURE_ENV` (nothing when
/// it is not set: this is also an ordinary, empty test).
#[test]
fn measure_child() {
    let Ok(spec) = std::env::var(MEASURE_ENV) else { return };
    let mut parts = spec.split(' ');
    let (name, tier, size) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
    let bytes = shape(name)(size.parse().unwrap());
    let mut config = Config::new();
    match tier {
        "interpreter" => {
            config.strategy(Strategy::Interpreter);
        }
        "cranelift" => {
            config.strategy(Strategy::Cranelift);
        }
        "validate" => {}
        _ => panic!("unknown tier {tier}"),
    }
    let engine = Engine::new(&config).unwrap();
    // The peak is counted from here: writing 5 to clear_refs resets VmHWM
    // to the current resident size (Linux 4.0+); if that is refused, the
    // peak includes what came before.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let base = proc_status_kib("VmRSS:");
    let (start, cpu_start) = (Instant::now(), cpu_secs());
    let outcome = if tier == "validate" {
        Module::validate(&engine, &bytes).map(|_| ())
    } else {
        Module::from_binary(&engine, &bytes).map(drop)
    };
    let (secs, cpu) = (start.elapsed().as_secs_f64(), cpu_secs() - cpu_start);
    let peak = proc_status_kib("VmHWM:").saturating_sub(base);
    let outcome = match outcome {
        Ok(()) => "ok".to_string(),
        Err(e) => format!("error: {e:#}").replace('\n', " "),
    };
    println!("KILN-MEASURE {} {secs} {cpu} {peak} {outcome}", bytes.len());
}

/// Compiles shape `name` at `size` bytes under `tier` ("interpreter",
/// "cranelift", or "validate" for wasmparser's validation alone) in a child
/// process; an error saying why if the child did not finish (killed after
/// the timeout, or out of memory), with what it printed.
fn measure(name: &str, tier: &str, size: usize, limits: ChildLimits) -> Result<Measure, String> {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {} && exec \"$0\" \"$@\"", limits.address_space_kib))
        .arg(exe)
        .args(["compile_time::measure_child", "--exact", "--nocapture", "--test-threads", "1"])
        .env(MEASURE_ENV, format!("{name} {tier} {size}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the test binary runs");
    // Read as the child writes, so that it never blocks on a full pipe.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the child") {
            break Some(status);
        }
        if start.elapsed() > limits.timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = stdout.join().unwrap();
    let stderr = stderr.join().unwrap();
    let Some(status) = status else {
        return Err(format!("{name} under {tier}: killed after more than {} s", limits.timeout.as_secs()));
    };
    // The harness prints the test's name on the same line, before it.
    let line = stdout.lines().find_map(|l| l.split_once("KILN-MEASURE ").map(|(_, m)| m));
    match (status.success(), line) {
        (true, Some(line)) => {
            let mut fields = line.splitn(5, ' ');
            let mut next = || fields.next().unwrap_or_default();
            Ok(Measure {
                bytes: next().parse().unwrap(),
                secs: next().parse().unwrap(),
                cpu_secs: next().parse().unwrap(),
                peak_kib: next().parse().unwrap(),
                outcome: next().to_string(),
            })
        }
        _ => Err(format!(
            "{name} under {tier}: the child failed ({status}; address space limited to {} GiB):\n{stdout}\n{}",
            limits.address_space_kib >> 20,
            stderr.lines().take(20).collect::<Vec<_>>().join("\n")
        )),
    }
}

/// Compiles shape `name` at its `test_size` under `tier` and checks the bounds.
fn check(name: &str, tier: &str) {
    let size = test_size(name);
    let scale = size as f64 / SIZE as f64;
    let validation = measure(name, "validate", size, CHECK_LIMITS).unwrap_or_else(|e| panic!("{e}"));
    let m = measure(name, tier, size, CHECK_LIMITS).unwrap_or_else(|e| panic!("{e}"));
    let max_secs = MAX_SECS * scale + VALIDATION_FACTOR * validation.cpu_secs;
    let max_peak_mib = (MAX_PEAK_MIB as f64 * scale) as u64;
    println!(
        "{name} under {tier}: {} bytes in {:.2} s of CPU ({:.2} s wall; validation alone: {:.2} s of CPU), \
         peak +{} MiB ({})",
        m.bytes,
        m.cpu_secs,
        m.secs,
        validation.cpu_secs,
        m.peak_kib / 1024,
        m.outcome
    );
    assert_eq!(m.outcome, "ok", "{name} under {tier} did not compile");
    assert!(
        m.cpu_secs < max_secs && m.peak_kib < max_peak_mib * 1024,
        "{name} under {tier}: {} bytes took {:.2} s of CPU and {} MiB at peak (bounds: {max_secs:.2} s, \
         {max_peak_mib} MiB; validation alone took {:.2} s)",
        m.bytes,
        m.cpu_secs,
        m.peak_kib / 1024,
        validation.cpu_secs
    );
}

/// A test per shape and tier: `interpreter::<shape>`, `cranelift::<shape>`.
macro_rules! tests {
    ($($shape:ident),* $(,)?) => {
        mod interpreter {
            $(#[test] fn $shape() { super::check(stringify!($shape), "interpreter") })*
        }
        mod cranelift {
            $(#[test] fn $shape() { super::check(stringify!($shape), "cranelift") })*
        }
    };
}

tests!(
    nested_blocks,
    nested_loops,
    nested_ifs,
    nested_blocks_with_results,
    switch,
    nested_blocks_many_results,
    nested_loops_many_params,
    if_many_params,
    br_if_many_values,
    br_if_return_many_values,
    br_table_many_values,
    br_many_values,
    call_many_values,
    tee_chain,
    tee_chain_many_locals,
    many_locals_get_set,
    local_set_deep_stack,
    blocks_on_deep_stack,
    br_if_return_deep_stack,
    many_locals_after_blocks,
    select_chain,
    straight_line,
    many_functions,
    many_functions_many_locals,
);

/// Prints, for every shape, time and peak memory at a quarter of its
/// `test_size` and at it, under validation alone and each tier, and the
/// growth factors (linear is about 4x). `KILN_COMPILE_TIME_SHAPES`
/// (comma-separated) picks shapes, `KILN_COMPILE_TIME_TIERS` tiers.
#[test]
#[ignore = "a report, not a check: run it by name with --ignored --nocapture"]
fn growth_report() {
    let pick = |var: &str| std::env::var(var).ok().map(|v| v.split(',').map(str::to_string).collect::<Vec<_>>());
    let shapes = pick("KILN_COMPILE_TIME_SHAPES");
    let tiers = pick("KILN_COMPILE_TIME_TIERS")
        .unwrap_or_else(|| ["validate", "interpreter", "cranelift"].map(str::to_string).to_vec());
    let show = |r: &Result<Measure, String>| match r {
        Ok(m) if m.outcome == "ok" => {
            format!("{:>7.3} s {:>6.2} s cpu {:>6} MiB", m.secs, m.cpu_secs, m.peak_kib / 1024)
        }
        Ok(m) => format!("{:>31}", &m.outcome[..m.outcome.len().min(31)]),
        Err(e) if e.contains("killed") => format!("{:>31}", format!("> {} s", REPORT_LIMITS.timeout.as_secs())),
        Err(_) => format!("{:>31}", "failed (out of memory?)"),
    };
    for (name, _) in SHAPES {
        if shapes.as_ref().is_some_and(|s| !s.iter().any(|s| s == name)) {
            continue;
        }
        for tier in &tiers {
            let small = measure(name, tier, test_size(name) / 4, REPORT_LIMITS);
            let large = measure(name, tier, test_size(name), REPORT_LIMITS);
            let growth = match (&small, &large) {
                (Ok(s), Ok(l)) => format!(
                    "x{:.1} time, x{:.1} mem",
                    l.secs / s.secs.max(1e-6),
                    l.peak_kib as f64 / s.peak_kib.max(1) as f64
                ),
                _ => String::new(),
            };
            let bytes = large.as_ref().map(|m| m.bytes).unwrap_or_default();
            println!("{name:<28} {tier:<11} {bytes:>7} B | {} | {} | {growth}", show(&small), show(&large));
        }
    }
}

// ---- the translations of these shapes compute the right values ----
//
// The shapes above only measure; these run small versions of the paths
// that exist for them (branches carrying more values than a translator
// moves one by one, `if` parameters, operands that still refer to a local
// when it is written), under both tiers.

/// How many values the branches below carry: more than the interpreter
/// moves one op per value.
const MANY: i32 = 12;

/// The values pushed before the branches, as WAT: a local, a constant or a
/// computed value, in turn.
fn many_values_wat() -> String {
    (0..MANY)
        .map(|i| match i % 3 {
            0 => "(local.get $x)".to_string(),
            1 => format!("(i32.const {})", i * 7),
            _ => format!("(i32.add (local.get $x) (i32.const {i}))"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What `$sum` (below) makes of `many_values_wat()` for `x`, plus `add` to
/// the last value.
fn many_values_sum(x: i32, add: i32) -> i32 {
    (0..MANY).fold(0i32, |acc, i| {
        let v = match i % 3 {
            0 => x,
            1 => i * 7,
            _ => x.wrapping_add(i),
        };
        let v = if i == MANY - 1 { v.wrapping_add(add) } else { v };
        acc.wrapping_add(v.wrapping_mul(i + 1))
    })
}

fn many_values_module() -> String {
    let ty = vec!["i32"; MANY as usize].join(" ");
    let vals = many_values_wat();
    let drops = "drop ".repeat(MANY as usize);
    let sum: String =
        (0..MANY).map(|i| format!("(local.get {i}) (i32.const {}) i32.mul i32.add ", i + 1)).collect::<String>();
    format!(
        r#"(module
  (type $t (func (result {ty})))
  (type $p (func (param {ty}) (result {ty})))
  (type $p2 (func (param i32 i32) (result i32 i32)))
  (func $sum (param {ty}) (result i32) (i32.const 0) {sum})
  ;; br_if with the values one slot above the block's height (they move),
  ;; then the local they read is written before a `br` with the same values.
  (func (export "br_if_moved") (param $c i32) (param $x i32) (result i32)
    (block (type $t)
      (i32.const 99) {vals} (local.get $c) (br_if 0)
      (local.set $x (i32.const 55)) (br 0))
    (call $sum))
  ;; br_if with the values in place.
  (func (export "br_if_in_place") (param $c i32) (param $x i32) (result i32)
    (block (type $t)
      {vals} (local.get $c) (br_if 0)
      (local.set $x (i32.const 55)) {drops} {vals} (i32.const 1000) i32.add)
    (call $sum))
  ;; br_if out of the function.
  (func $ret (param $c i32) (param $x i32) (result {ty})
    {vals} (local.get $c) (br_if 0)
    (local.set $x (i32.const 55)) {drops} {vals} (i32.const 1000) i32.add)
  (func (export "br_if_return") (param $c i32) (param $x i32) (result i32)
    (call $ret (local.get $c) (local.get $x)) (call $sum))
  ;; br_table to two blocks (the values move) and out of the function.
  (func $table (param $i i32) (param $x i32) (result {ty})
    (block (type $t)
      (block (type $t)
        (i32.const 99) {vals} (local.get $i) (br_table 0 1 2 0))
      (i32.const 1000) i32.add)
    (i32.const 2000) i32.add)
  (func (export "br_table") (param $i i32) (param $x i32) (result i32)
    (call $table (local.get $i) (local.get $x)) (call $sum))
  ;; br out of a block whose parameters are the values.
  (func (export "br_params") (param $x i32) (result i32)
    (block (type $t)
      (i32.const 99) {vals} (block (type $p) (br 1)) unreachable)
    (call $sum))
  ;; if with parameters; the then arm replaces them, the else arm keeps them.
  (func (export "if_params") (param $c i32) (param $x i32) (result i32)
    {vals} (local.get $c)
    (if (type $p) (then {drops} (local.set $x (i32.const 55)) {vals} (i32.const 1000) i32.add) (else))
    (call $sum))
  ;; the same without an else arm.
  (func (export "if_params_no_else") (param $c i32) (param $x i32) (result i32)
    {vals} (local.get $c)
    (if (type $p) (then {drops} (local.set $x (i32.const 55)) {vals} (i32.const 1000) i32.add))
    (call $sum))
  ;; two parameters, a local below them, a fused comparison as condition.
  (func (export "if_params_compare") (param $c i32) (param $x i32) (result i32)
    (local.get $x) (local.get $x) (i32.const 3) (i32.ne (local.get $c) (i32.const 0))
    (if (type $p2)
      (then (local.set $x (i32.const 55)) (i32.add (local.get $x)) (i32.const 1000) i32.add)
      (else (local.set $x (i32.const 66)) (i32.add (i32.const 1)) (local.get $x) i32.add))
    i32.mul i32.add))
"#
    )
}

fn run_many_values(strategy: Strategy) {
    let mut config = Config::new();
    config.strategy(strategy);
    let engine = Engine::new(&config).unwrap();
    let module = crate::module(&engine, &many_values_module());
    let mut store = kiln::Store::new(&engine, ());
    let instance = kiln::Instance::new(&mut store, &module, &[]).unwrap();
    let call2 = |store: &mut kiln::Store<()>, name: &str, a: i32, b: i32| -> i32 {
        let f = instance.get_typed_func::<(i32, i32), i32>(&mut *store, name).unwrap();
        f.call(&mut *store, (a, b)).unwrap()
    };
    for x in [0, 5, -3] {
        let s = |add| many_values_sum(x, add);
        // The values as computed before `$x` became 55.
        assert_eq!(call2(&mut store, "br_if_moved", 1, x), s(0), "br_if_moved taken, x = {x}");
        assert_eq!(call2(&mut store, "br_if_moved", 0, x), s(0), "br_if_moved not taken, x = {x}");
        assert_eq!(call2(&mut store, "br_if_in_place", 1, x), s(0), "br_if_in_place taken, x = {x}");
        assert_eq!(call2(&mut store, "br_if_in_place", 0, x), many_values_sum(55, 1000), "br_if_in_place, x = {x}");
        assert_eq!(call2(&mut store, "br_if_return", 1, x), s(0), "br_if_return taken, x = {x}");
        assert_eq!(call2(&mut store, "br_if_return", 0, x), many_values_sum(55, 1000), "br_if_return, x = {x}");
        for (i, add) in [(0, 3000), (1, 2000), (2, 0), (3, 3000), (100, 3000)] {
            assert_eq!(call2(&mut store, "br_table", i, x), s(add), "br_table {i}, x = {x}");
        }
        let f = instance.get_typed_func::<i32, i32>(&mut store, "br_params").unwrap();
        assert_eq!(f.call(&mut store, x).unwrap(), s(0), "br_params, x = {x}");
        for name in ["if_params", "if_params_no_else"] {
            assert_eq!(call2(&mut store, name, 0, x), s(0), "{name} else, x = {x}");
            assert_eq!(call2(&mut store, name, 1, x), many_values_sum(55, 1000), "{name} then, x = {x}");
        }
        // The parameters (x, 3) become (x, 3 + 55 + 1000) or (x, 3 + 1 + 66).
        let then = x.wrapping_add(x.wrapping_mul(1058));
        let else_ = x.wrapping_add(x.wrapping_mul(70));
        assert_eq!(call2(&mut store, "if_params_compare", 1, x), then, "if_params_compare then, x = {x}");
        assert_eq!(call2(&mut store, "if_params_compare", 0, x), else_, "if_params_compare else, x = {x}");
    }
}

#[test]
fn many_values_interpreter() {
    run_many_values(Strategy::Interpreter);
}

#[test]
fn many_values_cranelift() {
    run_many_values(Strategy::Cranelift);
}

/// Operands that still refer to a local when it is written, across
/// `local.tee`, blocks (which materialize every such operand) and branches.
const LOCAL_REFS: &str = r#"(module
  (func (export "refs") (param $x i32) (result i32)
    (local $a i32) (local $b i32)
    (local.get $x)                          ;; x
    (local.get $a)                          ;; 0 (a's old value)
    (local.tee $a (local.get $x))           ;; x
    (local.tee $b (i32.const 3))            ;; 3
    (local.set $a (i32.const 5))            ;; a = 5: both reads of a keep 0 and x
    (local.get $a)                          ;; 5
    (block)                                 ;; materializes every read
    (local.get $a)                          ;; 5
    (local.set $a (i32.const 7))            ;; a = 7
    (local.get $b)                          ;; 3
    (local.set $b (i32.add (local.get $b) (i32.const 1)))   ;; b = 4
    (local.get $b)                          ;; 4
    (if (local.get $x) (then (local.set $b (i32.const 100))))
    (local.get $a)                          ;; 7
    ;; x + 0*2 + x*3 + 3*4 + 5*5 + 5*6 + 3*7 + 4*8 + 7*9, weighted by depth
    (i32.mul (i32.const 9)) (local.set $a)
    (i32.mul (i32.const 8)) (local.get $a) i32.add (local.set $a)
    (i32.mul (i32.const 7)) (local.get $a) i32.add (local.set $a)
    (i32.mul (i32.const 6)) (local.get $a) i32.add (local.set $a)
    (i32.mul (i32.const 5)) (local.get $a) i32.add (local.set $a)
    (i32.mul (i32.const 4)) (local.get $a) i32.add (local.set $a)
    (i32.mul (i32.const 3)) (local.get $a) i32.add (local.set $a)
    (i32.mul (i32.const 2)) (local.get $a) i32.add
    i32.add))
"#;

fn run_local_refs(strategy: Strategy) {
    let mut config = Config::new();
    config.strategy(strategy);
    let engine = Engine::new(&config).unwrap();
    let module = crate::module(&engine, LOCAL_REFS);
    let mut store = kiln::Store::new(&engine, ());
    let instance = kiln::Instance::new(&mut store, &module, &[]).unwrap();
    let f = instance.get_typed_func::<i32, i32>(&mut store, "refs").unwrap();
    for x in [0, 1, 10] {
        let expected = x + x * 3 + 3 * 4 + 5 * 5 + 5 * 6 + 3 * 7 + 4 * 8 + 7 * 9;
        assert_eq!(f.call(&mut store, x).unwrap(), expected, "x = {x}");
    }
}

#[test]
fn local_refs_interpreter() {
    run_local_refs(Strategy::Interpreter);
}

#[test]
fn local_refs_cranelift() {
    run_local_refs(Strategy::Cranelift);
}
