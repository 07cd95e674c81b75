//! The command line: what the user can ask for. Help text comes from these doc comments.
//!
//! Enters: `argv`. Leaves: a [`Cli`] value. Only shape checks happen here (clap rejects a
//! bad number with exit code 2); meaning checks (is this URL usable, is this header
//! well-formed) happen in the command that uses the value, with a `help:` hint.

use crate::report::Format;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

pub const DEFAULT_USER_AGENT: &str = concat!(
    "Mozilla/5.0 (compatible; vendorscan/",
    env!("CARGO_PKG_VERSION"),
    "; +https://github.com/vendorscan/vendorscan)"
);

/// Who receives my visitors' data? vendorscan crawls a store's pages, finds every
/// third-party script, pixel, iframe and other reference, and names the vendor behind each.
#[derive(Debug, Parser)]
#[command(name = "vendorscan", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Colour in the table report: auto (a terminal, and neither NO_COLOR nor CI set),
    /// always or never.
    #[arg(long, value_enum, global = true, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Say what the crawl is doing on stderr: fetches, redirects, skips, robots.txt decisions
    /// (-vv: also each reference's page and the browser's steps).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
}

pub use crate::report::ColorChoice;

/// The vendor database's version (`db_version`) as `known_vendors.json` spells it, read from
/// the embedded file without parsing all of it (it is the file's second key).
pub fn embedded_db_version() -> &'static str {
    let text = crate::vendors::EMBEDDED;
    let key = "\"db_version\"";
    text.find(key)
        .map(|i| &text[i + key.len()..])
        .and_then(|rest| rest.trim_start().strip_prefix(':'))
        .and_then(|rest| rest.trim_start().strip_prefix('"'))
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("unknown")
}

/// `0.1.0 (vendor database 2026.11.23)`: what `--version` prints after the name, so a CI log
/// shows both versions a gate's result depends on.
pub fn version() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| format!("{} (vendor database {})", env!("CARGO_PKG_VERSION"), embedded_db_version()))
}

/// The full command definition, as `--help`, completions and the man page show it.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    Cli::command().version(version())
}

