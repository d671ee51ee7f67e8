//! Lays out a translated function for the threaded executor: each `Op`
//! becomes its handler's address followed by its operands as `u32` fields
//! (see `handlers`), branch targets become word offsets relative to the
//! branching instruction, and globals become offsets into the instance's
//! context.

use super::handlers::{self as h, simd as hs, Forms, In, Out};
use super::Handler;
use crate::compile::{DefinedGlobalIndex, GlobalIndex, ModuleInfo, TableIndex};
use crate::interp::ir::{CmpOp, Op, Slot};

/// The encoded code of a function and, per op, the word where it starts.
///
/// When an op's result is an operand of the next op, it goes through an
/// accumulator register as well (see `handlers`), unless the next op can
/// be reached by a branch or takes the value in the other accumulator
/// (integer or `f64`): the producer takes an output form `Out::Both`
/// and the consumer an input form `In::A` or `In::B`. When the result is
/// a temporary that the consumer pops, its slot is not written at all
/// (`Out::Acc`): nothing reads a popped temporary again.
///
/// The code starts with an `Enter` instruction when the function has
/// locals besides its parameters (zeroed) or constant slots (filled), so
/// that calls do not do it themselves; branches to the first op land
/// after it.
pub(crate) fn encode(ops: &mut [Op], info: &ModuleInfo, frame: FrameLayout<'_>) -> (Box<[u64]>, Box<[u32]>) {
    let first_temp = frame.locals + frame.consts.len() as u32;
    let mut is_target = vec![false; ops.len() + 1];
    for op in ops.iter() {
        let mut op = *op;
        if let Some(t) = op.target_mut() {
            is_target[*t as usize] = true;
        }
    }
    // A compare-and-branch or fused load whose second operand is the value
    // just produced takes it as its first (the same test or address), so
    // that it can come from the accumulator. In place: the threaded
    // executor keeps only the encoding.
    for i in 1..ops.len() {
        if let Some(d) = shape(&ops[i - 1]).and_then(|s| s.dst) {
            ops[i] = operands_swapped(ops[i], d);
        }
    }
    let ops = &*ops;
    // A `select` reads its condition from a field of its own (the `match`
    // executor finds it two slots above the result, where the translator
    // puts it): the copy that put it there from a local is dropped, and
    // the select reads the local, unless a branch lands between them.
    let mut cond = vec![0; ops.len()];
    let mut elided = vec![false; ops.len()];
    for (i, op) in ops.iter().enumerate() {
        if let Op::Select { d, .. } = *op {
            cond[i] = d + 2;
            if let Some(&Op::Copy { d: to, a: from }) = i.checked_sub(1).map(|p| &ops[p]) {
                if to == d + 2 && !is_target[i] {
                    cond[i] = from;
                    elided[i - 1] = true;
                }
            }
        }
    }
    let shapes: Vec<Option<Shape>> = ops
        .iter()
        .enumerate()
        .map(|(i, op)| match *op {
            _ if elided[i] => None,
            Op::Select { d, .. } => {
                Some(Shape { forms: h::select_forms(*op)?, dst: Some(d), a: Some(cond[i]), b: None, pops: true })
            }
            _ => shape(op),
        })
        .collect();
    let mut input = vec![In::Slots; ops.len()];
    let mut output = vec![Out::Slot; ops.len()];
    // The op encoded last, and whether a branch lands after it.
    let mut prev: Option<usize> = None;
    let mut landed = false;
    for i in 0..ops.len() {
        landed |= is_target[i];
        if elided[i] {
            continue;
        }
        let link = prev.filter(|_| !landed).and_then(|p| Some((p, shapes[p].as_ref()?, shapes[i].as_ref()?)));
        prev = Some(i);
        landed = false;
        let Some((p, producer, consumer)) = link else { continue };
        let Some(d) = producer.dst else { continue };
        let which = match (consumer.a, consumer.b) {
            (Some(a), _) if a == d => In::A,
            (_, Some(b)) if b == d => In::B,
            _ => continue,
        };
        let possible = consumer.forms.handlers[which as usize][Out::Slot as usize].is_some()
            && consumer.forms.input == producer.forms.output;
        if !possible {
            continue;
        }
        input[i] = which;
        let read_once = consumer.a != consumer.b;
        output[p] = if d >= first_temp && consumer.pops && read_once { Out::Acc } else { Out::Both };
    }
    // An i32 add whose sum a compare-and-branch tests next (a loop's
    // counter and its test) is one instruction: the add's fields, the
    // branch's other operand, its offset.
    let mut add_br: Vec<Option<(Handler, u32)>> = vec![None; ops.len()];
    for i in 0..ops.len().saturating_sub(1) {
        let add_slot = match ops[i] {
            Op::I32AddImm { .. } => false,
            Op::I32Add { .. } => true,
            _ => continue,
        };
        if input[i] == In::Slots && input[i + 1] == In::A && !elided[i + 1] {
            add_br[i] = h::add_br_handler(ops[i + 1], add_slot);
        }
    }
    let mut e = Encoder { words: Vec::with_capacity(ops.len() * 3), starts: Vec::with_capacity(ops.len()) };
    if frame.locals > frame.params || !frame.consts.is_empty() {
        e.op(h::Enter, &[frame.params, frame.locals, frame.consts.len() as u32]);
        e.words.extend_from_slice(frame.consts);
    }
    // Branches are patched once every op's start is known: (word of the
    // offset field, branching op's start, target op).
    let mut branches: Vec<(usize, usize, u32)> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let start = e.words.len();
        e.starts.push(start as u32);
        if elided[i] || i.checked_sub(1).is_some_and(|p| add_br[p].is_some()) {
            continue;
        }
        // The field holding a branch offset, filled in below.
        let mut target =
            |e: &mut Encoder, field: usize, to: u32| branches.push((e.field_index(start, field), start, to));
        if let Some((handler, other)) = add_br[i] {
            let (d, a, addend) = match *op {
                Op::I32AddImm { d, a, imm } => (d, a, imm as u32),
                Op::I32Add { d, a, b } => (d, a, b),
                _ => unreachable!("only adds are fused with a branch"),
            };
            let mut branch = ops[i + 1];
            let to = *branch.target_mut().expect("a branch");
            e.op(handler, &[d, a, addend, other, 0]);
            target(&mut e, 4, to);
            continue;
        }
        match *op {
            Op::Br { target: to } => {
                e.op(h::Br, &[0]);
                target(&mut e, 0, to);
            }
            Op::BrIfNez { c, target: to } => {
                e.op(h::BrIfNez, &[c, 0]);
                target(&mut e, 1, to);
            }
            Op::BrIfEqz { c, target: to } => {
                e.op(h::BrIfEqz, &[c, 0]);
                target(&mut e, 1, to);
            }
            Op::BrIfI32Eq { a, b, target: to } => e.cmp_branch(h::BrIfI32Eq, a, b, to, &mut target),
            Op::BrIfI32Ne { a, b, target: to } => e.cmp_branch(h::BrIfI32Ne, a, b, to, &mut target),
            Op::BrIfI32LtS { a, b, target: to } => e.cmp_branch(h::BrIfI32LtS, a, b, to, &mut target),
            Op::BrIfI32LtU { a, b, target: to } => e.cmp_branch(h::BrIfI32LtU, a, b, to, &mut target),
            Op::BrIfI32GtS { a, b, target: to } => e.cmp_branch(h::BrIfI32GtS, a, b, to, &mut target),
            Op::BrIfI32GtU { a, b, target: to } => e.cmp_branch(h::BrIfI32GtU, a, b, to, &mut target),
            Op::BrIfI32LeS { a, b, target: to } => e.cmp_branch(h::BrIfI32LeS, a, b, to, &mut target),
            Op::BrIfI32LeU { a, b, target: to } => e.cmp_branch(h::BrIfI32LeU, a, b, to, &mut target),
            Op::BrIfI32GeS { a, b, target: to } => e.cmp_branch(h::BrIfI32GeS, a, b, to, &mut target),
            Op::BrIfI32GeU { a, b, target: to } => e.cmp_branch(h::BrIfI32GeU, a, b, to, &mut target),
            Op::BrTable { idx, len } => e.op(h::BrTable, &[idx, len]),
            Op::Select { d, a, b } => e.op(h::Select, &[d, a, b, cond[i]]),
            Op::Const64 { d, v } => {
                e.op(h::Const64, &[d, 0]);
                e.words.push(v);
            }
            Op::Return { src, n: 0 } => e.op(h::Return0, &[src, 0]),
            Op::Return { src, n: 1 } => e.op(h::Return1, &[src, 1]),
            Op::BrIfCmp { a, b, target: to, .. } | Op::BrIfNotCmp { a, b, target: to, .. } => {
                e.cmp_branch(h::Br, a, b, to, &mut target)
            }
            Op::BinImm { d, a, imm, .. } => e.op(h::Br, &[d, a, imm]),
            Op::CallIndirect { table, ty, base } => {
                let table_pointer = info.offsets.vmctx_table_pointer(TableIndex(table));
                let sig = info.sigs[ty as usize].0;
                let params = crate::interp::ir::slots_of(info.types[ty as usize].params()) as u32;
                e.op(h::CallIndirect, &[table, ty, base, table_pointer, sig, params]);
            }
            Op::BrIfImm { a, imm, target: to, .. } | Op::BrIfNotImm { a, imm, target: to, .. } => {
                e.cmp_branch(h::Br, a, imm, to, &mut target)
            }
            Op::GlobalGet { d, g } => {
                let (handler, offset) = global(info, g, h::GlobalGetImported, h::GlobalGetDefined);
                e.op(handler, &[d, offset]);
            }
            Op::GlobalSet { g, a } => {
                let (handler, offset) = global(info, g, h::GlobalSetImported, h::GlobalSetDefined);
                e.op(handler, &[offset, a]);
            }
            Op::V128Const { d, idx } => {
                e.op(hs::V128Const, &[d, 0]);
                e.push_v128(frame.v128_consts[idx as usize]);
            }
            Op::I8x16Shuffle { base, idx } => {
                e.op(hs::I8x16Shuffle, &[base, 0]);
                e.push_v128(frame.v128_consts[idx as usize]);
            }
            Op::V128Copy { d, a } => e.op(hs::V128Copy, &[d, a]),
            Op::V128Unary { op, d, a } => e.op(hs::unary_handler(op), &[d, a]),
            Op::V128Binary { op, d, a, b } => e.op(hs::binary_handler(op), &[d, a, b]),
            Op::V128Ternary { op, base } => e.op(hs::ternary_handler(op), &[base]),
            Op::V128Shift { op, d, a, b } => e.op(hs::shift_handler(op), &[d, a, b]),
            Op::V128Splat { op, d, a } => e.op(hs::splat_handler(op), &[d, a]),
            Op::V128Extract { op, lane, d, a } => e.op(hs::extract_handler(op), &[d, a, lane as u32]),
            Op::V128Replace { op, lane, d, a, b } => e.op(hs::replace_handler(op), &[d, a, b, lane as u32]),
            Op::V128Test { op, d, a } => e.op(hs::test_handler(op), &[d, a]),
            Op::V128Load { op, d, a, off } => e.op(hs::load::handler(op), &[d, a, off]),
            Op::V128Store { a, v, off } => e.op(hs::V128Store, &[a, v, off]),
            Op::V128LoadLane { op, lane, base, off } => e.op(hs::lane::handler(op, false), &[base, off, lane as u32]),
            Op::V128StoreLane { op, lane, base, off } => e.op(hs::lane::handler(op, true), &[base, off, lane as u32]),
            Op::V128Select { d, a, b } => e.op(hs::V128Select, &[d, a, b]),
            Op::V128GlobalGet { d, g } => {
                let (handler, offset) = global(info, g, hs::V128GlobalGetImported, hs::V128GlobalGetDefined);
                e.op(handler, &[d, offset]);
            }
            Op::V128GlobalSet { g, a } => {
                let (handler, offset) = global(info, g, hs::V128GlobalSetImported, hs::V128GlobalSetDefined);
                e.op(handler, &[offset, a]);
            }
            _ => e.plain(op),
        }
        // Every form of an op has the fields of its plain form: the handler
        // word is all that changes (`h::Br` above is a placeholder).
        if let Some(shape) = &shapes[i] {
            let form = shape.forms.handlers[input[i] as usize][output[i] as usize];
            let plain = shape.forms.handlers[In::Slots as usize][Out::Slot as usize];
            let handler = form.or(plain).expect("every family has a plain form");
            e.words[start] = handler as usize as u64;
        }
    }
    for (field, from, to) in branches {
        let rel = e.starts[to as usize] as i64 - from as i64;
        e.set_field(field, rel as i32 as u32);
    }
    (e.words.into(), e.starts.into())
}

