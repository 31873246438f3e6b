//! The documentation agrees with the binary:
//! - every option and environment variable `--help` names has a row of its own in the
//!   options table of docs/configuration.md, and that table names no option the
//!   binary lacks;
//! - every exit code `--help` lists has a row in the exit tables of
//!   docs/exit-codes.md and of the README, and those tables list no other code;
//! - both tables mark `FailJob` exactly the codes on which k8s/job.yaml's
//!   `podFailurePolicy` fails the Job (tests/manifests.rs holds that list equal to the
//!   binary's own);
//! - the README holds at most 250 lines.
//!
//! Only the built binary's output and plain files are read, so the test does not
//! depend on how `src/` is organised. Anything unexpected fails naming the file.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_connect-deploy");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn help() -> String {
    let out = Command::new(BIN)
        .arg("--help")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {BIN} --help: {e}"));
    assert!(out.status.success(), "--help exited {:?}", out.status);
    String::from_utf8(out.stdout).expect("--help is UTF-8")
}

fn read(relative: &str) -> String {
    let path = Path::new(ROOT).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {relative}: {e}"))
}

/// Words of a text, where a word may hold letters, digits, `-` and `_`: `--prune`
/// and `--prune-scope` stay apart, `[env KAFKA_CONNECT_PRUNE=true]` yields the name.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .filter(|w| !w.is_empty())
}

/// `--long` and `-x`, as `--help` and the tables write them.
fn is_option(word: &str) -> bool {
    match word.strip_prefix("--") {
        Some(long) => long.starts_with(|c: char| c.is_ascii_lowercase()),
        None => {
            let b = word.as_bytes();
            b.len() == 2 && b[0] == b'-' && b[1].is_ascii_alphabetic()
        }
    }
}

fn is_variable(word: &str) -> bool {
    word.starts_with("KAFKA_CONNECT_") && word.len() > "KAFKA_CONNECT_".len()
}

fn options_in(text: &str) -> BTreeSet<String> {
    words(text)
        .filter(|w| is_option(w))
        .map(String::from)
        .collect()
}

fn variables_in(text: &str) -> BTreeSet<String> {
    words(text)
        .filter(|w| is_variable(w))
        .map(|w| w.trim_end_matches('_').to_string())
        .collect()
}

/// The exit codes `--help` lists in its `Exit status:` paragraph.
fn help_exit_codes(help: &str) -> BTreeSet<u8> {
    let (_, rest) = help
        .split_once("Exit status:")
        .expect("--help has an 'Exit status:' paragraph");
    let paragraph = rest.split("\n\n").next().unwrap_or_default();
    let codes: BTreeSet<u8> = words(paragraph)
        .filter_map(|w| w.parse::<u8>().ok())
        .collect();
    assert!(
        codes.len() >= 10,
        "--help's exit status paragraph lists only {codes:?}:\n{paragraph}"
    );
    codes
}

/// The rows of the first Markdown table under `heading` (up to the next heading of
/// the same or a higher level), as cells; header and separator rows left out.
fn table(page: &str, text: &str, heading: &str) -> Vec<Vec<String>> {
    let level = heading.len() - heading.trim_start_matches('#').len();
    let mut lines = text.lines().skip_while(|l| l.trim_end() != heading);
    assert!(lines.next().is_some(), "{page}: no heading '{heading}'");
    let mut in_code = false;
    let section: Vec<&str> = lines
        .take_while(|l| {
            if l.starts_with("```") {
                in_code = !in_code;
            }
            let hashes = l.len() - l.trim_start_matches('#').len();
            in_code || !(hashes > 0 && hashes <= level && l[hashes..].starts_with(' '))
        })
        .collect();
    let rows: Vec<Vec<String>> = section
        .iter()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| {
            // `text\|json` is one cell.
            l.replace("\\|", "\u{0}")
                .trim()
                .trim_matches('|')
                .split('|')
                .map(|c| c.replace('\u{0}', "|").trim().to_string())
                .collect()
        })
        .collect();
    assert!(!rows.is_empty(), "{page}: no table under '{heading}'");
    rows
}

fn missing<T: Ord + Clone>(want: &BTreeSet<T>, have: &BTreeSet<T>) -> Vec<T> {
    want.difference(have).cloned().collect()
}

