//! The outputs: terminal tables, results.json and the ratio chart (SVG).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{json, Value};

use crate::engines::{EngineId, Sample};
use crate::{Cell, Expected, MicroResult, ProgramResult, Results};

// ---------------------------------------------------------------- numbers

pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

fn geomean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        None
    } else {
        Some((values.iter().map(|v| v.ln()).sum::<f64>() / values.len() as f64).exp())
    }
}

fn three_digits(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// A duration in seconds, in a readable unit with three significant digits.
pub fn fmt_secs(s: f64) -> String {
    if s >= 1.0 {
        format!("{} s", three_digits(s))
    } else if s >= 1e-3 {
        format!("{} ms", three_digits(s * 1e3))
    } else if s >= 1e-6 {
        format!("{} µs", three_digits(s * 1e6))
    } else {
        format!("{} ns", three_digits(s * 1e9))
    }
}

pub fn fmt_ratio(r: f64) -> String {
    format!("{}×", three_digits(r))
}

/// Medians (in seconds) of one phase, per engine that has samples of it.
fn phase_medians(result: &ProgramResult, phase: fn(&Sample) -> Option<Duration>) -> BTreeMap<EngineId, f64> {
    let mut out = BTreeMap::new();
    for (id, cell) in &result.cells {
        if let Cell::Ok(samples) = cell {
            let v: Vec<f64> = samples.iter().filter_map(phase).map(|d| d.as_secs_f64()).collect();
            if !v.is_empty() {
                out.insert(*id, median(&v));
            }
        }
    }
    out
}

fn run_phase(s: &Sample) -> Option<Duration> {
    Some(s.run)
}
fn compile_phase(s: &Sample) -> Option<Duration> {
    s.compile
}
fn instantiate_phase(s: &Sample) -> Option<Duration> {
    s.instantiate
}

/// The fastest wasm engine's median among `medians`.
fn best_wasm(medians: &BTreeMap<EngineId, f64>) -> Option<f64> {
    medians.iter().filter(|(id, _)| id.is_wasm()).map(|(_, v)| *v).reduce(f64::min)
}

fn micro_medians(result: &MicroResult) -> BTreeMap<EngineId, f64> {
    let mut out = BTreeMap::new();
    for (id, cell) in &result.cells {
        if let Cell::Ok(v) = cell {
            if !v.is_empty() {
                out.insert(*id, median(v));
            }
        }
    }
    out
}

fn status_text<T>(cell: Option<&Cell<T>>) -> Option<&'static str> {
    match cell {
        None => Some("-"),
        Some(Cell::Absent(_)) => Some("absent"),
        Some(Cell::NotApplicable) => Some("n/a"),
        Some(Cell::Unsupported(_)) => Some("unsupported"),
        Some(Cell::Failed(_)) => Some("FAILED"),
        Some(Cell::Ok(_)) => None,
    }
}

// ---------------------------------------------------------------- terminal

struct Table {
    title: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn render(&self, out: &mut String) {
        let cols = self.header.len();
        let mut width = vec![0; cols];
        for row in std::iter::once(&self.header).chain(&self.rows) {
            for (i, c) in row.iter().enumerate() {
                width[i] = width[i].max(c.chars().count());
            }
        }
        let line = |row: &[String], out: &mut String| {
            let mut s = String::new();
            for (i, c) in row.iter().enumerate() {
                let pad = width[i] - c.chars().count();
                if i == 0 {
                    s.push_str(c);
                    s.push_str(&" ".repeat(pad));
                } else {
                    s.push_str("   ");
                    s.push_str(&" ".repeat(pad));
                    s.push_str(c);
                }
            }
            out.push_str(s.trim_end());
            out.push('\n');
        };
        let _ = writeln!(out, "\n{}", self.title);
        line(&self.header, out);
        let total: usize = width.iter().sum::<usize>() + 3 * (cols - 1);
        let _ = writeln!(out, "{}", "-".repeat(total));
        for row in &self.rows {
            line(row, out);
        }
    }
}