/// What a function's first instruction sets up in its frame: slots
/// `params..locals` are zeroed, `consts` fill the slots from `locals` on,
/// and the wasm operand stack's temporaries follow them.
pub(crate) struct FrameLayout<'a> {
    pub(crate) params: u32,
    pub(crate) locals: u32,
    pub(crate) consts: &'a [u64],
    /// The `v128` constants and shuffle patterns ops name by index (the
    /// encoding holds them inline).
    pub(crate) v128_consts: &'a [u128],
}

/// How an op can use the accumulator: its handlers by form, the slot it
/// writes (for the output forms), and the operands the accumulator may
/// stand for (`In::A`, `In::B`).
struct Shape {
    forms: Forms,
    dst: Option<Slot>,
    a: Option<Slot>,
    b: Option<Slot>,
    /// Whether the op pops those operands off the wasm stack. A `Copy`
    /// may leave its temporary there (a branch's values on the way out).
    pops: bool,
}

fn shape(op: &Op) -> Option<Shape> {
    let op = *op;
    let some = |forms: Option<Forms>, dst, a, b| forms.map(|forms| Shape { forms, dst, a, b, pops: true });
    if let Some((d, a, b)) = op.binary_operands() {
        let forms = h::binary_forms(op).or_else(|| h::binary_f64_forms(op)).or_else(|| h::cmp_f64_forms(op));
        return some(forms, Some(d), Some(a), Some(b));
    }
    if let Some((d, a)) = op.unary_operands() {
        let forms = h::unary_forms(op)
            .or_else(|| h::unary_f64_forms(op))
            .or_else(|| h::to_f64_forms(op))
            .or_else(|| h::from_f64_forms(op));
        return some(forms, Some(d), Some(a), None);
    }
    if let Some((d, a)) = op.load_operands() {
        return some(h::load_forms(op), Some(d), Some(a), None);
    }
    if let Some((a, v)) = op.store_operands() {
        return some(h::store_forms(op), None, Some(a), Some(v));
    }
    match op {
        Op::Copy { d, a } => some(h::unary_forms(op), Some(d), Some(a), None).map(|s| Shape { pops: false, ..s }),
        Op::BinImm { op: imm, d, a, .. } => some(h::imm_forms(imm), Some(d), Some(a), None),
        Op::I32AddImm { d, a, .. } | Op::I64AddImm { d, a, .. } => some(h::add_imm_forms(op), Some(d), Some(a), None),
        Op::I32LoadAddImm { d, a, .. }
        | Op::I64LoadAddImm { d, a, .. }
        | Op::I32Load8UAddImm { d, a, .. }
        | Op::I32LoadAdd { d, a, .. }
        | Op::I64LoadAdd { d, a, .. }
        | Op::I32Load8UAdd { d, a, .. } => some(h::load_add_forms(op), Some(d), Some(a), None),
        Op::I32StoreAddImm { a, v, .. } | Op::I64StoreAddImm { a, v, .. } | Op::I32Store8AddImm { a, v, .. } => {
            some(h::store_add_forms(op), None, Some(a), Some(v))
        }
        Op::BrIfNez { c, .. } | Op::BrIfEqz { c, .. } => some(h::br_test_forms(op), None, Some(c), None),
        Op::BrIfCmp { op: cmp, a, .. } => {
            some(h::br_cmp_forms(cmp).or_else(|| h::br_cmp_f64_forms(cmp)), None, Some(a), None)
        }
        Op::BrIfNotCmp { op: cmp, a, .. } => {
            some(h::br_not_cmp_forms(cmp).or_else(|| h::br_not_cmp_f64_forms(cmp)), None, Some(a), None)
        }
        Op::BrIfImm { op: imm, a, .. } => some(h::br_imm_forms(imm), None, Some(a), None),
        Op::BrIfNotImm { op: imm, a, .. } => some(h::br_not_imm_forms(imm), None, Some(a), None),
        _ => some(h::br_i32_forms(op), None, branch_i32_operand(op), None),
    }
}

