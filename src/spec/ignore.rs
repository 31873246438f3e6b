//! `--ignore-keys`: stored keys a vendor adds or rewrites (Cloudera's Secrets Storage
//! adds `secret.bundle.id` and rewrites values to `${secret:...}`), as `*`/`?`
//! patterns with the same rules as `--prune-scope`: never compared, never drift,
//! never reported as removed.

use crate::base::text::Globs;

/// Config-key patterns (`*` any run of characters, `?` one character); none by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IgnoreKeys(Globs);

impl IgnoreKeys {
    /// `secret.bundle.id,vendor.*` -> patterns; empty patterns, and one of wildcards
    /// only (which would ignore every key: no drift ever), are errors.
    pub fn parse(text: &str) -> Result<IgnoreKeys, String> {
        let globs = Globs::parse(text)?;
        if globs.any_matches_all() {
            return Err(format!(
                "'{text}' would ignore every config key, so no change would ever be seen: name the keys, e.g. secret.bundle.id"
            ));
        }
        Ok(IgnoreKeys(globs))
    }

    pub fn matches(&self, key: &str) -> bool {
        self.0.matches(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let i = IgnoreKeys::parse("secret.bundle.id, vendor.*,x?").unwrap();
        assert!(i.matches("secret.bundle.id"));
        assert!(i.matches("vendor.a.b"));
        assert!(i.matches("xé"));
        assert!(!i.matches("xyz"));
        assert!(!i.matches("secret.bundle.idx"));
        assert!(!IgnoreKeys::default().matches("a"));
        assert!(IgnoreKeys::parse("a,,b").is_err());
        assert!(IgnoreKeys::parse("*").is_err());
        assert!(IgnoreKeys::parse("a,?*").is_err());
    }
}
