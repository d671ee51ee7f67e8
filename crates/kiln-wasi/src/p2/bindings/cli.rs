//! `wasi:cli`'s interfaces.

use super::val::{arg, own, some, u8_};
use super::Interface;
use crate::p2::host::{TerminalInput, TerminalOutput};
use anyhow::{bail, Result};
use kiln::component::{Resource, ResourceType, Val};

pub(crate) static ENVIRONMENT: Interface = Interface {
    name: "wasi:cli/environment",
    resources: &[],
    funcs: &[
        ("get-environment", |v, _| {
            let env = v.get_environment()?;
            Ok(Some(Val::List(
                env.into_iter().map(|(k, x)| Val::Tuple(vec![Val::String(k), Val::String(x)])).collect(),
            )))
        }),
        ("get-arguments", |v, _| Ok(Some(Val::List(v.get_arguments()?.into_iter().map(Val::String).collect())))),
        ("initial-cwd", |v, _| Ok(Some(some(v.initial_cwd()?.map(Val::String))))),
    ],
};

pub(crate) static EXIT: Interface = Interface {
    name: "wasi:cli/exit",
    resources: &[],
    funcs: &[
        ("exit", |v, p| {
            let status = match arg(p, 0)? {
                Val::Result(r) => r.as_ref().map(|_| ()).map_err(|_| ()),
                other => bail!("expected a result, got {other:?}"),
            };
            Err(v.exit(status))
        }),
        ("exit-with-code", |v, p| Err(v.exit_with_code(u8_(arg(p, 0)?)?))),
    ],
};

pub(crate) static STDIN: Interface = Interface {
    name: "wasi:cli/stdin",
    resources: &[],
    funcs: &[("get-stdin", |v, _| Ok(Some(own(v.get_stdin()?)?)))],
};

pub(crate) static STDOUT: Interface = Interface {
    name: "wasi:cli/stdout",
    resources: &[],
    funcs: &[("get-stdout", |v, _| Ok(Some(own(v.get_stdout()?)?)))],
};

pub(crate) static STDERR: Interface = Interface {
    name: "wasi:cli/stderr",
    resources: &[],
    funcs: &[("get-stderr", |v, _| Ok(Some(own(v.get_stderr()?)?)))],
};

pub(crate) static TERMINAL_INPUT: Interface = Interface {
    name: "wasi:cli/terminal-input",
    resources: &[("terminal-input", ResourceType::host::<TerminalInput>, |v, rep| {
        v.drop_terminal_input(Resource::new_own(rep))
    })],
    funcs: &[],
};

pub(crate) static TERMINAL_OUTPUT: Interface = Interface {
    name: "wasi:cli/terminal-output",
    resources: &[("terminal-output", ResourceType::host::<TerminalOutput>, |v, rep| {
        v.drop_terminal_output(Resource::new_own(rep))
    })],
    funcs: &[],
};

fn opt_own<T: 'static>(r: Option<Resource<T>>) -> Result<Option<Val>> {
    Ok(Some(some(r.map(own).transpose()?)))
}

pub(crate) static TERMINAL_STDIN: Interface = Interface {
    name: "wasi:cli/terminal-stdin",
    resources: &[],
    funcs: &[("get-terminal-stdin", |v, _| opt_own(v.get_terminal_stdin()?))],
};

pub(crate) static TERMINAL_STDOUT: Interface = Interface {
    name: "wasi:cli/terminal-stdout",
    resources: &[],
    funcs: &[("get-terminal-stdout", |v, _| opt_own(v.get_terminal_stdout()?))],
};

pub(crate) static TERMINAL_STDERR: Interface = Interface {
    name: "wasi:cli/terminal-stderr",
    resources: &[],
    funcs: &[("get-terminal-stderr", |v, _| opt_own(v.get_terminal_stderr()?))],
};
