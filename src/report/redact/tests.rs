use super::*;
use crate::base::text::lines;
use crate::spec::keys::looks_secret;

fn secrets(values: &[(&str, bool)]) -> Secrets {
    let mut s = Secrets::default();
    for (v, secret) in values {
        s.add_value(v, *secret);
    }
    s
}

fn percent(text: &str, plus: bool, lower: bool) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else if plus && b == b' ' {
            out.push('+');
        } else if lower {
            out.push_str(&format!("%{b:02x}"));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn json_escaped(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap();
    quoted[1..quoted.len() - 1].to_string()
}

/// JSON escaping of every non-ASCII character (`\u00e9`), as some encoders do.
fn json_ascii(text: &str) -> String {
    let mut out = String::new();
    for c in json_escaped(text).chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    out
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[test]
fn plain_trimmed_and_line_echoes_are_masked() {
    let s = secrets(&[("  hunter2hunter2 \n", false)]);
    assert_eq!(s.mask("login hunter2hunter2 failed"), "login *** failed");
    let jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required\n  username=\"u\"\n  password=\"s3cr3t-pw\";";
    let s = secrets(&[(jaas, true)]);
    let m = s.mask("bad line: password=\"s3cr3t-pw\"; in config");
    assert!(!m.contains("s3cr3t-pw"), "{m}");
}

#[test]
fn encoded_echoes_are_masked() {
    let value = "tok@en&pa ss/wd+\"x\\y\u{e9}";
    let s = secrets(&[(value, true)]);
    for form in [
        percent(value, false, false),
        percent(value, true, false),
        percent(value, false, true),
        json_escaped(value),
        json_ascii(value),
        json_escaped(&json_escaped(value)),
        html(value),
        base64(value.as_bytes()),
    ] {
        let m = s.mask(&format!("GET /x?pw={form}&a=1 failed"));
        assert!(!m.contains(&form), "{form} in {m}");
        assert!(m.contains("***"), "{m}");
        assert!(
            m.starts_with("GET /x?pw=") && m.ends_with("&a=1 failed"),
            "{m}"
        );
    }
}

#[test]
fn a_secret_cut_short_is_masked_at_the_cut() {
    let s = secrets(&[("abcdefghijklmnop", false)]);
    assert_eq!(s.mask("value was abcdefghij"), "value was ***");
    assert_eq!(
        s.mask("value was abcdefghij... (cut)"),
        "value was ***... (cut)"
    );
    assert_eq!(s.mask("value was abc"), "value was abc");
}

#[test]
fn overlapping_secrets_leave_no_piece_readable() {
    let s = secrets(&[("abcd1234", false), ("1234wxyz", false)]);
    assert_eq!(s.mask("x abcd1234wxyz y"), "x *** y");
}

#[test]
fn short_values_only_when_secret() {
    let s = secrets(&[("ab", false), ("cd", true)]);
    assert_eq!(s.mask("ab cd"), "ab ***");
}

#[test]
fn public_names_stay_readable_where_whole() {
    let mut s = secrets(&[("unwrap", false)]);
    s.add_public("transforms.unwrap.type");
    assert_eq!(
        s.mask("changed: transforms.unwrap.type; echo unwrap"),
        "changed: transforms.unwrap.type; echo ***"
    );
    // A value equal to a whole name is the name: names are never masked.
    let mut s = secrets(&[("db.password.x", true)]);
    s.add_public("db.password.x");
    assert_eq!(s.mask("saw db.password.x"), "saw db.password.x");
}

#[test]
fn whole_config_echo_shows_keys_only() {
    let mut s = secrets(&[("VALUE", true)]);
    for key in ["name", "topic", "some.password"] {
        s.add_public(key);
    }
    assert_eq!(
        s.mask(
            "Connector config {name=tr-x, topic=t, some.password=VALUE} contains no connector type"
        ),
        "Connector config {name=***, topic=***, some.password=***} contains no connector type"
    );
}

#[test]
fn a_value_that_looks_like_pairs_cannot_forge_key_names() {
    // Found by the attack: `abc, LEAKEDPART=zz` split on ", " showed LEAKEDPART.
    let mut s = secrets(&[("abc, LEAKEDPART=zz", true)]);
    s.add_public("connection.password");
    let m = s.mask("Connector config {connection.password=abc, LEAKEDPART=zz, name=c1} contains no connector type");
    assert!(!m.contains("LEAKED"), "{m}");
    assert!(m.contains("connection.password=***"), "{m}");
}

#[test]
fn pieces_of_a_secret_and_embedded_passwords() {
    let s = secrets(&[("Hunter2Sup3rS3cretPW", true)]);
    for text in [
        "bad value Hunter2Sup3r\n(more) end",
        "<Hunter2Sup> was rejected",
        "ending 3rS3cretPW here",
        "HUNTER2SUP3RS3CRETPW",
        "hex 48756e74657232537570337253336372657450 57",
        "bad Hunter2\u{ad}Sup3rS3cretPW",
        "&#72&#117&#110&#116&#101&#114&#50&#83&#117&#112 end",
    ] {
        let m = s.mask(text);
        assert!(
            !m.to_ascii_lowercase().contains("hunter2sup"),
            "{text} -> {m}"
        );
    }
    let s = secrets(&[(
        "jdbc:postgresql://db/x?user=a&password=Pg-Passw0rd-77",
        false,
    )]);
    assert!(
        !s.mask("login failed for Pg-Passw0rd-77")
            .contains("Passw0rd")
    );
    let s = secrets(&[(
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"alice-s3cret\";",
        true,
    )]);
    assert!(!s.mask("Login failed for alice-s3cret").contains("alice"));
}

#[test]
fn an_escape_before_the_form_cannot_throw_decoding_off() {
    // Found by the property test: '%' then "0aaaaa%22a" decodes as "%0a" first.
    let s = secrets(&[("0aaaaa\"a", false)]);
    let m = s.mask("%0aaaaa%22a\u{a1}");
    assert!(!m.contains("0aaaaa%22a"), "{m}");
}

#[test]
fn secret_looking_keys() {
    for key in [
        "connection.password",
        "conn.pw",
        "db_pwd",
        "api.key",
        "x.apikey",
        "sasl.jaas.config",
        "ssl.key.password",
    ] {
        assert!(looks_secret(key), "{key}");
    }
    for key in ["key.converter", "topic", "tasks.max", "key.ignore"] {
        assert!(!looks_secret(key), "{key}");
    }
}

#[test]
fn invalid_value_echo_hides_a_secret_keys_value_even_short() {
    let mut s = secrets(&[("zzzz", true)]);
    s.add_secret_key("db.pw");
    assert_eq!(
        s.mask("Invalid value ab for configuration db.pw: bad"),
        "Invalid value *** for configuration db.pw: bad"
    );
    // Another key's value is shown.
    let m = s.mask("Invalid value ab for configuration tasks.max: Not a number of type INT");
    assert_eq!(
        m,
        "Invalid value ab for configuration tasks.max: Not a number of type INT"
    );
}

#[test]
fn classes_and_ordinary_values_are_shown() {
    let d = crate::spec::definitions::parse(
        "f.json",
        Some("clicks"),
        r#"{"connector.class":"FileStreamSink","topics":"clicks","file":"/data/out.txt","connection.password":"pw-Secret-1"}"#,
    )
    .unwrap()
    .remove(0);
    let mut s = Secrets::default();
    d.register(&mut s);
    assert_eq!(
        s.mask("clicks: FileStreamSink cannot write /data/out.txt for clicks with pw-Secret-1"),
        "clicks: FileStreamSink cannot write /data/out.txt for clicks with ***"
    );
}

#[test]
fn names_are_shown_even_when_a_secret_equals_or_begins_with_them() {
    let mut s = secrets(&[("clicks-Secret-9", true), ("orders", true)]);
    s.add_public("clicks");
    s.add_public("orders");
    assert_eq!(
        s.mask("connector clicks (orders) refused clicks-Secret-9"),
        "connector clicks (orders) refused ***"
    );
    // Where the name is not whole, the secret's pieces are masked as before.
    assert_eq!(s.mask("clicks-Secret"), "***");
}

#[test]
fn credentials_and_their_headers() {
    let mut s = Secrets::default();
    s.add_credential("Basic dXNlcjpwYXNz");
    s.add_credential("pass");
    assert_eq!(
        s.mask("401: Authorization: Basic dXNlcjpwYXNz rejected for user:pass"),
        "401: Authorization: *** rejected for user:***"
    );
}

#[test]
fn records_are_one_line_and_cut_after_masking() {
    let r = Redactor::default();
    r.update(|s| s.add_value("0123456789abcdef", false));
    let long = format!("{}0123456789abcdef", "x".repeat(MAX_RECORD - 10));
    let out = r.record(&long);
    assert!(!out.contains("0123456"), "a prefix survived the cut");
    assert_eq!(
        r.record("a\nb: created\x1b[31m"),
        "a\\nb: created\\u{1b}[31m"
    );
    assert_eq!(lines("a\nb\x07"), "a\nb\\u{7}");
}

#[test]
fn nothing_to_mask_leaves_text_alone() {
    let s = secrets(&[("zzzzzz", false)]);
    let text = "Connector name configuration (other) doesn't match (tr-x) 100% &amp; \\n";
    assert_eq!(s.mask(text), text);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Characters that encoders treat differently.
    fn awkward() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just(' '),
                Just('"'),
                Just('\\'),
                Just('%'),
                Just('/'),
                Just('+'),
                Just('\n'),
                Just('&'),
                Just('é'),
                Just('€'),
                proptest::char::range('a', 'z'),
                proptest::char::range('0', '9'),
            ],
            0..4,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    fn core() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                4 => proptest::char::range('a', 'z'),
                2 => proptest::char::range('A', 'Z'),
                2 => proptest::char::range('0', '9'),
                1 => Just('"'),
                1 => Just('\\'),
                1 => Just('%'),
                1 => Just('/'),
                1 => Just('+'),
                1 => Just(' '),
                1 => Just('é'),
                1 => Just('@'),
            ],
            8..24,
        )
        .prop_map(|v| v.into_iter().collect::<String>())
        // The core is what a hostile echo shows; blanks at its ends would be
        // trimmed away by the echoing side and are tested through the value.
        .prop_filter("core without outer blanks", |c: &String| c.trim() == c)
    }

    fn forms(core: &str) -> Vec<String> {
        vec![
            core.to_string(),
            percent(core, false, false),
            percent(core, true, false),
            percent(core, false, true),
            json_escaped(core),
            json_ascii(core),
            json_escaped(&json_escaped(core)),
            html(core),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn no_form_of_the_core_survives(
            before in awkward(),
            after in awkward(),
            core in core(),
            secret in any::<bool>(),
            prefix in ".{0,40}",
            suffix in ".{0,40}",
            form_index in 0usize..8,
            variant in 0usize..3,
            cut in any::<bool>(),
        ) {
            let value = format!("{before}{core}{after}");
            let mut s = Secrets::default();
            s.add_value(&value, secret);
            // What the echoing side holds: the value, trimmed (Connect), or the line
            // of it that holds the core.
            let echoed = match variant {
                0 => value.clone(),
                1 => value.trim().to_string(),
                _ => value.lines().find(|l| l.contains(core.as_str())).unwrap_or(&value).to_string(),
            };
            let form = forms(&echoed)[form_index].clone();
            let mut message = format!("{prefix}{form}{suffix}");
            if cut {
                // Cut inside the echo, as a worker or a gateway might.
                let keep = prefix.len() + form.find(&forms(&core)[form_index]).unwrap_or(0)
                    + forms(&core)[form_index].len() * 3 / 4;
                let mut end = keep.max(prefix.len() + 6).min(message.len());
                while !message.is_char_boundary(end) { end -= 1; }
                message.truncate(end);
            }
            let masked = s.mask(&message);
            for f in forms(&core) {
                prop_assert!(!masked.contains(&f), "{f:?} in {masked:?} (from {message:?})");
            }
            if cut {
                // No readable beginning of the core of 8 characters or more.
                let start: String = core.chars().take(8).collect();
                prop_assert!(!masked.contains(&start), "{start:?} in {masked:?}");
            }
        }
    }
}

