//! Reading the small files a run is given (references, credentials, tokens, header
//! values, certificates), all one way: a regular file only, opened without
//! blocking and checked again once open (a FIFO waits for a writer for ever, a
//! device such as /dev/zero never ends, a path may be swapped meanwhile), and at
//! most `limit` bytes of UTF-8 text. Links are followed (a mounted Secret's are).

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// The most a credential read from a file may hold (a password, a token, a header
/// value): every request carries it, and a request's head must fit ureq's 16 KiB.
pub const MAX_CREDENTIAL: u64 = 8 * 1024;

/// The most a certificate or key file may hold (a CA bundle included).
pub const MAX_PEM: u64 = 1024 * 1024;

/// The file's bytes, or why not, in words that follow its path (`cannot read
/// /x: no such file`, `/x is not a regular file ...`).
pub fn read_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let shown = path.display();
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {shown}: {}", reason(&e)))?;
    if meta.is_dir() {
        return Err(format!("{shown} is a directory"));
    }
    let not_regular = || format!("{shown} is not a regular file (a FIFO, socket or device)");
    if !meta.is_file() {
        return Err(not_regular());
    }
    let file: File = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| format!("cannot read {shown}: {}", reason(&e)))?;
    // What was opened, should the path have been replaced meanwhile.
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Err(not_regular());
    }
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {shown}: {}", reason(&e)))?;
    if bytes.len() as u64 > limit {
        return Err(format!("{shown} is larger than {}", size(limit)));
    }
    Ok(bytes)
}

/// As `read_bytes`, as UTF-8 text.
pub fn read_text(path: &Path, limit: u64) -> Result<String, String> {
    let bytes = read_bytes(path, limit)?;
    String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", path.display()))
}

/// `1 MiB`, `8 KiB`, `100 bytes`.
pub fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1024 * 1024 && b % (1024 * 1024) == 0 => format!("{} MiB", b / (1024 * 1024)),
        b if b >= 1024 && b % 1024 == 0 => format!("{} KiB", b / 1024),
        b => format!("{b} bytes"),
    }
}

/// An I/O error in a few words.
pub fn reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_small_regular_files_are_read() {
        let dir = std::env::temp_dir().join(format!("cd-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("f");
        std::fs::write(&f, "abc\n").unwrap();
        assert_eq!(read_text(&f, 4).unwrap(), "abc\n");
        assert!(
            read_text(&f, 3)
                .unwrap_err()
                .contains("larger than 3 bytes")
        );
        assert!(read_text(&dir, 10).unwrap_err().contains("a directory"));
        assert!(
            read_text(Path::new("/dev/zero"), 10)
                .unwrap_err()
                .contains("not a regular file")
        );
        assert!(
            read_text(&dir.join("none"), 10)
                .unwrap_err()
                .contains("cannot read")
        );
        std::fs::write(&f, [0xff, 0xfe]).unwrap();
        assert!(read_text(&f, 10).unwrap_err().contains("not UTF-8"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
