//! Fuzz option and environment parsing, `connect_deploy::options::parse`, URLs
//! included.
//!
//! Input: fields separated by NUL bytes. A field whose first byte is 0x80 or more
//! sets an environment variable: that byte picks the name from VARIABLES, the rest
//! is the value. Any other field is one argument, as bytes (so not always UTF-8).
//!
//! Properties: never a panic; and the password in a URL's userinfo never shapes a
//! message. The input is parsed twice: as it is, and with the password of every
//! URL that `parse` reads (`--url VALUE`, `--url=VALUE`, KAFKA_CONNECT_URL; each of
//! their comma-separated URLs) replaced by `Q`s, `%xx` escapes kept as they are so
//! that decoding fails or succeeds alike. The two outcomes must be the same: the
//! same error message, or Ok with the same options (their Debug form, where
//! credentials show as `Secret(***)`). A message that echoed a password, whole or
//! in part, raw or decoded, would differ.
#![no_main]

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::sync::OnceLock;

use connect_deploy::base::error::Error;
use connect_deploy::options::{Command, VARIABLES, parse};
use libfuzzer_sys::fuzz_target;

/// Options that take the next argument as their value (as lexopt reads them).
const WITH_VALUE: [&str; 9] = [
    "--url",
    "--timeout",
    "--stable",
    "--restart-failed",
    "--termination-log",
    "--log-format",
    "--ca-file",
    "--cert-file",
    "--key-file",
];

struct Input {
    args: Vec<OsString>,
    env: Vec<(&'static str, OsString)>,
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input {
        args: Vec::new(),
        env: Vec::new(),
    };
    for field in data.split(|b| *b == 0) {
        match field.split_first() {
            Some((&b, value)) if b >= 0x80 => {
                let name = VARIABLES[usize::from(b & 0x7f) % VARIABLES.len()];
                input.env.retain(|(n, _)| *n != name);
                input.env.push((name, OsString::from_vec(value.to_vec())));
            }
            _ => input.args.push(OsString::from_vec(field.to_vec())),
        }
    }
    let original = run(&input);
    let masked = run(&without_passwords(input));
    assert_eq!(
        original, masked,
        "a URL's password changed the outcome (original, then with the password replaced)"
    );
});

/// The outcome as comparable text.
fn run(input: &Input) -> Result<String, String> {
    let lookup = |name: &str| {
        input
            .env
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, v)| scratch_file(n, v))
    };
    match parse(input.args.iter().cloned(), &adapt(&lookup)) {
        Ok(Command::Run(options)) => Ok(format!("{options:?}")),
        Ok(Command::Help) => Ok("help".into()),
        Ok(Command::Version) => Ok("version".into()),
        Err(Error::Usage(m)) => Err(m),
        Err(other) => panic!("parse returned a non-usage error: {other:?}"),
    }
}

/// The one place that knows the type of `parse`'s environment lookup.
fn adapt<'a>(
    lookup: &'a dyn Fn(&str) -> Option<OsString>,
) -> impl Fn(&str) -> Option<OsString> + 'a {
    move |name| lookup(name)
}

/// `*_FILE` variables are read by `parse`: a non-blank value points at a small file
/// made for the run, never at whatever path the fuzzer spelled (/dev/zero...).
fn scratch_file(name: &str, value: &OsString) -> OsString {
    static FILE: OnceLock<std::path::PathBuf> = OnceLock::new();
    if !name.ends_with("_FILE") || value.to_string_lossy().trim().is_empty() {
        return value.clone();
    }
    let path = FILE.get_or_init(|| {
        let path = std::env::temp_dir().join(format!("options-fuzz-{}", std::process::id()));
        std::fs::write(&path, "fuzz-secret\n").expect("scratch file");
        path
    });
    path.clone().into_os_string()
}

/// The input with every URL password that `parse` reads replaced.
fn without_passwords(mut input: Input) -> Input {
    let mut i = 0;
    while i < input.args.len() {
        let arg = input.args[i].to_string_lossy().into_owned();
        if arg == "--" {
            break;
        }
        if arg == "--url" {
            if let Some(value) = input.args.get_mut(i + 1) {
                *value = mask_list(value);
            }
            i += 2;
            continue;
        }
        if let Some(url) = input.args[i]
            .to_str()
            .and_then(|a| a.strip_prefix("--url="))
        {
            input.args[i] = OsString::from(format!("--url={}", mask_str(url)));
        }
        i += if WITH_VALUE.contains(&arg.as_str()) {
            2
        } else {
            1
        };
    }
    for (name, value) in &mut input.env {
        if *name == "KAFKA_CONNECT_URL" {
            *value = mask_list(value);
        }
    }
    input
}

fn mask_list(value: &OsString) -> OsString {
    match value.to_str() {
        Some(text) => OsString::from(mask_str(text)),
        None => value.clone(), // refused before its URLs are looked at
    }
}

/// Each comma-separated URL with the password of its userinfo replaced, found as
/// `parse_endpoint` finds it.
fn mask_str(list: &str) -> String {
    list.split(',')
        .map(|url| {
            let Some(start) = url.find("://").map(|i| i + 3) else {
                return url.to_string();
            };
            let rest = &url[start..];
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            let Some(at) = rest[..end].rfind('@') else {
                return url.to_string();
            };
            let Some(colon) = rest[..at].find(':') else {
                return url.to_string();
            };
            let password = &rest[colon + 1..at];
            let mut masked = String::new();
            let mut chars = password.chars();
            while let Some(c) = chars.next() {
                if c == '%' {
                    masked.push('%');
                    masked.extend(chars.by_ref().take(2));
                } else {
                    masked.push('Q');
                }
            }
            format!(
                "{}{masked}{}",
                &url[..start + colon + 1],
                &url[start + at..]
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}