#[test]
fn secret_looking_keys_are_remembered() {
    let d = crate::spec::definitions::parse(
        "f.json",
        Some("f"),
        r#"{"connector.class":"X","connection.password":"pw","topic":"t","sasl.jaas.secret":"s"}"#,
    )
    .unwrap()
    .remove(0);
    let keys: Vec<&str> = d.secret_keys.iter().map(String::as_str).collect();
    assert_eq!(keys, ["connection.password", "sasl.jaas.secret"]);
    let mut secrets = Secrets::default();
    d.register(&mut secrets);
    assert_eq!(
        secrets.mask("login pw failed on t"),
        "login *** failed on t"
    );
}

/// The base64 characters of `prefix + secret + suffix` that hold bits of the
/// secret alone (an independent computation, from the bit positions).
fn inner_chars(prefix: &str, secret: &str, encoded: &str) -> String {
    let start = (8 * prefix.len()).div_ceil(6);
    let end = 8 * (prefix.len() + secret.len()) / 6;
    encoded[start..end].to_string()
}

#[test]
fn a_secret_inside_a_longer_base64_text_is_masked_at_every_alignment() {
    for secret in ["Zq8vL3mPx2RkT9wY", "gw-Pa55/w:rd", "s3cr3t?>~pw"] {
        let s = secrets(&[(secret, true)]);
        for prefix in ["", "u", "us", "user:", "deployer:", "ab"] {
            for suffix in ["", "x", "xy", ":tail"] {
                let raw = base64(format!("{prefix}{secret}{suffix}").as_bytes());
                let inner = inner_chars(prefix, secret, &raw);
                let url: String = raw
                    .chars()
                    .map(|c| match c {
                        '+' => '-',
                        '/' => '_',
                        c => c,
                    })
                    .collect();
                let url_inner = inner_chars(prefix, secret, &url);
                for (text, hidden) in [
                    (raw.clone(), inner.clone()),
                    (raw.trim_end_matches('=').to_string(), inner.clone()),
                    (url.clone(), url_inner.clone()),
                    (url.trim_end_matches('=').to_string(), url_inner),
                ] {
                    let m = s.mask(&format!("401: Authorization: Basic {text} rejected"));
                    assert!(!m.contains(&hidden), "{secret:?} after {prefix:?}: {m}");
                    assert!(m.starts_with("401: Authorization: Basic "), "{m}");
                    assert!(m.ends_with(" rejected"), "{m}");
                }
            }
        }
    }
}

