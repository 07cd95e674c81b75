//! Test support: a real HTTP server on 127.0.0.1:0 and a runner for the real binary.
//!
//! The server is deliberately small and hand-written (std threads, HTTP/1.1,
//! `Connection: close`): tests need to see every request it got (to prove third parties
//! are never fetched) and, for hostile cases, to misbehave in ways a framework would not.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;

#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub behaviour: Behaviour,
}

/// Ways a server misbehaves on purpose (the hostile-web tests). Every loop here is
/// bounded in count and time, so a test that fails cannot leave a server running on.
#[derive(Clone, Debug, Default)]
pub enum Behaviour {
    #[default]
    Normal,
    /// Headers promising a large body, then one byte a second.
    Drip,
    /// No length, then body bytes as fast as the client reads, up to `u64` bytes.
    Endless(u64),
    /// Tell the test the request arrived, then send nothing for a minute.
    Hold(std::sync::mpsc::Sender<String>),
    /// Send half of the promised body, then close the connection.
    CloseMidBody,
    /// An HTTP/1.0 answer with no Content-Length, delimited by closing the connection.
    Http10,
    /// Answer the first `n` requests with `status` (and its headers), then normally.
    FailFirst(Arc<std::sync::atomic::AtomicUsize>, usize, u16),
    /// Wait this long before answering (a distant or busy server), counted in the gauge
    /// while waiting.
    Slow(std::time::Duration, Arc<Gauge>),
    /// Answer only once the channel says so (e.g. the `Hold` of another path got its
    /// request), or after a minute: the page learns, by this answer, that the server has
    /// the other request.
    WaitFor(Arc<Mutex<std::sync::mpsc::Receiver<String>>>),
}

/// How many requests a server holds at once, and the most it ever held. A request
/// counts while it waits, not while its answer is written: the client may read the last
/// byte and send its next request before the writing thread gets back.
#[derive(Debug, Default)]
pub struct Gauge {
    now: std::sync::atomic::AtomicUsize,
    peak: std::sync::atomic::AtomicUsize,
}

impl Gauge {
    fn hold(&self, wait: std::time::Duration) {
        use std::sync::atomic::Ordering::SeqCst;
        let n = self.now.fetch_add(1, SeqCst) + 1;
        self.peak.fetch_max(n, SeqCst);
        thread::sleep(wait);
        self.now.fetch_sub(1, SeqCst);
    }
    pub fn peak(&self) -> usize {
        self.peak.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Response {
    pub fn with_type(status: u16, content_type: &str, body: &[u8]) -> Self {
        Response {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.to_vec(),
            behaviour: Behaviour::Normal,
        }
    }
    pub fn behaving(mut self, behaviour: Behaviour) -> Self {
        self.behaviour = behaviour;
        self
    }
    pub fn redirect(status: u16, location: &str) -> Self {
        Response {
            status,
            headers: vec![("Location".into(), location.into())],
            body: vec![],
            behaviour: Behaviour::Normal,
        }
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub host: String,
    pub path: String,
    pub user_agent: String,
    pub headers: Vec<(String, String)>,
    /// The request line as received (`GET /path HTTP/1.1`).
    pub request_line: String,
    /// When its connection was accepted (every request has a connection of its own).
    pub at: std::time::Instant,
}

pub struct Server {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    routes: Arc<Mutex<HashMap<String, Response>>>,
}

impl Server {
    /// Serve fixed routes (path with query -> response). `{{ORIGIN}}` and `{{PORT}}` in a
    /// text body or header become `http://shop.test:PORT` (the name tests map to this
    /// server with `--resolve`) and the port.
    pub fn start(routes: HashMap<String, Response>) -> Server {
        Server::start_with(move |_| routes)
    }

    /// Bind first, then build the routes knowing the origin (for bodies that cannot carry
    /// a placeholder, such as compressed ones).
    pub fn start_with(make: impl FnOnce(&str) -> HashMap<String, Response>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let origin = format!("http://shop.test:{}", addr.port());
        let port = addr.port().to_string();
        let routes: Arc<Mutex<HashMap<String, Response>>> = Arc::new(Mutex::new(
            make(&origin)
                .into_iter()
                .map(|(k, mut v)| {
                    if let Ok(text) = String::from_utf8(v.body.clone()) {
                        v.body = text.replace("{{ORIGIN}}", &origin).replace("{{PORT}}", &port).into_bytes();
                    }
                    for h in &mut v.headers {
                        h.1 = h.1.replace("{{ORIGIN}}", &origin);
                    }
                    (k, v)
                })
                .collect(),
        ));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (seen2, routes2) = (seen.clone(), routes.clone());
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                // Stamped at accept, before a thread is started for it: a busy machine can
                // start that thread late, which would make one arrival look later than it was.
                let at = std::time::Instant::now();
                let (routes, seen) = (routes2.clone(), seen2.clone());
                thread::spawn(move || handle(stream, at, &routes, &seen));
            }
        });
        Server { addr, seen, routes }
    }

