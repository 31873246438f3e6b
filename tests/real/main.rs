//! Black-box tests of the binary against a real Apache Kafka Connect 4.1.0 cluster:
//! the set-up of `scripts/real-connect start DIR` (a tansu broker, worker `single`
//! and the two-worker group `pair`), named by CONNECT_DEPLOY_REAL_CONNECT=DIR.
//! Every test is `#[ignore]`d, so a plain `cargo test` lists them as ignored
//! rather than passing them unrun; `scripts/real-connect test` (which scripts/test
//! runs) starts a set-up and runs them with `--ignored`, and a test run without a
//! set-up fails.
//!
//! These check what a fake cannot: that Connect's real answers, coercions, status
//! documents, traces and rebalances are what tests/cli's fake says they are. What a
//! real worker cannot be made to do on demand (409 storms, HTML 404s, timed-out
//! writes that land, old versions, TLS, 401) stays in tests/cli against the fake.

mod support;

mod group;
mod lifecycle;
mod ready;
mod single;