#[test]
fn short_secrets_add_no_tiny_base64_fragments() {
    // A 2-byte secret's shifted base64 would be one or two characters: masking
    // those would hide pieces of every word.
    let s = secrets(&[("pw", true)]);
    let text = "connector sink-a failed: Task threw an uncaught exception: a control character";
    assert_eq!(s.mask(text), text);
}

#[test]
fn a_jaas_secret_masks_its_password_not_the_class_names_it_shares_a_prefix_with() {
    let jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"svc\" password=\"jaas-Secret-42\";";
    let s = secrets(&[(jaas, true)]);
    let text = "Connector class org.apache.kafka.connect.file.FileStreamSourceConnector: \
                org.apache.kafka.common.config.ConfigException: Missing required configuration";
    assert_eq!(s.mask(text), text);
    // The password is masked wherever it is, the whole value too.
    let m = s.mask("login failed for password=\"jaas-Secret-42\" (jaas-Secret)");
    assert!(!m.contains("jaas-Secret-42"), "{m}");
    assert_eq!(
        s.mask(&format!("value {jaas} rejected")),
        "value *** rejected"
    );
    // A JAAS value with no password parameter found stays a secret as a whole.
    let odd =
        "org.apache.kafka.common.security.plain.PlainLoginModule required token : abcdef123456;";
    let s = secrets(&[(odd, true)]);
    assert!(!s.mask("echo org.apache.kafka.common.secu").contains("secu"));
}

/// A 1 MiB reference (the largest accepted) costs the index its ends, not its
/// length in each of its forms; echoed whole, cut, or in base64 it is still masked.
#[test]
fn a_long_secret_is_indexed_by_its_ends_and_masked_whole() {
    let mut x: u64 = 7;
    let long: String = (0..256 * 1024)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            char::from(b'a' + (x >> 59) as u8 % 26)
        })
        .collect();
    let s = secrets(&[(&long, true)]);
    let kept = s.index.held_bytes();
    assert!(kept < 128 * 1024, "{kept} bytes kept for a 256 KiB secret");
    let whole = format!("before {long} after");
    assert_eq!(s.mask(&whole), "before *** after");
    let cut = format!("value was {}...", &long[..10_000]);
    assert!(!s.mask(&cut).contains(&long[..100]), "a cut echo");
    let end = format!("ends with {}", &long[long.len() - 9_000..]);
    assert!(!s.mask(&end).contains(&long[long.len() - 100..]), "its end");
    let b64 = base64(format!("x:{long}").as_bytes());
    let masked = s.mask(&format!("Basic {b64}"));
    assert!(
        masked.len() < 100,
        "base64: {}",
        &masked[..200.min(masked.len())]
    );
}