    /// Serve a fixture folder (every file at its path, `index.html` also at its folder),
    /// plus extra routes (redirects, errors, odd content types).
    pub fn site_with(dir: &Path, extra: HashMap<String, Response>) -> Server {
        let mut routes = HashMap::new();
        for entry in walk(dir) {
            let rel = entry.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
            let body = std::fs::read(&entry).unwrap();
            let ct = match entry.extension().and_then(|e| e.to_str()) {
                Some("html") => "text/html; charset=utf-8",
                Some("xml") => "application/xml",
                Some("txt") => "text/plain",
                Some("json") => "application/json",
                _ => "application/octet-stream",
            };
            let resp = Response::with_type(200, ct, &body);
            if let Some(folder) = rel.strip_suffix("index.html") {
                routes.insert(format!("/{folder}"), resp.clone());
            }
            routes.insert(format!("/{rel}"), resp);
        }
        routes.extend(extra);
        Server::start(routes)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://shop.test:PORT`
    pub fn origin(&self) -> String {
        format!("http://shop.test:{}", self.port())
    }

    /// The `--resolve` value mapping a host name to this server.
    pub fn resolve(&self, host: &str) -> String {
        format!("{host}:{}:127.0.0.1", self.port())
    }

    /// `--resolve HOST:PORT:127.0.0.1` for each host: the arguments that map them to this server.
    pub fn resolve_args(&self, hosts: &[&str]) -> Vec<String> {
        hosts.iter().flat_map(|h| ["--resolve".to_owned(), self.resolve(h)]).collect()
    }

    /// Replace what a path serves (e.g. a vendor script that changed between two runs).
    pub fn set(&self, path: &str, response: Response) {
        self.routes.lock().unwrap().insert(path.to_owned(), response);
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

fn handle(
    mut stream: TcpStream,
    at: std::time::Instant,
    routes: &Mutex<HashMap<String, Response>>,
    seen: &Mutex<Vec<Seen>>,
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut raw = Vec::new();
    if reader.read_until(b'\n', &mut raw).is_err() {
        return;
    }
    let request_line = String::from_utf8_lossy(&raw).trim_end().to_owned();
    let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((k, v)) = line.trim_end().split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let get = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    seen.lock().unwrap().push(Seen {
        host: get("host"),
        path: path.clone(),
        user_agent: get("user-agent"),
        headers: headers.clone(),
        request_line: request_line.clone(),
        at,
    });
    let mut resp = routes
        .lock()
        .unwrap()
        .get(&path)
        .cloned()
        .unwrap_or_else(|| Response::with_type(404, "text/html", b"<h1>Not found</h1>"));
    if let Behaviour::FailFirst(count, n, status) = &resp.behaviour {
        if count.fetch_add(1, std::sync::atomic::Ordering::SeqCst) >= *n {
            resp.headers.retain(|(k, _)| k != "Retry-After");
        } else {
            resp.status = *status;
            resp.body = b"<h1>busy</h1>".to_vec();
        }
    }
    let proto = if matches!(resp.behaviour, Behaviour::Http10) { "HTTP/1.0" } else { "HTTP/1.1" };
    let mut head = format!("{proto} {} X\r\nConnection: close\r\n", resp.status);
    match resp.behaviour {
        Behaviour::Endless(_) | Behaviour::Http10 => {}
        Behaviour::Drip | Behaviour::CloseMidBody => {
            head.push_str(&format!("Content-Length: {}\r\n", resp.body.len() * 2 + 1_000_000))
        }
        _ => head.push_str(&format!("Content-Length: {}\r\n", resp.body.len())),
    }
    for (k, v) in &resp.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    if let Behaviour::Hold(tx) = &resp.behaviour {
        let _ = tx.send(path.clone());
        // Bounded: a minute at most, then the connection is closed.
        thread::sleep(std::time::Duration::from_secs(60));
        return;
    }
    if let Behaviour::Slow(wait, gauge) = &resp.behaviour {
        gauge.hold(*wait);
    }
    if let Behaviour::WaitFor(rx) = &resp.behaviour {
        let _ = rx.lock().unwrap().recv_timeout(std::time::Duration::from_secs(60));
    }
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&resp.body);
    match resp.behaviour {
        Behaviour::Drip => {
            for _ in 0..120 {
                thread::sleep(std::time::Duration::from_secs(1));
                if stream.write_all(b" ").and_then(|_| stream.flush()).is_err() {
                    return;
                }
            }
        }
        Behaviour::Endless(limit) => {
            let chunk = vec![b'x'; 64 * 1024];
            let mut sent = 0u64;
            while sent < limit && stream.write_all(&chunk).is_ok() {
                sent += chunk.len() as u64;
            }
            return;
        }
        Behaviour::CloseMidBody => return,
        _ => {}
    }
    let _ = stream.flush();
    // Drain what the client may still send so the close is clean.
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_millis(1)));
    let _ = reader.read(&mut [0u8; 64]);
}

