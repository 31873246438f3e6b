//! The Kafka Connect client: endpoints and credentials, transport, TLS, resolving,
//! answer classification, proxies and extra headers, the snapshot. Never imports the steps or the options.

pub mod access;
pub mod answer;
pub mod client;
pub mod forward;
pub mod headers;
pub mod proxy;
pub mod resolve;
pub mod retry;
pub mod snapshot;
pub mod tls;
pub mod transport;
pub mod version;
