//! Hostile tests (attack2): base::files made every credential, token, header and
//! reference read refuse FIFOs and devices at once, but the definition files
//! themselves (spec/load.rs `read_file`) are still opened blocking: a PATH naming a
//! FIFO waits for a writer until the deadline, then ends 124 ("Kafka Connect was not
//! ready", which a Job retries for ever) after the whole --timeout (5 minutes by
//! default) instead of a clear message naming the file with its documented code
//! (66: a path is unreadable) at start.

use std::time::{Duration, Instant};

use crate::support::*;

fn mkfifo(path: &std::path::Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo");
    assert!(status.success());
}

/// A FIFO as the definition PATH is allowed (process substitution, `<(kubectl ...)`,
/// is one): nobody writing to it, the run ends at the deadline, saying what it was
/// reading, with nothing applied (it was found waiting out the whole timeout without
/// a word about the file).
#[test]
fn attack2_definition_path_that_is_a_fifo_ends_at_the_deadline_naming_it() {
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::new();
    let fifo = dir.path().join("clicks.json");
    mkfifo(&fifo);
    let start = Instant::now();
    let out = deploy()
        .url(fake.url())
        .timeout("2s")
        .arg(fifo.display().to_string())
        .run();
    let took = start.elapsed();
    assert!(
        out.code == 124 && took < Duration::from_secs(3),
        "a FIFO nobody writes to: exit {} after {took:?}, expected 124 at the deadline:\n{}",
        out.code,
        out.all()
    );
    assert!(
        out.all().contains("while the definitions were read from")
            && out.all().contains("clicks.json"),
        "the message does not name the file:\n{}",
        out.all()
    );
    assert!(fake.connector_names().is_empty());
}