/// Progress line printed as soon as one program is done.
pub fn progress_line(result: &ProgramResult) -> String {
    let medians = phase_medians(result, run_phase);
    let mut s = format!("  {:<10} n={:<9}", result.name, result.n);
    for (id, cell) in &result.cells {
        let text = match status_text(Some(cell)) {
            Some(t) => t.to_string(),
            None => medians.get(id).map(|m| fmt_secs(*m)).unwrap_or_default(),
        };
        let _ = write!(s, "  {}: {}", id, text);
    }
    s
}

pub fn micro_progress_line(result: &MicroResult) -> String {
    let medians = micro_medians(result);
    let mut s = format!("  {:<22}", result.micro.name());
    for (id, cell) in &result.cells {
        if matches!(cell, Cell::NotApplicable) {
            continue;
        }
        let text = match status_text(Some(cell)) {
            Some(t) => t.to_string(),
            None => medians.get(id).map(|m| fmt_secs(*m * 1e-9)).unwrap_or_default(),
        };
        let _ = write!(s, "  {}: {}", id, text);
    }
    s
}

/// Which group of programs a set of tables is about.
#[derive(Clone, Copy)]
enum Section {
    /// The import-free scalar programs: `run(n)`.
    Programs,
    /// The import-free programs built with `-msimd128`: `run(n)`. Tables of
    /// their own, so that the scalar programs' geomeans stay comparable
    /// with earlier runs and an engine without SIMD does not average over
    /// fewer programs than the others in the same geomean.
    Simd,
    /// The WASI programs: `_start`.
    Wasi,
}

impl Section {
    /// Splits the import-free programs into the scalar and the SIMD ones,
    /// and adds the WASI programs: every non-empty section, in order.
    fn split(results: &Results) -> Vec<(Vec<&ProgramResult>, Section)> {
        let (simd, scalar): (Vec<&ProgramResult>, Vec<&ProgramResult>) = results.programs.iter().partition(|r| r.simd);
        [(scalar, Section::Programs), (simd, Section::Simd), (results.wasi.iter().collect(), Section::Wasi)]
            .into_iter()
            .filter(|(programs, _)| !programs.is_empty())
            .collect()
    }

    /// `title`, prefixed with the section's name if it has one.
    fn title(self, title: &str) -> String {
        let prefix = match self {
            Section::Programs => return title.to_string(),
            Section::Simd => "SIMD programs (-msimd128)",
            Section::Wasi => "WASI programs",
        };
        let mut chars = title.chars();
        let first = chars.next().map(|c| c.to_lowercase().to_string()).unwrap_or_default();
        format!("{prefix}: {first}{}", chars.as_str())
    }

    /// What the run time measures.
    fn run_what(self) -> &'static str {
        match self {
            Section::Programs | Section::Simd => "run(n)",
            Section::Wasi => {
                "_start (a fresh instance, argv and a fresh preopened directory; native: the whole process)"
            }
        }
    }
}

pub fn tables(results: &Results) -> String {
    let mut out = String::new();
    for (programs, section) in Section::split(results) {
        program_tables(&mut out, results, &programs, section);
    }
    let wasm_ids: Vec<EngineId> = results.engines.iter().map(|(id, _, _)| *id).filter(|id| id.is_wasm()).collect();
    if !results.micro.is_empty() {
        let mut t = Table {
            title: "Micro-benchmarks: median time per operation. In brackets: ÷ fastest.".to_string(),
            header: std::iter::once("operation".to_string()).chain(wasm_ids.iter().map(|id| id.to_string())).collect(),
            rows: Vec::new(),
        };
        for r in &results.micro {
            let medians = micro_medians(r);
            let best = medians.values().copied().reduce(f64::min);
            let mut row = vec![r.micro.name().to_string()];
            for id in &wasm_ids {
                row.push(match (status_text(r.cells.get(id)), medians.get(id)) {
                    (Some(text), _) => text.to_string(),
                    (None, Some(m)) => {
                        format!("{} ({})", fmt_secs(m * 1e-9), fmt_ratio(m / best.unwrap()))
                    }
                    (None, None) => "-".to_string(),
                });
            }
            t.rows.push(row);
        }
        t.render(&mut out);
        for m in &results.micro {
            let _ = writeln!(out, "  {}: {}", m.micro.name(), m.micro.description());
        }
        micro_unsupported_notes(&mut out, &results.micro);
        micro_to_wasmtime(&mut out, &results.micro, &wasm_ids);
    }

    let _ = writeln!(out, "\nEngines:");
    for (id, version, _) in &results.engines {
        let _ = writeln!(out, "  {:<17} {}", id.name(), version);
    }
    out
}

