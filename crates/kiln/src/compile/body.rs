//! Reading a function body for a tier: locals and operators, each
//! validated as it is read, with the error phase the spec prescribes
//! (a decoding error is "malformed", a validation error "invalid"). Every
//! tier reads bodies through this, so all of them refuse a module the same
//! way. A body validated earlier (the interpreter translating a function
//! on its first call) is read again without its validator.

use super::{CompileError, CompileErrorKind};
use wasmparser::{FuncValidator, FunctionBody, Operator, OperatorsReader, ValidatorResources};

/// The operators of one body, validated one by one (or, for a body
/// validated before, only decoded).
pub(crate) struct BodyReader<'a, 'v> {
    reader: OperatorsReader<'a>,
    /// `None` when the body was validated before.
    validator: Option<&'v mut FuncValidator<ValidatorResources>>,
    wasm2_encoding: bool,
    num_locals: u32,
    /// Runs of `v128` locals: (index of the first among the declared
    /// locals, count). Empty for most bodies.
    v128_locals: Vec<(u32, u32)>,
    done: bool,
}

impl<'a, 'v> BodyReader<'a, 'v> {
    /// Reads and validates the locals; the operators follow with `next`.
    pub(crate) fn new(
        body: &FunctionBody<'a>,
        validator: &'v mut FuncValidator<ValidatorResources>,
        wasm2_encoding: bool,
    ) -> Result<Self, CompileError> {
        Self::with(body, Some(validator), wasm2_encoding)
    }

    /// Reads a body that was validated before (by `new` and `next`, with
    /// the same decoding features): decoding only. Since the same bytes
    /// were decoded and validated, nothing here can fail; the checks that
    /// only reject (the validator's, the 2.0 memarg encoding's) are left
    /// out.
    pub(crate) fn validated(body: &FunctionBody<'a>) -> Result<Self, CompileError> {
        Self::with(body, None, false)
    }

    fn with(
        body: &FunctionBody<'a>,
        mut validator: Option<&'v mut FuncValidator<ValidatorResources>>,
        wasm2_encoding: bool,
    ) -> Result<Self, CompileError> {
        let mut num_locals = 0u32;
        let mut v128_locals = Vec::new();
        let mut locals = body.get_locals_reader().map_err(CompileError::malformed)?;
        for _ in 0..locals.get_count() {
            let offset = locals.original_position();
            let (count, ty) = locals.read().map_err(CompileError::malformed)?;
            if let Some(validator) = validator.as_deref_mut() {
                validator.define_locals(offset, count, ty).map_err(CompileError::from_validator)?;
            }
            if ty == wasmparser::ValType::V128 && count > 0 {
                v128_locals.push((num_locals, count));
            }
            num_locals = num_locals.checked_add(count).ok_or_else(|| {
                CompileError::new(CompileErrorKind::Malformed, "too many locals", Some(offset as usize))
            })?;
        }
        // Right after the locals (`FunctionBody::get_operators_reader`
        // would decode them again).
        let reader = OperatorsReader::new(locals.get_binary_reader());
        Ok(BodyReader { reader, validator, wasm2_encoding, num_locals, v128_locals, done: false })
    }

    /// How many locals the body declares (besides the parameters).
    pub(crate) fn num_locals(&self) -> u32 {
        self.num_locals
    }

    /// The runs of `v128` locals among the declared ones: (index of the
    /// first, counting from the first declared local, and count).
    pub(crate) fn v128_locals(&self) -> &[(u32, u32)] {
        &self.v128_locals
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
        if let Some(validator) = self.validator.as_deref_mut() {
            if self.wasm2_encoding && memarg_of(&op).is_some_and(|m| m.align >= 32) {
                // The alignment exponent and the flag bits share one LEB128:
                // 2**32 and up cannot be an alignment of this encoding.
                return Err(CompileError::new(CompileErrorKind::Malformed, "malformed memop flags", Some(offset)));
            }
            validator.op(offset as u64, &op).map_err(CompileError::from_validator)?;
        }
        Ok(Some((offset, op)))
    }
}

/// Reads and validates a whole body (for tiers that translate later), as
/// `BodyReader` does, with the same errors; but faster: each operator goes
/// from the decoder straight to the validator, never built as an
/// `Operator` (wasmparser's `FuncValidator::validate` does the same, but
/// decodes with the validator's features rather than the body's, and does
/// not tell decoding errors from validation errors).
pub(crate) fn validate_body(
    body: &FunctionBody<'_>,
    validator: &mut FuncValidator<ValidatorResources>,
    wasm2_encoding: bool,
) -> Result<(), CompileError> {
    let mut reader = BodyReader::new(body, validator, wasm2_encoding)?;
    if wasm2_encoding {
        // The memarg check needs each operator.
        while reader.next()?.is_some() {}
        return Ok(());
    }
    let validator = reader.validator.take().expect("a validating reader");
    // The validator's control stack stands in for the reader's frame stack:
    // they agree until the first error, which ends the loop.
    let mut reader = reader.reader.get_binary_reader();
    while !reader.eof() {
        let offset = reader.original_position();
        reader
            .visit_operator(&mut validator.visitor(offset))
            .map_err(CompileError::malformed)?
            .map_err(CompileError::from_validator)?;
    }
    reader.finish_expression(&validator.visitor(reader.original_position())).map_err(CompileError::malformed)
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