/// Parse `argv` (exits with clap's message and code 2 on a usage error, 0 for --help).
pub fn parse() -> Cli {
    use clap::FromArgMatches;
    let matches = command().get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan a store (live URL, or the HTML files of a built site) and report its third parties.
    Scan(ScanArgs),
    /// Look up, list and check vendor data.
    #[command(subcommand)]
    Vendors(VendorsCommand),
    /// Compare two JSON reports: new and removed vendors, hosts and scripts.
    Diff(DiffArgs),
    /// Write and manage the policy file (vendorscan.toml).
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Print a shell completion script: vendorscan completions bash > /etc/bash_completion.d/vendorscan
    Completions {
        #[arg(value_enum, value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): vendorscan man > /usr/local/share/man/man1/vendorscan.1
    Man,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier report (`scan -f json` output).
    #[arg(value_name = "OLD")]
    pub old: PathBuf,
    /// The later report.
    #[arg(value_name = "NEW")]
    pub new: PathBuf,
    /// Output format (any case).
    #[arg(short = 'f', long, value_enum, ignore_case = true, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    /// Exit with code 1 when anything changed (a gate on the comparison alone).
    #[arg(long)]
    pub fail_on_changes: bool,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Scan TARGET and write a starting vendorscan.toml that approves what is there today,
    /// one entry per vendor with reason = "TODO", for the team to review.
    Init(InitArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    #[command(flatten)]
    pub target: TargetArgs,

    /// Where to write the policy.
    #[arg(short = 'o', long, value_name = "FILE", default_value = "vendorscan.toml")]
    pub output: PathBuf,

    /// Overwrite the file if it exists.
    #[arg(long)]
    pub force: bool,

    /// Print nothing on stderr but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub target: TargetArgs,

    /// Report format (any case: json, JSON).
    #[arg(short = 'f', long, value_enum, ignore_case = true, default_value_t = Format::Table, help_heading = "Output")]
    pub format: Format,

    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,

    /// Also write the report in FORMAT to FILE (repeatable), so one scan feeds every CI
    /// step: --save sarif:vendorscan.sarif --save markdown:comment.md --save json:report.json
    #[arg(long = "save", value_name = "FORMAT:FILE", value_parser = parse_save, help_heading = "Output")]
    pub save: Vec<(Format, PathBuf)>,

    #[command(flatten)]
    pub gate: GateArgs,

    /// Print nothing on stderr but errors (no progress bar, no summary line).
    #[arg(short, long, help_heading = "Output")]
    pub quiet: bool,

    /// No progress bar (it is shown only when stderr is a terminal and CI is not set).
    #[arg(long, help_heading = "Output")]
    pub no_progress: bool,
}

/// What to scan: shared by `scan` and `policy init`.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// The store's start URL(s) (https://...), or one HTML file or folder of a built site.
    #[arg(required = true, value_name = "TARGET")]
    pub targets: Vec<String>,

    /// Where a local folder is served (e.g. https://shop.example.com), so relative URLs
    /// and first-party hosts resolve as on the live site.
    #[arg(long, value_name = "URL")]
    pub site: Option<String>,

    /// Another domain that belongs to the store, such as its own CDN (repeatable).
    /// Covers the domain and its subdomains.
    #[arg(long = "first-party", value_name = "DOMAIN")]
    pub first_party: Vec<String>,

    /// A vendor file merged over the built-in database (adds vendors, replaces same ids).
    #[arg(long, value_name = "FILE")]
    pub vendors: Option<PathBuf>,

    /// Also list the store's own images, media, icons, fonts, CSS url()s and resource hints
    /// in the JSON report's resources (they are always counted). Off by default: they send
    /// no visitor data to anyone else, and on a large store they are most of the report.
    #[arg(long)]
    pub all_resources: bool,

    #[command(flatten)]
    pub crawl: CrawlArgs,

    #[command(flatten)]
    pub browser: BrowserArgs,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Browser mode")]
pub struct BrowserArgs {
    /// Also visit every scanned page in headless Chromium and record what the visit really
    /// requests (scripts injected by tag managers, pixels, beacons, fetches), who loaded
    /// whom, and the cookies and storage it leaves.
    #[arg(long)]
    pub browser: bool,

    /// The Chromium or Chrome binary (default: $CHROME, then /usr/bin/chromium,
    /// chromium-browser, google-chrome).
    #[arg(long, value_name = "PATH", requires = "browser")]
    pub chrome: Option<PathBuf>,

    /// After the load event, keep recording for at most this many milliseconds (tags that
    /// fire late): the settle window, which ends earlier once the page is quiet, as
    /// --settle-quiet says.
    #[arg(long, default_value_t = 3000, value_name = "MS", requires = "browser",
          value_parser = clap::value_parser!(u64).range(0..=120_000))]
    pub settle: u64,

    /// End the settle window early once the page has been quiet this long: no request in
    /// flight, none started, and no timer the page set due within the window (a tag fired
    /// by a setTimeout is waited for). A page that keeps sending or polling runs to the
    /// window. 0: the window is fixed.
    #[arg(long, default_value_t = crate::browser::settle::DEFAULT_QUIET_MS, value_name = "MS", requires = "browser",
          value_parser = clap::value_parser!(u64).range(0..=60_000))]
    pub settle_quiet: u64,

    /// Give up on a page's visit after this many seconds (load and settle included); what
    /// it requested until then is kept.
    #[arg(long, default_value_t = 30, value_name = "SECONDS", requires = "browser",
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub page_timeout: u64,

    /// Pages open in the browser at the same time.
    #[arg(long, default_value_t = 4, value_name = "N", requires = "browser",
          value_parser = clap::value_parser!(u32).range(1..=32))]
    pub browser_concurrency: u32,

    /// How each visit answers the consent banner: none (a first visit, no choice made),
    /// reject ("Reject all") or accept ("Accept all"). Answered through the consent
    /// manager's own API or button (OneTrust, Cookiebot, Didomi, Usercentrics, any IAB TCF v2
    /// CMP) or a button reading "reject all"/"accept all" in several languages; the report
    /// says per page which banner was found and whether the choice took. Repeatable
    /// (default: none): each state is one more visit of every page, and the report compares
    /// the states per vendor; the first state's visit is the one the rest describes.
    #[arg(long, value_enum, value_name = "STATE", requires = "browser")]
    pub consent: Vec<crate::model::ConsentState>,

    /// Send the Global Privacy Control signal: `Sec-GPC: 1` on every request and
    /// `navigator.globalPrivacyControl = true` before the page's scripts run. Tracking
    /// vendors contacted anyway are `tracking-after-reject` findings.
    #[arg(long, requires = "browser")]
    pub gpc: bool,

    /// Keep recording after the settle window while the page is still sending: wait until
    /// it is quiet as --settle-quiet says, or with --settle-quiet 0 for a second without a
    /// new request, up to MS milliseconds after the load event (a chain of tags that load
    /// each other late). 0, or not above --settle, never goes past the window.
    #[arg(long, default_value_t = 0, value_name = "MS", requires = "browser",
          value_parser = clap::value_parser!(u64).range(0..=120_000))]
    pub settle_max: u64,

    /// Do not scroll the pages: by default each is scrolled to its end, a screen at a time,
    /// after load (lazy images, scroll-depth and visibility tags fire then).
    #[arg(long, requires = "browser")]
    pub no_scroll: bool,

    /// After the visits, walk a customer's path in one browser session, so the cart persists
    /// and the checkout is reached with something in it: a journey file (TOML steps: goto,
    /// click, click-text, type, select, wait-for) or a preset: generic, shopify,
    /// woocommerce, magento (product -> add to cart -> cart -> checkout's first step). It
    /// never pays or places an order. Pages it reaches are in the report; a checkout with
    /// card fields is a payment page.
    #[arg(long, value_name = "FILE|PRESET", requires = "browser")]
    pub journey: Option<String>,

    /// Do not type the test identity into the pages' form fields. Payloads are still read
    /// (page URL, purchase values, the tag protocols' events), but what a tag reads from
    /// what a visitor types is then not seen.
    #[arg(long, requires = "browser")]
    pub no_type: bool,

    /// One value of the test identity typed into form fields and looked for in what leaves
    /// the page, e.g. --identity email=qa+shop@example.com (repeatable; keys: email, phone,
    /// first-name, last-name, street, city, postal-code, birth-date). Overrides the policy's
    /// [identity] table; the default is an obviously fake person.
    #[arg(long, value_name = "KEY=VALUE", requires = "browser", conflicts_with = "no_type")]
    pub identity: Vec<String>,

    /// One more Chromium flag, passed as given (repeatable), e.g. --browser-arg=--proxy-server=...
    #[arg(long = "browser-arg", value_name = "FLAG", requires = "browser", allow_hyphen_values = true)]
    pub browser_args: Vec<String>,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Deploy gate")]
