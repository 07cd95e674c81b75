//! robots.txt: may we fetch this page, and where are the sitemaps?
//!
//! Enters: the store's origin and the client. Leaves: [`Robots`] rules for our user-agent
//! token and the `Sitemap:` URLs. Matching is texting_robots' (tested against Google's
//! reference cases); what to do when robots.txt cannot be had follows RFC 9309: a 4xx
//! means no rules, a 5xx means "disallow everything". When the server cannot be reached
//! at all we go on to the page, so its failure names the real cause.

use super::fetch;
use std::time::Duration;
use texting_robots::Robot;
use url::Url;

/// robots.txt is small; a larger body is a trap or a mistake (Google reads 500 KiB).
const MAX_ROBOTS_BYTES: usize = 500 * 1024;
/// The token matched against `User-agent:` lines.
pub const AGENT_TOKEN: &str = "vendorscan";

pub enum Robots {
    AllowAll,
    DisallowAll(String),
    Rules(Box<Robot>),
}

impl Robots {
    /// `None` when allowed, else the reason.
    pub fn check(&self, url: &Url) -> Option<String> {
        match self {
            Robots::AllowAll => None,
            Robots::DisallowAll(why) => Some(why.clone()),
            Robots::Rules(r) => (!r.allowed(url.as_str()))
                .then(|| "disallowed by robots.txt (use --no-robots to scan it anyway)".to_owned()),
        }
    }
}

/// robots.txt of `origin`: the rules, the `Sitemap:` lines, and the URL it was read from
/// after in-store redirects (sitemaps listed there may be on that origin).
pub async fn fetch_robots(client: &fetch::Fetcher, origin: &Url, timeout: Duration) -> (Robots, Vec<String>, Url) {
    let Ok(url) = origin.join("/robots.txt") else { return (Robots::AllowAll, vec![], origin.clone()) };
    let unavailable = |why: String| {
        Robots::DisallowAll(format!(
            "robots.txt {why}, so the site counts as disallowed (RFC 9309); use --no-robots to scan anyway"
        ))
    };
    let (head, resp) = match fetch::get(client, &url, timeout).await {
        Ok(r) => r,
        // RFC 9309 would treat this as "disallow all"; we fetch the page instead, whose
        // own failure then tells the user the real cause (host down, DNS, TLS) rather
        // than blaming robots.txt.
        Err(_) => return (Robots::AllowAll, vec![], url),
    };
    let at = head.final_url.clone();
    match head.status {
        200..=299 => {}
        // In-store redirects were followed; one left standing points off the store (not
        // followed) and counts as "unavailable", like a 4xx (RFC 9309 2.3.1.2-3).
        300..=499 => {
            log::info!("robots.txt of {at}: HTTP {}, so everything is allowed", head.status);
            return (Robots::AllowAll, vec![], at);
        }
        s => {
            log::info!("robots.txt of {at}: HTTP {s}, so the whole site counts as disallowed (RFC 9309)");
            return (unavailable(format!("answered HTTP {s}")), vec![], at);
        }
    }
    let body = match fetch::read_capped(resp, MAX_ROBOTS_BYTES, timeout).await {
        Ok((b, _)) => b,
        Err(e) => return (unavailable(format!("could not be read ({e})")), vec![], at),
    };
    match Robot::new(AGENT_TOKEN, &body) {
        Ok(robot) => {
            let sitemaps = robot.sitemaps.clone();
            log::info!(
                "robots.txt of {}: rules for vendorscan read, {} sitemap lines",
                origin.origin().ascii_serialization(),
                sitemaps.len()
            );
            (Robots::Rules(Box::new(robot)), sitemaps, at)
        }
        // An unparsable file states no rules we could honour.
        Err(_) => (Robots::AllowAll, vec![], at),
    }
}
