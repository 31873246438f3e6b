//! The Kafka Connect client: endpoints and credentials, transport, TLS, resolving,
//! answer classification, the snapshot. Never imports the steps or the options.

pub mod access;
pub mod answer;
pub mod client;
pub mod resolve;
pub mod retry;
pub mod snapshot;
pub mod tls;
pub mod transport;
pub mod version;
