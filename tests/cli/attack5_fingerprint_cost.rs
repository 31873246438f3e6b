//! Hostile tests (attack22): what a worker's stored fingerprint costs. A stored
//! `connect-deploy.fingerprint` is believed up to 40,000 rounds per key, and every
//! masked key it covers costs one full derivation per comparison. A worker that masks
//! every key of a definition and stores a maximal fingerprint covering all of them
//! makes the run spend keys x 40,000 HMACs per connector (8 connectors x 60 keys:
//! about 30 s in a release build, minutes in a debug one) before it can write
//! anything. The deadline holds (the backstop ends the run, and SIGTERM ends it at
//! once), but a healthy worker that answers at once gets exit 124, "Connect was not
//! ready, or stayed unavailable", where every connector could have been updated: the
//! 40,000-round cap is per key, not per run, so "a worker could otherwise make every
//! run spend its deadline hashing" still holds. Expected: 0 (the fingerprint's cost
//! bounded per run, or a fingerprint this costly not believed).

use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::support::*;

const KEYS: usize = 60;
const CONNECTORS: usize = 8;

fn key(i: usize) -> String {
    format!("db.field{i}")
}

fn hostile_worker() -> FakeConnect {
    hostile_worker_with(40_000, 16)
}

fn hostile_worker_with(rounds: u32, salt_bytes: usize) -> FakeConnect {
    let keys: Vec<String> = (0..KEYS).map(key).collect();
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let fake = FakeConnect::start(
        Config::default()
            .version("3.1.0")
            .mask_text("[hidden]")
            .password_keys(&refs),
    );
    let mut hashes = Map::new();
    for k in &keys {
        hashes.insert(k.clone(), Value::from("00".repeat(16)));
    }
    let fingerprint =
        json!({"v":1,"kdf":"pbkdf2-sha256","i":rounds,"salt":"00".repeat(salt_bytes),"keys":hashes})
            .to_string();
    for c in 0..CONNECTORS {
        let mut config = Map::new();
        config.insert("connector.class".into(), Value::from("FileStreamSink"));
        config.insert("topics".into(), Value::from("t"));
        for k in &keys {
            config.insert(k.clone(), Value::from("old"));
        }
        config.insert(
            "connect-deploy.fingerprint".into(),
            Value::from(fingerprint.clone()),
        );
        fake.put_connector(&format!("db{c}"), Value::Object(config));
    }
    fake
}

fn definitions() -> TempDir {
    let dir = TempDir::new();
    for c in 0..CONNECTORS {
        let mut config = Map::new();
        config.insert("connector.class".into(), Value::from("FileStreamSink"));
        config.insert("topics".into(), Value::from("t"));
        for i in 0..KEYS {
            config.insert(key(i), Value::from(format!("value-{i}")));
        }
        dir.write(
            &format!("db{c}.json"),
            &json!({"name": format!("db{c}"), "config": config}).to_string(),
        );
    }
    dir
}

#[test]
fn attack22_maximal_fingerprints_on_every_key_spend_the_deadline_hashing() {
    let fake = hostile_worker();
    let dir = definitions();
    let start = Instant::now();
    let mut child = deploy()
        .url(fake.url())
        .timeout("20s")
        .arg(dir.arg())
        .spawn();
    let status = wait_within(&mut child, Duration::from_secs(60));
    let took = start.elapsed();
    let out = finish(child);
    assert!(status.is_some(), "still running after {took:?}");
    assert!(took < Duration::from_secs(21), "took {took:?}");
    // Every request was answered at once: nothing but the run's own hashing took time.
    assert_eq!(out.code, 0, "took {took:?}\n{}", out.all());
}
