//! Structured control flow: blocks, loops, `if`/`else`, branches, returns,
//! and skipping the unreachable code after them.
//!
//! Only merge points get Cranelift block parameters (a frame's `next` block,
//! a loop header); values live across a branch otherwise stay plain SSA
//! values, so `if` params are simply the values below the condition.

use super::{block_args, ir_type, FuncTranslator};
use crate::compile::CompileError;
use crate::jit::traps;
use cranelift_codegen::ir::{BlockArg, BlockCall, InstBuilder, JumpTableData, Type};
use wasmparser::{BlockType, Operator};

/// What opened a control frame.
pub(super) enum FrameKind {
    Block,
    /// Branches to a loop go back to its header.
    Loop {
        header: cranelift_codegen::ir::Block,
    },
    /// `else_block` starts the else arm (or the implicit empty one);
    /// `params` are the block's parameters, for re-entering it.
    If {
        else_block: cranelift_codegen::ir::Block,
        else_seen: bool,
        params: Vec<cranelift_codegen::ir::Value>,
    },
}

/// One entry of the control stack.
pub(super) struct Frame {
    kind: FrameKind,
    /// Where execution continues after `end`; takes the results as params.
    next: cranelift_codegen::ir::Block,
    num_params: usize,
    results: Vec<Type>,
    /// Operand stack height below the frame's params.
    height: usize,
    /// Whether anything jumps to `next`.
    next_reachable: bool,
}

impl FuncTranslator<'_, '_> {
    /// Opens a frame whose params are the top `num_params` stack values.
    pub(super) fn push_frame(&mut self, kind: FrameKind, num_params: usize, results: Vec<Type>) {
        let next = self.b.create_block();
        for ty in &results {
            self.b.append_block_param(next, *ty);
        }
        let height = self.stack.len() - num_params;
        self.control.push(Frame { kind, next, num_params, results, height, next_reachable: false });
    }

    fn block_type(&self, ty: BlockType) -> Result<(Vec<Type>, Vec<Type>), CompileError> {
        let conv = |tys: &[crate::types::ValType]| tys.iter().map(ir_type).collect::<Result<Vec<_>, _>>();
        Ok(match ty {
            BlockType::Empty => (Vec::new(), Vec::new()),
            BlockType::Type(t) => {
                let t =
                    crate::types::ValType::from_wasmparser(t).map_err(|e| crate::jit::unsupported(e.to_string()))?;
                (Vec::new(), vec![ir_type(&t)?])
            }
            BlockType::FuncType(i) => {
                let f = &self.env.info.types[i as usize];
                (conv(f.params())?, conv(f.results())?)
            }
        })
    }

    /// Skips an operator of unreachable code, tracking nesting so that the
    /// `else`/`end` of the current frame is still seen.
    pub(super) fn skip_dead(&mut self, op: &Operator<'_>) -> Result<(), CompileError> {
        match op {
            Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => self.dead_depth += 1,
            Operator::Else if self.dead_depth == 0 => self.translate_else(),
            Operator::End if self.dead_depth == 0 => self.translate_end(),
            Operator::End => self.dead_depth -= 1,
            _ => {}
        }
        Ok(())
    }

