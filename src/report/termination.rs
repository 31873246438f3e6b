//! The termination message: where it goes (Kubernetes reads
//! `/dev/termination-log`) and how it is written, cut to what Kubernetes keeps.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminationLog {
    pub path: PathBuf,
    pub explicit: bool,
}

/// Kubernetes reads at most 4096 bytes of a termination message.
pub const TERMINATION_LIMIT: usize = 4096;

/// Where the termination message goes, if anywhere: an explicit path must be
/// writable (it is created now, before any request); the default only when it exists,
/// so that nothing is ever created under /dev on a host.
pub fn termination_target(log: &TerminationLog) -> Result<Option<&Path>, String> {
    if log.explicit {
        // A FIFO would block the writer until someone reads it, past the deadline
        // and past signals; a directory or device is no place for a message either.
        if let Ok(meta) = std::fs::metadata(&log.path)
            && !meta.is_file()
        {
            return Err(format!(
                "--termination-log: {} is not a regular file",
                log.path.display()
            ));
        }
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log.path)
            .map_err(|e| {
                format!(
                    "--termination-log: cannot write {}: {e}",
                    log.path.display()
                )
            })?;
        return Ok(Some(&log.path));
    }
    let regular = std::fs::metadata(&log.path).is_ok_and(|m| m.is_file());
    Ok(regular.then_some(log.path.as_path()))
}

/// Write the termination message, cut to the limit at a character boundary.
pub fn write_termination(path: &Path, text: &str) -> Result<(), String> {
    let mut text = format!("{text}\n");
    if text.len() > TERMINATION_LIMIT {
        let mut cut = TERMINATION_LIMIT - 4;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("...\n");
    }
    std::fs::write(path, text).map_err(|e| {
        format!(
            "cannot write the termination message to {}: {e}",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn termination_message_is_cut_at_a_character_boundary() {
        let dir = std::env::temp_dir().join(format!("cd-term-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("log");
        write_termination(&path, &"é".repeat(5000)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.len() <= TERMINATION_LIMIT && text.ends_with("...\n"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