/// The first operand of an i32 compare-and-branch.
fn branch_i32_operand(op: Op) -> Option<Slot> {
    match op {
        Op::BrIfI32Eq { a, .. }
        | Op::BrIfI32Ne { a, .. }
        | Op::BrIfI32LtS { a, .. }
        | Op::BrIfI32LtU { a, .. }
        | Op::BrIfI32GtS { a, .. }
        | Op::BrIfI32GtU { a, .. }
        | Op::BrIfI32LeS { a, .. }
        | Op::BrIfI32LeU { a, .. }
        | Op::BrIfI32GeS { a, .. }
        | Op::BrIfI32GeU { a, .. } => Some(a),
        _ => None,
    }
}

/// `op` with its operands swapped when its second one is `d` and its
/// first is not, where that gives the same result: a comparison branch
/// with the mirrored comparison, or a fused load's address sum.
fn operands_swapped(op: Op, d: Slot) -> Op {
    macro_rules! mirrored {
        ($($name:ident => $mirror:ident),*) => {
            match op {
                $(Op::$name { a, b, target } if b == d && a != d => Op::$mirror { a: b, b: a, target },)*
                Op::BrIfCmp { op, a, b, target } if b == d && a != d => Op::BrIfCmp { op: mirror(op), a: b, b: a, target },
                Op::BrIfNotCmp { op, a, b, target } if b == d && a != d => {
                    Op::BrIfNotCmp { op: mirror(op), a: b, b: a, target }
                }
                Op::I32LoadAdd { d: r, a, b } if b == d && a != d => Op::I32LoadAdd { d: r, a: b, b: a },
                Op::I64LoadAdd { d: r, a, b } if b == d && a != d => Op::I64LoadAdd { d: r, a: b, b: a },
                Op::I32Load8UAdd { d: r, a, b } if b == d && a != d => Op::I32Load8UAdd { d: r, a: b, b: a },
                other => other,
            }
        };
    }
    mirrored!(
        BrIfI32Eq => BrIfI32Eq, BrIfI32Ne => BrIfI32Ne,
        BrIfI32LtS => BrIfI32GtS, BrIfI32LtU => BrIfI32GtU, BrIfI32GtS => BrIfI32LtS, BrIfI32GtU => BrIfI32LtU,
        BrIfI32LeS => BrIfI32GeS, BrIfI32LeU => BrIfI32GeU, BrIfI32GeS => BrIfI32LeS, BrIfI32GeU => BrIfI32LeU
    )
}

