//! The termination message: where it goes (Kubernetes reads
//! `/dev/termination-log`) and how it is written, cut to what Kubernetes keeps.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminationLog {
    pub path: PathBuf,
    pub explicit: bool,
}

/// Kubernetes reads at most 4096 bytes of a termination message.
pub const TERMINATION_LIMIT: usize = 4096;

/// The termination log, opened and checked once: the message is written to this
/// file, whatever the path names by then (a FIFO or a link put there later is never
/// opened).
#[derive(Debug)]
pub struct Target {
    path: PathBuf,
    file: Mutex<File>,
}

/// Where the termination message goes, if anywhere: an explicit path must be an
/// ordinary file to write or to create (it is opened now, before any request); the
/// default only when it is one already, so that nothing is ever created under /dev
/// on a host. Never a FIFO, socket or device (opening one could block past the
/// deadline, writing one could reach a device), never a kernel interface
/// (/proc, /sys, cgroup and the like hold "regular" files whose writes change the
/// system).
pub fn termination_target(log: &TerminationLog) -> Result<Option<Target>, String> {
    if !log.explicit && !std::fs::metadata(&log.path).is_ok_and(|m| m.is_file()) {
        return Ok(None);
    }
    let name = log.path.display();
    match open(&log.path, log.explicit) {
        Ok(file) => Ok(Some(Target {
            path: log.path.clone(),
            file: Mutex::new(file),
        })),
        Err(e) if log.explicit => Err(format!("--termination-log: {e}")),
        // The default exists but cannot take the message: the caller warns and goes on.
        Err(e) => Err(format!("the termination message cannot go to {name}: {e}")),
    }
}

/// Open `path` for writing without ever blocking, and keep it only when it is an
/// ordinary file.
fn open(path: &Path, create: bool) -> Result<File, String> {
    let name = path.display();
    // A FIFO found now would block an ordinary open until someone reads it.
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
    {
        return Err(format!("{name} is not a regular file"));
    }
    // Non-blocking all the same: what the path names may change between the two.
    let file = OpenOptions::new()
        .write(true)
        .create(create)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ENXIO) => format!("{name} is not a regular file"),
            _ => format!("cannot write {name}: {e}"),
        })?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot write {name}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{name} is not a regular file"));
    }
    if let Some(kind) = kernel_interface(path, meta.dev()) {
        return Err(format!(
            "{name} is a kernel interface ({kind}), not a file for a message"
        ));
    }
    Ok(file)
}

/// File systems whose files are the kernel's controls, not storage.
const KERNEL_FILE_SYSTEMS: &[&str] = &[
    "proc",
    "sysfs",
    "cgroup",
    "cgroup2",
    "debugfs",
    "tracefs",
    "securityfs",
    "configfs",
    "bpf",
    "pstore",
    "efivarfs",
    "fusectl",
    "binfmt_misc",
    "devpts",
    "mqueue",
    "selinuxfs",
    "nsfs",
    "rpc_pipefs",
    "hugetlbfs",
];

/// The kind of kernel file system holding the file on device `dev`, if it is one:
/// from /proc/self/mountinfo; where that cannot be read, anything under /proc or
/// /sys counts as one.
fn kernel_interface(path: &Path, dev: u64) -> Option<String> {
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if canonical.starts_with("/proc") || canonical.starts_with("/sys") {
        return Some(
            if canonical.starts_with("/proc") {
                "proc"
            } else {
                "sysfs"
            }
            .into(),
        );
    }
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let (major, minor) = (
        ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff),
        (dev & 0xff) | ((dev >> 12) & !0xff),
    );
    let device = format!("{major}:{minor}");
    mountinfo.lines().find_map(|line| {
        let mut fields = line.split(' ');
        if fields.nth(2) != Some(device.as_str()) {
            return None;
        }
        let kind = fields.skip_while(|f| *f != "-").nth(1)?;
        KERNEL_FILE_SYSTEMS
            .contains(&kind)
            .then(|| kind.to_string())
    })
}

/// Write the termination message, cut to the limit at a character boundary,
/// replacing what the file held.
pub fn write_termination(target: &Target, text: &str) -> Result<(), String> {
    let mut text = format!("{text}\n");
    if text.len() > TERMINATION_LIMIT {
        let mut cut = TERMINATION_LIMIT - 4;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("...\n");
    }
    let mut file = target.file.lock().unwrap_or_else(|e| e.into_inner());
    file.set_len(0)
        .and_then(|()| file.seek(SeekFrom::Start(0)))
        .and_then(|_| file.write_all(text.as_bytes()))
        .map_err(|e| {
            format!(
                "cannot write the termination message to {}: {e}",
                target.path.display()
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
        let log = TerminationLog {
            path: path.clone(),
            explicit: true,
        };
        let target = termination_target(&log).unwrap().unwrap();
        write_termination(&target, &"x".repeat(9000)).unwrap();
        write_termination(&target, &"é".repeat(5000)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.len() <= TERMINATION_LIMIT && text.ends_with("...\n"));
        assert!(text.starts_with('é'), "the earlier message is replaced");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