#[test]
fn every_option_and_variable_of_help_has_a_row_in_configuration_md() {
    let help = help();
    let page = "docs/configuration.md";
    let rows = table(page, &read(page), "## Options and variables");
    let cell = |i: usize| -> String {
        rows.iter()
            .map(|r| r.get(i).cloned().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (flags, variables) = (options_in(&cell(0)), variables_in(&cell(1)));

    let help_options = options_in(&help);
    let help_variables = variables_in(&help);
    // The extraction itself must work, or the test would pass on nothing.
    for sure in ["--url", "--help", "-V"] {
        assert!(help_options.contains(sure), "{sure} not found in --help");
    }
    assert!(help_variables.contains("KAFKA_CONNECT_URL"));

    let undocumented = missing(&help_options, &flags);
    assert!(
        undocumented.is_empty(),
        "{page}: the options table has no row for {undocumented:?}, which --help names"
    );
    let undocumented = missing(&help_variables, &variables);
    assert!(
        undocumented.is_empty(),
        "{page}: the options table has no row for {undocumented:?}, which --help names"
    );
    let stale = missing(&flags, &help_options);
    assert!(
        stale.is_empty(),
        "{page}: the options table documents {stale:?}, which --help does not name"
    );
}

#[test]
fn the_readme_s_short_options_table_names_only_real_options() {
    let help_options = options_in(&help());
    let rows = table("README.md", &read("README.md"), "## Options most runs need");
    let first: String = rows.iter().map(|r| r[0].clone() + "\n").collect();
    let flags = options_in(&first);
    assert!(flags.contains("--url"), "README: no --url row");
    let stale = missing(&flags, &help_options);
    assert!(
        stale.is_empty(),
        "README.md: the options table names {stale:?}, which --help does not"
    );
}

/// The codes in the first cells of an exit table (`130 / 143` is two).
fn codes_of(rows: &[Vec<String>]) -> BTreeSet<u8> {
    rows.iter()
        .flat_map(|r| {
            words(&r[0])
                .filter_map(|w| w.parse::<u8>().ok())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn every_exit_code_of_help_has_a_row_in_exit_codes_md_and_the_readme() {
    let help = help_exit_codes(&help());
    for (page, heading) in [
        ("docs/exit-codes.md", "## Exit status"),
        ("README.md", "## Exit status"),
    ] {
        let documented = codes_of(&table(page, &read(page), heading));
        let undocumented = missing(&help, &documented);
        assert!(
            undocumented.is_empty(),
            "{page}: the exit status table has no row for {undocumented:?}, which --help lists"
        );
        let stale = missing(&documented, &help);
        assert!(
            stale.is_empty(),
            "{page}: the exit status table lists {stale:?}, which --help does not"
        );
    }
}

/// The exit codes of the `FailJob` rule of a Job manifest: the `values: [...]` line
/// that follows `action: FailJob` (kept in flow style, as tests/manifests.rs requires).
fn fail_job_codes(manifest: &str) -> BTreeSet<u8> {
    let (_, rest) = manifest
        .split_once("action: FailJob")
        .expect("k8s/job.yaml: no 'action: FailJob' rule");
    let values = rest
        .lines()
        .find_map(|l| l.trim().strip_prefix("values:"))
        .expect("k8s/job.yaml: no 'values:' after 'action: FailJob'");
    let list = values
        .trim()
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .unwrap_or_else(|| panic!("k8s/job.yaml: 'values:{values}' is not a [list]"));
    list.split(',')
        .map(|v| {
            v.trim()
                .parse()
                .unwrap_or_else(|_| panic!("k8s/job.yaml: '{v}' is not an exit code"))
        })
        .collect()
}

#[test]
fn the_exit_tables_mark_fail_job_exactly_where_the_job_fails_at_once() {
    let policy = fail_job_codes(&read("k8s/job.yaml"));
    assert!(!policy.is_empty());
    for page in ["docs/exit-codes.md", "README.md"] {
        let rows = table(page, &read(page), "## Exit status");
        let marked_rows: Vec<Vec<String>> = rows
            .into_iter()
            .filter(|r| r.last().is_some_and(|c| c == "FailJob"))
            .collect();
        let marked = codes_of(&marked_rows);
        assert_eq!(
            marked, policy,
            "{page} marks FailJob {marked:?}; k8s/job.yaml's podFailurePolicy fails at once on {policy:?}"
        );
    }
}

/// The README stays a page one reads to the end: detail goes to docs/.
const README_MAX_LINES: usize = 250;

#[test]
fn the_readme_stays_short() {
    let lines = read("README.md").lines().count();
    assert!(
        lines <= README_MAX_LINES,
        "README.md has {lines} lines, more than {README_MAX_LINES}: move detail to a page under docs/"
    );
}
