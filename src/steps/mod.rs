//! What a run does to each connector, one room per step, and the batch that runs a
//! step for every connector under the fair deadline.

pub mod apply;
pub mod batch;
pub mod converge;
pub mod offsets;
pub mod pace;
pub mod pins;
pub mod plugins;
pub mod prune;
pub mod ready;
pub mod validate;
