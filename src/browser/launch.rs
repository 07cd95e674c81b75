//! Finding and starting Chromium, and making sure it goes away.
//!
//! Enters: `--chrome`, the `CHROME` environment variable, the host mappings. Leaves: a
//! [`Chromium`] (the process, its fresh profile, its DevTools address) whose `Drop` kills
//! the browser's whole process group, so no exit path (error, timeout, Ctrl-C, panic)
//! leaves a browser or renderer behind.

use crate::error::Error;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

/// Where Chromium usually is, in the order tried.
const USUAL: &[&str] = &[
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/snap/bin/chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
];

fn install_help() -> &'static str {
    "install Chromium (Debian/Ubuntu: apt-get install chromium; macOS: brew install --cask chromium), \
     or point to it with --chrome PATH or the CHROME environment variable"
}

/// `--chrome`, then `$CHROME`, then the usual paths.
pub fn find_chrome(explicit: Option<&Path>) -> Result<PathBuf, Error> {
    let from_env = std::env::var_os("CHROME").filter(|v| !v.is_empty()).map(PathBuf::from);
    let (given, source) = match (explicit, from_env) {
        (Some(p), _) => (Some(p.to_path_buf()), "--chrome"),
        (None, Some(p)) => (Some(p), "CHROME"),
        (None, None) => (None, ""),
    };
    if let Some(path) = given {
        return if path.is_file() {
            Ok(path)
        } else {
            Err(Error::input(format!("{source} names {}, which is not a file", path.display()))
                .with_help(install_help()))
        };
    }
    USUAL.iter().map(PathBuf::from).find(|p| p.is_file()).ok_or_else(|| {
        Error::input("--browser needs Chromium or Google Chrome, and none was found").with_help(install_help())
    })
}

/// How names resolve inside the browser.
#[derive(Debug, Clone, Default)]
pub struct HostRules {
    /// `--resolve host:port:addr`: the host goes to `addr` (Chromium maps the name; the
    /// port stays the one in the URL, as with curl).
    pub map: Vec<(String, SocketAddr)>,
    /// Every other name fails to resolve (`--offline`): nothing leaves the machine, not
    /// even a DNS lookup, and the browser's own background hosts go nowhere either.
    pub others_not_found: bool,
    /// Hosts the catch-all must not touch: IP-literal start URLs (`http://127.0.0.1:8080/`),
    /// which need no lookup but which Chromium's `MAP *` would otherwise swallow too.
    pub exclude: Vec<String>,
}

impl HostRules {
    /// The value of Chromium's `--host-resolver-rules`, or `None` when nothing is mapped.
    pub fn to_flag(&self) -> Option<String> {
        let mut rules: Vec<String> = self
            .map
            .iter()
            .map(|(host, addr)| match addr {
                SocketAddr::V4(a) => format!("MAP {host} {}", a.ip()),
                SocketAddr::V6(a) => format!("MAP {host} [{}]", a.ip()),
            })
            .collect();
        if self.others_not_found {
            rules.push("MAP * ~NOTFOUND".to_owned());
            rules.extend(self.exclude.iter().map(|h| format!("EXCLUDE {h}")));
        }
        (!rules.is_empty()).then(|| rules.join(", "))
    }
}

#[derive(Clone)]
pub struct LaunchOptions {
    pub chrome: PathBuf,
    pub rules: HostRules,
    /// Accept any TLS certificate (for a staging site with a self-signed one).
    pub ignore_certificate_errors: bool,
    /// More flags, passed as given (`--browser-arg`).
    pub extra_args: Vec<String>,
}

/// A running Chromium. Dropping it kills the process group and removes the profile.
pub struct Chromium {
    child: tokio::process::Child,
    /// Its process group (its pid: it leads the group), while it may be running.
    group: Option<u32>,
    pub ws_url: String,
    _profile: tempfile::TempDir,
}

