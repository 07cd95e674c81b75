//! The install paths and CI building blocks, run here as far as a machine without GitHub,
//! GitLab or a release can: `install.sh` against a fake release on a loopback server (built
//! from this build's binary), the GitHub Action's shell steps (`ci/github/action.sh`) with a
//! stand-in `gh`, and the GitLab template's baseline lines against a stand-in jobs API.
//! Each test skips with one line where `sh`, `bash`, `curl` or `tar` is missing.

use crate::common::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const VERSION: &str = "9.8.7";

fn have(tools: &[&str]) -> bool {
    let missing: Vec<&&str> = tools
        .iter()
        .filter(|t| {
            !Command::new("sh").args(["-c", &format!("command -v {t}")]).output().is_ok_and(|o| o.status.success())
        })
        .collect();
    if !missing.is_empty() {
        // CI installs them (.ci/run): there a skip would be a test that tests nothing.
        assert!(std::env::var_os("CI").is_none(), "{missing:?} not installed, and CI must run these tests");
        eprintln!("skipped: {missing:?} not installed (needed to run the install and CI scripts)");
    }
    missing.is_empty()
}

fn target() -> &'static str {
    match std::env::consts::ARCH {
        "aarch64" => "aarch64-unknown-linux-musl",
        _ => "x86_64-unknown-linux-musl",
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A release as release.yml lays it out, with this build's binary in the archive, served
/// in GitHub's URL layout (`/download/vX.Y.Z/FILE`, `/latest/download/FILE`).
fn fake_release(sums_for: Option<&[u8]>) -> Server {
    let tmp = tempfile::tempdir().unwrap();
    let name = format!("vendorscan-{VERSION}-{}", target());
    std::fs::create_dir(tmp.path().join(&name)).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_vendorscan"), tmp.path().join(&name).join("vendorscan")).unwrap();
    std::fs::copy(root().join("LICENSE"), tmp.path().join(&name).join("LICENSE")).unwrap();
    let archive = format!("{name}.tar.gz");
    let ok = Command::new("tar").current_dir(tmp.path()).args(["-czf", &archive, &name]).status().unwrap();
    assert!(ok.success());
    let bytes = std::fs::read(tmp.path().join(&archive)).unwrap();
    // A checksum of other bytes stands for a damaged or swapped download.
    let sums = format!(
        "{}  {archive}\n{}  vendorscan-{VERSION}-x86_64-pc-windows-msvc.zip\n",
        sha256_hex(sums_for.unwrap_or(&bytes)),
        "0".repeat(64)
    );
    Server::start(HashMap::from([
        (format!("/download/v{VERSION}/{archive}"), Response::with_type(200, "application/gzip", &bytes)),
        (format!("/download/v{VERSION}/SHA256SUMS"), Response::with_type(200, "text/plain", sums.as_bytes())),
        ("/latest/download/SHA256SUMS".into(), Response::with_type(200, "text/plain", sums.as_bytes())),
    ]))
}

/// The server by address: install.sh and curl know nothing of --resolve.
fn loopback(server: &Server) -> String {
    format!("http://127.0.0.1:{}", server.port())
}

fn install(server: &Server, dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("sh")
        .arg(root().join("install.sh"))
        .args(["--to", dir.to_str().unwrap(), "--target", target()])
        .args(args)
        .env("VENDORSCAN_BASE_URL", loopback(server))
        .env("HOME", dir)
        .env_remove("VENDORSCAN_VERSION")
        .output()
        .unwrap()
}

#[test]
fn install_sh_installs_a_verified_release() {
    if !have(&["sh", "curl", "tar"]) {
        return;
    }
    let server = fake_release(None);
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("bin");
    let out = install(&server, &bin, &["--version", VERSION]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("SHA-256 verified"), "{err}");
    assert!(err.contains(&format!("installed vendorscan {VERSION} to {}/vendorscan", bin.display())), "{err}");
    let installed = Command::new(bin.join("vendorscan")).arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&installed.stdout).starts_with("vendorscan "));

    // "latest": the version is read from the latest release's SHA256SUMS.
    let again = tmp.path().join("again");
    let out = install(&server, &again, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("latest release: {VERSION}")), "{}", stderr(&out));
    assert!(again.join("vendorscan").is_file());
}