/// The run time, compile, instantiate and Kiln-against-its-peers tables of
/// one group of programs.
fn program_tables(out: &mut String, results: &Results, programs: &[&ProgramResult], section: Section) {
    let ids: Vec<EngineId> = results.engines.iter().map(|(id, _, _)| *id).collect();
    let wasm_ids: Vec<EngineId> = ids.iter().copied().filter(|id| id.is_wasm()).collect();
    let has_native = results.engines.iter().any(|(id, _, ok)| *id == EngineId::Native && *ok);

    // run time, the main table
    let mut t = Table {
        title: section.title(&format!(
            "Run time of {}: median of {} runs ({} size). In brackets: ÷ fastest wasm engine{}.",
            section.run_what(),
            results.runs,
            if results.quick { "quick" } else { "default" },
            if has_native { " | ÷ native" } else { "" }
        )),
        header: std::iter::once("program".to_string()).chain(ids.iter().map(|id| id.to_string())).collect(),
        rows: Vec::new(),
    };
    let mut to_best: BTreeMap<EngineId, Vec<f64>> = BTreeMap::new();
    let mut to_native: BTreeMap<EngineId, Vec<f64>> = BTreeMap::new();
    for r in programs {
        let medians = phase_medians(r, run_phase);
        let best = best_wasm(&medians);
        let native = medians.get(&EngineId::Native).copied();
        let mut row = vec![r.name.to_string()];
        for id in &ids {
            if let Some(text) = status_text(r.cells.get(id)) {
                row.push(text.to_string());
                continue;
            }
            let m = medians[id];
            if !id.is_wasm() {
                row.push(fmt_secs(m));
                continue;
            }
            let rb = m / best.unwrap();
            to_best.entry(*id).or_default().push(rb);
            match native {
                Some(nat) => {
                    to_native.entry(*id).or_default().push(m / nat);
                    row.push(format!("{} ({} | {})", fmt_secs(m), fmt_ratio(rb), fmt_ratio(m / nat)));
                }
                None => row.push(format!("{} ({})", fmt_secs(m), fmt_ratio(rb))),
            }
        }
        t.rows.push(row);
    }
    if programs.len() > 1 {
        let mut row = vec!["geomean".to_string()];
        for id in &ids {
            let cell = match (geomean(to_best.get(id).map(|v| &v[..]).unwrap_or(&[])), id.is_wasm()) {
                (Some(gb), true) => match geomean(to_native.get(id).map(|v| &v[..]).unwrap_or(&[])) {
                    Some(gn) => format!("({} | {})", fmt_ratio(gb), fmt_ratio(gn)),
                    None => format!("({})", fmt_ratio(gb)),
                },
                (_, false) if has_native => "(1×)".to_string(),
                _ => "-".to_string(),
            };
            row.push(cell);
        }
        t.rows.push(row);
    }
    t.render(out);
    unsupported_notes(out, programs);

    // compile and instantiate
    for (title, phase) in [
        (
            "Compile time (bytes -> module ready to instantiate): median. In brackets: ÷ fastest.",
            compile_phase as fn(&Sample) -> Option<Duration>,
        ),
        ("Instantiation time (new store + instantiate): median. In brackets: ÷ fastest.", instantiate_phase),
    ] {
        let mut t = Table {
            title: section.title(title),
            header: std::iter::once("program".to_string()).chain(wasm_ids.iter().map(|id| id.to_string())).collect(),
            rows: Vec::new(),
        };
        for r in programs {
            let medians = phase_medians(r, phase);
            let best = best_wasm(&medians);
            let mut row = vec![format!("{} ({} KiB)", r.name, r.wasm_bytes.div_ceil(1024))];
            for id in &wasm_ids {
                row.push(match (status_text(r.cells.get(id)), medians.get(id)) {
                    (Some(text), _) => text.to_string(),
                    (None, Some(m)) => format!("{} ({})", fmt_secs(*m), fmt_ratio(m / best.unwrap())),
                    (None, None) => "-".to_string(),
                });
            }
            t.rows.push(row);
        }
        t.render(out);
    }

    // Kiln against its peers
    for kiln in [EngineId::KilnInterp, EngineId::KilnJit] {
        let present = programs.iter().any(|r| matches!(r.cells.get(&kiln), Some(Cell::Ok(_))));
        if !present {
            continue;
        }
        let peers: Vec<EngineId> =
            [EngineId::Wasmi, EngineId::Wasmtime, EngineId::Native].into_iter().filter(|p| ids.contains(p)).collect();
        let mut t = Table {
            title: section.title(&format!(
                "{kiln} relative to its peers: {kiln} run time ÷ the peer's (lower is better for Kiln)."
            )),
            header: std::iter::once("program".to_string()).chain(peers.iter().map(|p| format!("÷ {p}"))).collect(),
            rows: Vec::new(),
        };
        let mut all: BTreeMap<EngineId, Vec<f64>> = BTreeMap::new();
        for r in programs {
            let medians = phase_medians(r, run_phase);
            let mut row = vec![r.name.to_string()];
            for p in &peers {
                row.push(match (medians.get(&kiln), medians.get(p)) {
                    (Some(k), Some(v)) => {
                        all.entry(*p).or_default().push(k / v);
                        fmt_ratio(k / v)
                    }
                    _ => "-".to_string(),
                });
            }
            t.rows.push(row);
        }
        let mut row = vec!["geomean".to_string()];
        for p in &peers {
            row.push(geomean(all.get(p).map(|v| &v[..]).unwrap_or(&[])).map(fmt_ratio).unwrap_or("-".into()));
        }
        t.rows.push(row);
        t.render(out);
    }

    // what fuel and epoch interruption cost: each variant against its base engine
    let variants: Vec<(EngineId, EngineId)> =
        ids.iter().filter_map(|&v| v.base().filter(|b| ids.contains(b)).map(|b| (v, b))).collect();
    if !variants.is_empty() {
        let mut t = Table {
            title: section.title(
                "Interruption cost: run time of each -fuel / -epoch engine ÷ the same engine without it (1.00× = free).",
            ),
            header: std::iter::once("program".to_string())
                .chain(variants.iter().map(|(v, b)| format!("{v} ÷ {b}")))
                .collect(),
            rows: Vec::new(),
        };
        let mut all: BTreeMap<EngineId, Vec<f64>> = BTreeMap::new();
        for r in programs {
            let medians = phase_medians(r, run_phase);
            let mut row = vec![r.name.to_string()];
            for (v, b) in &variants {
                row.push(match (medians.get(v), medians.get(b)) {
                    (Some(on), Some(off)) => {
                        all.entry(*v).or_default().push(on / off);
                        fmt_ratio(on / off)
                    }
                    _ => status_text(r.cells.get(v)).or(status_text(r.cells.get(b))).unwrap_or("-").to_string(),
                });
            }
            t.rows.push(row);
        }
        let mut row = vec!["geomean".to_string()];
        for (v, _) in &variants {
            row.push(geomean(all.get(v).map(|x| &x[..]).unwrap_or(&[])).map(fmt_ratio).unwrap_or("-".into()));
        }
        t.rows.push(row);
        t.render(out);
    }
}

