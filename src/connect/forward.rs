//! Requests for an `http://` worker through a proxy, in absolute form, as curl sends
//! them: `GET http://connect:8083/connectors HTTP/1.1`. ureq 3.5.2 has no such mode
//! (its proxies always CONNECT, which proxies such as Squid refuse for ports other
//! than 443, and its request line is always origin-form). So the client sends such a
//! request to the proxy's own address with the worker's `Host`, and the connections
//! to a forward proxy are wrapped here: the request line of each request is rewritten
//! to `http://{Host}{path}` before it leaves. The proxy resolves the worker's name;
//! this process never does.
//!
//! Where a request starts: ureq sends a whole request (no `Expect: 100-continue`,
//! which `--header` refuses) before it waits for the answer, and sends the next one on
//! a connection only after reading that answer. So the first bytes after each wait
//! for input begin a request head. A connection that carries a `CONNECT` (ureq's
//! tunnel to the same proxy, for an `https://` worker) is passed through untouched
//! from then on.

use std::fmt;

use ureq::Error;
use ureq::unversioned::transport::{Buffers, ConnectionDetails, Connector, NextTimeout, Transport};

/// The longest request head looked at; a longer one is passed on unchanged.
const MAX_HEAD: usize = 64 * 1024;

/// Wraps the connections to these proxies (`scheme`, `host` as a URL writes it,
/// `port`).
#[derive(Debug, Clone, Default)]
pub struct AbsoluteForm {
    pub proxies: Vec<(&'static str, String, u16)>,
}

impl Connector<Box<dyn Transport>> for AbsoluteForm {
    type Out = Box<dyn Transport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<Box<dyn Transport>>,
    ) -> Result<Option<Self::Out>, Error> {
        let Some(transport) = chained else {
            return Ok(None);
        };
        let uri = details.uri;
        let scheme = uri.scheme_str().unwrap_or("http");
        let port = uri
            .port_u16()
            .unwrap_or(if scheme == "https" { 443 } else { 80 });
        let to_proxy = details.config.proxy().is_none()
            && self
                .proxies
                .iter()
                .any(|(s, h, p)| *s == scheme && uri.host() == Some(h.as_str()) && *p == port);
        if !to_proxy {
            return Ok(Some(transport));
        }
        Ok(Some(Box::new(Rewriting {
            inner: transport,
            state: State::Head(Vec::new()),
        })))
    }
}

enum State {
    /// The head of a request, gathered until its blank line.
    Head(Vec<u8>),
    /// The rest of the request: passed on.
    Body,
    /// A CONNECT tunnel: everything passed on, for good.
    Tunnel,
}

struct Rewriting {
    inner: Box<dyn Transport>,
    state: State,
}

impl fmt::Debug for Rewriting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rewriting").finish_non_exhaustive()
    }
}

impl Rewriting {
    /// Send bytes through the inner transport's output buffer, in as many pieces as
    /// it takes.
    fn send(&mut self, mut bytes: &[u8], timeout: NextTimeout) -> Result<(), Error> {
        while !bytes.is_empty() {
            let output = self.inner.buffers().output();
            let n = output.len().min(bytes.len());
            if n == 0 {
                return Err(Error::Io(std::io::Error::other("no output buffer")));
            }
            output[..n].copy_from_slice(&bytes[..n]);
            self.inner.transmit_output(n, timeout)?;
            bytes = &bytes[n..];
        }
        Ok(())
    }

    fn new_request(&mut self) {
        if matches!(self.state, State::Body) {
            self.state = State::Head(Vec::new());
        }
    }
}

impl Transport for Rewriting {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), Error> {
        let State::Head(head) = &mut self.state else {
            return self.inner.transmit_output(amount, timeout);
        };
        head.extend_from_slice(&self.inner.buffers().output()[..amount]);
        let end = head.windows(4).position(|w| w == b"\r\n\r\n");
        if end.is_none() && head.len() <= MAX_HEAD {
            return Ok(());
        }
        let mut bytes = std::mem::take(head);
        self.state = if bytes.starts_with(b"CONNECT ") {
            State::Tunnel
        } else {
            State::Body
        };
        if let Some(end) = end {
            let rewritten = absolute_form(&bytes[..end + 4]);
            if let Some(head) = rewritten {
                bytes.splice(..end + 4, head);
            }
        }
        self.send(&bytes, timeout)
    }

    fn maybe_await_input(&mut self, timeout: NextTimeout) -> Result<bool, Error> {
        self.new_request();
        self.inner.maybe_await_input(timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, Error> {
        self.new_request();
        self.inner.await_input(timeout)
    }

    fn is_open(&mut self) -> bool {
        self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

/// `GET /path HTTP/1.1 ... Host: h:p ...` as `GET http://h:p/path HTTP/1.1 ...`;
/// None when the head has no origin-form target or no `Host`.
fn absolute_form(head: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(head).ok()?;
    let (line, rest) = text.split_once("\r\n")?;
    let (method, rest_of_line) = line.split_once(' ')?;
    if !rest_of_line.starts_with('/') {
        return None;
    }
    let host = rest.split("\r\n").find_map(|h| {
        let (name, value) = h.split_once(':')?;
        name.eq_ignore_ascii_case("host").then(|| value.trim())
    })?;
    if host.is_empty() {
        return None;
    }
    Some(format!("{method} http://{host}{rest_of_line}\r\n{rest}").into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines_become_absolute() {
        let head = b"GET /connectors?expand=status HTTP/1.1\r\nhost: connect.invalid:8083\r\naccept: */*\r\n\r\n";
        assert_eq!(
            absolute_form(head).map(String::from_utf8),
            Some(Ok(
                "GET http://connect.invalid:8083/connectors?expand=status HTTP/1.1\r\nhost: connect.invalid:8083\r\naccept: */*\r\n\r\n".into()
            ))
        );
        assert_eq!(
            absolute_form(b"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n"),
            None
        );
        assert_eq!(absolute_form(b"GET / HTTP/1.1\r\nAccept: x\r\n\r\n"), None);
    }
}