/// A long secret that repeats itself (a padding of one letter) masks its echo, and
/// what stands after it in a text that holds it whole stays readable.
#[test]
fn a_long_repetitive_secret_is_masked_and_the_text_around_it_kept() {
    let long = "k".repeat(256 * 1024);
    let s = secrets(&[(&long, true)]);
    let masked = s.mask(&format!("connector a: {long} rejected"));
    assert!(
        !masked.contains("kkkkkk"),
        "{}",
        &masked[..200.min(masked.len())]
    );
    assert!(
        masked.starts_with("connector a: "),
        "{}",
        &masked[..200.min(masked.len())]
    );
}

/// A secret of a character or three, masked inside words, is told by the holes it
/// leaves (`requests to ***af***a`): it is masked where it stands alone.
#[test]
fn a_very_short_secret_is_masked_where_it_stands_alone_not_inside_words() {
    let s = secrets(&[("k", true), ("pw", true)]);
    assert_eq!(
        s.mask("requests to Kafka Connect"),
        "requests to Kafka Connect"
    );
    assert_eq!(s.mask("a password field"), "a password field");
    assert_eq!(s.mask("password=pw user=k"), "password=*** user=***");
    assert_eq!(s.mask("k"), "***");
    assert_eq!(s.mask("\"PW\""), "\"***\"");
}

#[test]
fn a_non_ascii_secret_is_found_in_another_case() {
    let s = secrets(&[("Kennwort-Äpfelsaft-Straße-Öl", true)]);
    for echo in [
        "kennwort-äpfelsaft-straße-öl".to_string(),
        "KENNWORT-ÄPFELSAFT-STRASSE-ÖL".to_string(),
        "kEnNwOrT-äPfElSaFt-sTrAßE-öL".to_string(),
        // JSON-escaped, upper case.
        "KENNWORT-\\u00c4PFELSAFT-STRASSE-\\u00d6L".to_string(),
    ] {
        let masked = s.mask(&format!("login failed for [{echo}]"));
        assert_eq!(masked, "login failed for [***]", "{echo}");
    }
    // A piece from its middle, in another case, between ends that were cut.
    let masked = s.mask("value ...PFELSAFT-STRASSE-ÖL");
    assert!(!masked.contains("PFELSAFT"), "{masked}");
}

#[test]
fn a_piece_from_a_secrets_middle_is_masked() {
    let secret = "tok-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ-9876543210";
    let s = secrets(&[(secret, true)]);
    // The middle line of the token wrapped at 20 columns.
    let lines: Vec<&str> = (0..3).map(|i| &secret[i * 20..(i + 1) * 20]).collect();
    let masked = s.mask(&format!("invalid token:\n{}", lines.join("\n")));
    for line in &lines {
        assert!(!masked.contains(line), "{line:?} in {masked:?}");
    }
    // A middle window, in another case, with the text around it kept.
    assert_eq!(
        s.mask(&format!("saw [{}] there", secret[10..50].to_uppercase())),
        "saw [***] there"
    );
    // Its base64's middle, as MIME wraps it.
    let b64 = crate::base::text::base64(secret.as_bytes());
    let masked = s.mask(&format!("dump: x{}x", &b64[12..60]));
    assert_eq!(masked, "dump: x***x");
    // Fewer than 23 bytes of its middle are not found.
    assert_eq!(s.mask("abcdefghij"), "abcdefghij");
}

#[test]
fn secrets_of_every_length_are_found_by_their_widths() {
    // Lengths from 1 to 600 fall in ten widths; each is found whole, in any case,
    // beside secrets that share its beginning (`x1`, `x12`, `x123`...).
    let mut seed = 7u64;
    let mut letter = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (b'a' + (seed >> 59) as u8 % 26) as char
    };
    let mut values: Vec<String> = Vec::new();
    let mut shared = String::from("x");
    for n in 1..=600 {
        // Every tenth extends the one before it: the same beginning, another length.
        if n % 10 != 0 {
            shared = std::iter::once('x')
                .chain((1..n).map(|_| letter()))
                .collect();
        } else {
            while shared.len() < n {
                shared.push(letter());
            }
        }
        values.push(shared.clone());
    }
    let mut s = Secrets::default();
    for v in &values {
        s.add_value(v, true);
    }
    for (n, v) in values.iter().enumerate() {
        let text = format!("before {} after", v.to_uppercase());
        assert_eq!(s.mask(&text), "before *** after", "length {}", n + 1);
    }
}

#[test]
fn a_text_too_costly_to_mask_is_withheld_whole() {
    // A thousand secrets sharing their first 1,000 bytes, each of its own length,
    // against a text that repeats that beginning: every byte would be compared
    // with each of them. Past its work the text is withheld, nothing of it shown.
    let mut s = Secrets::default();
    for k in 1000..2000 {
        s.add_value(&format!("{}b", "a".repeat(k)), true);
    }
    let text = format!("{}{}", "a".repeat(200_000), "b");
    let out = s.mask(&text);
    assert!(
        out == WITHHELD_COST || !out.contains("aaaaaa"),
        "{}",
        cut(&out, 200)
    );
}

const FLEET_JAAS: &str = "org.apache.kafka.common.security.plain.PlainLoginModule required \
     username=\"svc-0001\" password=\"jaas-0001-Lk8jH6gF4dS2aP0o\";";

