//! Host names to addresses, bounded by the request's time-out like ureq's own
//! resolver, but never a panic where a thread cannot be started (a pod's pids
//! limit): the lookup then runs in place, and the deadline backstop and signals
//! still end the run. Addresses written as IP literals need no lookup at all.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::mpsc::{self, RecvTimeoutError};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

#[derive(Debug, Default)]
pub struct Lookup;

impl Resolver for Lookup {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri.host().ok_or(ureq::Error::HostNotFound)?;
        let port = uri
            .port_u16()
            .unwrap_or(if uri.scheme_str() == Some("https") {
                443
            } else {
                80
            });
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        let found: Vec<SocketAddr> = match literal.parse::<std::net::IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => lookup(format!("{host}:{port}"), &timeout)?,
        };
        // ureq holds at most 16 addresses.
        let mut result = self.empty();
        for addr in config.ip_family().keep_wanted(found.into_iter()).take(16) {
            result.push(addr);
        }
        if result.is_empty() {
            return Err(ureq::Error::HostNotFound);
        }
        Ok(result)
    }
}

fn lookup(addr: String, timeout: &NextTimeout) -> Result<Vec<SocketAddr>, ureq::Error> {
    let (sender, answer) = mpsc::sync_channel(1);
    let name = addr.clone();
    let spawned = std::thread::Builder::new().spawn(move || {
        let _ = sender.send(name.to_socket_addrs().map(Iterator::collect::<Vec<_>>));
    });
    if spawned.is_err() {
        return Ok(addr.to_socket_addrs()?.collect());
    }
    match answer.recv_timeout(*timeout.after) {
        Ok(found) => Ok(found?),
        Err(RecvTimeoutError::Timeout) => Err(ureq::Error::Timeout(timeout.reason)),
        Err(RecvTimeoutError::Disconnected) => Err(ureq::Error::HostNotFound),
    }
}
