//! Black-box tests: the real binary against the fake Kafka Connect worker.

mod support;

mod apply;
mod attack2_case;
mod attack2_files;
mod attack2_mask_cost;
mod attack2_rollback;
mod attack2_short_secret;
mod attack2_slices;
mod attack2_split_secret;
mod attack2_stalled_output;
mod attack3_concurrent;
mod attack3_late_signal;
mod attack3_later_round;
mod attack5_fingerprint_cost;
mod attack5_lost_create;
mod attack5_names_listing;
mod attack5_pin_listing;
mod attack_files;
mod attack_headers;
mod attack_long_secret;
mod attack_proxy;
mod converge;
mod fleet;
mod honest;
mod inputs;
mod lifecycle;
mod preview;
mod proxy;
mod ready;
mod redaction;
mod references;
mod secrets;
mod shown;
mod signals;
#[cfg(feature = "tls")]
mod tls;
mod vendors;