/// The comparison that holds for `(y, x)` when `op` holds for `(x, y)`.
fn mirror(op: CmpOp) -> CmpOp {
    use CmpOp::*;
    match op {
        I64LtS => I64GtS,
        I64LtU => I64GtU,
        I64GtS => I64LtS,
        I64GtU => I64LtU,
        I64LeS => I64GeS,
        I64LeU => I64GeU,
        I64GeS => I64LeS,
        I64GeU => I64LeU,
        F32Lt => F32Gt,
        F32Gt => F32Lt,
        F32Le => F32Ge,
        F32Ge => F32Le,
        F64Lt => F64Gt,
        F64Gt => F64Lt,
        F64Le => F64Ge,
        F64Ge => F64Le,
        I64Eq | I64Ne | F32Eq | F32Ne | F64Eq | F64Ne => op,
    }
}

/// The handler and context offset of a `global.get`/`global.set` of `g`.
fn global(info: &ModuleInfo, g: u32, imported: Handler, defined: Handler) -> (Handler, u32) {
    let offsets = &info.offsets;
    if g < offsets.num_imported_globals {
        (imported, offsets.vmctx_global_import(GlobalIndex(g)))
    } else {
        (defined, offsets.vmctx_global_definition(DefinedGlobalIndex(g - offsets.num_imported_globals)))
    }
}