/// The repository root (fixtures and the demo store live there).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The real-pages corpus: `$VENDORSCAN_CORPUS`, else `../shared/corpus/real-pages` beside
/// the repository. A clone without it skips the tests that need it, saying so on one line;
/// under `CI` (which always has `../shared`) a missing corpus fails them instead, so CI can
/// never pass by skipping.
pub fn real_pages() -> Option<PathBuf> {
    let dir = std::env::var_os("VENDORSCAN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/corpus/real-pages"));
    if dir.join("SOURCES.tsv").is_file() {
        return Some(dir);
    }
    let why = format!(
        "the real-pages corpus is not at {} (it comes with ../shared beside the repository; \
         set VENDORSCAN_CORPUS=DIR to use another copy)",
        dir.display()
    );
    assert!(std::env::var_os("CI").is_none(), "{why}");
    eprintln!("skipped: {why}");
    None
}

/// Start the real binary without waiting for it (to signal it mid-run), output captured.
pub fn spawn_vendorscan(args: &[&str]) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_vendorscan"))
        .args(args)
        .env_remove("CI")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

/// Send `signal` (`INT`, `TERM`) to a running child, as a terminal or a CI runner would.
pub fn send_signal(child: &std::process::Child, signal: &str) {
    let sent = std::process::Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status();
    assert!(sent.is_ok_and(|s| s.success()), "kill -{signal} {}", child.id());
}

/// Run the real binary with a scrubbed environment (no CI, colours or proxies leaking in).
pub fn vendorscan(args: &[&str]) -> Output {
    vendorscan_with_stdin(args, "")
}