/// A secret registered again (a definition's value, then the value the worker
/// holds, on every re-apply) adds nothing to the index.
#[test]
fn a_secret_registered_again_adds_nothing() {
    let mut s = secrets(&[("pw-0001-Zq9xW7vT5rS3pN1m", true), (FLEET_JAAS, true)]);
    let before = (s.index.held_bytes(), s.index.entries());
    s.add_value("pw-0001-Zq9xW7vT5rS3pN1m", true);
    s.add_value(FLEET_JAAS, true);
    assert_eq!((s.index.held_bytes(), s.index.entries()), before);
}

/// A secret whose pieces are not looked for (a JAAS line: its password is a secret
/// of its own) is found in every form by hashes: the index keeps no copy of its
/// forms, only of its password's (issue 22: about 3 KB a connector).
#[test]
fn the_forms_of_a_secret_without_pieces_are_kept_as_hashes() {
    let s = secrets(&[(FLEET_JAAS, true)]);
    let password = secrets(&[("jaas-0001-Lk8jH6gF4dS2aP0o", true)]);
    assert!(
        s.index.held_bytes() <= password.index.held_bytes(),
        "{} bytes held for the JAAS line, {} for its password alone",
        s.index.held_bytes(),
        password.index.held_bytes()
    );
    for form in [
        FLEET_JAAS.to_string(),
        FLEET_JAAS.to_uppercase(),
        json_escaped(FLEET_JAAS),
        json_escaped(&json_escaped(FLEET_JAAS)),
        percent(FLEET_JAAS, true, false),
        percent(FLEET_JAAS, false, true),
        base64(FLEET_JAAS.as_bytes()),
    ] {
        let masked = s.mask(&format!("echo: {form} end"));
        assert_eq!(masked, "echo: *** end", "{form}");
    }
    // Inside a longer base64 text (`u:` before it) only the characters that hold
    // `u:`'s bits alone stay (`p` holds two bits of the secret).
    let basic = base64(format!("u:{FLEET_JAAS}").as_bytes());
    assert_eq!(s.mask(&format!("Basic {basic}")), "Basic dT***");
}

/// A secret's URL-safe base64 is its standard base64 to the index (`-` and `_`
/// compare as `+` and `/`): found in either alphabet, held once.
#[test]
fn url_safe_base64_is_found_without_forms_of_its_own() {
    let secret = "n>?~z?>~n>?~z?>~n>?~z";
    let s = secrets(&[(secret, true)]);
    assert!(
        !s.index.held().contains(&b'-') && !s.index.held().contains(&b'_'),
        "URL-safe forms held"
    );
    for prefix in ["", "u:", "us:"] {
        let standard = base64(format!("{prefix}{secret}").as_bytes());
        let url = standard.replace('+', "-").replace('/', "_");
        assert_ne!(standard, url);
        for text in [standard, url.clone(), url.trim_end_matches('=').to_string()] {
            let masked = s.mask(&format!("token {text} end"));
            assert!(
                masked.contains("***") && masked.len() < 24,
                "{text}: {masked}"
            );
        }
    }
}

/// The characters before and after a secret's own base64 characters still hold
/// its first and last bits (with the neighbouring bytes' bits): they are masked
/// with them, inside a longer base64 text as at its end (with the padding), at
/// every alignment. One pattern per alignment finds them all.
#[test]
fn the_characters_holding_a_secrets_first_and_last_bits_are_masked_too() {
    let secret = "pw-0001-Zq9xW7vT5rS3pN1m";
    let s = secrets(&[(secret, true)]);
    // The secret, its three alignments' base64 and its hex.
    assert_eq!(s.index.pattern_count(), 5);
    for prefix in ["", "u", "us", "user:"] {
        for suffix in ["", ":tail", "x"] {
            let raw = base64(format!("{prefix}{secret}{suffix}").as_bytes());
            let bits = |bytes: usize| 8 * bytes;
            let start = bits(prefix.len()) / 6;
            let end = bits(prefix.len() + secret.len()).div_ceil(6);
            let rest = if suffix.is_empty() { "" } else { &raw[end..] };
            assert_eq!(
                s.mask(&format!("Basic {raw} rejected")),
                format!("Basic {}***{rest} rejected", &raw[..start]),
                "{prefix:?} {suffix:?}"
            );
        }
    }
}

/// A secret's middles (itself, its base64) are patterns too: their bytes are held
/// once.
#[test]
fn a_secrets_middles_share_its_patterns_bytes() {
    let secret = "pw-0001-Zq9xW7vT5rS3pN1m";
    let s = secrets(&[(secret, true)]);
    let forms = secret.len() + 3 * base64(secret.as_bytes()).len() + 2 * secret.len();
    assert!(
        s.index.held_bytes() <= forms,
        "{} bytes held",
        s.index.held_bytes()
    );
}

// ---- attack6 (attack23): the rewritten index (issue 22) ----

/// Text whose 64-bit polynomial hash (folded, BASE 0x100000001b3, mod 2^64) equals
/// that of `block` (1024 bytes): each byte moved by +-1 along the Thue-Morse
/// sequence (the classic collision of any odd base modulo 2^64).
fn thue_morse_twin(block: &[u8]) -> Vec<u8> {
    assert_eq!(block.len(), 1024);
    block
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if i.count_ones() % 2 == 1 {
                b - 1
            } else {
                b + 1
            }
        })
        .collect()
}

/// A secret whose pieces are not looked for (it holds `password=`) is kept as its
/// length and 64-bit hash alone (ba77785), and any text of that length and hash is
/// masked as it. Such a hash is a polynomial modulo 2^64: a colliding text is
/// built in microseconds, and where it runs over a connector's name (here the name
/// and its `: created`), the name is hidden. Names are never masked.
#[test]
fn attack6_a_hash_collision_with_a_hashed_secret_hides_a_connector_name() {
    let mut block = "q".repeat(400).into_bytes();
    block.extend_from_slice(b";password=hunterhunter;");
    block.resize(1024, b'q');
    let twin = String::from_utf8(thue_morse_twin(&block)).unwrap();
    let secret = format!("{}: created", String::from_utf8(block).unwrap());
    let name = format!("orders-{twin}");
    let mut s = Secrets::default();
    s.add_value(&secret, true);
    s.add_public(&name);
    s.add_public("connection.password");
    // The secret itself is masked (a sanity check of the set-up).
    assert_eq!(s.mask(&format!("echo {secret}")), "echo ***");
    let line = format!("{name}: created");
    let masked = s.mask(&line);
    assert_eq!(masked, line, "the connector's name was hidden");
}

