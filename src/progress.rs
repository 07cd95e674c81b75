//! Progress, as the long phases report it.
//!
//! Enters: calls from the crawl, the local walk and the browser phase ("40 of 120 pages",
//! "robots.txt of https://shop.example"). Leaves: whatever the caller plugged in: the
//! command layer shows an indicatif bar on a terminal, tests and libraries use [`Silent`].
//! A trait, so the network code names no terminal type.

pub trait Progress: Send + Sync {
    fn set_length(&self, len: u64);
    fn set_position(&self, pos: u64);
    fn inc(&self, n: u64);
    fn set_message(&self, msg: String);
    /// The phase is over: clear what was shown.
    fn finish(&self);
}

/// Shows nothing.
pub struct Silent;

impl Progress for Silent {
    fn set_length(&self, _: u64) {}
    fn set_position(&self, _: u64) {}
    fn inc(&self, _: u64) {}
    fn set_message(&self, _: String) {}
    fn finish(&self) {}
}
