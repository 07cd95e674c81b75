//! vendorscan: who receives my visitors' data?
//!
//! Data flows one way, and every import points against the flow (a module uses only the
//! modules before it; `tests/integration/architecture.rs` holds the code to this order):
//!
//! ```text
//! model, rules, sanitize, progress, error ← decode ← extract ← {crawl, local, browser}     reading pages
//! {model, scope, vendors} ← inventory (immutable Inventory)               classifying
//! inventory ← baseline ← checks (+ policy) ← report (Report = Inventory + findings,
//!                                                      changes, verdict; renderers)
//! report ← pipeline (collect, hash, assess) ← plan (args → Job) ← commands ← main
//! ```
//!
//! Only `crawl` and `browser` are async, and `pipeline` runs them on a runtime of its own;
//! everything after a page's bytes arrive is a plain function over owned data. A problem
//! with one page is recorded on that page; only run-level problems are [`Error`]s, and
//! [`exit::exit_code`] alone maps a run's result to a code.
//!
//! Where a newcomer adds things:
//! - **a rule**: a variant of [`checks::RuleId`] with its severity and help in
//!   `RuleId::info`, its decision in [`checks::evaluate`] and its message in
//!   `checks::message` (the compiler points at both); renderers and SARIF list it by itself.
//! - **an output format**: a file in `src/report/`, a [`report::Format`] variant and its arm
//!   in [`report::render`].
//! - **an extracted element kind**: a [`model::ResourceKind`] variant and its row in the
//!   element table of `src/extract/mod.rs` (`Reader::element`).
//! - **a vendor**: an entry in `vendors/overlay.json`, then `vendorscan vendors build`
//!   regenerates `known_vendors.json` (see `docs/vendors.md`).

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
pub mod flows;
pub mod inventory;
pub mod local;
pub mod model;
pub mod pipeline;
pub mod plan;
pub mod policy;
pub mod progress;
pub mod report;
pub mod rules;
pub mod sanitize;
pub mod scope;
pub mod vendors;

pub use error::Error;
pub use exit::{Outcome, exit_code};

/// Run one command line.
pub fn run(cli: cli::Cli) -> Result<Outcome, Error> {
    let term = commands::Term { color: cli.color, verbose: cli.verbose };
    match cli.command {
        cli::Command::Scan(args) => commands::scan::run(args, &term),
        cli::Command::Vendors(cmd) => commands::vendors::run(cmd),
        cli::Command::Diff(args) => commands::diff::run(args),
        cli::Command::Policy(cli::PolicyCommand::Init(args)) => commands::init::run(args),
        cli::Command::Completions { shell } => commands::completions::completions(shell),
        cli::Command::Man => commands::completions::man(),
    }
}
