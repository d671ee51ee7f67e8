//! Reading a function body for a tier: locals and operators, each
//! validated as it is read, with the error phase the spec prescribes
//! (a decoding error is "malformed", a validation error "invalid"). Every
//! tier reads bodies through this, so all of them refuse a module the same
//! way.

use super::{CompileError, CompileErrorKind};
use wasmparser::{FuncValidator, FunctionBody, Operator, OperatorsReader, ValidatorResources};

/// The operators of one body, validated one by one.
pub(crate) struct BodyReader<'a, 'v> {
    reader: OperatorsReader<'a>,
    validator: &'v mut FuncValidator<ValidatorResources>,
    wasm2_encoding: bool,
    num_locals: u32,
    done: bool,
}

impl<'a, 'v> BodyReader<'a, 'v> {
    /// Reads and validates the locals; the operators follow with `next`.
    pub(crate) fn new(
        body: &FunctionBody<'a>,
        validator: &'v mut FuncValidator<ValidatorResources>,
        wasm2_encoding: bool,
    ) -> Result<Self, CompileError> {
        let mut num_locals = 0u32;
        let mut locals = body.get_locals_reader().map_err(CompileError::malformed)?;
        for _ in 0..locals.get_count() {
            let offset = locals.original_position();
            let (count, ty) = locals.read().map_err(CompileError::malformed)?;
            validator.define_locals(offset, count, ty).map_err(CompileError::from_validator)?;
            num_locals = num_locals.checked_add(count).ok_or_else(|| {
                CompileError::new(CompileErrorKind::Malformed, "too many locals", Some(offset as usize))
            })?;
        }
        let reader = body.get_operators_reader().map_err(CompileError::malformed)?;
        Ok(BodyReader { reader, validator, wasm2_encoding, num_locals, done: false })
    }

    /// How many locals the body declares (besides the parameters).
    pub(crate) fn num_locals(&self) -> u32 {
        self.num_locals
    }

    /// The next operator and its byte offset, validated; `None` after the
    /// body's final `end`.
    #[allow(clippy::should_implement_trait)]
    pub(crate) fn next(&mut self) -> Result<Option<(usize, Operator<'a>)>, CompileError> {
        if self.reader.eof() {
            if !self.done {
                self.done = true;
                self.reader.finish().map_err(CompileError::malformed)?;
            }
            return Ok(None);
        }
        let offset = self.reader.original_position() as usize;
        let op = self.reader.read().map_err(CompileError::malformed)?;
        if self.wasm2_encoding && memarg_of(&op).is_some_and(|m| m.align >= 32) {
            // The alignment exponent and the flag bits share one LEB128:
            // 2**32 and up cannot be an alignment of this encoding.
            return Err(CompileError::new(CompileErrorKind::Malformed, "malformed memop flags", Some(offset)));
        }
        self.validator.op(offset as u64, &op).map_err(CompileError::from_validator)?;
        Ok(Some((offset, op)))
    }
}

/// Reads and validates a whole body (for tiers that translate later).
pub(crate) fn validate_body(
    body: &FunctionBody<'_>,
    validator: &mut FuncValidator<ValidatorResources>,
    wasm2_encoding: bool,
) -> Result<(), CompileError> {
    let mut reader = BodyReader::new(body, validator, wasm2_encoding)?;
    while reader.next()?.is_some() {}
    Ok(())
}

fn memarg_of(op: &Operator<'_>) -> Option<wasmparser::MemArg> {
    use Operator as O;
    match op {
        O::I32Load { memarg }
        | O::I64Load { memarg }
        | O::F32Load { memarg }
        | O::F64Load { memarg }
        | O::I32Load8S { memarg }
        | O::I32Load8U { memarg }
        | O::I32Load16S { memarg }
        | O::I32Load16U { memarg }
        | O::I64Load8S { memarg }
        | O::I64Load8U { memarg }
        | O::I64Load16S { memarg }
        | O::I64Load16U { memarg }
        | O::I64Load32S { memarg }
        | O::I64Load32U { memarg }
        | O::I32Store { memarg }
        | O::I64Store { memarg }
        | O::F32Store { memarg }
        | O::F64Store { memarg }
        | O::I32Store8 { memarg }
        | O::I32Store16 { memarg }
        | O::I64Store8 { memarg }
        | O::I64Store16 { memarg }
        | O::I64Store32 { memarg } => Some(*memarg),
        _ => None,
    }
}