/// The flags every run uses. Each one removes a request the browser would make on its
/// own (updates, sync, safe browsing, field trials, metrics) or a dialog that would stall
/// a headless run; what is left of the browser's chatter is never attributed to a page
/// because only page targets' sessions are listened to.
fn base_args(profile: &Path) -> Vec<String> {
    [
        "--headless",
        "--remote-debugging-port=0",
        "--remote-debugging-address=127.0.0.1",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-domain-reliability",
        "--disable-client-side-phishing-detection",
        "--disable-breakpad",
        "--disable-crash-reporter",
        "--metrics-recording-only",
        "--safebrowsing-disable-auto-update",
        "--disable-field-trial-config",
        "--disable-features=OptimizationHints,MediaRouter,Translate,AutofillServerCommunication,CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions,PrivacySandboxSettings4",
        "--password-store=basic",
        "--use-mock-keychain",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--mute-audio",
        "--hide-scrollbars",
        "--window-size=1366,900",
        "--disable-quic",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect()
}

/// How long Chromium may take to print its DevTools address.
const START_TIMEOUT: Duration = Duration::from_secs(30);

impl Chromium {
    pub async fn start(opts: &LaunchOptions) -> Result<Chromium, Error> {
        let profile = tempfile::Builder::new()
            .prefix("vendorscan-chromium-")
            .tempdir()
            .map_err(|e| Error::input(format!("cannot create a browser profile folder: {e}")))?;
        let mut args = base_args(profile.path());
        if let Some(rules) = opts.rules.to_flag() {
            args.push(format!("--host-resolver-rules={rules}"));
        }
        if opts.ignore_certificate_errors {
            args.push("--ignore-certificate-errors".into());
        }
        // Root (CI containers) cannot use Chromium's sandbox; a non-root user keeps it.
        if nix_is_root() {
            args.push("--no-sandbox".into());
        }
        args.extend(opts.extra_args.iter().cloned());
        args.push("about:blank".into());

        // Chromium's own temporary files (shared memory with --disable-dev-shm-usage) go
        // inside the profile folder, so they are removed with it even after a SIGKILL.
        let tmp = profile.path().join("tmp");
        std::fs::create_dir_all(&tmp)
            .map_err(|e| Error::input(format!("cannot create a browser profile folder: {e}")))?;
        let mut cmd = tokio::process::Command::new(&opts.chrome);
        cmd.env("TMPDIR", &tmp);
        cmd.args(&args).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).kill_on_drop(true);
        // Its own process group, so one signal reaches the zygote and every renderer too.
        #[cfg(unix)]
        cmd.process_group(0);
        let child = cmd.spawn().map_err(|e| {
            Error::input(format!("cannot start {}: {e}", opts.chrome.display())).with_help(install_help())
        })?;
        // Owned by the guard from here on: if this future is dropped (Ctrl-C while the
        // browser starts) or fails, Drop kills the whole process group.
        let group = child.id();
        let mut chromium = Chromium { child, group, ws_url: String::new(), _profile: profile };
        let stderr = chromium.child.stderr.take().ok_or_else(|| Error::input("cannot read Chromium's output"))?;
        let mut lines = BufReader::new(stderr).lines();
        let mut said = Vec::new();
        let found = tokio::time::timeout(START_TIMEOUT, async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(at) = line.find("ws://") {
                    return Some(line[at..].trim().to_owned());
                }
                if said.len() < 20 {
                    said.push(line);
                }
            }
            None
        })
        .await;
        let Ok(Some(ws_url)) = found else {
            let last = said.iter().rev().find(|l| !l.trim().is_empty()).cloned().unwrap_or_default();
            chromium.kill();
            return Err(Error::input(format!(
                "Chromium ({}) did not start{}",
                opts.chrome.display(),
                if last.is_empty() { String::new() } else { format!(": {last}") }
            ))
            .with_help(format!("check that it runs: {} --headless --dump-dom about:blank", opts.chrome.display())));
        };
        // Keep draining stderr: a full pipe would block the browser.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        chromium.ws_url = ws_url;
        Ok(chromium)
    }

    /// Let the browser shut down on its own (it tidies up), for a short while, then kill it.
    pub async fn close(mut self, cdp: &super::cdp::Cdp) {
        let _ = cdp.call_with(None, "Browser.close", serde_json::json!({}), Duration::from_secs(2)).await;
        let _ = tokio::time::timeout(Duration::from_secs(3), self.child.wait()).await;
        self.kill();
    }

    /// Kill the browser and everything it started; safe to call more than once.
    pub fn kill(&mut self) {
        // The group, even when the browser itself has already exited (after `close`): its
        // renderers may not have.
        #[cfg(unix)]
        if let Some(pid) = self.group {
            let group = nix::unistd::Pid::from_raw(pid as i32);
            let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
        }
        let _ = self.child.start_kill();
        // Reap it, so no zombie outlives the run; SIGKILL makes this immediate.
        for _ in 0..200 {
            match self.child.try_wait() {
                Ok(Some(_)) | Err(_) => break,
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
        // SIGKILL takes effect when each process next runs: on a busy machine a renderer
        // can still be there a moment after the browser is reaped. Wait (briefly) until no
        // process of the group is alive, so none outlives vendorscan's exit.
        #[cfg(target_os = "linux")]
        if let Some(group) = self.group {
            for _ in 0..400 {
                if !group_alive(group) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        // Done: a later call (Drop after `close`) must not signal a group id the system
        // may since have given to someone else.
        self.group = None;
    }
}

/// Some process of group `group` is alive (not a zombie waiting for its parent to reap
/// it), from each process's `/proc/PID/stat`: state, parent, then process group.
#[cfg(target_os = "linux")]
fn group_alive(group: u32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else { return false };
    entries.flatten().filter(|e| e.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit())).any(|e| {
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else { return false };
        // The command name, in parentheses, may hold spaces: the fields start after the last ')'.
        let mut fields = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace();
        let state = fields.next().unwrap_or("Z");
        let pgrp = fields.nth(1).and_then(|g| g.parse::<u32>().ok());
        pgrp == Some(group) && !matches!(state, "Z" | "X")
    })
}

impl Drop for Chromium {
    fn drop(&mut self) {
        self.kill();
    }
}

fn nix_is_root() -> bool {
    #[cfg(unix)]
    {
        nix::unistd::geteuid().is_root()
    }
    #[cfg(not(unix))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_rules_map_then_refuse_the_rest() {
        let rules = HostRules {
            map: vec![
                ("shop.example".into(), "127.0.0.1:8080".parse().unwrap()),
                ("cdn.example".into(), "[::1]:443".parse().unwrap()),
            ],
            others_not_found: true,
            exclude: vec!["127.0.0.1".into()],
        };
        assert_eq!(
            rules.to_flag().unwrap(),
            "MAP shop.example 127.0.0.1, MAP cdn.example [::1], MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
        );
        let only_mapped = HostRules { others_not_found: false, ..rules };
        assert_eq!(only_mapped.to_flag().unwrap(), "MAP shop.example 127.0.0.1, MAP cdn.example [::1]");
        assert_eq!(HostRules::default().to_flag(), None);
    }

    #[test]
    fn a_named_chrome_that_is_missing_is_an_error_with_help() {
        let e = find_chrome(Some(Path::new("/nonexistent/chrome"))).unwrap_err();
        assert!(e.message.contains("/nonexistent/chrome"), "{e}");
        assert!(e.help.unwrap().contains("apt-get install chromium"));
    }
}
