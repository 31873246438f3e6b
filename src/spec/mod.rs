//! What the user asked for, as data and pure rules: definitions, references. No
//! network, no terminal; imports only `base`.

pub mod compare;
pub mod config;
pub mod definitions;
pub mod fingerprint;
pub mod ignore;
pub mod json;
pub mod keys;
pub mod load;
pub mod masks;
pub mod offsets;
pub mod pins;
pub mod policy;
pub mod references;
pub mod scope;
