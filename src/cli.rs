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
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan a store (live URL, or the HTML files of a built site) and report its third parties.
    Scan(ScanArgs),
    /// Look up, list and check vendor data.
    #[command(subcommand)]
    Vendors(VendorsCommand),
}

#[derive(Debug, Args)]
pub struct ScanArgs {
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

    /// Report format.
    #[arg(short = 'f', long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// A vendor file merged over the built-in database (adds vendors, replaces same ids).
    #[arg(long, value_name = "FILE")]
    pub vendors: Option<PathBuf>,

    #[command(flatten)]
    pub crawl: CrawlArgs,

    /// Print nothing on stderr but errors (no progress bar, no summary line).
    #[arg(short, long)]
    pub quiet: bool,

    /// No progress bar (it is shown only when stderr is a terminal and CI is not set).
    #[arg(long)]
    pub no_progress: bool,
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
    /// (repeatable). The port must be the one in the URL.
    #[arg(long = "resolve", value_name = "HOST:PORT:ADDR")]
    pub resolve: Vec<String>,
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
        #[arg(short = 'f', long, value_enum, default_value_t = ListFormat::Table)]
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
        #[arg(short = 'f', long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
        /// A vendor file merged over the built-in database.
        #[arg(long, value_name = "FILE")]
        vendors: Option<PathBuf>,
    },
    /// Check a vendor file for use with --vendors; lists every problem with its line.
    Check {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Regenerate known_vendors.json from the pinned seed and the curated overlay
    /// (for maintainers; run from the repository root).
    #[command(hide = true)]
    Build {
        #[arg(long, default_value = "vendors/seed/third-party-web")]
        seed: PathBuf,
        #[arg(long, default_value = "vendors/overlay.json")]
        overlay: PathBuf,
        #[arg(short = 'o', long, default_value = "known_vendors.json")]
        output: PathBuf,
    },
}