/// Below the micro-benchmark table: which engines were skipped on which
/// micro-benchmarks and why (wasmi on the component ones).
fn micro_unsupported_notes(out: &mut String, micro: &[MicroResult]) {
    let mut skipped: BTreeMap<(EngineId, &str), Vec<&str>> = BTreeMap::new();
    for r in micro {
        for (id, cell) in &r.cells {
            if let Cell::Unsupported(why) = cell {
                skipped.entry((*id, why.as_str())).or_default().push(r.micro.name());
            }
        }
    }
    for ((id, why), names) in skipped {
        let _ = writeln!(out, "  {id}: unsupported, skipped on {} ({why})", names.join(", "));
    }
}

/// The Kiln engines' time per operation ÷ Wasmtime's, per micro-benchmark
/// (the component ones' "kiln ÷ wasmtime" is the cost of a request on a
/// fresh instance against Wasmtime's), when wasmtime and a Kiln engine ran.
fn micro_to_wasmtime(out: &mut String, micro: &[MicroResult], wasm_ids: &[EngineId]) {
    let kilns: Vec<EngineId> = wasm_ids.iter().copied().filter(|id| id.name().starts_with("kiln")).collect();
    if kilns.is_empty() || !wasm_ids.contains(&EngineId::Wasmtime) {
        return;
    }
    let mut t = Table {
        title: "Micro-benchmarks: Kiln ÷ Wasmtime, time per operation (lower is better for Kiln).".to_string(),
        header: std::iter::once("operation".to_string())
            .chain(kilns.iter().map(|k| format!("{k} ÷ wasmtime")))
            .collect(),
        rows: Vec::new(),
    };
    for r in micro {
        let medians = micro_medians(r);
        let mut row = vec![r.micro.name().to_string()];
        for k in &kilns {
            row.push(match (medians.get(k), medians.get(&EngineId::Wasmtime)) {
                (Some(k), Some(w)) => fmt_ratio(k / w),
                _ => status_text(r.cells.get(k))
                    .or(status_text(r.cells.get(&EngineId::Wasmtime)))
                    .unwrap_or("-")
                    .to_string(),
            });
        }
        t.rows.push(row);
    }
    t.render(out);
}

