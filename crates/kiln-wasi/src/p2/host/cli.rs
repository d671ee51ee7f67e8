//! `wasi:cli`: environment, exit, stdio and terminals.

use crate::p2::streams::{InputSource, InputStream, OutputSink, OutputStream};
use crate::p2::WasiCtxView;
use crate::stdio::{StdinStream as _, StdoutStream as _};
use crate::I32Exit;
use kiln::component::Resource;

/// `wasi:cli/terminal-input.terminal-input`: says standard input is a
/// terminal. It has no methods in 0.2.
#[derive(Debug)]
pub struct TerminalInput;

/// `wasi:cli/terminal-output.terminal-output`: says standard output or
/// error is a terminal. It has no methods in 0.2.
#[derive(Debug)]
pub struct TerminalOutput;

impl WasiCtxView<'_> {
    /// `get-environment`
    pub fn get_environment(&mut self) -> anyhow::Result<Vec<(String, String)>> {
        Ok(self.ctx.env.clone())
    }

    /// `get-arguments`
    pub fn get_arguments(&mut self) -> anyhow::Result<Vec<String>> {
        Ok(self.ctx.args.clone())
    }

    /// `initial-cwd`: none, as in Wasmtime by default (the guest resolves
    /// relative paths against its preopens).
    pub fn initial_cwd(&mut self) -> anyhow::Result<Option<String>> {
        Ok(None)
    }

    /// `exit`: ends the run with an [`I32Exit`] error, status 0 for `ok`
    /// and 1 for `err`.
    pub fn exit(&mut self, status: Result<(), ()>) -> anyhow::Error {
        self.flush_stdio();
        I32Exit(if status.is_ok() { 0 } else { 1 }).into()
    }

    /// `exit-with-code`: ends the run with `I32Exit(code)`.
    pub fn exit_with_code(&mut self, code: u8) -> anyhow::Error {
        self.flush_stdio();
        I32Exit(i32::from(code)).into()
    }

    fn flush_stdio(&mut self) {
        let _ = self.ctx.stdout.flush();
        let _ = self.ctx.stderr.flush();
    }

    /// `get-stdin`: a new stream over the context's one standard input.
    pub fn get_stdin(&mut self) -> anyhow::Result<Resource<InputStream>> {
        Ok(self.table.push(InputStream::new(InputSource::Stdin(self.ctx.stdin.clone())))?)
    }

    /// `get-stdout`
    pub fn get_stdout(&mut self) -> anyhow::Result<Resource<OutputStream>> {
        Ok(self.table.push(OutputStream::new(OutputSink::Stdout(self.ctx.stdout.clone())))?)
    }

    /// `get-stderr`
    pub fn get_stderr(&mut self) -> anyhow::Result<Resource<OutputStream>> {
        Ok(self.table.push(OutputStream::new(OutputSink::Stdout(self.ctx.stderr.clone())))?)
    }

    /// `get-terminal-stdin`
    pub fn get_terminal_stdin(&mut self) -> anyhow::Result<Option<Resource<TerminalInput>>> {
        if !self.ctx.stdin.is_terminal() {
            return Ok(None);
        }
        Ok(Some(self.table.push(TerminalInput)?))
    }

    /// `get-terminal-stdout`
    pub fn get_terminal_stdout(&mut self) -> anyhow::Result<Option<Resource<TerminalOutput>>> {
        if !self.ctx.stdout.is_terminal() {
            return Ok(None);
        }
        Ok(Some(self.table.push(TerminalOutput)?))
    }

    /// `get-terminal-stderr`
    pub fn get_terminal_stderr(&mut self) -> anyhow::Result<Option<Resource<TerminalOutput>>> {
        if !self.ctx.stderr.is_terminal() {
            return Ok(None);
        }
        Ok(Some(self.table.push(TerminalOutput)?))
    }

    /// `[resource-drop]terminal-input`
    pub fn drop_terminal_input(&mut self, t: Resource<TerminalInput>) -> anyhow::Result<()> {
        self.table.delete(t)?;
        Ok(())
    }

    /// `[resource-drop]terminal-output`
    pub fn drop_terminal_output(&mut self, t: Resource<TerminalOutput>) -> anyhow::Result<()> {
        self.table.delete(t)?;
        Ok(())
    }
}
