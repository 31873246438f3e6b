//! The Kafka Connect client: endpoints and credentials, transport, TLS, resolving,
//! answer classification, the snapshot. Never imports the steps or the options.

pub mod client;
pub mod resolve;
pub mod snapshot;
pub mod tls;
pub mod transport;