/// The same collision hides Connect's own explanation (a worker message that holds
/// no secret at all).
#[test]
fn attack6_a_hash_collision_hides_connects_explanation() {
    let mut block = "m".repeat(300).into_bytes();
    block.extend_from_slice(b";password=hunterhunter;");
    block.resize(1024, b'm');
    let twin = String::from_utf8(thue_morse_twin(&block)).unwrap();
    let s = secrets(&[(&String::from_utf8(block).unwrap(), true)]);
    let message =
        format!("Connector configuration is invalid: topics.regex {twin} does not compile");
    assert_eq!(s.mask(&message), message);
}

/// The windows of a secret's middle key by 32 bits now (e54843e), and a window whose
/// key is held already for the same secret is not added ("one offset per middle
/// and window"). Two different windows of one secret whose keys agree (found by a
/// birthday search in well under a second) leave the second out: a 30-byte piece
/// from the secret's middle that holds only that window is printed whole.
#[test]
fn attack6_a_window_key_collision_leaks_a_middle_piece() {
    // key(16, hash(w0)) == key(16, hash(w24)) == 1595139434.
    let (w0, w24) = ("a7lpk5ypez2znudx", "6uiuekqyysh9721p");
    assert_eq!(
        index_key_of_window(w0.as_bytes()),
        index_key_of_window(w24.as_bytes())
    );
    let secret = format!("{w0}Rt5yUi8o{w24}Mn3bVc6xZl9kJh2g");
    assert_eq!(secret.len(), 56);
    let s = secrets(&[(&secret, true)]);
    // A piece from its middle (bytes 17..47): only the window at 24 lies inside.
    let piece = &secret[17..47];
    let masked = s.mask(&format!("token rejected: [{piece}]"));
    assert!(!masked.contains(piece), "{piece:?} shown: {masked}");
    // The same cut of a secret without the collision is masked (the control).
    let control = format!("{w0}Rt5yUi8oqwertyuiopasdfghMn3bVc6xZl9kJh2g");
    let s = secrets(&[(&control, true)]);
    let piece = &control[17..47];
    let masked = s.mask(&format!("token rejected: [{piece}]"));
    assert!(!masked.contains(piece), "control: {masked}");
}

fn index_key_of_window(w: &[u8]) -> u32 {
    const BASE: u64 = 0x100000001b3;
    let h = w.iter().fold(0u64, |h, &b| {
        h.wrapping_mul(BASE)
            .wrapping_add(u64::from(b.to_ascii_lowercase()))
    });
    let k = h ^ 16u64.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (k ^ (k >> 32)) as u32
}

/// A secret whose window repeats at two stride offsets keeps only the first; a
/// piece holding only the second is compared from the first's place, so what lies
/// around it (7 bytes each side) is printed.
#[test]
fn attack6_a_repeated_window_leaks_the_bytes_around_its_second_copy() {
    let w = "Kd8sPq2mZx7vLw4n";
    let secret = format!("{w}Rt5yUi8o{w}Mn3bVc6xZl9kJh2g");
    let s = secrets(&[(&secret, true)]);
    let piece = &secret[17..47];
    let masked = s.mask(&format!("token rejected: [{piece}]"));
    for shown in [&secret[17..24], &secret[40..47]] {
        assert!(!masked.contains(shown), "{shown:?} shown: {masked}");
    }
}

/// At alignment 1 (the secret 1 byte after a 3-byte boundary: `Basic
/// base64("abc:" + password)`), the character before the secret's own characters
/// holds 4 bits of its first byte; the character after its last ones is masked for
/// the same reason (1a432b2: "up to 4 bits of the secret"), this one is printed.
#[test]
fn attack6_the_character_holding_a_secrets_first_bits_is_printed() {
    let secret = "pw-0001-Zq9xW7vT5rS3pN1m";
    let s = secrets(&[(secret, true)]);
    let raw = base64(format!("abc:{secret}").as_bytes());
    // Characters 0..4 hold `abc`, 4 holds `:`'s 6 high bits... character 5 holds
    // `:`'s low 2 bits and the secret's first 4.
    let masked = s.mask(&format!("Basic {raw} rejected"));
    assert_eq!(masked, format!("Basic {}*** rejected", &raw[..5]));
}
/// A secret's middle is found by windows of its plain form and of its base64, and
/// its other forms are decoded by the views; its hex is found whole or by its ends
/// only. A hex dump of 28 bytes from a 40-byte secret's middle (the same piece in
/// plain or base64 is masked) is printed.
#[test]
fn attack6_the_hex_of_a_piece_from_a_secrets_middle_is_printed() {
    let secret = "pw-0001-Zq9xW7vT5rS3pN1m-Kd8sPq2mZx7vLw4n";
    let s = secrets(&[(secret, true)]);
    let piece = &secret[8..36];
    // The control: the piece in plain and in base64 is masked.
    assert_eq!(s.mask(&format!("dump {piece} end")), "dump *** end");
    let hex: String = piece.bytes().map(|b| format!("{b:02x}")).collect();
    let masked = s.mask(&format!("dump {hex} end"));
    assert!(!masked.contains(&hex), "{piece:?} in hex shown: {masked}");
}

