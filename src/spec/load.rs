//! Reading definitions: every file of a directory, a file, or standard input,
//! with their references resolved; any problem anywhere fails the whole load.

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::base::error::Error;
use crate::base::text::one_line as printable;
use crate::spec::definitions::{Definition, parse};
use crate::spec::references;

/// Where definitions come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Stdin,
    Path(PathBuf),
}

/// Load every input; any problem in any of them fails the whole load.
pub fn load(inputs: &[Input], env: &references::Env) -> Result<Vec<Definition>, Error> {
    let mut definitions: Vec<Definition> = Vec::new();
    let mut problems = Vec::new();
    let mut missing = false;
    for input in inputs {
        match read_input(input) {
            Ok(files) => {
                for (source, stem, text) in files {
                    let base = match input {
                        Input::Stdin => None,
                        Input::Path(_) => Path::new(&source).parent().map(Path::to_path_buf),
                    };
                    match text.and_then(|text| parse(&source, stem.as_deref(), &text)) {
                        Ok(found) => {
                            for mut d in found {
                                match resolve_references(&mut d, base.as_deref(), env) {
                                    Ok(()) => definitions.push(d),
                                    Err(e) => problems.push(e),
                                }
                            }
                        }
                        Err(e) => problems.push(e.to_string()),
                    }
                }
            }
            Err(e) => {
                missing = true;
                problems.push(e);
            }
        }
    }
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for d in &definitions {
        if let Some(first) = seen.insert(&d.name, &d.source) {
            problems.push(format!(
                "{}: connector '{}' is defined twice (also in {first})",
                d.source, d.name
            ));
        }
    }
    if !problems.is_empty() {
        let text = problems.join("\n");
        return Err(if missing {
            Error::NoInput(text)
        } else {
            Error::Definition(text)
        });
    }
    if definitions.is_empty() {
        let names: Vec<String> = inputs.iter().map(input_name).collect();
        return Err(Error::NoInput(format!(
            "no connector definition found in {}",
            names.join(", ")
        )));
    }
    // Kept for the whole run: no room left from doubling.
    definitions.shrink_to_fit();
    Ok(definitions)
}

/// Read each referenced value into the config.
fn resolve_references(
    def: &mut Definition,
    base: Option<&Path>,
    env: &references::Env,
) -> Result<(), String> {
    for (key, reference) in &def.references {
        let value = references::resolve(reference, base, env)
            .map_err(|why| format!("{}: config key '{}': {why}", def.source, printable(key)))?;
        def.config.insert(key.clone(), value);
    }
    Ok(())
}

fn input_name(input: &Input) -> String {
    match input {
        Input::Stdin => "standard input".into(),
        Input::Path(p) => p.display().to_string(),
    }
}

/// (source for messages, file stem, text) of each file an input contributes; text
/// that is not UTF-8 is an invalid definition (65), not a missing input (66).
type Source = (String, Option<String>, Result<String, Error>);

fn read_input(input: &Input) -> Result<Vec<Source>, String> {
    match input {
        Input::Stdin => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .take(MAX_FILE + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| format!("standard input: cannot read: {}", io_reason(&e)))?;
            if bytes.len() as u64 > MAX_FILE {
                return Ok(vec![(
                    "standard input".into(),
                    None,
                    Err(Error::Definition(
                        "standard input: is larger than 16 MB".into(),
                    )),
                )]);
            }
            Ok(vec![(
                "standard input".into(),
                None,
                utf8("standard input", bytes),
            )])
        }
        Input::Path(path) => {
            let shown = path.display().to_string();
            let meta = fs::metadata(path).map_err(|e| format!("{shown}: {}", io_reason(&e)))?;
            if meta.is_dir() {
                read_directory(path)
            } else {
                Ok(vec![(shown, stem(path), read_file(path)?)])
            }
        }
    }
}

/// Regular `*.json` files (links followed), in name order, skipping names starting
/// with `.` (a ConfigMap mount's `..data` and `..2024_...` entries). Not recursive.
fn read_directory(dir: &Path) -> Result<Vec<Source>, String> {
    let shown = dir.display().to_string();
    let entries = fs::read_dir(dir).map_err(|e| format!("{shown}: {}", io_reason(&e)))?;
    let mut names = Vec::new();
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("{shown}: {}", io_reason(&e)))?;
        let name = entry.file_name();
        let bytes = name.as_encoded_bytes();
        if bytes.starts_with(b".") || !bytes.ends_with(b".json") {
            continue;
        }
        match name.to_str() {
            Some(name) => names.push(name.to_string()),
            // Skipping it would leave a connector out without a word.
            None => files.push((
                entry.path().display().to_string(),
                None,
                Err(Error::Definition(format!(
                    "{}: the file name is not UTF-8",
                    entry.path().display()
                ))),
            )),
        }
    }
    names.sort();
    for name in names {
        let path = dir.join(&name);
        let meta =
            fs::metadata(&path).map_err(|e| format!("{}: {}", path.display(), io_reason(&e)))?;
        if meta.is_file() {
            files.push((path.display().to_string(), stem(&path), read_file(&path)?));
        }
    }
    Ok(files)
}

/// A ConfigMap holds at most 1 MiB; a definition file many times that is a mistake
/// whose memory and time would be spent before the first request.
const MAX_FILE: u64 = 16 * 1024 * 1024;

fn read_file(path: &Path) -> Result<Result<String, Error>, String> {
    let shown = path.display();
    let file = fs::File::open(path).map_err(|e| format!("{shown}: {}", io_reason(&e)))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{shown}: {}", io_reason(&e)))?;
    if bytes.len() as u64 > MAX_FILE {
        return Ok(Err(Error::Definition(format!(
            "{shown}: is larger than 16 MB (a ConfigMap holds at most 1 MiB)"
        ))));
    }
    Ok(utf8(&path.display().to_string(), bytes))
}

/// The text of a definition; UTF-16 (Windows editors, PowerShell) is named as such.
fn utf8(source: &str, bytes: Vec<u8>) -> Result<String, Error> {
    let utf16 = bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]);
    String::from_utf8(bytes).map_err(|_| {
        Error::Definition(if utf16 {
            format!("{source}: is UTF-16 text, not UTF-8: save it as UTF-8")
        } else {
            format!("{source}: is not UTF-8 text")
        })
    })
}

fn stem(path: &Path) -> Option<String> {
    path.file_stem()
        .and_then(|s| s.to_str())
        .map(str::to_string)
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}
