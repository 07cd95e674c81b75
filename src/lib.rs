//! vendorscan: who receives my visitors' data?
//!
//! The pipeline runs one way, and the modules follow it:
//! `cli` → `commands` → `crawl` (or `local`) → `decode` → `extract` → `browser` (with
//! `--browser`) → `inventory` (classification against `vendors` and `scope`) → `report` →
//! `exit`. Only `crawl` and `browser` are async; everything after a page's bytes arrive is a plain function
//! over owned data. A problem with one page is recorded on that page; only run-level
//! problems are [`Error`]s, and [`exit::exit_code`] alone maps a run's result to a code.

pub mod baseline;
pub mod browser;
pub mod checks;
pub mod cli;
pub mod commands;
pub mod crawl;
pub mod decode;
pub mod error;
pub mod exit;
pub mod extract;
pub mod inventory;
pub mod local;
pub mod model;
pub mod policy;
pub mod report;
pub mod scope;
pub mod vendors;

pub use error::Error;
pub use exit::{Outcome, exit_code};

/// Run one command line.
pub fn run(cli: cli::Cli) -> Result<Outcome, Error> {
    match cli.command {
        cli::Command::Scan(args) => commands::scan::run(args),
        cli::Command::Vendors(cmd) => commands::vendors::run(cmd),
        cli::Command::Diff(args) => commands::diff::run(args),
        cli::Command::Policy(cli::PolicyCommand::Init(args)) => commands::init::run(args),
    }
}