    pub(super) fn control_op(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        match *op {
            Operator::Unreachable => {
                self.b.ins().trap(traps::UNREACHABLE);
                self.reachable = false;
            }
            Operator::Block { blockty } => {
                let (params, results) = self.block_type(blockty)?;
                self.push_frame(FrameKind::Block, params.len(), results);
            }
            Operator::Loop { blockty } => {
                let (params, results) = self.block_type(blockty)?;
                let header = self.b.create_block();
                for ty in &params {
                    self.b.append_block_param(header, *ty);
                }
                let args = self.pop_n(params.len());
                self.b.ins().jump(header, &block_args(&args));
                self.b.switch_to_block(header);
                let header_params = self.b.block_params(header).to_vec();
                if self.env.interrupts.any() {
                    // Every iteration passes the header: an endless loop is
                    // stopped here.
                    self.interrupt_check();
                }
                self.stack.extend(header_params);
                self.push_frame(FrameKind::Loop { header }, params.len(), results);
            }
            Operator::If { blockty } => {
                let (params, results) = self.block_type(blockty)?;
                let cond = self.pop();
                let then_block = self.b.create_block();
                let else_block = self.b.create_block();
                self.b.ins().brif(cond, then_block, &[], else_block, &[]);
                self.b.seal_block(then_block);
                self.b.seal_block(else_block);
                self.b.switch_to_block(then_block);
                let saved = self.peek_n(params.len());
                self.push_frame(FrameKind::If { else_block, else_seen: false, params: saved }, params.len(), results);
            }
            Operator::Else => self.translate_else(),
            Operator::End => self.translate_end(),
            Operator::Br { relative_depth } => {
                self.branch(relative_depth);
                self.reachable = false;
            }
            Operator::BrIf { relative_depth } => {
                let cond = self.pop();
                let (target, arity) = self.branch_target(relative_depth);
                let args = self.peek_n(arity);
                let cont = self.b.create_block();
                self.b.ins().brif(cond, target, &block_args(&args), cont, &[]);
                self.b.seal_block(cont);
                self.b.switch_to_block(cont);
            }
            Operator::BrTable { ref targets } => {
                let index = self.pop();
                let mut calls = Vec::with_capacity(targets.len() as usize);
                for depth in targets.targets() {
                    let depth = depth.map_err(CompileError::malformed)?;
                    calls.push(self.block_call(depth));
                }
                let default = self.block_call(targets.default());
                let data = JumpTableData::new(default, &calls);
                let table = self.b.create_jump_table(data);
                self.b.ins().br_table(index, table);
                self.reachable = false;
            }
            Operator::Return => {
                let n = self.control[0].results.len();
                let results = self.peek_n(n);
                self.b.ins().return_(&results);
                self.reachable = false;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The block a branch `depth` frames out goes to, and how many values it
    /// takes; marks the frame's exit reachable.
    fn branch_target(&mut self, depth: u32) -> (cranelift_codegen::ir::Block, usize) {
        let i = self.control.len() - 1 - depth as usize;
        let frame = &mut self.control[i];
        match frame.kind {
            FrameKind::Loop { header } => (header, frame.num_params),
            _ => {
                frame.next_reachable = true;
                (frame.next, frame.results.len())
            }
        }
    }

    fn branch(&mut self, depth: u32) {
        let (target, arity) = self.branch_target(depth);
        let args = self.peek_n(arity);
        self.b.ins().jump(target, &block_args(&args));
    }

    fn block_call(&mut self, depth: u32) -> BlockCall {
        let (target, arity) = self.branch_target(depth);
        let args: Vec<BlockArg> = block_args(&self.peek_n(arity));
        BlockCall::new(target, args, &mut self.b.func.dfg.value_lists)
    }

    fn translate_else(&mut self) {
        let reachable = self.reachable;
        let frame = self.control.last_mut().expect("else outside a frame");
        let n = frame.results.len();
        let (next, height) = (frame.next, frame.height);
        let FrameKind::If { else_block, ref mut else_seen, ref params } = frame.kind else {
            unreachable!("validated else follows an if");
        };
        *else_seen = true;
        let params = params.clone();
        if reachable {
            frame.next_reachable = true;
            let results = self.peek_n(n);
            self.b.ins().jump(next, &block_args(&results));
        }
        self.stack.truncate(height);
        self.stack.extend(params);
        self.b.switch_to_block(else_block);
        self.reachable = true;
        self.dead_depth = 0;
    }

    fn translate_end(&mut self) {
        let mut frame = self.control.pop().expect("end outside a frame");
        if self.reachable {
            frame.next_reachable = true;
            let results = self.peek_n(frame.results.len());
            self.b.ins().jump(frame.next, &block_args(&results));
        }
        match frame.kind {
            FrameKind::If { else_block, else_seen: false, params } => {
                // The implicit else arm passes the params through as results.
                self.b.switch_to_block(else_block);
                self.b.ins().jump(frame.next, &block_args(&params));
                frame.next_reachable = true;
            }
            FrameKind::Loop { header } => self.b.seal_block(header),
            _ => {}
        }
        self.b.seal_block(frame.next);
        self.stack.truncate(frame.height);
        self.dead_depth = 0;
        if frame.next_reachable {
            self.b.switch_to_block(frame.next);
            let results = self.b.block_params(frame.next).to_vec();
            self.stack.extend(results);
            self.reachable = true;
        } else {
            self.reachable = false;
        }
    }
}