#[test]
fn install_sh_refuses_a_download_whose_checksum_does_not_match() {
    if !have(&["sh", "curl", "tar"]) {
        return;
    }
    let server = fake_release(Some(b"other bytes"));
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("bin");
    let out = install(&server, &bin, &["--version", VERSION]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains(&format!("error: checksum mismatch for vendorscan-{VERSION}-{}.tar.gz", target())), "{err}");
    assert!(err.contains("nothing was installed"), "{err}");
    assert!(!bin.join("vendorscan").exists(), "a binary was installed anyway");

    // A version that was never released, and a platform without a build, say so.
    let out = install(&server, &bin, &["--version", "0.0.1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is 0.0.1 a released version?"), "{}", stderr(&out));
    let out = Command::new("sh")
        .arg(root().join("install.sh"))
        .args([
            "--to",
            bin.to_str().unwrap(),
            "--target",
            "riscv64gc-unknown-linux-musl",
            "--base-url",
            &loopback(&server),
        ])
        .output()
        .unwrap();
    assert!(
        stderr(&out).contains("the latest release has no build for riscv64gc-unknown-linux-musl"),
        "{}",
        stderr(&out)
    );
}

/// The folder holding the binary under test, for PATH.
fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_vendorscan")).parent().unwrap().to_path_buf()
}

