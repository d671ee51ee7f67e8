//! How Kiln's traps are spelled as Cranelift trap codes, and back.

use crate::Trap;
use cranelift_codegen::ir::TrapCode;

/// `table.get`/`table.set`/`call_indirect` outside a table.
pub(crate) const TABLE_OUT_OF_BOUNDS: TrapCode = TrapCode::unwrap_user(1);
/// `call_indirect` through a null element.
pub(crate) const INDIRECT_CALL_TO_NULL: TrapCode = TrapCode::unwrap_user(2);
/// `call_indirect` to a function of another type.
pub(crate) const BAD_SIGNATURE: TrapCode = TrapCode::unwrap_user(3);
/// The `unreachable` instruction.
pub(crate) const UNREACHABLE: TrapCode = TrapCode::unwrap_user(4);

/// The Kiln trap a trap instruction with `code` stands for. `None` for codes
/// this tier never emits.
pub(crate) fn trap_for_code(code: TrapCode) -> Option<Trap> {
    Some(match code {
        TrapCode::STACK_OVERFLOW => Trap::StackOverflow,
        TrapCode::HEAP_OUT_OF_BOUNDS => Trap::MemoryOutOfBounds,
        TrapCode::INTEGER_OVERFLOW => Trap::IntegerOverflow,
        TrapCode::INTEGER_DIVISION_BY_ZERO => Trap::IntegerDivisionByZero,
        TrapCode::BAD_CONVERSION_TO_INTEGER => Trap::BadConversionToInteger,
        TABLE_OUT_OF_BOUNDS => Trap::TableOutOfBounds,
        INDIRECT_CALL_TO_NULL => Trap::IndirectCallToNull,
        BAD_SIGNATURE => Trap::BadSignature,
        UNREACHABLE => Trap::UnreachableCodeReached,
        _ => return None,
    })
}
