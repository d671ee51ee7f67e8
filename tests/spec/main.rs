//! The WebAssembly spec test suite, run under every tier; the component
//! model's reference tests are in [`component`].
//!
//! - `../shared/wasm-testsuite-2.0/` (override: `KILN_TESTSUITE_2_0`): the
//!   Wasm 2.0 snapshot, run with the 2.0 binary format and exactly the 2.0
//!   proposals (SIMD on, relaxed SIMD off).
//! - `../shared/wasm-testsuite/` (override: `KILN_TESTSUITE`): the current
//!   suite; each root file runs when the engine supports the feature
//!   `FEATURES.tsv` gives it, and is listed as skipped otherwise.
//!
//! Prints a table per suite and feature; fails if any directive of a file
//! that runs fails. A suite that is not found fails the test when `CI` is
//! set; otherwise it is not run, and a line saying so (`spec suites not
//! found: ...`) appears in the plain `cargo test` output.

mod component;

use kiln::{Config, Strategy};
use kiln_cli::wast::{run_file, FileReport};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Features of `FEATURES.tsv` that Kiln supports.
const SUPPORTED: &[&str] = &[
    "mvp",
    "sign-ext",
    "nontrapping-fptoint",
    "multi-value",
    "bulk-memory",
    "reference-types",
    "simd",
    "relaxed-simd",
];

/// The tiers Kiln has, and whether the interpreter runs its portable
/// `match` loop rather than its threaded executor (the fallback where tail
/// calls are not guaranteed). Each runs the whole suite.
const TIERS: &[(&str, Strategy, bool)] = &[
    ("interpreter", Strategy::Interpreter, false),
    ("interpreter (portable match loop)", Strategy::Interpreter, true),
    ("cranelift", Strategy::Cranelift, false),
];

struct Job {
    suite: &'static str,
    feature: String,
    path: PathBuf,
    skip: Option<String>,
}

#[derive(Default)]
struct Row {
    files: usize,
    passed: usize,
    failed: usize,
    wording: usize,
    skipped: Vec<String>,
}

/// Where a suite is looked for: `$var`, or `default` in `../shared/` next
/// to the repository.
fn location(var: &str, default: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..").join("shared").join(default),
    }
}

fn root_wast_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read test suite directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "wast"))
        .collect();
    files.sort();
    files
}

/// The suites, each with the variable that overrides where it is found.
const SUITES: [(&str, &str); 2] = [("KILN_TESTSUITE_2_0", "wasm-testsuite-2.0"), ("KILN_TESTSUITE", "wasm-testsuite")];

/// Says, where plain `cargo test` shows it, which suites were not found
/// (`(variable, path looked at)`), and fails under CI. libtest captures a
/// test's `println!`/`eprintln!` and shows it only for a failing test (or
/// with `--nocapture`); a write to the stderr handle itself is not
/// captured, so this line appears in the output of every `cargo test` run,
/// between `running 1 test` and the test's result.
fn report_missing(missing: &[(&str, PathBuf)]) {
    use std::io::Write;
    let names: Vec<String> = missing.iter().map(|(var, path)| format!("{} (set {var})", path.display())).collect();
    let line = format!(
        "spec suites not found: {} of {} suites not run: {}; set KILN_TESTSUITE to the current suite \
         (wasm-testsuite) and KILN_TESTSUITE_2_0 to the 2.0 snapshot (wasm-testsuite-2.0)",
        missing.len(),
        SUITES.len(),
        names.join(", ")
    );
    if std::env::var_os("CI").is_some() {
        panic!("{line}");
    }
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// The files of every suite found.
fn jobs() -> Vec<Job> {
    let [suite2, suite3] = SUITES.map(|(var, dir)| (var, location(var, dir)));
    let missing: Vec<(&str, PathBuf)> =
        [&suite2, &suite3].into_iter().filter(|(_, path)| !path.is_dir()).cloned().collect();
    if !missing.is_empty() {
        report_missing(&missing);
    }
    let mut jobs = Vec::new();
    if suite2.1.is_dir() {
        jobs.extend(suite2_jobs(&suite2.1));
    }
    if suite3.1.is_dir() {
        jobs.extend(suite3_jobs(&suite3.1));
    }
    jobs
}

/// The 2.0 snapshot's files, the SIMD ones in a row of their own.
fn suite2_jobs(suite2: &Path) -> Vec<Job> {
    let mut jobs = Vec::new();
    for path in root_wast_files(suite2) {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let feature = if name.starts_with("simd_") { "simd" } else { "wasm-2.0" };
        jobs.push(Job { suite: "2.0", feature: feature.to_string(), path, skip: None });
    }
    jobs
}

/// The current suite's root files, by the feature `FEATURES.tsv` gives each.
fn suite3_jobs(suite3: &Path) -> Vec<Job> {
    let mut jobs = Vec::new();
    let features = std::fs::read_to_string(suite3.join("FEATURES.tsv")).expect("FEATURES.tsv");
    let mut by_file = BTreeMap::new();
    for line in features.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        if let Some((file, feature)) = line.split_once('\t') {
            by_file.insert(file.trim().to_string(), feature.trim().to_string());
        }
    }
    for path in root_wast_files(suite3) {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let feature = by_file.get(&name).cloned().unwrap_or_else(|| panic!("{name} is missing from FEATURES.tsv"));
        let skip = (!SUPPORTED.contains(&feature.as_str())).then(|| format!("{feature} is not supported yet"));
        jobs.push(Job { suite: "3.0", feature, path, skip });
    }
    jobs
}