struct Encoder {
    words: Vec<u64>,
    starts: Vec<u32>,
}

impl Encoder {
    /// Appends `handler` and `fields`, two to a word.
    fn op(&mut self, handler: Handler, fields: &[u32]) {
        self.words.push(handler as usize as u64);
        for pair in fields.chunks(2) {
            let hi = pair.get(1).copied().unwrap_or(0);
            // Little-endian: the first field of a word is its low half
            // (`field` reads `u32`s in memory order).
            self.words.push(pair[0] as u64 | (hi as u64) << 32);
        }
    }

    /// Appends a `v128` as two words, low half first.
    fn push_v128(&mut self, v: u128) {
        self.words.push(v as u64);
        self.words.push((v >> 64) as u64);
    }

    /// Where field `i` of the instruction starting at word `start` is, in
    /// `u32`s.
    fn field_index(&self, start: usize, i: usize) -> usize {
        (start + 1) * 2 + i
    }

    fn set_field(&mut self, at: usize, v: u32) {
        let word = &mut self.words[at / 2];
        if at.is_multiple_of(2) {
            *word = (*word & !0xffff_ffff) | v as u64;
        } else {
            *word = (*word & 0xffff_ffff) | (v as u64) << 32;
        }
    }

    fn cmp_branch(
        &mut self,
        handler: Handler,
        a: u32,
        b: u32,
        to: u32,
        target: &mut impl FnMut(&mut Self, usize, u32),
    ) {
        self.op(handler, &[a, b, 0]);
        target(self, 2, to);
    }