/// A secret's base64 characters now carry the character after them (1a432b2) wherever
/// they stand. Found inside a connector's name (`SiNKS`, the base64 of the 4-byte
/// secret `J#JH`, folded, at the end of `orders-sinks`), the span reaches one
/// character past the name (the `/` of a REST path) and is no longer inside it: the
/// name is masked. Before, the characters alone matched inside the name, which
/// stayed readable.
#[test]
fn attack6_a_base64_tail_reaching_past_a_name_masks_the_name() {
    let mut s = secrets(&[("J#JH", true)]);
    assert_eq!(base64(b"J#JH"), "SiNKSA==");
    s.add_public("orders-sinks");
    let text = "GET /connectors/orders-sinks/status: HTTP 500";
    assert_eq!(s.mask(text), text);
}

/// A secret whose 16-byte window repeats more than SAME (64) times at stride
/// offsets has its later copies left out of the windows. A piece from past the
/// 64th copy that runs into the secret's unrepeated part is compared only from the
/// first 64 places, where the secret goes on repeating: the piece's last bytes
/// (up to 7, short of a whole window past the repetition) are printed.
#[test]
fn attack7_a_piece_past_the_64th_repeat_of_a_window_leaks_its_end() {
    let secret = format!("{}Q1w2E3r4T5y6U7i8zzzzzzzzzzzz", "abcdefgh".repeat(80));
    let s = secrets(&[(&secret, true)]);
    // The piece ends 7 bytes into the unrepeated part: no whole window at a
    // stride offset holds any of it.
    let piece = &secret[600..647];
    assert_eq!(&piece[40..], "Q1w2E3r");
    // The control: the same piece where the repetition is shorter than 64
    // copies is masked whole.
    let early = format!("{}Q1w2E3r", &"abcdefgh".repeat(5));
    let short = format!("{}Q1w2E3r4T5y6U7i8zzzzzzzzzzzz", "abcdefgh".repeat(10));
    assert_eq!(
        secrets(&[(&short, true)]).mask(&format!("[{early}]")),
        "[***]"
    );
    let masked = s.mask(&format!("token rejected: [{piece}]"));
    assert!(!masked.contains("Q1w2E3r"), "secret bytes shown: {masked}");
}

/// A secret whose base64 is longer than LONG (4096 characters: a secret of about
/// 3 KB, a keystore's password file, a PEM key) is indexed by its ends and takes no
/// HEAD flag: inside `Basic base64("abc:" + secret)` the character holding
/// `:`'s last bits and the secret's first 4 bits is printed (attack6's break, fixed
/// for shorter secrets only).
#[test]
fn attack7_a_long_secrets_first_bits_character_is_printed() {
    let secret: String = (0..3500u32)
        .map(|i| char::from(b"Zq9xW7vT5rS3pN1mKd8sPq2m"[(i as usize * 7 + i as usize / 24) % 24]))
        .collect();
    let s = secrets(&[(&secret, true)]);
    let raw = base64(format!("abc:{secret}").as_bytes());
    let masked = s.mask(&format!("Basic {raw} rejected"));
    assert!(
        masked.ends_with("*** rejected"),
        "{}",
        &masked[masked.len().saturating_sub(80)..]
    );
    assert!(
        !masked.contains(&raw[..6]),
        "the character holding the first bits is shown: {}",
        &masked[..masked.len().min(40)]
    );
}

/// The characters around a base64 match that hold a secret's bits are masked for a
/// whole match and for a beginning or an end (`around`), not for a piece of the
/// middle found by its windows. `Basic base64("abc:" + piece)`, the piece bytes
/// 6..40 of a 48-byte secret: the character before the masked run holds `:`'s
/// last 2 bits and the first 4 bits of the secret's 7th byte; the one after, the
/// last bits of its 40th.
#[test]
fn attack7_a_middle_pieces_base64_shows_the_characters_around_it() {
    let secret = "pw-0001-Zq9xW7vT5rS3pN1m-Kd8sPq2mZx7vLw4n-Rt5yUi8o";
    let s = secrets(&[(secret, true)]);
    let piece = &secret[6..40];
    let raw = base64(format!("abc:{piece}").as_bytes());
    let masked = s.mask(&format!("Basic {raw} rejected"));
    // The control: the piece's own characters are masked.
    assert!(masked.contains("***"), "{masked}");
    assert!(
        !masked.contains(&raw[..6]),
        "the character holding the piece's first bits is shown: {masked} (raw {raw})"
    );
}

/// A fleet's config-provider references share their beginning
/// (`${vault:secret/data/prod/...`): as the values of `*.password` keys (1,000
/// connectors, four each: the database's, the truststore's, the keystore's, the
/// key's) each is a secret whose first bytes and middle windows are indexed, all under
/// the same anchor and windows. Connect's explanation for one connector that
/// echoes a few of its references (masked, as it should be) then costs, per
/// reference it holds, a walk over every connector's: past the budget, the whole
/// explanation is withheld, and the reason the connector failed is not readable.
#[test]
#[ignore = "attack7: a fleet's references sharing their beginning withhold Connect's explanation that echoes a few (known limit, issue 22 note: nothing leaks, the exit code holds)"]
fn attack7_a_fleets_shared_reference_prefix_withholds_connects_explanation() {
    let mut s = Secrets::default();
    let reference =
        |n: usize, key: &str| format!("${{vault:secret/data/prod/connectors/conn-{n:04}:{key}}}");
    for n in 0..1000 {
        for key in ["password", "truststore", "keystore", "key"] {
            // As `register` adds the value of a secret-named key.
            s.add_value(&reference(n, key), true);
        }
    }
    let echoed: Vec<String> = ["password", "truststore", "keystore", "key"]
        .iter()
        .map(|k| format!("ssl.{k}.password={}", reference(42, k)))
        .collect();
    let text = format!(
        "Connector configuration is invalid and contains the following 1 error(s):\nInvalid value for configuration topic.prefix: must not be empty\n{}",
        echoed.join(", ")
    );
    let started = std::time::Instant::now();
    let masked = s.mask(&text);
    eprintln!("{:?} {masked}", started.elapsed());
    assert!(
        masked.contains("topic.prefix: must not be empty"),
        "{masked}"
    );
    assert!(!masked.contains("conn-0042"), "{masked}");
}