#[test]
fn spec_suite() {
    let jobs = jobs();
    if jobs.is_empty() {
        return;
    }
    let mut failures = Vec::new();
    for (tier, strategy, portable) in TIERS {
        let mut table: BTreeMap<(&str, String), Row> = BTreeMap::new();
        let reports: Vec<(usize, Option<FileReport>)> = std::thread::scope(|scope| {
            let chunks: Vec<Vec<usize>> = (0..2).map(|k| (k..jobs.len()).step_by(2).collect()).collect();
            let handles: Vec<_> = chunks
                .into_iter()
                .map(|chunk| {
                    let jobs = &jobs;
                    scope.spawn(move || {
                        chunk
                            .into_iter()
                            .map(|i| {
                                let job = &jobs[i];
                                if job.skip.is_some() {
                                    return (i, None);
                                }
                                let mut config = Config::new();
                                config.strategy(*strategy);
                                config.interp_portable_dispatch(*portable);
                                config.wasm2_encoding(job.suite == "2.0");
                                // The 2.0 suite runs with exactly 2.0's proposals.
                                config.wasm_relaxed_simd(job.suite != "2.0");
                                let report = run_file(&job.path, &config).unwrap_or_else(|e| panic!("{e:#}"));
                                (i, Some(report))
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().expect("spec worker")).collect()
        });
        for (i, report) in reports {
            let job = &jobs[i];
            let row = table.entry((job.suite, job.feature.clone())).or_default();
            let name = job.path.file_name().unwrap().to_string_lossy().to_string();
            match report {
                None => row.skipped.push(name),
                Some(report) => {
                    row.files += 1;
                    row.passed += report.passed;
                    row.failed += report.failures.len();
                    row.wording += report.wording.len();
                    for f in &report.failures {
                        failures.push(format!("[{tier}] {}:{}: {}", job.path.display(), f.line, f.message));
                    }
                }
            }
        }
        println!("\nspec suite, tier {tier}");
        println!(
            "{:<6} {:<22} {:>6} {:>9} {:>7} {:>9}  skipped",
            "suite", "feature", "files", "passed", "failed", "wording"
        );
        for ((suite, feature), row) in &table {
            let skipped = match row.skipped.len() {
                0 => String::new(),
                n => format!(
                    "{n} files ({})",
                    jobs.iter()
                        .find(|j| j.feature == *feature && j.skip.is_some())
                        .and_then(|j| j.skip.clone())
                        .unwrap_or_default()
                ),
            };
            println!(
                "{:<6} {:<22} {:>6} {:>9} {:>7} {:>9}  {}",
                suite, feature, row.files, row.passed, row.failed, row.wording, skipped
            );
        }
    }
    for f in &failures {
        println!("FAILED {f}");
    }
    assert!(failures.is_empty(), "{} spec directives failed (listed above)", failures.len());
}