/// Runs one step of the Action as action.yml does, with GitHub's files in `dir`.
fn action_step(step: &str, dir: &Path, env: &[(&str, &str)], path_front: &[&Path]) -> std::process::Output {
    let mut path: Vec<PathBuf> = path_front.iter().map(|p| p.to_path_buf()).collect();
    path.push(bin_dir());
    path.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    let mut cmd = Command::new("bash");
    cmd.arg(root().join("ci/github/action.sh"))
        .arg(step)
        .current_dir(root())
        .env("PATH", std::env::join_paths(path).unwrap())
        .env("RUNNER_TEMP", dir)
        .env("VENDORSCAN_OUT_DIR", dir.join("out"))
        .env("GITHUB_OUTPUT", dir.join("output"))
        .env("GITHUB_PATH", dir.join("path"))
        .env("GITHUB_STEP_SUMMARY", dir.join("summary.md"))
        .env("GITHUB_REPOSITORY", "acme/shop")
        .env("GITHUB_WORKFLOW_REF", "acme/shop/.github/workflows/vendorscan.yml@refs/pull/7/merge")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_REF_NAME", "7/merge")
        .env_remove("CI");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn outputs(dir: &Path) -> HashMap<String, String> {
    std::fs::read_to_string(dir.join("output"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect()
}

/// A stand-in for the GitHub CLI: `run list` prints RUN_ID, `run download` writes the
/// baseline report into --dir; every call is appended to gh.log.
fn fake_gh(dir: &Path, run_id: &str, report: Option<&Path>) -> PathBuf {
    let bin = dir.join("fake-gh");
    std::fs::create_dir_all(&bin).unwrap();
    let copy = match report {
        Some(r) => format!("mkdir -p \"$out\" && cp '{}' \"$out/vendorscan.json\"", r.display()),
        None => "exit 1".into(),
    };
    let script = format!(
        r#"#!/bin/sh
echo "$*" >> '{log}'
case "$1 $2" in
  "run list") echo "{run_id}" ;;
  "run download")
    out=""; while [ $# -gt 0 ]; do [ "$1" = --dir ] && out="$2"; shift; done
    {copy} ;;
  "pr comment") exit 0 ;;
esac
"#,
        log = dir.join("gh.log").display()
    );
    std::fs::write(bin.join("gh"), script).unwrap();
    std::fs::set_permissions(bin.join("gh"), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    bin
}

#[test]
fn the_github_action_steps_run_against_the_demo_store() {
    if !have(&["bash", "sh", "curl", "tar"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();

    // install: the pinned version from a (loopback) release, checksum-verified.
    let server = fake_release(None);
    let out =
        action_step("install", dir, &[("INPUT_VERSION", VERSION), ("INPUT_DOWNLOAD_URL", &loopback(&server))], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let path = std::fs::read_to_string(dir.join("path")).unwrap();
    assert_eq!(path.trim(), dir.join("vendorscan-bin").to_str().unwrap());
    assert!(dir.join("vendorscan-bin/vendorscan").is_file());

    // baseline: the report of the default branch's last successful run, through gh.
    let old = dir.join("old.json");
    std::fs::write(
        &old,
        stdout(&vendorscan(&[
            "scan",
            "examples/demo-store",
            "--site",
            "https://demo-store.example",
            "-q",
            "-f",
            "json",
        ])),
    )
    .unwrap();
    let gh = fake_gh(dir, "4242", Some(&old));
    let base_env =
        [("DEFAULT_BRANCH", "main"), ("INPUT_BASELINE", "auto"), ("INPUT_ARTIFACT_NAME", "vendorscan-report")];
    let out = action_step("baseline", dir, &base_env, &[&gh]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("baseline: the report of run 4242 on main"), "{}", stderr(&out));
    let log = std::fs::read_to_string(dir.join("gh.log")).unwrap();
    assert!(
        log.contains("run list --repo acme/shop --workflow vendorscan.yml --branch main --status success"),
        "{log}"
    );
    assert!(log.contains("run download 4242 --repo acme/shop --name vendorscan-report"), "{log}");
    let baseline = outputs(dir)["file"].clone();
    assert!(Path::new(&baseline).is_file());

    // No successful run yet: one clear line, no failure.
    let none = tempfile::tempdir().unwrap();
    let empty_gh = fake_gh(none.path(), "", None);
    let out = action_step("baseline", none.path(), &base_env, &[&empty_gh]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("baseline: none yet (no successful run of vendorscan.yml on main"),
        "{}",
        stderr(&out)
    );

    // scan: the gate's outputs, the job summary, and an exit code kept for the gate step.
    let policy = dir.join("vendorscan.toml");
    std::fs::write(&policy, "unknown = \"warn\"\n").unwrap();
    let scan_env = [
        ("INPUT_TARGETS", "examples/demo-store"),
        ("INPUT_SITE", "https://demo-store.example"),
        ("INPUT_POLICY", policy.to_str().unwrap()),
        ("INPUT_ARGS", "--max-pages 50  --first-party demo-store.example"),
        ("BASELINE_FILE", &baseline),
    ];
    let out = action_step("scan", dir, &scan_env, &[]);
    assert_eq!(out.status.code(), Some(0), "the scan step never fails: {}", stderr(&out));
    let o = outputs(dir);
    assert_eq!(o["exit-code"], "1", "the demo store violates that policy");
    for key in ["report", "sarif", "markdown"] {
        assert!(Path::new(&o[key]).is_file(), "{key}");
    }
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&o["report"]).unwrap()).unwrap();
    assert!(report.get("changes").is_some(), "compared with the baseline");
    assert!(stdout(&out).contains("::error "), "annotations in the log");
    let summary = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    assert!(summary.contains("vendorscan"), "{summary}");

    // --fail-on from the input reaches the scan.
    let lenient = tempfile::tempdir().unwrap();
    let out = action_step("scan", lenient.path(), &[&scan_env[..], &[("INPUT_FAIL_ON", "never")]].concat(), &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(outputs(lenient.path())["exit-code"], "0");

    // comment: through gh, on pull requests only.
    let out = action_step("comment", dir, &[("INPUT_COMMENT", "true"), ("PR_NUMBER", "7")], &[&gh]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(std::fs::read_to_string(dir.join("gh.log")).unwrap().contains("pr comment 7 --repo acme/shop --body-file"));

    // gate: the scan's exit code, with a line saying what it means.
    for (code, says) in [("0", "passed"), ("1", "the policy is violated"), ("3", "the gate could not judge")] {
        let out = action_step("gate", dir, &[("SCAN_EXIT_CODE", code)], &[]);
        assert_eq!(out.status.code(), Some(code.parse().unwrap()));
        assert!(stderr(&out).contains(says), "{code}: {}", stderr(&out));
    }
}

/// The GitLab template's baseline lines, cut from the YAML and run as the job would.
fn gitlab_baseline_script() -> String {
    let yaml = std::fs::read_to_string(root().join("ci/gitlab/vendorscan.gitlab-ci.yml")).unwrap();
    let start = yaml.find("# vendorscan: baseline (begin)").expect("the begin marker");
    let end = yaml.find("# vendorscan: baseline (end)").expect("the end marker");
    let indent = " ".repeat(6);
    yaml[start..end].lines().map(|l| l.strip_prefix(&indent).unwrap_or(l).to_owned() + "\n").collect::<String>()
        + "echo \"BASELINE=$VENDORSCAN_BASELINE\"\n"
}

fn gitlab_job(server: &Server, dir: &Path, env: &[(&str, &str)]) -> (String, Vec<Seen>) {
    let mut cmd = Command::new("sh");
    cmd.args(["-c", &gitlab_baseline_script()])
        .current_dir(dir)
        .env("CI_API_V4_URL", format!("{}/api/v4", loopback(server)))
        .env("CI_PROJECT_ID", "42")
        .env("CI_DEFAULT_BRANCH", "main")
        .env("CI_JOB_NAME", "vendorscan")
        .env("CI_JOB_TOKEN", "job-token-123")
        .env_remove("CI_MERGE_REQUEST_IID");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    (stdout(&out), server.seen())
}

#[test]
fn the_gitlab_template_loads_the_baseline_in_merge_request_and_branch_pipelines() {
    if !have(&["sh", "curl"]) {
        return;
    }
    let report = br#"{"schema_version": 2, "tool": {"name": "vendorscan"}}"#;
    let server = Server::start(HashMap::from([(
        "/api/v4/projects/42/jobs/artifacts/main/raw/vendorscan.json?job=vendorscan".to_owned(),
        Response::with_type(200, "application/json", report),
    )]));
    // A merge-request pipeline and a plain branch pipeline (no merge request) alike.
    for env in [
        vec![("CI_COMMIT_REF_NAME", "feature"), ("CI_MERGE_REQUEST_IID", "5")],
        vec![("CI_COMMIT_REF_NAME", "feature")],
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let (out, seen) = gitlab_job(&server, tmp.path(), &env);
        assert!(
            out.contains("vendorscan: baseline: the report of the latest successful vendorscan job on main"),
            "{out}"
        );
        assert!(out.contains("BASELINE=vendorscan-baseline.json"), "{out}");
        assert_eq!(std::fs::read(tmp.path().join("vendorscan-baseline.json")).unwrap(), report);
        let last = seen.last().unwrap();
        assert!(last.headers.contains(&("job-token".into(), "job-token-123".into())), "{:?}", last.headers);
    }
    // On the default branch the job makes the baseline instead of reading one.
    let tmp = tempfile::tempdir().unwrap();
    let before = server.seen().len();
    let (out, seen) = gitlab_job(&server, tmp.path(), &[("CI_COMMIT_REF_NAME", "main")]);
    assert!(
        out.contains("vendorscan: baseline: none (this pipeline is on main: its report becomes the baseline)"),
        "{out}"
    );
    assert_eq!(seen.len(), before, "no request on the default branch");
}

#[test]
fn the_gitlab_template_says_when_it_cannot_load_a_baseline() {
    if !have(&["sh", "curl"]) {
        return;
    }
    let server = Server::start(HashMap::new());
    let tmp = tempfile::tempdir().unwrap();
    let (out, _) = gitlab_job(&server, tmp.path(), &[("CI_COMMIT_REF_NAME", "feature")]);
    assert!(
        out.contains("vendorscan: baseline: none: cannot load vendorscan's vendorscan.json from main (HTTP 404;"),
        "{out}"
    );
    assert!(out.contains("BASELINE=\n"), "{out}");
    assert!(!tmp.path().join("vendorscan-baseline.json").exists(), "the 404 page is not kept as a baseline");
}
