//! Config values that name a secret instead of holding it: `{"file": PATH}` (a
//! mounted Secret's file; a relative path is relative to the definition file's
//! directory) or `{"env": NAME}` (a variable set from a Secret); trailing line
//! breaks dropped from both. Resolved before the first request; a resolved value is a secret of the
//! run at any length, and no message ever shows it.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::value::RawValue;

use crate::spec::json;

/// The most a `{"file"}` reference reads: 1 MiB, what a Kubernetes Secret can hold.
/// A larger file (or one that grows while read) is an invalid definition; the read
/// stops one byte past the limit, so memory stays bounded whatever the file is.
pub const MAX_FILE: u64 = 1024 * 1024;

/// Where a value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    File(PathBuf),
    Env(String),
}

/// How variables are read (the process environment, or a test's).
pub type Env = dyn Fn(&str) -> Option<OsString> + Sync;

/// A JSON object as a config value: a reference, or why it is none.
pub fn parse(raw: &RawValue) -> Result<Reference, String> {
    const SHAPE: &str =
        "a config value that is an object must be {\"file\": PATH} or {\"env\": NAME}";
    json::unique(raw.get())?;
    let members: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(raw.get()).map_err(|_| SHAPE.to_string())?;
    let mut members = members.into_iter();
    let (Some((key, value)), None) = (members.next(), members.next()) else {
        return Err(SHAPE.into());
    };
    let what = match key.as_str() {
        "file" => "file",
        "env" => "variable",
        _ => return Err(SHAPE.into()),
    };
    let Some(text) = value.as_str().filter(|t| !t.is_empty()) else {
        return Err(format!("'{key}' must name a {what} as a non-empty string"));
    };
    Ok(match what {
        "file" => Reference::File(PathBuf::from(text)),
        _ => Reference::Env(text.to_string()),
    })
}

/// The value a reference names. `base` is the directory of the definition file
/// (None for standard input: the working directory). Errors name the path or the
/// variable, never the content.
pub fn resolve(reference: &Reference, base: Option<&Path>, env: &Env) -> Result<String, String> {
    match reference {
        Reference::File(path) => {
            let path = match base {
                Some(dir) if path.is_relative() => dir.join(path),
                _ => path.clone(),
            };
            let shown = path.display();
            // Before opening: opening a FIFO waits for a writer, and a device such
            // as /dev/zero never ends. Links are followed (a mounted Secret's are).
            let meta = std::fs::metadata(&path)
                .map_err(|e| format!("{{\"file\": ...}} cannot read {shown}: {}", io_reason(&e)))?;
            if meta.is_dir() {
                return Err(format!("{{\"file\": ...}} names {shown}, a directory"));
            }
            let not_regular = || {
                format!(
                    "{{\"file\": ...}} names {shown}, which is not a regular file (a FIFO, socket or device)"
                )
            };
            if !meta.is_file() {
                return Err(not_regular());
            }
            let file = std::fs::File::open(&path)
                .map_err(|e| format!("{{\"file\": ...}} cannot read {shown}: {}", io_reason(&e)))?;
            // What was opened, should the path have been replaced meanwhile.
            if !file.metadata().is_ok_and(|m| m.is_file()) {
                return Err(not_regular());
            }
            let mut bytes = Vec::new();
            file.take(MAX_FILE + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| format!("{{\"file\": ...}} cannot read {shown}: {}", io_reason(&e)))?;
            if bytes.len() as u64 > MAX_FILE {
                return Err(format!(
                    "{{\"file\": ...}} {shown} is larger than 1 MiB, the most a reference reads"
                ));
            }
            let text = String::from_utf8(bytes)
                .map_err(|_| format!("{{\"file\": ...}} {shown} is not UTF-8 text"))?;
            Ok(text.trim_end_matches(['\n', '\r']).to_string())
        }
        // Trailing line breaks go here too: a Secret made `--from-file` from a file
        // that ends in one would otherwise send it to the database as part of the
        // password, and fail only when the task starts.
        Reference::Env(name) => match env(name) {
            None => Err(format!("{{\"env\": ...}} the variable {name} is not set")),
            Some(value) => value
                .into_string()
                .map(|v| v.trim_end_matches(['\n', '\r']).to_string())
                .map_err(|_| format!("{{\"env\": ...}} the variable {name} is not UTF-8")),
        },
    }
}

fn io_reason(e: &std::io::Error) -> String {
    crate::base::files::reason(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_string()).unwrap()
    }

    #[test]
    fn shapes() {
        assert_eq!(
            parse(&raw(r#"{"file":"/s/pw"}"#)),
            Ok(Reference::File("/s/pw".into()))
        );
        assert_eq!(
            parse(&raw(r#"{"env":"PG_PASSWORD"}"#)),
            Ok(Reference::Env("PG_PASSWORD".into()))
        );
        for bad in [
            r#"{}"#,
            r#"{"file":"a","env":"b"}"#,
            r#"{"path":"a"}"#,
            r#"{"file":1}"#,
            r#"{"env":""}"#,
            r#"{"env":null}"#,
            r#"[1]"#,
        ] {
            assert!(parse(&raw(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn files_relative_to_the_definition_and_variables() {
        let dir = std::env::temp_dir().join(format!("cd-refs-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("pw"), "s3cret\n\n").unwrap();
        std::fs::write(dir.join("bin"), [0xff, 0xfe]).unwrap();
        let env = |k: &str| match k {
            "SET" => Some(OsString::from("v")),
            "FROM_FILE" => Some(OsString::from("pw\n")),
            _ => None,
        };
        let file = |p: &str| Reference::File(p.into());
        assert_eq!(resolve(&file("pw"), Some(&dir), &env), Ok("s3cret".into()));
        assert!(
            resolve(&file("missing"), Some(&dir), &env)
                .unwrap_err()
                .contains("no such file")
        );
        assert!(
            resolve(&file("sub"), Some(&dir), &env)
                .unwrap_err()
                .contains("a directory")
        );
        assert!(
            resolve(&file("bin"), Some(&dir), &env)
                .unwrap_err()
                .contains("not UTF-8")
        );
        assert_eq!(
            resolve(&Reference::Env("SET".into()), None, &env),
            Ok("v".into())
        );
        assert_eq!(
            resolve(&Reference::Env("FROM_FILE".into()), None, &env),
            Ok("pw".into())
        );
        assert!(
            resolve(&Reference::Env("UNSET".into()), None, &env)
                .unwrap_err()
                .contains("UNSET is not set")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