/// Below a run time table: which engines were skipped on which programs
/// and why, one line per engine and reason.
fn unsupported_notes(out: &mut String, programs: &[&ProgramResult]) {
    let mut skipped: BTreeMap<(EngineId, &str), Vec<&str>> = BTreeMap::new();
    for r in programs {
        for (id, cell) in &r.cells {
            if let Cell::Unsupported(why) = cell {
                skipped.entry((*id, why.as_str())).or_default().push(r.name);
            }
        }
    }
    for ((id, why), names) in skipped {
        let _ = writeln!(out, "  {id}: unsupported, skipped on {} ({why})", names.join(", "));
    }
}

/// Every failed cell, as "program/engine: reason".
pub fn failures(results: &Results) -> Vec<String> {
    let mut out = Vec::new();
    for r in results.programs.iter().chain(&results.wasi) {
        for (id, cell) in &r.cells {
            if let Cell::Failed(why) = cell {
                out.push(format!("{} on {}: {}", r.name, id, why));
            }
        }
    }
    for r in &results.micro {
        for (id, cell) in &r.cells {
            if let Cell::Failed(why) = cell {
                out.push(format!("{} on {}: {}", r.micro.name(), id, why));
            }
        }
    }
    out
}

// ---------------------------------------------------------------- JSON

fn ns(d: Duration) -> u64 {
    d.as_nanos() as u64
}

fn stats_json(values_ns: Vec<u64>) -> Value {
    let f: Vec<f64> = values_ns.iter().map(|v| *v as f64).collect();
    json!({ "median": median(&f).round() as u64, "samples": values_ns })
}

fn cell_status_json<T>(cell: &Cell<T>) -> Option<Value> {
    match cell {
        Cell::Absent(why) => Some(json!({ "status": "absent", "reason": why })),
        Cell::NotApplicable => Some(json!({ "status": "n/a" })),
        Cell::Unsupported(why) => Some(json!({ "status": "unsupported", "reason": why })),
        Cell::Failed(why) => Some(json!({ "status": "failed", "error": why })),
        Cell::Ok(_) => None,
    }
}

