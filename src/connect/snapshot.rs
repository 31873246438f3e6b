//! Every connector's config and state in one request
//! (`GET /connectors?expand=info&expand=status`, 2.3+), so that re-applying
//! unchanged connectors and polling their states costs a constant number of
//! requests, not one or two per connector. Workers without it (older, or a proxy
//! that drops the query) are read per connector, as before.

use std::collections::{HashMap, HashSet};

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::connect::client::{Client, Kind};
use crate::connect::version::Version;
use crate::spec::json;

/// What the worker holds for one connector.
#[derive(Debug, Clone, PartialEq)]
pub struct Known {
    /// Its config as JSON text, parsed at its connector's turn (`config`): a
    /// fleet's configs parsed all at once were the largest part of a re-apply's
    /// heap, and a parsed one takes about twice its text.
    config: Box<str>,
    /// The connector's state, when the worker has one yet.
    pub state: Option<Box<str>>,
    /// The whole status object, for `--wait-running` (boxed: applying, which
    /// keeps one per connector, has none).
    pub status: Option<Box<Value>>,
}

impl Known {
    /// Its config, as the listing showed it.
    pub fn config(&self) -> Map<String, Value> {
        // Text this snapshot wrote from a parsed map: it parses back the same.
        serde_json::from_str(&self.config).unwrap_or_default()
    }
}

/// Every connector of the cluster, as one answer saw them.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// By name, sorted; None once forgotten (`forget`).
    known: Vec<(String, Option<Known>)>,
    /// Whether any value the listing shows is a mask (`shows_masks`).
    masks: bool,
}

impl Snapshot {
    /// Read it, when the worker can answer in one request; None means "read each
    /// connector yourself" (the answer was not the expanded map, or failed).
    /// Only the connectors `wanted` says are kept: the listing holds every connector
    /// of the cluster, and memory should grow with this run's definitions only.
    pub fn read(
        client: &mut Client,
        version: Version,
        info: bool,
        wanted: &dyn Fn(&str) -> bool,
    ) -> Option<Snapshot> {
        Snapshot::read_unless_refused(client, version, info, wanted)
            .ok()
            .flatten()
    }

    /// As `read`, but a 401 or 403 on this cluster-wide read is the run's refusal,
    /// not a reason to read each connector: Err(why).
    pub fn read_unless_refused(
        client: &mut Client,
        version: Version,
        info: bool,
        wanted: &dyn Fn(&str) -> bool,
    ) -> Result<Option<Snapshot>, String> {
        if version < Version::new(2, 3) {
            return Ok(None);
        }
        let path = if info {
            "/connectors?expand=info&expand=status"
        } else {
            "/connectors?expand=status"
        };
        let Ok(reply) = client.get_text(path, Kind::Read) else {
            return Ok(None);
        };
        if matches!(reply.status, 401 | 403) {
            return Err(format!(
                "Kafka Connect refused access to the list of connectors: HTTP {}",
                reply.status
            ));
        }
        Ok(Snapshot::parse(&reply, info, wanted))
    }

    fn parse(
        reply: &crate::connect::answer::Reply,
        info: bool,
        wanted: &dyn Fn(&str) -> bool,
    ) -> Option<Snapshot> {
        if reply.status != 200 {
            return None;
        }
        if json::too_deep(&reply.body) {
            return None;
        }
        // Each entry stays unparsed text until it is known to be wanted.
        let all: HashMap<String, &RawValue> = serde_json::from_str(&reply.body).ok()?;
        let mut known = Vec::new();
        let mut masks = false;
        for (name, raw) in all {
            if !wanted(&name) {
                continue;
            }
            let entry: Value = serde_json::from_str(raw.get()).ok()?;
            let config = match entry.get("info").and_then(|i| i.get("config")) {
                Some(Value::Object(c)) => {
                    masks |= c
                        .values()
                        .any(|v| v.as_str().is_some_and(crate::spec::masks::is_mask));
                    serde_json::to_string(c).ok()?.into_boxed_str()
                }
                _ if info => return None,
                _ => "{}".into(),
            };
            let state = entry["status"]["connector"]["state"]
                .as_str()
                .map(Box::from);
            // The whole status only for --wait-running's rounds (`info` is off
            // there); applying needs the state alone.
            let status = entry
                .get("status")
                .filter(|s| s.is_object() && !info)
                .map(|s| Box::new(s.clone()));
            let entry = Known {
                config,
                state,
                status,
            };
            known.push((name, Some(entry)));
        }
        known.sort_unstable_by(|(a, _), (b, _)| a.cmp(b));
        known.shrink_to_fit();
        Some(Snapshot { known, masks })
    }

    /// Which of the connectors `wanted` says exist (`GET /connectors`, names only),
    /// for those the expanded listing left out: Connect leaves out a connector it
    /// cannot describe at that moment (one without a status yet, a moment after its
    /// creation), but never from the names, which come from the config topic alone.
    /// None when the answer is not a list of names: read each one yourself.
    pub fn names(client: &mut Client, wanted: &dyn Fn(&str) -> bool) -> Option<HashSet<String>> {
        let reply = client.get_text("/connectors", Kind::Read).ok()?;
        if reply.status != 200 {
            return None;
        }
        let all: Vec<String> = serde_json::from_str(&reply.body).ok()?;
        Some(all.into_iter().filter(|n| wanted(n)).collect())
    }

    /// Whether any value the listing shows is a mask: the worker masks, whatever
    /// its version says.
    pub fn shows_masks(&self) -> bool {
        self.masks
    }

    /// What is known of a connector the listing shows. None says nothing: Connect
    /// leaves out a connector it cannot describe at that moment.
    pub fn get(&self, name: &str) -> Option<&Known> {
        let at = self.position(name)?;
        self.known[at].1.as_ref()
    }

    /// Let go of what is known of a connector that needs it no more (its report is
    /// final): a fleet's configs need not all stay until the last one is applied.
    /// `get` says nothing of it from then on.
    pub fn forget(&mut self, name: &str) {
        if let Some(at) = self.position(name) {
            self.known[at].1 = None;
        }
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.known
            .binary_search_by(|(n, _)| n.as_str().cmp(name))
            .ok()
    }
}
