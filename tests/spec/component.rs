//! The component model's reference tests (`../shared/component-model-tests/`,
//! override: `KILN_COMPONENT_TESTS`), run through `kiln_cli::wast` under
//! every tier: all of `binary/`, `linking/`, `resources/`, `validation/`
//! and `values/` except what upstream's `nyi.txt` lists. `async/` is a
//! later stage (the asynchronous ABI) and is not run.
//!
//! Some files need what Kiln does not have (the async ABI, core exceptions,
//! multi-memory, ...). They are listed in [`KNOWN`] with the reason, and
//! run anyway: the directives named there must fail (so the list is kept
//! honest when Kiln learns the feature) and every other one must pass.
//! Such a file counts as skipped-with-reason in the table, not as passed.

use super::{location, TIERS};
use kiln::Config;
use kiln_cli::wast::{run_file, FileReport};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The folders run, in table order.
const FOLDERS: &[&str] = &["binary", "linking", "resources", "validation", "values"];

/// Which directives of a file cannot pass, and why.
enum Known {
    /// None of the file can be run meaningfully.
    File,
    /// These lines (inclusive ranges of directive start lines) fail; the
    /// rest of the file must pass.
    Lines(&'static [(usize, usize)]),
}

/// Files (relative to the test root) that cannot pass whole, with why.
const KNOWN: &[(&str, Known, &str)] = &[
    (
        "binary/binary.wast",
        // 557, 755, 974: `stream` and async functions; 892: a core
        // subtype (GC).
        Known::Lines(&[(557, 557), (755, 755), (892, 892), (974, 974)]),
        "async ABI and GC types are not supported",
    ),
    ("linking/tags.wast", Known::File, "core exceptions (tags) are not supported"),
    (
        "linking/unit.wast",
        // 261-375: two-memory core modules, and calls into them.
        Known::Lines(&[(261, 261), (295, 302), (308, 308), (344, 351), (355, 355), (374, 375)]),
        "multi-memory is not supported",
    ),
    (
        "validation/indicies.wast",
        Known::Lines(&[(236, 236), (251, 251), (267, 267)]),
        "async ABI and threading built-ins are not supported",
    ),
    ("validation/instantiation.wast", Known::Lines(&[(342, 342)]), "multi-memory is not supported"),
    (
        "validation/kebab.wast",
        Known::Lines(&[(4, 4)]),
        "wasmparser 0.263 rejects imports `a1` and `a-1` as conflicting names; the tests expect them distinct",
    ),
    (
        "values/post-return.wast",
        // 4 defines the tester with `stream`; 201-256 use it; 260 uses
        // `context.get` (292-293 use it); 334 `backpressure.inc` (358
        // then calls the previous component's export).
        Known::Lines(&[(4, 4), (201, 256), (260, 260), (292, 293), (334, 334), (358, 358)]),
        "async ABI is not supported",
    ),
    (
        "values/variants.wast",
        // 83 lifts an async export with `task.return`; 183-186 call it.
        Known::Lines(&[(83, 83), (183, 186)]),
        "async ABI is not supported",
    ),
];

struct Job {
    folder: &'static str,
    /// Relative to the test root, with `/`.
    name: String,
    path: PathBuf,
    known: Option<&'static (&'static str, Known, &'static str)>,
}

#[derive(Default)]
struct Row {
    files: usize,
    passed_files: usize,
    directives: usize,
    failed: usize,
    known: usize,
    wording: usize,
    skipped: Vec<String>,
}

fn jobs(root: &Path) -> Vec<Job> {
    let nyi = std::fs::read_to_string(root.join("nyi.txt")).expect("nyi.txt");
    let nyi: Vec<&str> = nyi
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.trim_start_matches("./"))
        .collect();
    let mut jobs = Vec::new();
    for folder in FOLDERS {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(folder))
            .expect("read a reference-test folder")
            .map(|e| e.expect("directory entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "wast"))
            .collect();
        files.sort();
        for path in files {
            let name = format!("{folder}/{}", path.file_name().unwrap().to_string_lossy());
            if nyi.contains(&name.as_str()) {
                continue;
            }
            let known = KNOWN.iter().find(|(file, ..)| *file == name);
            jobs.push(Job { folder, name, path, known });
        }
    }
    for (file, ..) in KNOWN {
        assert!(jobs.iter().any(|j| j.name == *file), "KNOWN lists {file}, which is not run");
    }
    jobs
}

/// Checks one file's report against what is known of it: the failures
/// that are not known, and the known ones that did not happen.
fn check(job: &Job, report: &FileReport) -> (usize, Vec<String>) {
    let mut problems = Vec::new();
    let mut known = 0;
    let ranges: &[(usize, usize)] = match job.known {
        Some((_, Known::File, _)) => {
            if report.failures.is_empty() {
                problems.push(format!("{}: listed as failing but passed whole: update KNOWN", job.path.display()));
            }
            return (report.failures.len(), problems);
        }
        Some((_, Known::Lines(ranges), _)) => ranges,
        None => &[],
    };
    let is_known = |line: usize| ranges.iter().any(|(a, b)| (*a..=*b).contains(&line));
    for f in &report.failures {
        if is_known(f.line) {
            known += 1;
        } else {
            problems.push(format!("{}:{}: {}", job.path.display(), f.line, f.message));
        }
    }
    for (a, b) in ranges {
        if !report.failures.iter().any(|f| (*a..=*b).contains(&f.line)) {
            problems.push(format!(
                "{}: lines {a}-{b} are listed as known failures but passed: update KNOWN",
                job.path.display()
            ));
        }
    }
    (known, problems)
}

#[test]
fn component_model_reference_tests() {
    let root = location("KILN_COMPONENT_TESTS", "component-model-tests");
    if !root.is_dir() {
        let line =
            format!("component-model reference tests not found at {} (set KILN_COMPONENT_TESTS)", root.display());
        if std::env::var_os("CI").is_some() {
            panic!("{line}");
        }
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "{line}");
        return;
    }
    let jobs = jobs(&root);
    let mut problems = Vec::new();
    for (tier, strategy, portable) in TIERS {
        let reports: Vec<(usize, FileReport)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..2)
                .map(|k| {
                    let jobs = &jobs;
                    scope.spawn(move || {
                        (k..jobs.len())
                            .step_by(2)
                            .map(|i| {
                                let mut config = Config::new();
                                config.strategy(*strategy);
                                config.interp_portable_dispatch(*portable);
                                let report = run_file(&jobs[i].path, &config).unwrap_or_else(|e| panic!("{e:#}"));
                                (i, report)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().expect("reference-test worker")).collect()
        });
        let mut table: BTreeMap<usize, Row> = BTreeMap::new();
        for (i, report) in reports {
            let job = &jobs[i];
            let folder = FOLDERS.iter().position(|f| *f == job.folder).unwrap();
            let row = table.entry(folder).or_default();
            let (known, mut file_problems) = check(job, &report);
            row.files += 1;
            row.directives += report.passed;
            row.failed += report.failures.len() - known;
            row.known += known;
            row.wording += report.wording.len();
            match job.known {
                Some((_, _, reason)) => row.skipped.push(format!("{} ({reason})", job.name)),
                None if report.failures.is_empty() => row.passed_files += 1,
                None => {}
            }
            problems.extend(file_problems.drain(..).map(|p| format!("[{tier}] {p}")));
        }
        println!("\ncomponent-model reference tests, tier {tier}");
        println!(
            "{:<11} {:>6} {:>7} {:>8} {:>11} {:>7} {:>6} {:>8}",
            "folder", "files", "passed", "skipped", "directives", "failed", "known", "wording"
        );
        for (folder, row) in &table {
            println!(
                "{:<11} {:>6} {:>7} {:>8} {:>11} {:>7} {:>6} {:>8}",
                FOLDERS[*folder],
                row.files,
                row.passed_files,
                row.skipped.len(),
                row.directives,
                row.failed,
                row.known,
                row.wording
            );
        }
        println!("skipped with a reason (run; only the directives listed in KNOWN may fail):");
        for skipped in table.values().flat_map(|row| &row.skipped) {
            println!("  {skipped}");
        }
    }
    for p in &problems {
        println!("FAILED {p}");
    }
    assert!(problems.is_empty(), "{} component reference-test problems (listed above)", problems.len());
}
