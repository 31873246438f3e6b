//! What the user asked for, as data and pure rules: definitions, references. No
//! network, no terminal; imports only `base`.

pub mod definitions;
pub mod references;
