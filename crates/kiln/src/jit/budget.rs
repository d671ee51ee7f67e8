//! What the JIT takes on. Cranelift's SSA builder and register allocator
//! are superlinear on some shapes of function: very deep nesting (the
//! allocator's bundle merging), branches, blocks and calls carrying
//! hundreds of values (hundreds of block arguments per input byte), and
//! thousands of locals live across thousands of blocks (the SSA builder's
//! table of variables by block). A module with such a function is given to
//! the interpreter instead (`tier.rs`), whose translation is linear in the
//! input, so no module can make compilation take time or memory out of
//! proportion to its size. Real programs stay far below these bounds: they
//! are what compilers emit for the largest functions (SQLite's included)
//! many times over.

use crate::compile::ModuleInfo;
use crate::types::FuncType;
use wasmparser::{BlockType, FunctionBody, Operator};

/// Most values (params + results) a function, block or call may carry.
const MAX_VALUES: usize = 64;
/// Deepest nesting of blocks, loops and ifs.
const MAX_DEPTH: usize = 10_000;
/// Locals beyond this many must each be matched by body bytes (see below).
const FREE_LOCALS: u64 = 1_024;
/// Most `locals x blocks` (the SSA builder's table).
const MAX_LOCALS_BY_BLOCKS: u64 = 50_000_000;

/// Why function `func` (with `body`) is past the JIT's budget, if it is.
/// A body that does not decode is left to validation, which reports it.
pub(crate) fn over_budget(info: &ModuleInfo, func: u32, body: &FunctionBody<'_>) -> Option<String> {
    let carries = |ty: &FuncType| ty.params().len() + ty.results().len();
    if carries(info.func_type(func)) > MAX_VALUES {
        return Some(format!("function {func} has more than {MAX_VALUES} parameters and results"));
    }
    let mut locals = 0u64;
    for group in body.get_locals_reader().ok()? {
        locals = locals.saturating_add(group.ok()?.0 as u64);
    }
    let range = body.range();
    let body_len = range.end - range.start;
    if locals > FREE_LOCALS && locals > 8 * body_len {
        return Some(format!("function {func} declares {locals} locals in a body of {body_len} bytes"));
    }
    let mut reader = body.get_operators_reader().ok()?;
    let (mut depth, mut blocks) = (0usize, 0u64);
    while !reader.eof() {
        let op = reader.read().ok()?;
        let values = match op {
            Operator::Block { blockty } | Operator::Loop { blockty } | Operator::If { blockty } => {
                depth += 1;
                blocks += 1;
                if depth > MAX_DEPTH {
                    return Some(format!("function {func} nests blocks more than {MAX_DEPTH} deep"));
                }
                match blockty {
                    BlockType::FuncType(t) => info.types.get(t as usize).map_or(0, carries),
                    _ => 0,
                }
            }
            Operator::End => {
                depth = depth.saturating_sub(1);
                0
            }
            Operator::BrIf { .. } | Operator::BrTable { .. } | Operator::Else => {
                blocks += 1;
                0
            }
            Operator::Call { function_index } if (function_index as usize) < info.funcs.len() => {
                carries(info.func_type(function_index))
            }
            Operator::CallIndirect { type_index, .. } => info.types.get(type_index as usize).map_or(0, carries),
            _ => 0,
        };
        if values > MAX_VALUES {
            return Some(format!("function {func} has a block or call carrying more than {MAX_VALUES} values"));
        }
    }
    if locals.saturating_mul(blocks) > MAX_LOCALS_BY_BLOCKS {
        return Some(format!("function {func} has {locals} locals live across {blocks} blocks"));
    }
    None
}