/// One program's entry in results.json: its size, what a correct run
/// produces and every engine's samples. For a WASI program, `n` is its size
/// (rows) and `exit_status` takes the place of `checksum`.
fn program_json(r: &ProgramResult) -> Value {
    let checksum_key = match r.expected {
        Expected::Checksum(_) => "checksum",
        Expected::Output { .. } => "exit_status",
    };
    let medians = phase_medians(r, run_phase);
    let best = best_wasm(&medians);
    let native = medians.get(&EngineId::Native).copied();
    let mut cells = serde_json::Map::new();
    for (id, cell) in &r.cells {
        let v = cell_status_json(cell).unwrap_or_else(|| {
            let Cell::Ok(samples) = cell else { unreachable!() };
            let m = medians[id];
            let mut o = json!({
                "status": "ok",
                "run_ns": stats_json(samples.iter().map(|s| ns(s.run)).collect()),
                "run_ratio_to_best_wasm": best.map(|b| m / b),
                "run_ratio_to_native": native.map(|n| m / n),
            });
            o[checksum_key] = json!(samples.first().map(|s| s.checksum));
            if id.is_wasm() {
                o["compile_ns"] = stats_json(samples.iter().filter_map(|s| s.compile).map(ns).collect());
                o["instantiate_ns"] = stats_json(samples.iter().filter_map(|s| s.instantiate).map(ns).collect());
            }
            o
        });
        cells.insert(id.name().to_string(), v);
    }
    let mut o = json!({
        "name": r.name,
        "character": r.character,
        "simd": r.simd,
        "n": r.n,
        "wasm_bytes": r.wasm_bytes,
    });
    match &r.expected {
        Expected::Checksum(c) => o["expected_checksum"] = json!(c),
        Expected::Output { argv, stdout } => {
            o["argv"] = json!(argv);
            o["expected_exit_status"] = json!(0);
            o["expected_stdout"] = json!(stdout);
        }
    }
    o["results"] = Value::Object(cells);
    o
}

