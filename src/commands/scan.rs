//! `vendorscan scan`: targets in, report out, and the deploy gate.
//!
//! Enters: [`ScanArgs`]. Leaves: the rendered report(s), and `Outcome::Done`,
//! `Outcome::PolicyViolated`, `Outcome::Interrupted`, or an error (usage, input, or nothing
//! scanned: the report is still written first in that case, so a CI artifact shows which
//! page failed and why). This file only orders the stages: load and check every input
//! ([`crate::plan`]), collect, hash, assess ([`crate::pipeline`]), render, say the outcome.

use super::{Sink, load_db, note, progress_bar};
use crate::baseline;
use crate::cli::ScanArgs;
use crate::error::Error;
use crate::exit::Outcome;
use crate::inventory::Stopped;
use crate::pipeline::{self, Collected, Judge, SiteNote, Source};
use crate::plan;
use crate::policy::{self, Policy};
use crate::report::{self, Report};
use crate::vendors::DbLoading;
use std::path::Path;

pub fn run(args: ScanArgs, term: &super::Term) -> Result<Outcome, Error> {
    let gate = &args.gate;
    let today = match gate.today.as_deref() {
        Some(d) => policy::parse_date(d).ok_or_else(|| {
            Error::usage(format!("--today \"{d}\" is not a date")).with_help("write it as YYYY-MM-DD")
        })?,
        None => policy::today(),
    };
    // Everything that can be wrong with the inputs is found before the crawl starts: a
    // policy or vendor file is checked against the database first. Without either, the
    // built-in database is read while the crawl starts.
    // Never dropped, nor is the report below: freeing their tens of thousands of
    // allocations one by one took milliseconds of a run the process's exit ends anyway.
    let policy_file = policy::locate(gate.policy.as_deref());
    let db = std::mem::ManuallyDrop::new(match (&policy_file, args.target.vendors.as_deref()) {
        (None, None) => DbLoading::embedded_in_background(),
        (_, vendors) => DbLoading::ready(load_db(vendors)?),
    });
    let mut policy = match policy_file {
        Some(path) => policy::load(&path, db.get()?)?,
        None => Policy::default(),
    };
    if let Some(level) = gate.fail_on {
        policy.fail_on = level.into();
    }
    let baseline =
        gate.baseline.as_deref().map(|p| baseline::load(p).map(|v| (p.display().to_string(), v))).transpose()?;
    plan::outputs(args.output.as_deref(), &args.save)?;
    let mut job = plan::job(&args.target, &policy.payment, &policy.identity)?;
    let uses_paths =
        policy.allow.iter().chain(&policy.deny).any(|e| e.pages.is_some()) || policy.payment.paths.is_some();
    if uses_paths && matches!(job.source, Source::Local { site: None, .. }) {
        return Err(Error::usage(
            "the policy matches pages by URL path, but a folder scanned without --site has no URL paths",
        )
        .with_help("add --site https://your-store.example so pages = [...] and [payment-pages] paths apply"));
    }
    let browser_missing = job.browser_missing.take();
    let sink = Sink::open(args.output.as_deref())?;
    let saves: Vec<(report::Format, Sink)> =
        args.save.iter().map(|(f, p)| Sink::open(Some(p)).map(|s| (*f, s))).collect::<Result<_, _>>()?;
    if let Some(e) = &browser_missing {
        note(&format!(
            "vendorscan: {}; scanning without the browser: the static report is written, then the run exits with code 2",
            e.message
        ));
    }

    match &job.site_note {
        Some(SiteNote::Inferred(line)) if !args.quiet => note(line),
        Some(SiteNote::Missing(line)) => note(line),
        _ => {}
    }
    // -v lines and a redrawn bar would tear each other apart: the log wins.
    let progress = progress_bar(args.quiet || args.no_progress || term.verbose > 0);
    let run = pipeline::Runner::new(job.budget)?;
    let Collected { inventory, stopped, deferred_error } = pipeline::collect(&run, &job, &db, &progress)?;
    let inventory = match (gate.hash_scripts, stopped) {
        (true, None) => pipeline::hash_scripts(&run, inventory, &job.fetch)?,
        _ => inventory,
    };
    run.finish();
    let judge = Judge {
        policy: &policy,
        baseline: baseline.as_ref().map(|(name, view)| (name.clone(), view)),
        today,
        fail_on_new: gate.fail_on_new,
    };
    // The JSON report's resources are rendered beside the checks: they need nothing the
    // checks decide, and are most of its bytes.
    let json = std::iter::once(args.format).chain(saves.iter().map(|(f, _)| *f)).any(|f| f == report::Format::Json);
    let (report, ahead) = if json {
        pipeline::assess_beside(inventory, &judge, db.get()?, report::prerender)
    } else {
        (pipeline::assess(inventory, &judge, db.get()?), None)
    };
    let report = std::mem::ManuallyDrop::new(report);

    let written = sink.path().map(Path::to_path_buf);
    let paint = written.is_none() && term.paints_stdout();
    sink.write_with(|w| report::render_painted(&report, args.format, w, paint, ahead.as_ref()))?;
    for (format, sink) in saves {
        sink.write_with(|w| report::render_with(&report, format, w, ahead.as_ref()))?;
    }
    write_step_summary(&report, args.format)?;
    if let Some(why) = deferred_error.or(browser_missing) {
        return Err(why);
    }
    if !args.quiet {
        summary_line(&report, written.as_deref());
    }
    match report.inventory.stopped {
        Some(Stopped::Interrupted) => {
            note("vendorscan: interrupted; the report covers only the pages scanned so far (marked incomplete)");
            return Ok(Outcome::Interrupted);
        }
        Some(Stopped::TimeBudget) => {
            note("vendorscan: the time budget (--max-time) ran out; the report covers the pages scanned so far")
        }
        None => {}
    }
    Ok(if report.failed() { Outcome::PolicyViolated } else { Outcome::Done })
}

/// One line on stderr when the report went to a file or a gate was judged, so a CI log
/// shows the result without opening the report.
fn summary_line(report: &Report, written: Option<&Path>) {
    let s = &report.inventory.summary;
    let mut line = format!(
        "vendorscan: {} pages scanned, {} failed; {} vendors from {} companies, {} unknown hosts",
        s.pages_scanned, s.pages_failed, s.vendors, s.companies, s.unknown_hosts
    );
    if report.inventory.page_limit_reached {
        line.push_str("; stopped at --max-pages, the store has more pages");
    }
    if let Some(p) = &report.verdict {
        line.push_str(&format!(
            "; policy {}: {} errors, {} warnings",
            if p.passed { "passed" } else { "FAILED" },
            p.errors,
            p.warnings
        ));
    }
    if let Some(path) = written {
        line.push_str(&format!("; report written to {}", path.display()));
    }
    if written.is_some() || report.verdict.is_some() || report.inventory.page_limit_reached {
        note(&line);
    }
}

/// `--format github` in GitHub Actions: also append the Markdown job summary to the file
/// `$GITHUB_STEP_SUMMARY` names.
fn write_step_summary(report: &Report, format: report::Format) -> Result<(), Error> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") else { return Ok(()) };
    if format != report::Format::Github {
        return Ok(());
    }
    use std::io::Write;
    let text = report::github_step_summary(report);
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| Error::input(format!("cannot write the job summary to {}: {e}", Path::new(&path).display())))
}