/// Base64 wrapped in lines (MIME's 76 characters, PEM's 64): where a line break
/// falls between a secret's own characters and the character holding its first
/// (or last) bits, that character is not next to the match and is printed.
#[test]
fn attack7_a_wrapped_base64_shows_the_character_holding_a_secrets_bits() {
    let secret = "pw-0001-Zq9xW7vT5rS3pN1m-";
    let s = secrets(&[(secret, true)]);
    // The control: unwrapped, both characters are masked.
    let raw = base64(format!("abc:{secret}xyz").as_bytes());
    let masked = s.mask(&format!("Basic {raw} rejected"));
    assert!(!masked.contains(&raw[..6]), "{masked}");
    // Character 5 holds `:`'s last bits and the secret's first 4; the line
    // breaks after it.
    let wrapped = format!("{}\n{}", &raw[..6], &raw[6..]);
    let masked = s.mask(&format!("Basic {wrapped} rejected"));
    assert!(
        !masked.contains(&raw[..6]),
        "the character holding the secret's first bits is shown: {masked:?} (raw {raw})"
    );
}

/// A secret that begins with its connector's name and a `-` (`clicks-pw-2024`, as
/// people name passwords) is found by its first bytes anywhere: Connect names a
/// connector's tasks `clicks-0`, `clicks-1` (`WorkerSourceTask{id=clicks-0}` in
/// every task's trace), and there `clicks-` agrees with the secret's beginning for
/// 7 bytes, one past the name: the span is not inside the name, and the name is
/// masked in Connect's explanation.
#[test]
fn attack7_a_secret_beginning_with_the_name_and_a_dash_masks_task_ids() {
    let mut s = secrets(&[("clicks-pw-2024", true)]);
    s.add_public("clicks");
    let text = "task clicks-0 failed: WorkerSourceTask{id=clicks-0} Task threw an uncaught and unrecoverable exception";
    let masked = s.mask(text);
    assert!(
        masked.starts_with("task clicks") && masked.contains("{id=clicks"),
        "the connector's name is masked: {masked}"
    );
}

/// A secret of 8 to 16 KiB (a PEM key, a keystore's password file) has its plain
/// and base64 middles windowed (up to MIDDLE_MAX, 16 KiB), but its hex is twice
/// as long and is not: a piece of its middle is masked in plain and printed in hex.
#[test]
fn attack7_the_hex_of_a_middle_piece_of_a_9_kib_secret_is_printed() {
    let secret: String = (0..9000u32)
        .map(|i| {
            let x = i.wrapping_mul(2_654_435_761).rotate_left(7) ^ i;
            char::from(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                    [(x % 62) as usize],
            )
        })
        .collect();
    let s = secrets(&[(&secret, true)]);
    let piece = &secret[3000..3100];
    // The control: the piece in plain is masked.
    assert_eq!(s.mask(&format!("dump {piece} end")), "dump *** end");
    let hex: String = piece.bytes().map(|b| format!("{b:02x}")).collect();
    let masked = s.mask(&format!("dump {hex} end"));
    assert!(
        !masked.contains(&hex[..64]),
        "the piece in hex shown: {masked}"
    );
}

/// Where a window finds a piece of one secret, the windows it covered are not
/// looked at again (`find_middles`: "What a piece covered is not looked at
/// again"). Two secrets that share 16 bytes: a piece of the first covers them, and
/// the second's only window that holds the same 16 bytes (at its stride) lies in
/// the covered part; its 7 bytes after the shared ones are printed. Alone, the
/// second secret's piece (23 bytes, a whole window) is masked.
#[test]
fn attack7_a_piece_of_one_secret_hides_the_window_of_another() {
    let shared = "Shared-Region-0123456789abcdef";
    let a = format!("{shared}::A-only-tail-of-secret-A::");
    let c = format!("C-only-h{}Q1w2E3r4T5y6U7i8-C-only-end", &shared[14..]);
    let text = format!("[{shared}Q1w2E3r]");
    // The control: the second secret alone is found by its window.
    assert_eq!(
        secrets(&[(&c, true)]).mask(&text),
        format!("[{}***]", &shared[..14])
    );
    let masked = secrets(&[(&a, true), (&c, true)]).mask(&text);
    assert!(
        !masked.contains("Q1w2E3r"),
        "the second secret's bytes shown: {masked}"
    );
}

/// find_middles walks every window chain entry at every position; entries of a
/// middle that is covering are skipped uncharged. 60 secrets of 4,000 `a` (64
/// entries each under SAME) against 200 KB of `a`: 23.5 s in a debug build.
#[test]
#[ignore = "attack8: many secrets repeating one window make find_middles' uncharged chain walk take 20+ s"]
fn attack8_many_secrets_repeating_a_window_blow_up_masking_time() {
    let values: Vec<String> = (0..60)
        .map(|i| format!("{}#{i:03}", "a".repeat(4000)))
        .collect();
    let refs: Vec<(&str, bool)> = values.iter().map(|v| (v.as_str(), true)).collect();
    let s = secrets(&refs);
    let text = format!("[Connect: {}] end", "a".repeat(200_000));
    let t = std::time::Instant::now();
    let m = s.mask(&text);
    let e = t.elapsed();
    assert!(
        e < std::time::Duration::from_secs(5),
        "took {e:?}, {} bytes",
        m.len()
    );
}