pub struct GateArgs {
    /// The policy file (default: vendorscan.toml in the working directory, if present).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// An earlier JSON report to compare with: new and removed vendors, hosts and scripts.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Any third party not in the baseline fails the run, whatever the policy allows.
    #[arg(long, requires = "baseline")]
    pub fail_on_new: bool,

    /// Fetch third-party scripts on payment pages and record their SHA-256 and SRI
    /// (sha384) digests, so a baseline can show "same URL, different content".
    #[arg(long)]
    pub hash_scripts: bool,

    /// Which findings fail the run (exit code 1): error, warning or never. Overrides the
    /// policy's fail-on.
    #[arg(long, value_enum, ignore_case = true, value_name = "LEVEL")]
    pub fail_on: Option<FailOnArg>,

    /// Evaluate expiry dates as of this day (YYYY-MM-DD) instead of today.
    #[arg(long, value_name = "DATE", hide = true)]
    pub today: Option<String>,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Crawl")]
pub struct CrawlArgs {
    /// Stop after this many pages.
    #[arg(long, default_value_t = 200, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_pages: u32,

    /// Follow links at most this many clicks away from the start page (default: no limit).
    #[arg(long, value_name = "N")]
    pub max_depth: Option<u32>,

    /// Pages fetched at the same time.
    #[arg(long, default_value_t = 8, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=256))]
    pub concurrency: u32,

    /// Pages fetched at the same time from any one host.
    #[arg(long, default_value_t = 8, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=256))]
    pub per_host_concurrency: u32,

    /// Wait at least this many milliseconds between requests to the same host (politeness
    /// for a production store; a server's Retry-After also pauses its host).
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub delay: u64,

    /// The whole run's time budget (crawl, browser visits, script hashing), e.g. 90s,
    /// 30m, 2h; 0 for none. When it runs out, the report of what was scanned is written,
    /// marked incomplete, with a scan-incomplete finding that fails the gate.
    #[arg(long, default_value = "30m", value_name = "DURATION", value_parser = parse_budget)]
    pub max_time: Budget,

    /// Give up on a request after this many seconds (the whole request, body included).
    #[arg(long, default_value_t = 20, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,

    /// Read at most this many bytes of a page (after decompression); the rest is ignored
    /// and the page is marked as cut.
    #[arg(long, default_value_t = 10 * 1024 * 1024, value_name = "BYTES")]
    pub max_body_size: usize,

    /// Do not seed the crawl from robots.txt Sitemap: lines and /sitemap.xml.
    #[arg(long)]
    pub no_sitemap: bool,

    /// Ignore robots.txt rules (only do this for your own store).
    #[arg(long)]
    pub no_robots: bool,

    /// The User-Agent header sent with every request.
    #[arg(long, default_value = DEFAULT_USER_AGENT, value_name = "STRING")]
    pub user_agent: String,

    /// An extra request header, e.g. for a staging site's auth (repeatable).
    #[arg(short = 'H', long = "header", value_name = "'NAME: VALUE'")]
    pub headers: Vec<String>,