    /// Ops whose fields are encoded as they are.
    fn plain(&mut self, op: &Op) {
        macro_rules! same {
            ($op:expr; $($name:ident { $($f:ident),* }),* $(,)?) => {
                match *$op {
                    $(Op::$name { $($f),* } => self.op(h::$name, &[$($f as u32),*]),)*
                    ref other => unreachable!("encoded elsewhere: {other:?}"),
                }
            };
        }
        match *op {
            Op::I32Store8 { a, v, off } | Op::I64Store8 { a, v, off } => return self.op(h::Store8, &[a, v, off]),
            Op::I32Store16 { a, v, off } | Op::I64Store16 { a, v, off } => return self.op(h::Store16, &[a, v, off]),
            Op::I64Store32 { a, v, off } => return self.op(h::I32Store, &[a, v, off]),
            Op::Unreachable {} => return self.op(h::Unreachable, &[]),
            Op::Check {} => return self.op(h::Check, &[]),
            _ => {}
        }
        same!(op;
            I32Eq { d, a, b }, I32Ne { d, a, b }, I32LtS { d, a, b }, I32LtU { d, a, b }, I32GtS { d, a, b },
            I32GtU { d, a, b }, I32LeS { d, a, b }, I32LeU { d, a, b }, I32GeS { d, a, b }, I32GeU { d, a, b },
            I64Eq { d, a, b }, I64Ne { d, a, b }, I64LtS { d, a, b }, I64LtU { d, a, b }, I64GtS { d, a, b },
            I64GtU { d, a, b }, I64LeS { d, a, b }, I64LeU { d, a, b }, I64GeS { d, a, b }, I64GeU { d, a, b },
            F32Eq { d, a, b }, F32Ne { d, a, b }, F32Lt { d, a, b }, F32Gt { d, a, b }, F32Le { d, a, b },
            F32Ge { d, a, b }, F64Eq { d, a, b }, F64Ne { d, a, b }, F64Lt { d, a, b }, F64Gt { d, a, b },
            F64Le { d, a, b }, F64Ge { d, a, b },
            I32Add { d, a, b }, I32Sub { d, a, b }, I32Mul { d, a, b }, I32DivS { d, a, b }, I32DivU { d, a, b },
            I32RemS { d, a, b }, I32RemU { d, a, b }, I32And { d, a, b }, I32Or { d, a, b }, I32Xor { d, a, b },
            I32Shl { d, a, b }, I32ShrS { d, a, b }, I32ShrU { d, a, b }, I32Rotl { d, a, b }, I32Rotr { d, a, b },
            I64Add { d, a, b }, I64Sub { d, a, b }, I64Mul { d, a, b }, I64DivS { d, a, b }, I64DivU { d, a, b },
            I64RemS { d, a, b }, I64RemU { d, a, b }, I64And { d, a, b }, I64Or { d, a, b }, I64Xor { d, a, b },
            I64Shl { d, a, b }, I64ShrS { d, a, b }, I64ShrU { d, a, b }, I64Rotl { d, a, b }, I64Rotr { d, a, b },
            F32Add { d, a, b }, F32Sub { d, a, b }, F32Mul { d, a, b }, F32Div { d, a, b }, F32Min { d, a, b },
            F32Max { d, a, b }, F32Copysign { d, a, b },
            F64Add { d, a, b }, F64Sub { d, a, b }, F64Mul { d, a, b }, F64Div { d, a, b }, F64Min { d, a, b },
            F64Max { d, a, b }, F64Copysign { d, a, b },
            I32Eqz { d, a }, I32Clz { d, a }, I32Ctz { d, a }, I32Popcnt { d, a },
            I64Clz { d, a }, I64Ctz { d, a }, I64Popcnt { d, a },
            F32Abs { d, a }, F32Neg { d, a }, F32Ceil { d, a }, F32Floor { d, a }, F32Trunc { d, a },
            F32Nearest { d, a }, F32Sqrt { d, a },
            F64Abs { d, a }, F64Neg { d, a }, F64Ceil { d, a }, F64Floor { d, a }, F64Trunc { d, a },
            F64Nearest { d, a }, F64Sqrt { d, a },
            I32WrapI64 { d, a }, I32TruncF32S { d, a }, I32TruncF32U { d, a }, I32TruncF64S { d, a },
            I32TruncF64U { d, a }, I64ExtendI32S { d, a }, I64TruncF32S { d, a },
            I64TruncF32U { d, a }, I64TruncF64S { d, a }, I64TruncF64U { d, a },
            F32ConvertI32S { d, a }, F32ConvertI32U { d, a }, F32ConvertI64S { d, a }, F32ConvertI64U { d, a },
            F32DemoteF64 { d, a }, F64ConvertI32S { d, a }, F64ConvertI32U { d, a }, F64ConvertI64S { d, a },
            F64ConvertI64U { d, a }, F64PromoteF32 { d, a },
            I32Extend8S { d, a }, I32Extend16S { d, a }, I64Extend8S { d, a }, I64Extend16S { d, a },
            I64Extend32S { d, a },
            I32TruncSatF32S { d, a }, I32TruncSatF32U { d, a }, I32TruncSatF64S { d, a }, I32TruncSatF64U { d, a },
            I64TruncSatF32S { d, a }, I64TruncSatF32U { d, a }, I64TruncSatF64S { d, a }, I64TruncSatF64U { d, a },
            RefIsNull { d, a },
            I32Load { d, a, off }, I64Load { d, a, off }, I32Load8S { d, a, off }, I32Load8U { d, a, off },
            I32Load16S { d, a, off }, I32Load16U { d, a, off }, I64Load8S { d, a, off }, I64Load8U { d, a, off },
            I64Load16S { d, a, off }, I64Load16U { d, a, off }, I64Load32S { d, a, off }, I64Load32U { d, a, off },
            I32Store { a, v, off }, I64Store { a, v, off },
            Copy { d, a }, CopySpan { d, a, n }, Const32 { d, v }, I32AddImm { d, a, imm }, I64AddImm { d, a, imm },
            I32LoadAddImm { d, a, imm }, I64LoadAddImm { d, a, imm }, I32Load8UAddImm { d, a, imm },
            I32LoadAdd { d, a, b }, I64LoadAdd { d, a, b }, I32Load8UAdd { d, a, b },
            I32StoreAddImm { a, v, imm }, I64StoreAddImm { a, v, imm }, I32Store8AddImm { a, v, imm },
            Return { src, n }, Call { func, base }, CallImport { func, base },
            MemorySize { d }, MemoryGrow { d, a }, MemoryFill { base }, MemoryCopy { base },
            MemoryInit { seg, base }, DataDrop { seg },
            TableGet { d, a, table }, TableSet { table, base }, TableSize { d, table }, TableGrow { table, base },
            TableFill { table, base }, TableCopy { dst, src, base }, TableInit { table, seg, base },
            ElemDrop { seg }, RefFunc { d, func },
            ConsumeFuel { n },
        )
    }
}
