//! Exit codes: the table of `product.md`, with the sysexits name beside each number.

/// Every connector created, updated or unchanged.
pub const OK: u8 = 0;
/// An answer nothing here explains (a bug, ours or the worker's).
pub const UNEXPECTED: u8 = 1;
/// `--dry-run --detailed-exitcode`: changes are pending.
pub const CHANGES_PENDING: u8 = 2;
/// EX_USAGE: a bad option or environment value.
pub const USAGE: u8 = 64;
/// EX_DATAERR: an invalid definition; nothing was applied.
pub const DATAERR: u8 = 65;
/// EX_NOINPUT: a path is missing or unreadable, or no definition was found.
pub const NOINPUT: u8 = 66;
/// EX_UNAVAILABLE: a connector or task failed, or did not run before the deadline.
pub const UNAVAILABLE: u8 = 69;
/// EX_NOPERM: credentials refused (401/403) or TLS verification failed.
pub const NOPERM: u8 = 77;
/// EX_CONFIG: Connect rejected a config.
pub const CONFIG: u8 = 78;
/// The deadline passed before Connect was ready or stayed available (as `timeout(1)`).
pub const TIMEOUT: u8 = 124;
/// 128 + SIGINT.
pub const SIGINT: u8 = 130;
/// 128 + SIGTERM.
pub const SIGTERM: u8 = 143;

/// Codes that no retry can fix: a Job's `podFailurePolicy` fails the Job on these at once.
pub const FAIL_JOB_CODES: [u8; 5] = [USAGE, DATAERR, NOINPUT, NOPERM, CONFIG];

/// Rank of a code when several connectors fail: permanent codes win over transient
/// ones, in the order 77, 78, then 124, 69, 1.
pub fn rank(code: u8) -> u8 {
    match code {
        NOPERM => 6,
        CONFIG => 5,
        TIMEOUT => 4,
        UNAVAILABLE => 3,
        UNEXPECTED => 2,
        CHANGES_PENDING => 1,
        _ => 0,
    }
}

/// The code that reports the worse of two outcomes.
pub fn most_severe(a: u8, b: u8) -> u8 {
    if rank(b) > rank(a) { b } else { a }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permanent_codes_win_in_documented_order() {
        let order = [NOPERM, CONFIG, TIMEOUT, UNAVAILABLE, UNEXPECTED, OK];
        for (i, &worse) in order.iter().enumerate() {
            for &better in &order[i..] {
                assert_eq!(most_severe(worse, better), worse, "{worse} vs {better}");
                assert_eq!(most_severe(better, worse), worse, "{better} vs {worse}");
            }
        }
    }

    /// A code a retry can fix must never fail the Job at once, and every code
    /// that ranks above the transient ones must (tests/manifests.rs holds the
    /// manifests to this list).
    #[test]
    fn fail_job_codes_are_the_permanent_ones() {
        for transient in [
            OK,
            UNEXPECTED,
            CHANGES_PENDING,
            UNAVAILABLE,
            TIMEOUT,
            SIGINT,
            SIGTERM,
        ] {
            assert!(!FAIL_JOB_CODES.contains(&transient), "{transient}");
        }
        for code in 0..=u8::MAX {
            if rank(code) > rank(TIMEOUT) {
                assert!(FAIL_JOB_CODES.contains(&code), "{code} outranks 124");
            }
        }
        for input in [USAGE, DATAERR, NOINPUT] {
            assert!(FAIL_JOB_CODES.contains(&input), "{input}");
        }
    }
}