    /// Connect to ADDR for HOST:PORT instead of looking HOST up, as curl's --resolve
    /// (repeatable). The port must be the one in the URL. In browser mode the host maps to
    /// ADDR on any port.
    #[arg(long = "resolve", value_name = "HOST:PORT:ADDR")]
    pub resolve: Vec<String>,

    /// Look up no host name at all: only the hosts given with --resolve can be reached
    /// (a staging copy, a test). In browser mode every other request fails, and is still
    /// recorded as an attempt.
    #[arg(long)]
    pub offline: bool,

    /// Accept any TLS certificate (a staging site with a self-signed one). Never for a
    /// production scan: a scan that trusts anything can be shown anything.
    #[arg(short = 'k', long)]
    pub insecure: bool,
}

/// `--max-time`: the run's time budget; `None` for none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget(pub Option<std::time::Duration>);

/// A duration as people write it (`90s`, `30m`, `1h30m`, `2 hours`), or a plain number of
/// seconds; `0` means no budget.
fn parse_budget(s: &str) -> Result<Budget, String> {
    let d = match s.trim().parse::<u64>() {
        Ok(secs) => std::time::Duration::from_secs(secs),
        Err(_) => s
            .trim()
            .parse::<jiff::SignedDuration>()
            .ok()
            .and_then(|d| std::time::Duration::try_from(d).ok())
            .ok_or_else(|| format!("\"{s}\" is not a duration; write it as 90s, 30m or 2h (0 for no limit)"))?,
    };
    Ok(Budget((!d.is_zero()).then_some(d)))
}

/// `--fail-on`: the policy's `fail-on` levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    Error,
    Warning,
    Never,
}

impl From<FailOnArg> for crate::policy::FailOn {
    fn from(f: FailOnArg) -> Self {
        match f {
            FailOnArg::Error => crate::policy::FailOn::Error,
            FailOnArg::Warning => crate::policy::FailOn::Warning,
            FailOnArg::Never => crate::policy::FailOn::Never,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum VendorsCommand {
    /// Which vendor is behind each host? Use `-` to read hosts from standard input.
    Lookup {
        #[arg(required = true, value_name = "HOST")]
        hosts: Vec<String>,
        /// Output format (any case).
        #[arg(short = 'f', long, value_enum, ignore_case = true, default_value_t = ListFormat::Table)]
        format: ListFormat,
        /// A vendor file merged over the built-in database.
        #[arg(long, value_name = "FILE")]
        vendors: Option<PathBuf>,
    },
    /// List the vendors in the database.
    List {
        /// Only vendors in this category (e.g. advertising, session-replay).
        #[arg(long, value_name = "CATEGORY")]
        category: Option<String>,
        /// Only vendors owned by this company (case-insensitive, e.g. Meta).
        #[arg(long, value_name = "NAME")]
        company: Option<String>,
        /// Output format (any case).
        #[arg(short = 'f', long, value_enum, ignore_case = true, default_value_t = ListFormat::Table)]
        format: ListFormat,
        /// A vendor file merged over the built-in database.
        #[arg(long, value_name = "FILE")]
        vendors: Option<PathBuf>,
    },
    /// Check a vendor file for use with --vendors; lists every problem with its line.
    Check {
        /// The vendor file (the format is in docs/vendors.md).
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// What a vendor-database upgrade changes: vendors added and removed, new owners,
    /// statuses, incidents, and hosts that name another vendor now.
    Diff {
        /// The database before (a known_vendors.json, e.g. from the release in use).
        #[arg(value_name = "OLD")]
        old: PathBuf,
        /// The database after; without it, the one built into this vendorscan.
        #[arg(value_name = "NEW")]
        new: Option<PathBuf>,
        #[arg(short = 'f', long, value_enum, ignore_case = true, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Regenerate known_vendors.json from the pinned seeds, the curated overlay and owners
    /// (for maintainers; run from the repository root).
    #[command(hide = true)]
    Build {
        /// The folder holding seed/, overlay.json and owners.json.
        #[arg(long, default_value = "vendors")]
        dir: PathBuf,
        #[arg(short = 'o', long, default_value = "known_vendors.json")]
        output: PathBuf,
    },
}

/// `FORMAT:FILE` for `--save`.
fn parse_save(s: &str) -> Result<(Format, PathBuf), String> {
    let (format, file) = s.split_once(':').ok_or("write it as FORMAT:FILE, e.g. sarif:vendorscan.sarif")?;
    let format = Format::from_str(format, true).map_err(|_| {
        let names: Vec<String> = Format::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value())
            .map(|v| v.get_name().to_owned())
            .collect();
        format!("unknown format \"{format}\" (one of {})", names.join(", "))
    })?;
    if file.is_empty() {
        return Err("the file name is missing after the colon".into());
    }
    Ok((format, PathBuf::from(file)))
}
