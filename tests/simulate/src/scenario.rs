//! One seed's run: definitions, options, the fake's chaos, a signal, all drawn from
//! the seed so that `--seed S --runs 1` replays it.

use std::time::Duration;

use fake_connect::Chaos;
use serde_json::{Value, json};

/// splitmix64: small, seedable, good enough to spread cases.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5151_0000_2026_1219)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// 0..n
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    /// true with a chance of `percent` in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
}

/// Where a secret of the run came from (for the violation line; never its value).
#[derive(Debug, Clone)]
pub struct Secret {
    pub value: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Offsets {
    Reset,
    /// (partition, offset) pairs.
    List(Vec<(Value, Value)>),
}

#[derive(Debug, Clone)]
pub struct Def {
    pub name: String,
    /// Config entries as JSON texts (so that duplicates can be planted).
    pub config: Vec<(String, String)>,
    /// The config as the worker should end up storing it (strings).
    pub stored: serde_json::Map<String, Value>,
    pub offsets: Option<Offsets>,
    pub state: Option<&'static str>,
    /// Connect rejects it at once (tasks.max 0, an unknown plugin).
    pub rejectable: bool,
    pub source: bool,
}

/// A connector on the worker before the run.
#[derive(Debug, Clone)]
pub struct Existing {
    pub name: String,
    pub config: Value,
    pub offsets: Vec<Value>,
    /// An earlier run's create with offsets that it could neither finish nor undo:
    /// STOPPED, with connect-deploy's mark, a predecessor's offsets.
    pub unfinished: bool,
}

#[derive(Debug, Clone)]
pub enum Stdin {
    Null,
    /// Definitions on standard input (`-`), which is never closed.
    NeverClosed(String),
}

#[derive(Debug, Clone)]
pub struct Scenario {
    pub defs: Vec<Def>,
    /// File name and text of each definition file.
    pub files: Vec<(String, String)>,
    /// Files referenced by `{"file"}`: relative name and content.
    pub ref_files: Vec<(String, Vec<u8>)>,
    /// A reference file of this many bytes (`k`), written in pieces, never held
    /// whole: a child's peak RSS counts its parent's at the exec, so a simulator
    /// that once held 24 MB would show as 24 MB in every later run.
    pub huge_ref: Option<(String, usize)>,
    pub env: Vec<(String, String)>,
    pub args: Vec<String>,
    /// Extra positional arguments (a URL given as a path).
    pub extra_paths: Vec<String>,
    /// The URL's user info, if credentials go in the URL.
    pub url_userinfo: Option<String>,
    pub stdin: Stdin,
    pub existing: Vec<Existing>,
    /// Offsets left by an earlier connector of a name that does not exist now.
    pub leftovers: Vec<(String, Vec<Value>)>,
    pub secrets: Vec<Secret>,
    pub auth: Option<(String, String)>,
    pub mask_passwords: bool,
    pub chaos: Option<Chaos>,
    pub timeout: Duration,
    pub stable: Option<Duration>,
    pub dry_run: bool,
    pub validate: bool,
    pub wait_running: bool,
    pub json: bool,
    pub prune_scope: Option<Vec<String>>,
    /// (delay after start, signal number)
    pub signal: Option<(Duration, i32)>,
    /// Inputs the tool must refuse: what was planted, and the codes allowed.
    pub bad: Option<(String, Vec<i32>)>,
    /// A huge or endless reference was planted (memory check matters most).
    pub big_input: bool,
}

const SUFFIXES: &[&str] = &[
    "a",
    "ab",
    "zz",
    "é",
    "éé",
    "日本",
    "a b",
    "q?x",
    "h#1",
    "at@x",
    "pct%2Fx",
    "bs\\x",
    "qu\"o",
    "emoji😀",
    "ümlaut",
    "x.y",
    "amp&x",
    "plus+x",
    "eq=x",
    "tabless",
    "ǅ",
    "ab-é",
];
const EXTRA: &[&str] = &[
    "team-é",
    "team-ab",
    "team-zz",
    "team-日",
    "team-éé",
    "team-a",
    "other-1",
    "tea",
    "team-",
    "team-xé",
    "team-ß",
    "teamé-a",
    "Team-ab",
];

fn secret(rng: &mut Rng) -> String {
    const PLAIN: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let len = rng.range(12, 24) as usize;
    let mut s: String = (0..len).map(|_| *rng.pick(PLAIN) as char).collect();
    // Some with characters that escaping changes.
    if rng.chance(35) {
        let special = *rng.pick(&["\"", "\\", "é", "%", "+", "/", "&", ":", "@", "=", " "]);
        let at = rng.range(1, (len - 2) as u64) as usize;
        s.insert_str(at, special);
    }
    s
}

fn glob_for(rng: &mut Rng, name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    match rng.below(4) {
        0 => "team-*".to_string(),
        1 => {
            // Replace one or two characters after the prefix with `?`.
            let mut c = chars.clone();
            for _ in 0..rng.range(1, 2) {
                if c.len() > 5 {
                    let i = rng.range(5, (c.len() - 1) as u64) as usize;
                    c[i] = '?';
                }
            }
            c.into_iter().collect()
        }
        2 => {
            let keep = rng.range(5, chars.len() as u64) as usize;
            let mut g: String = chars[..keep.min(chars.len())].iter().collect();
            g.push('*');
            g
        }
        _ => name.replace('*', "?"),
    }
}

impl Scenario {
    pub fn generate(seed: u64) -> Scenario {
        let mut rng = Rng::new(seed);
        let mut secrets = Vec::new();
        let mut env = Vec::new();
        let mut ref_files = Vec::new();
        let mut huge_ref = None;
        let mut bad: Option<(String, Vec<i32>)> = None;
        let plant = |what: String, codes: &[i32], bad: &mut Option<(String, Vec<i32>)>| match bad {
            Some((w, c)) => {
                w.push_str(", ");
                w.push_str(&what);
                for code in codes {
                    if !c.contains(code) {
                        c.push(*code);
                    }
                }
            }
            None => *bad = Some((what, codes.to_vec())),
        };

        // The worker's profile first: the stuck one wants a connector Connect rejects
        // at once after the stuck ones.
        let profile = rng.below(10);
        let prune = rng.chance(25);
        let n = if profile == 2 {
            rng.range(3, 6)
        } else if rng.chance(15) {
            rng.range(5, 10)
        } else {
            rng.range(1, 4)
        };
        let mut names: Vec<String> = Vec::new();
        while names.len() < n as usize {
            let name = if prune || rng.chance(60) {
                format!("team-{}", rng.pick(SUFFIXES))
            } else {
                format!("c{}-{}", names.len(), rng.pick(SUFFIXES))
            };
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let mut big_input = false;
        let mut defs = Vec::new();
        for name in &names {
            let kind = rng.below(3);
            let mut config: Vec<(String, String)> = Vec::new();
            let s = |v: &str| serde_json::to_string(v).unwrap();
            let class = match kind {
                0 => "FileStreamSource",
                1 => "org.apache.kafka.connect.file.FileStreamSinkConnector",
                _ => "io.confluent.kafka.connect.datagen.DatagenConnector",
            };
            let mut rejectable = false;
            if rng.chance(6) {
                config.push(("connector.class".into(), s("com.example.NoSuchConnector")));
                rejectable = true;
            } else {
                config.push(("connector.class".into(), s(class)));
            }
            match kind {
                0 => {
                    config.push(("topic".into(), s(&format!("topic-{}", rng.below(9)))));
                    config.push(("file".into(), s(&format!("/data/in-{}.txt", rng.below(9)))));
                }
                1 => config.push(("topics".into(), s(&format!("topic-{}", rng.below(9))))),
                _ => config.push(("kafka.topic".into(), s("clicks"))),
            }
            let last = defs.len() + 1 == names.len();
            if rng.chance(8) || (profile == 2 && last) {
                config.push(("tasks.max".into(), s("0")));
                rejectable = true;
            } else if rng.chance(40) {
                config.push((
                    "tasks.max".into(),
                    rng.pick(&["1", "2", "\"1\""]).to_string(),
                ));
            }
            if rng.chance(30) {
                config.push((
                    "max.interval".into(),
                    rng.pick(&["1000", "1e3", "true"]).to_string(),
                ));
            }
            if rng.chance(55) {
                let value = secret(&mut rng);
                let key = rng.pick(&[
                    "database.password",
                    "sasl.jaas.config",
                    "api.key",
                    "connection.password",
                ]);
                let text = match rng.below(3) {
                    0 => s(&value),
                    1 => {
                        let file = format!("secret-{}", ref_files.len());
                        let trailing = if rng.chance(50) { "\n" } else { "" };
                        ref_files.push((file.clone(), format!("{value}{trailing}").into_bytes()));
                        format!("{{\"file\": {}}}", s(&file))
                    }
                    _ => {
                        let var = format!("SIM_SECRET_{}", env.len());
                        env.push((var.clone(), value.clone()));
                        format!("{{\"env\": {}}}", s(&var))
                    }
                };
                secrets.push(Secret {
                    value,
                    source: format!("{name}/{key}"),
                });
                config.push((key.to_string(), text));
            }
            let source = kind == 0;
            let offsets = if source && rng.chance(45) {
                if rng.chance(25) {
                    Some(Offsets::Reset)
                } else {
                    let parts = rng.range(1, 2);
                    Some(Offsets::List(
                        (0..parts)
                            .map(|i| {
                                (
                                    json!({"filename": format!("/data/in-{i}.txt")}),
                                    json!({"position": rng.below(1000)}),
                                )
                            })
                            .collect(),
                    ))
                }
            } else {
                None
            };
            let state = match rng.below(6) {
                0 => Some("PAUSED"),
                1 => Some("STOPPED"),
                2 => Some("RUNNING"),
                _ => None,
            };
            let mut stored = serde_json::Map::new();
            for (k, v) in &config {
                let value: Value = serde_json::from_str(v).unwrap_or(Value::Null);
                let shown = match value {
                    Value::String(t) => Value::String(t),
                    Value::Object(_) => Value::Null, // a reference: not known here
                    _ => Value::String(v.clone()),
                };
                stored.insert(k.clone(), shown);
            }
            stored.insert("name".into(), Value::from(name.as_str()));
            defs.push(Def {
                name: name.clone(),
                config,
                stored,
                offsets,
                state,
                rejectable,
                source,
            });
        }

        // Rarely: inputs the tool must refuse (nothing applied, 65/66).
        if rng.chance(10) {
            let i = rng.below(defs.len() as u64) as usize;
            match rng.below(7) {
                0 => {
                    defs[i].config.push(("topic".into(), "\"dup\"".into()));
                    defs[i].config.push(("topic".into(), "\"dup2\"".into()));
                    plant("a duplicate config key".into(), &[65], &mut bad);
                }
                1 => {
                    defs[i].config.push(("x.null".into(), "null".into()));
                    plant("a null value".into(), &[65], &mut bad);
                }
                2 => {
                    defs[i]
                        .config
                        .push(("x.ref".into(), "{\"file\": \"missing-file\"}".into()));
                    plant("a missing reference file".into(), &[65], &mut bad);
                }
                3 => {
                    defs[i]
                        .config
                        .push(("x.ref".into(), "{\"env\": \"SIM_UNSET_VARIABLE\"}".into()));
                    plant("an unset reference variable".into(), &[65], &mut bad);
                }
                4 => {
                    let value = secret(&mut rng);
                    let var = format!("SIM_SECRET_{}", env.len());
                    env.push((var.clone(), value.clone()));
                    secrets.push(Secret {
                        value,
                        source: "duplicate-key reference".into(),
                    });
                    defs[i].config.push((
                        "x.password".into(),
                        format!("{{\"env\": \"{var}\", \"env\": \"SIM_OTHER\"}}"),
                    ));
                    env.push(("SIM_OTHER".into(), "other-value".into()));
                    plant("a duplicate key inside a reference".into(), &[65], &mut bad);
                }
                5 if defs[i].source => {
                    defs[i].offsets = Some(Offsets::List(vec![(
                        json!({"filename": "/data/in-0.txt"}),
                        json!({"position": 1}),
                    )]));
                    // Written by hand below as a duplicate key.
                    defs[i].config.push(("__dup_offsets".into(), String::new()));
                    plant("a duplicate key inside offsets".into(), &[65], &mut bad);
                }
                _ => {
                    let mut twin = defs[i].clone();
                    twin.config.push(("x.twin".into(), "\"1\"".into()));
                    defs.push(twin);
                    plant("two definitions of one name".into(), &[65], &mut bad);
                }
            }
        }
        // Rarely: a huge or endless reference.
        if rng.chance(2) {
            big_input = true;
            let i = rng.below(defs.len() as u64) as usize;
            if rng.chance(50) {
                // A reference reads at most 1 MiB (docs/configuration.md): exactly
                // that is valid (and its memory checked), anything above is 65.
                let mib = rng.range(8, 24) as usize;
                let size = if mib % 2 == 1 {
                    1024 * 1024
                } else {
                    mib * 1024 * 1024
                };
                huge_ref = Some(("huge".to_string(), size));
                defs[i]
                    .config
                    .push(("x.huge.password".into(), "{\"file\": \"huge\"}".into()));
                if size > 1024 * 1024 {
                    plant("a reference above the 1 MiB limit".into(), &[65], &mut bad);
                }
            } else {
                defs[i]
                    .config
                    .push(("x.zero.password".into(), "{\"file\": \"/dev/zero\"}".into()));
                plant("a /dev/zero reference".into(), &[65], &mut bad);
            }
        }

        // Files: one per definition, or all in one array, or one array file.
        let render = |d: &Def| -> String {
            let mut config = String::from("{");
            let mut dup_offsets = false;
            for (i, (k, v)) in d.config.iter().enumerate() {
                if k == "__dup_offsets" {
                    dup_offsets = true;
                    continue;
                }
                if i > 0 {
                    config.push_str(", ");
                }
                config.push_str(&format!("{}: {}", serde_json::to_string(k).unwrap(), v));
            }
            config.push('}');
            let mut text = format!("{{\"name\": {}, ", serde_json::to_string(&d.name).unwrap());
            if let Some(state) = d.state {
                text.push_str(&format!("\"state\": \"{state}\", "));
            }
            match &d.offsets {
                Some(Offsets::Reset) => text.push_str("\"offsets\": \"reset\", "),
                Some(Offsets::List(items)) => {
                    let items: Vec<String> = items
                        .iter()
                        .map(|(p, o)| {
                            if dup_offsets {
                                format!("{{\"partition\": {p}, \"offset\": {o}, \"offset\": {{\"position\": 7}}}}")
                            } else {
                                format!("{{\"partition\": {p}, \"offset\": {o}}}")
                            }
                        })
                        .collect();
                    text.push_str(&format!("\"offsets\": [{}], ", items.join(", ")));
                }
                None => {}
            }
            text.push_str(&format!("\"config\": {config}}}"));
            text
        };
        let mut files = Vec::new();
        if rng.chance(50) {
            for (i, d) in defs.iter().enumerate() {
                files.push((format!("{i:02}-def.json"), render(d)));
            }
        } else {
            let all: Vec<String> = defs.iter().map(render).collect();
            files.push(("all.json".into(), format!("[\n{}\n]\n", all.join(",\n"))));
        }
        // Rarely: every definition on a standard input that never closes (bad inputs
        // are left out: the deadline comes first).
        let stdin = if bad.is_none() && rng.chance(3) {
            let all: Vec<String> = defs.iter().map(render).collect();
            Stdin::NeverClosed(format!("[\n{}\n]\n", all.join(",\n")))
        } else {
            Stdin::Null
        };

        // The worker: connectors that exist, offsets left by predecessors, extras to prune.
        let mut existing = Vec::new();
        let mut leftovers = Vec::new();
        for d in &defs {
            if bad.is_some() && rng.chance(50) {
                continue;
            }
            if rng.chance(30) {
                let mut config = d.stored.clone();
                config.retain(|_, v| !v.is_null());
                if rng.chance(50) {
                    config.insert("topic".into(), Value::from("drifted"));
                }
                let offsets = match &d.offsets {
                    Some(Offsets::List(items)) => items
                        .iter()
                        .map(|(p, _)| json!({"partition": p, "offset": {"position": 424242}}))
                        .collect(),
                    _ => vec![
                        json!({"partition": {"filename": "/data/in-0.txt"}, "offset": {"position": 424242}}),
                    ],
                };
                let unfinished = d.offsets.is_some() && rng.chance(30);
                if unfinished {
                    config.insert("connect-deploy.unfinished".into(), Value::from("true"));
                }
                existing.push(Existing {
                    name: d.name.clone(),
                    config: Value::Object(config),
                    offsets: if d.offsets.is_some() { offsets } else { vec![] },
                    unfinished,
                });
            } else if let Some(o) = &d.offsets {
                let items: Vec<Value> = match o {
                    Offsets::List(items) => items
                        .iter()
                        .map(|(p, _)| json!({"partition": p, "offset": {"position": 999_999}}))
                        .collect(),
                    Offsets::Reset => {
                        vec![
                            json!({"partition": {"filename": "/data/in-0.txt"}, "offset": {"position": 999_999}}),
                        ]
                    }
                };
                leftovers.push((d.name.clone(), items));
            }
        }
        let extras = rng.range(0, 4);
        for _ in 0..extras {
            let name = rng.pick(EXTRA).to_string();
            if defs.iter().any(|d| d.name == name) || existing.iter().any(|e| e.name == name) {
                continue;
            }
            existing.push(Existing {
                name,
                config: json!({"connector.class": "FileStreamSink", "topics": "old"}),
                offsets: vec![],
                unfinished: false,
            });
        }

        // Options.
        let timeout = Duration::from_millis(match rng.below(10) {
            0 => rng.range(1000, 1999),
            1..=6 => rng.range(2000, 4000),
            7 | 8 => rng.range(4000, 6000),
            _ => rng.range(6000, 8000),
        });
        let parallel = if rng.chance(60) { 1 } else { rng.range(2, 4) };
        let dry_run = rng.chance(15);
        let validate = rng.chance(25);
        let wait_running = rng.chance(20);
        let stable = if wait_running && rng.chance(75) {
            Some(Duration::from_millis(
                rng.range(100, timeout.as_millis() as u64 / 3),
            ))
        } else {
            None
        };
        let json = rng.chance(70);
        let prune_scope = if prune {
            let mut globs: Vec<String> = Vec::new();
            for d in &defs {
                if !globs.iter().any(|g| glob_match(g, &d.name)) {
                    let g = glob_for(&mut rng, &d.name);
                    // Only globs that match by character (the documented meaning).
                    globs.push(if glob_match(&g, &d.name) {
                        g
                    } else {
                        d.name.replace(['*', '?', ','], "?")
                    });
                }
            }
            if globs.iter().all(|g| g == "*") {
                globs = vec!["team-*".into()];
            }
            Some(globs)
        } else {
            None
        };

        // Credentials and their planting.
        let mask_passwords = rng.chance(30);
        let mut auth = None;
        let mut url_userinfo = None;
        let mut args: Vec<String> = Vec::new();
        if rng.chance(40) {
            let user = format!("u{}", &"serviceaccount"[..rng.range(0, 9) as usize]);
            let password = secret(&mut rng);
            secrets.push(Secret {
                value: password.clone(),
                source: "basic-auth password".into(),
            });
            match rng.below(3) {
                0 => {
                    env.push(("KAFKA_CONNECT_BASIC_AUTH_USERNAME".into(), user.clone()));
                    env.push(("KAFKA_CONNECT_BASIC_AUTH_PASSWORD".into(), password.clone()));
                }
                1 => {
                    ref_files.push(("auth-user".into(), format!("{user}\n").into_bytes()));
                    ref_files.push(("auth-password".into(), format!("{password}\n").into_bytes()));
                    env.push((
                        "KAFKA_CONNECT_BASIC_AUTH_USERNAME_FILE".into(),
                        "@auth-user".into(),
                    ));
                    env.push((
                        "KAFKA_CONNECT_BASIC_AUTH_PASSWORD_FILE".into(),
                        "@auth-password".into(),
                    ));
                }
                _ => {
                    let enc: String = password
                        .bytes()
                        .map(|b| {
                            if b.is_ascii_alphanumeric() {
                                (b as char).to_string()
                            } else {
                                format!("%{b:02X}")
                            }
                        })
                        .collect();
                    url_userinfo = Some(format!("{user}:{enc}"));
                }
            }
            auth = Some((user, password));
        }
        let mut extra_paths = Vec::new();
        if rng.chance(3) && matches!(stdin, Stdin::Null) {
            let password = secret(&mut rng);
            secrets.push(Secret {
                value: password.clone(),
                source: "URL given as a path".into(),
            });
            let enc: String = password
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            extra_paths.push(format!("http://admin:{enc}@127.0.0.1:1"));
            plant("a URL given as a path".into(), &[66], &mut bad);
        }

        args.push("--timeout".into());
        args.push(format!("{}ms", timeout.as_millis()));
        if parallel > 1 || rng.chance(20) {
            args.push("--parallel".into());
            args.push(parallel.to_string());
        }
        if dry_run {
            args.push("--dry-run".into());
        }
        if validate {
            args.push("--validate".into());
        }
        if wait_running {
            args.push("--wait-running".into());
            if let Some(s) = stable {
                args.push("--stable".into());
                args.push(format!("{}ms", s.as_millis()));
            }
        }
        if json {
            args.push("--log-format".into());
            args.push("json".into());
        }
        if let Some(globs) = &prune_scope {
            args.push("--prune".into());
            args.push("--prune-scope".into());
            args.push(globs.join(","));
        }

        // The fake's behaviour.
        let chaos = match profile {
            0 | 1 => None,
            2 => {
                // Stuck connectors before one Connect rejects at once.
                let stuck: Vec<String> = defs
                    .iter()
                    .filter(|d| !d.rejectable)
                    .take(rng.range(2, 4) as usize)
                    .map(|d| d.name.clone())
                    .collect();
                Some(Chaos {
                    seed,
                    stuck,
                    ..Chaos::default()
                })
            }
            3 => {
                let forbidden = vec![rng.pick(&names).clone()];
                Some(Chaos {
                    seed,
                    forbidden,
                    ..Chaos::default()
                })
            }
            4 => {
                // Gateways that echo what they were sent.
                Some(Chaos {
                    seed,
                    echo: 250,
                    ..Chaos::default()
                })
            }
            _ => {
                let mut p = |max: u64| {
                    if rng.chance(50) {
                        rng.below(max) as u32
                    } else {
                        0
                    }
                };
                Some(Chaos {
                    seed,
                    lost: p(300),
                    late: p(200),
                    // 2: half land at the re-read, half just before the write is repeated.
                    late_by: 2,
                    storm: p(60),
                    storm_len: 6,
                    slow: p(60),
                    endless: p(15),
                    hang: p(15),
                    hang_for: Duration::from_millis(500 + (seed % 7) * 2000),
                    offsets_fail: p(400),
                    echo: p(80),
                    other500: p(30),
                    forbidden: vec![],
                    stuck: vec![],
                })
            }
        };

        // Dry runs are signalled more often: what their report says matters.
        let signal = if rng.chance(if dry_run { 50 } else { 25 }) {
            let at = rng.range(100, timeout.as_millis() as u64 * 9 / 10);
            Some((
                Duration::from_millis(at),
                if rng.chance(70) {
                    libc::SIGTERM
                } else {
                    libc::SIGINT
                },
            ))
        } else {
            None
        };

        Scenario {
            defs,
            files,
            ref_files,
            huge_ref,
            env,
            args,
            extra_paths,
            url_userinfo,
            stdin,
            existing,
            leftovers,
            secrets,
            auth,
            mask_passwords,
            chaos,
            timeout,
            stable,
            dry_run,
            validate,
            wait_running,
            json,
            prune_scope,
            signal,
            bad,
            big_input,
        }
    }
}

/// `*` and `?` over characters (the documented meaning of `--prune-scope`).
pub fn glob_match(glob: &str, name: &str) -> bool {
    let g: Vec<char> = glob.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut gi, mut ni) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ni < n.len() {
        if gi < g.len() && (g[gi] == '?' || g[gi] == n[ni]) {
            gi += 1;
            ni += 1;
        } else if gi < g.len() && g[gi] == '*' {
            star = Some(gi);
            mark = ni;
            gi += 1;
        } else if let Some(s) = star {
            gi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    while gi < g.len() && g[gi] == '*' {
        gi += 1;
    }
    gi == g.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_count_characters() {
        assert!(glob_match("team-?", "team-é"));
        assert!(!glob_match("team-??", "team-é"));
        assert!(glob_match("team-*", "team-日本"));
        assert!(!glob_match("team-a*", "other"));
    }

    #[test]
    fn a_seed_is_a_scenario() {
        let a = Scenario::generate(7);
        let b = Scenario::generate(7);
        assert_eq!(a.files, b.files);
        assert_eq!(a.args, b.args);
    }
}
