//! `-v/--verbose`: what the run is doing, on stderr, one line per event.
//!
//! Enters: `log` records from the crawl (requests, redirects, robots.txt decisions), the
//! pipeline (each page scanned, skipped or failed, and why) and the local walk. Leaves:
//! `vendorscan: ...` lines on stderr. Only vendorscan's own records are shown (not reqwest's
//! or rustls's), and every line goes through [`crate::sanitize::clean`]: URLs and reasons come
//! from the scanned site and must not reach a terminal with escape sequences in them.

use log::{Level, LevelFilter, Log, Metadata, Record};

struct Stderr {
    level: LevelFilter,
}

impl Log for Stderr {
    fn enabled(&self, meta: &Metadata) -> bool {
        meta.level() <= self.level && meta.target().starts_with("vendorscan")
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let text = record.args().to_string();
        let text = crate::sanitize::clean(&text);
        let prefix = if record.level() == Level::Debug { "vendorscan:   " } else { "vendorscan: " };
        super::note(&format!("{prefix}{text}"));
    }

    fn flush(&self) {}
}

/// Level 0 logs nothing, 1 the run's steps (info), 2 and more also each reference (debug).
pub fn init(verbosity: u8) {
    let level = match verbosity {
        0 => return,
        1 => LevelFilter::Info,
        _ => LevelFilter::Debug,
    };
    if log::set_boxed_logger(Box::new(Stderr { level })).is_ok() {
        log::set_max_level(level);
    }
}
