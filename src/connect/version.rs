//! A worker's version, and the mapping of Confluent Platform builds to the Apache
//! Kafka release they ship.

/// A worker's version, from `GET /`. Confluent Platform builds (`7.7.0-ccs`, `-ce`)
/// carry their own numbers; they are mapped to the Apache Kafka release they ship.
///
/// Ordered and compared by the release alone; `masks` says more about the build.
#[derive(Debug, Clone, Copy)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    /// A build known to mask PASSWORD-typed values in `GET .../config` (Confluent
    /// Platform 7.9.3+ and 8.x): a connector created there gets the fingerprint of
    /// its masked values at once (`spec::masks`).
    pub masks: bool,
}

impl PartialEq for Version {
    fn eq(&self, other: &Version) -> bool {
        (self.major, self.minor) == (other.major, other.minor)
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> std::cmp::Ordering {
        (self.major, self.minor).cmp(&(other.major, other.minor))
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl Version {
    pub const fn new(major: u32, minor: u32) -> Version {
        Version {
            major,
            minor,
            masks: false,
        }
    }

    pub fn parse(text: &str) -> Option<Version> {
        let (numbers, suffix) = match text.find('-') {
            Some(i) => (&text[..i], &text[i + 1..]),
            None => (text, ""),
        };
        let mut parts = numbers.split('.');
        let major: u32 = parts.next()?.parse().ok()?;
        let minor: u32 = parts.next()?.parse().ok()?;
        let patch: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        let confluent = suffix.starts_with("ccs") || suffix.starts_with("ce");
        let mut version = match (confluent, major) {
            (true, 6) => Version::new(2, minor.checked_add(6)?),
            (true, 7) => Version::new(3, minor),
            (true, 8) => Version::new(4, minor),
            _ => Version::new(major, minor),
        };
        version.masks = confluent && (major, minor, patch) >= (7, 9, 3);
        Some(version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(Version::parse("4.1.0"), Some(Version::new(4, 1)));
        assert_eq!(Version::parse("3.9.0-SNAPSHOT"), Some(Version::new(3, 9)));
        assert_eq!(Version::parse("7.7.0-ccs"), Some(Version::new(3, 7)));
        assert_eq!(Version::parse("8.0.1-ce"), Some(Version::new(4, 0)));
        assert_eq!(Version::parse("6.2.0-ccs"), Some(Version::new(2, 8)));
        assert_eq!(Version::parse("nonsense"), None);
        // Found by fuzzing: the Confluent mapping must not overflow.
        assert_eq!(Version::parse("6.4294967295-ccs"), None);
        assert!(Version::new(3, 10) > Version::new(3, 9));
        // Confluent Platform 7.9.3+ and 8.x mask PASSWORD-typed values.
        for (text, masks) in [
            ("7.9.2-ccs", false),
            ("7.9.3-ccs", true),
            ("7.9.3-ce", true),
            ("8.1.0-ccs", true),
            ("8.1.0", false),
            ("4.1.0", false),
        ] {
            assert_eq!(Version::parse(text).unwrap().masks, masks, "{text}");
        }
        assert_eq!(Version::parse("8.1.0-ccs"), Some(Version::new(4, 1)));
    }
}