pub fn json(results: &Results) -> Value {
    let engines: Vec<Value> = results
        .engines
        .iter()
        .map(|(id, version, ok)| json!({ "id": id, "available": ok, "description": version }))
        .collect();
    let programs: Vec<Value> = results.programs.iter().map(program_json).collect();
    let wasi_programs: Vec<Value> = results.wasi.iter().map(program_json).collect();
    let micro: Vec<Value> = results
        .micro
        .iter()
        .map(|r| {
            let medians = micro_medians(r);
            let best = medians.values().copied().reduce(f64::min);
            let wasmtime = medians.get(&EngineId::Wasmtime).copied();
            let mut cells = serde_json::Map::new();
            for (id, cell) in &r.cells {
                let v = cell_status_json(cell).unwrap_or_else(|| {
                    let Cell::Ok(samples) = cell else { unreachable!() };
                    json!({
                        "status": "ok",
                        "ns_per_op": { "median": medians[id], "samples": samples },
                        "ratio_to_best": best.map(|b| medians[id] / b),
                        "ratio_to_wasmtime": wasmtime.map(|w| medians[id] / w),
                    })
                });
                cells.insert(id.name().to_string(), v);
            }
            json!({
                "name": r.micro.name(),
                "description": r.micro.description(),
                "component": r.micro.is_component(),
                "iterations": r.iterations,
                "results": cells,
            })
        })
        .collect();
    json!({
        "tool": "kiln-bench",
        "mode": if results.quick { "quick" } else { "full" },
        "runs": results.runs,
        "host": {
            "arch": std::env::consts::ARCH,
            "os": std::env::consts::OS,
            "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        },
        "unix_time": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
        "elapsed_s": results.elapsed.as_secs_f64(),
        "workspace_git": results.git,
        "engines": engines,
        "programs": programs,
        "wasi_programs": wasi_programs,
        "micro": micro,
        "failures": failures(results),
    })
}

/// The commit of the checkout the harness runs in (normally the one `cargo
/// run` just built it from) and whether the tree differs from it, so that a
/// results.json says which Kiln it measured. Null outside a git checkout.
pub fn workspace_git() -> Value {
    let root = crate::workspace_root();
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(&root)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    match git(&["rev-parse", "HEAD"]) {
        Some(commit) => json!({
            "commit": commit,
            "dirty": git(&["status", "--porcelain"]).is_some_and(|s| !s.is_empty()),
        }),
        None => Value::Null,
    }
}

// ---------------------------------------------------------------- SVG

fn color(id: EngineId) -> &'static str {
    match id {
        EngineId::KilnInterp => "#d95f02",
        EngineId::KilnInterpFuel => "#f4a261",
        EngineId::KilnInterpEpoch => "#a34400",
        EngineId::KilnJit => "#e7298a",
        EngineId::KilnJitFuel => "#f59ac8",
        EngineId::KilnJitEpoch => "#a3155e",
        EngineId::Wasmtime => "#1b9e77",
        EngineId::WasmtimeFuel => "#7fd4b8",
        EngineId::WasmtimeEpoch => "#0e5e46",
        EngineId::Wasmi => "#7570b3",
        EngineId::Native => "#666666",
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// One bar: the engine, its ratio, or why it has none ("absent", ...).
type Bar = (EngineId, Option<f64>, &'static str);

/// One panel of horizontal bars on a log scale: labelled groups of bars.
struct Panel {
    title: String,
    groups: Vec<(String, Vec<Bar>)>,
}

const WIDTH: f64 = 960.0;
const LABEL_W: f64 = 150.0;
const RIGHT_PAD: f64 = 90.0;
const BAR_H: f64 = 13.0;
const GROUP_GAP: f64 = 10.0;

fn draw_panel(svg: &mut String, panel: &Panel, y0: f64) -> f64 {
    let ratios: Vec<f64> = panel.groups.iter().flat_map(|(_, bars)| bars.iter().filter_map(|b| b.1)).collect();
    let max = ratios.iter().copied().fold(1.0f64, f64::max);
    let min = ratios.iter().copied().fold(1.0f64, f64::min);
    // the largest 1-2-5 step at or below the smallest ratio (and at most 1)
    let floor_decade = 10f64.powf(min.log10().floor());
    let lo =
        [5.0, 2.0, 1.0].iter().map(|m| m * floor_decade).find(|v| *v <= min * 1.0001).unwrap_or(floor_decade).min(1.0);
    // the smallest 1-2-5 step at or above the largest ratio (and at least 10)
    let ceil_decade = 10f64.powf(max.log10().floor());
    let hi = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * ceil_decade)
        .find(|v| *v >= max * 0.9999)
        .unwrap_or(ceil_decade * 10.0)
        .max(10.0);
    let plot_w = WIDTH - LABEL_W - RIGHT_PAD;
    let x_of = |r: f64| LABEL_W + (r.log10() - lo.log10()) / (hi.log10() - lo.log10()) * plot_w;

    let mut y = y0;
    let _ = writeln!(
        svg,
        r#"<text x="10" y="{:.1}" font-size="15" font-weight="bold">{}</text>"#,
        y + 15.0,
        esc(&panel.title)
    );
    y += 28.0;
    let plot_top = y;
    let plot_h: f64 = panel.groups.iter().map(|(_, bars)| bars.len() as f64 * BAR_H + GROUP_GAP).sum();
    // grid lines at 1, 2, 5 × powers of ten
    let mut decade = floor_decade.min(1.0);
    while decade <= hi * 1.0001 {
        for m in [1.0, 2.0, 5.0] {
            let r = decade * m;
            if r < lo * 0.9999 || r > hi * 1.0001 {
                continue;
            }
            let x = x_of(r);
            let major = m == 1.0;
            let _ = writeln!(
                svg,
                r#"<line x1="{x:.1}" y1="{plot_top:.1}" x2="{x:.1}" y2="{:.1}" stroke="{}" stroke-width="1"/>"#,
                plot_top + plot_h,
                if r == 1.0 {
                    "#000"
                } else if major {
                    "#bbb"
                } else {
                    "#e4e4e4"
                }
            );
            let _ = writeln!(
                svg,
                r##"<text x="{x:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="#555">{r}×</text>"##,
                plot_top + plot_h + 12.0,
            );
        }
        decade *= 10.0;
    }
    for (label, bars) in &panel.groups {
        let gh = bars.len() as f64 * BAR_H;
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="end">{}</text>"#,
            LABEL_W - 8.0,
            y + gh / 2.0 + 4.0,
            esc(label)
        );
        for (id, ratio, missing) in bars {
            match ratio {
                Some(r) => {
                    let x1 = x_of(*r);
                    let (xa, xb) = if *r >= 1.0 { (x_of(1.0), x1) } else { (x1, x_of(1.0)) };
                    let _ = writeln!(
                        svg,
                        r#"<rect x="{xa:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{}: {}</title></rect>"#,
                        y + 1.0,
                        (xb - xa).max(1.0),
                        BAR_H - 2.0,
                        color(*id),
                        id,
                        fmt_ratio(*r)
                    );
                    let _ = writeln!(
                        svg,
                        r##"<text x="{:.1}" y="{:.1}" font-size="10" fill="#333">{}</text>"##,
                        xb.max(x_of(1.0)) + 4.0,
                        y + BAR_H - 3.0,
                        fmt_ratio(*r)
                    );
                }
                None => {
                    let _ = writeln!(
                        svg,
                        r##"<text x="{:.1}" y="{:.1}" font-size="10" fill="#999">{}: {}</text>"##,
                        x_of(1.0) + 4.0,
                        y + BAR_H - 3.0,
                        id,
                        missing
                    );
                }
            }
            y += BAR_H;
        }
        y += GROUP_GAP;
    }
    y + 24.0
}

pub fn svg(results: &Results) -> String {
    let wasm_ids: Vec<EngineId> = results.engines.iter().map(|(id, _, _)| *id).filter(|id| id.is_wasm()).collect();
    let mut panels = Vec::new();
    for (programs, section) in Section::split(results) {
        let has_native = programs.iter().any(|r| matches!(r.cells.get(&EngineId::Native), Some(Cell::Ok(_))));
        let mut groups = Vec::new();
        for r in programs {
            let medians = phase_medians(r, run_phase);
            let reference = if has_native { medians.get(&EngineId::Native).copied() } else { best_wasm(&medians) };
            let bars = wasm_ids
                .iter()
                .map(|id| {
                    let ratio = match (medians.get(id), reference) {
                        (Some(m), Some(reference)) => Some(m / reference),
                        _ => None,
                    };
                    (*id, ratio, status_text(r.cells.get(id)).unwrap_or("-"))
                })
                .collect();
            groups.push((r.name.to_string(), bars));
        }
        panels.push(Panel {
            title: section.title(&format!(
                "Run time ÷ {} (log scale, lower is better; {} size, median of {} runs)",
                if has_native { "native" } else { "fastest wasm engine" },
                if results.quick { "quick" } else { "default" },
                results.runs
            )),
            groups,
        });
    }
    if !results.micro.is_empty() {
        let mut groups = Vec::new();
        for r in &results.micro {
            let medians = micro_medians(r);
            let best = medians.values().copied().reduce(f64::min);
            let bars = wasm_ids
                .iter()
                .map(|id| {
                    let ratio = match (medians.get(id), best) {
                        (Some(m), Some(b)) => Some(m / b),
                        _ => None,
                    };
                    (*id, ratio, status_text(r.cells.get(id)).unwrap_or("-"))
                })
                .collect();
            groups.push((r.micro.name().to_string(), bars));
        }
        panels
            .push(Panel { title: "Micro-benchmarks: time per operation ÷ fastest engine (log scale)".into(), groups });
    }

    let mut body = String::new();
    // legend
    let mut x = LABEL_W;
    for id in &wasm_ids {
        let _ = writeln!(body, r#"<rect x="{x:.1}" y="12" width="12" height="12" fill="{}"/>"#, color(*id));
        let _ = writeln!(body, r#"<text x="{:.1}" y="22" font-size="12">{}</text>"#, x + 16.0, id);
        x += 24.0 + 8.0 * id.name().len() as f64;
    }
    let mut y = 36.0;
    for panel in &panels {
        y = draw_panel(&mut body, panel, y);
    }
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{y:.0}" viewBox="0 0 {WIDTH} {y:.0}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
{body}</svg>
"#
    )
}