pub fn vendorscan_with_stdin(args: &[&str], stdin: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vendorscan"));
    cmd.args(args).current_dir(root()).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for var in [
        "CI",
        "NO_COLOR",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "GITHUB_STEP_SUMMARY",
    ] {
        cmd.env_remove(var);
    }
    let mut child = cmd.spawn().expect("run vendorscan");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Run a scan with JSON output and parse it; panics with stderr on a non-zero exit.
pub fn scan_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["scan", "-f", "json", "--quiet"];
    all.extend_from_slice(args);
    let out = vendorscan(&all);
    assert_eq!(out.status.code(), Some(0), "vendorscan {all:?} failed: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

/// `vendorscan scan` of the demo store (as served at https://demo-store.example) with its
/// JSON report written to `path`, plus any further arguments.
pub fn scan_demo_to(path: &Path, extra: &[&str]) -> Output {
    let path = path.to_str().unwrap();
    let mut args =
        vec!["scan", "examples/demo-store", "--site", "https://demo-store.example", "-f", "json", "-o", path];
    args.extend_from_slice(extra);
    vendorscan(&args)
}

/// Vendor ids in a JSON report.
pub fn vendor_ids(report: &serde_json::Value) -> Vec<String> {
    report["vendors"].as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap().to_owned()).collect()
}

pub fn page<'a>(report: &'a serde_json::Value, url: &str) -> &'a serde_json::Value {
    report["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["url"] == url)
        .unwrap_or_else(|| panic!("no page {url} in {}", report["pages"]))
}

/// The name a schema-3 report gives page `index` (an index into `pages`): its final URL.
pub fn page_name(report: &serde_json::Value, index: &serde_json::Value) -> String {
    let i = index.as_u64().unwrap_or_else(|| panic!("a page index, not {index}")) as usize;
    let p = &report["pages"][i];
    p["final_url"].as_str().or(p["url"].as_str()).unwrap_or_else(|| panic!("no page {i}")).to_owned()
}

/// The names of the pages a vendor's or an unknown host's `pages` indexes.
pub fn page_names(report: &serde_json::Value, pages: &serde_json::Value) -> Vec<String> {
    pages.as_array().expect("pages is a list").iter().map(|i| page_name(report, i)).collect()
}

/// The report's resources one row per occurrence (schema 1's shape): each resource's fields
/// with one occurrence's `page` (its URL), `line`, `source` and `runtime` laid over them.
/// Most tests ask "what was found on this page, at this line", which is this view.
pub fn resource_rows(report: &serde_json::Value) -> Vec<serde_json::Value> {
    let mut rows = Vec::new();
    for r in report["resources"].as_array().expect("resources is a list") {
        let occurrences = r["occurrences"].as_array().expect("every resource has occurrences");
        assert!(!occurrences.is_empty(), "a resource without occurrences: {r:#}");
        for o in occurrences {
            let o = o.as_array().expect("an occurrence is [page, line, source?, runtime?]");
            let mut row = r.clone();
            let obj = row.as_object_mut().unwrap();
            obj.remove("occurrences");
            obj.insert("page".into(), page_name(report, &o[0]).into());
            obj.insert("line".into(), o[1].clone());
            obj.insert("source".into(), o.get(2).cloned().unwrap_or_else(|| "markup".into()));
            if let Some(rt) = o.get(3).filter(|rt| !rt.is_null()) {
                obj.insert("runtime".into(), rt.clone());
            }
            rows.push(row);
        }
    }
    rows
}

/// A JSON report schema (`tests/schemas/report-vN.json`, closed objects) as a validator.
pub fn report_schema(version: u32) -> jsonschema::Validator {
    let path = root().join(format!("tests/schemas/report-v{version}.json"));
    let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::options().with_draft(jsonschema::Draft::Draft202012).build(&schema).expect("the report schema compiles")
}

/// What a JSON report breaks of the documented contract (`tests/schemas/report-v3.json`,
/// closed objects); empty when it matches.
pub fn report_schema_errors(report: &serde_json::Value) -> Vec<String> {
    report_schema(3).iter_errors(report).map(|e| format!("{e} at {}", e.instance_path())).collect()
}
