//! `kiln run` for components: a WASI 0.2 command (its `wasi:cli/run`
//! export), or any exported function with `--invoke 'name(args)'`, the
//! arguments and results written as WAVE values.

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use kiln::component::{Component, Func, Instance, Linker, Val};
use kiln::{Engine, Store};

use crate::output;
use crate::run::{failure, Host, Outcome, RunOptions};

/// The component in the file at `path` (binary or text), or `None` if the
/// file holds something else (a core module, a precompiled module): that
/// is loaded as a module, with the module's errors.
pub(crate) fn load_component(engine: &Engine, path: &Path) -> Result<Option<Component>> {
    let bytes = std::fs::read(path).with_context(|| format!("failed to read {}", path.display()))?;
    if bytes.starts_with(b"\0asm") {
        if !wasmparser::Parser::is_component(&bytes) {
            return Ok(None);
        }
        return Component::from_binary(engine, &bytes)
            .map(Some)
            .with_context(|| format!("failed to compile component {}", path.display()));
    }
    let Ok(text) = std::str::from_utf8(&bytes) else { return Ok(None) };
    if !starts_with_component(text) {
        return Ok(None);
    }
    Component::new(engine, text).map(Some).with_context(|| format!("failed to compile component {}", path.display()))
}

/// Whether WebAssembly text starts with `(component`, after whitespace and
/// comments.
fn starts_with_component(mut text: &str) -> bool {
    loop {
        text = text.trim_start();
        if let Some(rest) = text.strip_prefix(";;") {
            text = rest.split_once('\n').map_or("", |(_, r)| r);
        } else if text.starts_with("(;") {
            // Block comments nest.
            let mut depth = 0usize;
            let mut i = 0;
            let b = text.as_bytes();
            while i + 1 < b.len() {
                if &b[i..i + 2] == b"(;" {
                    depth += 1;
                    i += 2;
                } else if &b[i..i + 2] == b";)" {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            text = &text[i.min(text.len())..];
        } else {
            let rest = text.strip_prefix('(').map(str::trim_start);
            return rest.is_some_and(|r| {
                r.strip_prefix("component")
                    .is_some_and(|r| r.is_empty() || r.starts_with(|c: char| !c.is_alphanumeric()))
            });
        }
    }
}

/// Runs the component in `store`.
pub(crate) fn run(
    engine: &Engine,
    opts: &RunOptions,
    component: &Component,
    mut store: Store<Host>,
) -> Result<Outcome> {
    let mut linker = Linker::<Host>::new(engine);
    kiln_wasi::p2::add_to_linker_sync(&mut linker)?;
    // Every import must resolve, and be of the right kind, before any
    // code runs.
    let pre = linker.instantiate_pre(component).map_err(|e| {
        e.context(format!("{} imports something Kiln's WASI 0.2 does not provide", opts.file.display()))
    })?;
    let _timer = opts.limits.start_timer(engine, crate::run::TRAP_EXIT_STATUS)?;
    let outcome = (|| -> Result<Option<String>> {
        let instance = pre.instantiate(&mut store)?;
        match &opts.invoke {
            Some(call) => invoke(&mut store, &instance, component, call, &opts.args).map(Some),
            None => {
                let run = command_run(&mut store, &instance, component)?;
                let mut results = [Val::Bool(false)];
                run.call(&mut store, &[], &mut results)?;
                match &results[0] {
                    Val::Result(Ok(_)) => Ok(None),
                    // `run` returning `err` is exit status 1, as WASI's
                    // `exit(err)` is.
                    _ => Err(anyhow::Error::new(kiln_wasi::I32Exit(1))),
                }
            }
        }
    })();
    match outcome {
        Ok(printed) => {
            if let Some(line) = printed {
                output::println(format_args!("{line}"))?;
            }
            Ok(Outcome::Exit(0))
        }
        Err(e) => failure(opts, &store, e),
    }
}

/// The `run` function of the component's `wasi:cli/run` export.
fn command_run(store: &mut Store<Host>, instance: &Instance, component: &Component) -> Result<Func> {
    let interface = component
        .exports()
        .map(|(name, _)| name)
        .find(|name| name.split('@').next() == Some("wasi:cli/run"))
        .ok_or_else(|| {
            let funcs = component.exported_functions();
            anyhow!(
                "the component is not a command: it does not export `wasi:cli/run`; call one of its functions \
                 with --invoke 'NAME(ARGS)' (it exports {})",
                if funcs.is_empty() { "no functions".to_string() } else { funcs.join(", ") }
            )
        })?
        .to_string();
    let idx = instance.get_export_index(&mut *store, None, &interface).expect("listed export");
    let run = instance
        .get_export_index(&mut *store, Some(&idx), "run")
        .ok_or_else(|| anyhow!("`{interface}` has no `run` function"))?;
    instance.get_func(&mut *store, &run).ok_or_else(|| anyhow!("`{interface}#run` is not a function"))
}

/// Calls the function the WAVE call `call` names (`name(args)`: `name`
/// alone, `interface.name` or `interface#name`) and returns its result
/// in WAVE.
fn invoke(
    store: &mut Store<Host>,
    instance: &Instance,
    component: &Component,
    call: &str,
    extra: &[String],
) -> Result<String> {
    if !extra.is_empty() {
        bail!(
            "arguments of a component function go inside --invoke, as WAVE values: --invoke '{call}({})'",
            extra.join(", ")
        );
    }
    // The name may hold characters a WAVE name cannot (`wasi:cli/run@0.2.3`,
    // `#`): only the argument list is WAVE.
    let bad = |e: &dyn std::fmt::Display| {
        anyhow!("--invoke `{call}` is not a WAVE function call like 'name(1, \"two\")': {e}")
    };
    let open = call.find('(').ok_or_else(|| bad(&"no argument list"))?;
    let name = call[..open].trim().to_string();
    let args_text = format!("f{}", &call[open..]);
    let parsed = wasm_wave::untyped::UntypedFuncCall::parse(&args_text).map_err(|e| bad(&e))?;
    let func = find_func(store, instance, component, &name)?;
    let types: Vec<kiln::component::Type> = func.params(&*store).into_iter().map(|(_, t)| t).collect();
    let args: Vec<Val> =
        parsed.to_wasm_params::<Val>(types.iter()).map_err(|e| anyhow!("bad arguments for `{name}`: {e}"))?;
    let result_type = func.result(&*store);
    let mut results = vec![Val::Bool(false); usize::from(result_type.is_some())];
    func.call(&mut *store, &args, &mut results)?;
    match results.first() {
        Some(v) => wasm_wave::to_string(v).map_err(|e| anyhow!("cannot print the result of `{name}`: {e}")),
        None => Ok(String::new()),
    }
}

/// The exported function `name`: at the top level, or `interface.name` /
/// `interface#name`, or a bare name found in exactly one exported
/// interface.
fn find_func(store: &mut Store<Host>, instance: &Instance, component: &Component, name: &str) -> Result<Func> {
    let all = component.exported_functions();
    let split = name.rsplit_once('#').or_else(|| name.rsplit_once('.'));
    if let Some(f) = all.iter().find(|f| *f == name) {
        if !f.contains('#') {
            return instance.get_func(&mut *store, name).ok_or_else(|| anyhow!("`{name}` is not a function"));
        }
    }
    let (interface, func) = match split {
        Some((i, f)) if all.iter().any(|x| *x == format!("{i}#{f}")) => (i.to_string(), f.to_string()),
        _ => {
            let matches: Vec<&String> = all.iter().filter(|f| f.rsplit('#').next() == Some(name)).collect();
            match matches.as_slice() {
                [one] => {
                    let (i, f) = one.split_once('#').expect("a nested name");
                    (i.to_string(), f.to_string())
                }
                [] => bail!(
                    "the component exports no function `{name}` (it exports {})",
                    if all.is_empty() { "no functions".to_string() } else { all.join(", ") }
                ),
                many => bail!(
                    "`{name}` is exported by several interfaces: name one ({})",
                    many.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                ),
            }
        }
    };
    let idx = instance.get_export_index(&mut *store, None, &interface).ok_or_else(|| anyhow!("no `{interface}`"))?;
    let f = instance.get_export_index(&mut *store, Some(&idx), &func).ok_or_else(|| anyhow!("no `{func}`"))?;
    instance.get_func(&mut *store, &f).ok_or_else(|| anyhow!("`{interface}#{func}` is not a function"))
}

#[cfg(test)]
mod tests {
    use super::starts_with_component;

    #[test]
    fn text_components_are_told_from_modules() {
        assert!(starts_with_component("(component)"));
        assert!(starts_with_component(";; hi\n  (; a (; nested ;) comment ;)\n( component $c)"));
        assert!(!starts_with_component("(module)"));
        assert!(!starts_with_component("(componentx)"));
        assert!(!starts_with_component(";; only a comment"));
    }
}
