//! URLs written inside inline JavaScript.
//!
//! Enters: the text of an inline `<script>`. Leaves: each URL found, with its byte offset,
//! the text as written and an absolute URL to classify.
//!
//! Tag-manager and pixel snippets build the URL of the script they load in code, so the
//! host appears in a string, not in markup. We look for three shapes seen in real
//! snippets: a plain or protocol-relative URL (also JSON-escaped, `https:\/\/`), a scheme
//! concatenated with a host (`'https://' + 'static.hotjar.com/...'`), and a host suffix
//! concatenated after a computed prefix (`(... 'https://ssl' : 'http://www') +
//! '.google-analytics.com/ga.js'`), reported by its registrable domain. A host only
//! counts when its suffix is on the Public Suffix List, which keeps `//window.location`
//! and friends out.

use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

pub struct ScriptUrl<'a> {
    pub offset: usize,
    pub raw: &'a str,
    pub url: String,
}

static PLAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)(?:https?:)?(?:\\?/){2}([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(:[0-9]{1,5})?((?:\\?/[^\s"'`<>(){}\[\]\\]*(?:\\/[^\s"'`<>(){}\[\]\\]*)*)?)"#)
        .expect("valid regex")
});
static CONCAT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)["'](?:https?:)?//["']\s*\+\s*["']([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(/[^"']*)?["']"#)
        .expect("valid regex")
});
static SUFFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)\+\s*["']\.([a-z0-9-]+(?:\.[a-z0-9-]+)+)(/[^"']*)?["']"#).expect("valid regex"));

/// A host worth reporting: at least two labels, each sane, ending in a known public suffix.
fn valid_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    host.contains('.')
        && host.split('.').all(|l| !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-'))
        && psl::suffix(host.as_bytes()).is_some_and(|s| s.is_known())
        && psl::domain(host.as_bytes()).is_some()
}

/// Hosts that appear in scripts as identifiers (XML namespaces, JSON-LD contexts), never as
/// something the browser loads.
const NAMESPACE_HOSTS: &[&str] =
    &["www.w3.org", "schema.org", "purl.org", "xmlns.com", "ogp.me", "json-schema.org", "ns.adobe.com"];

/// The bytes where [`comments`] may change state in a script that holds `<!--` or
/// `-->`: line ends, a `/`, the `<` of `<!--`, the `-` of `-->`, and quotes. Everything else
/// only moves `prev`.
static LEXER_STOPS: [bool; 256] = {
    let mut stops = [false; 256];
    let mut i = 0;
    while i < 8 {
        stops[b"\n\r/<-'\"`"[i] as usize] = true;
        i += 1;
    }
    stops
};

/// A byte of an identifier, a keyword or a number (any non-ASCII byte counts).
fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

/// What one pass over a script finds of the pairs of bytes the rest of the reading depends
/// on. Each of these was its own search over the whole text, and an inlined 300 KB bundle
/// was read a dozen times (issue #17).
struct Landmarks {
    /// Where each `//` and each `/\/` starts, overlapping ones included (`///` holds two),
    /// in order: the only places a plain URL can be.
    slashes: Vec<usize>,
    /// A `/*`: the script may hold a block comment.
    block_comment: bool,
    /// A `<!--` or a `-->`: the script may hold an HTML-like comment (Annex B.1.1).
    html_comment: bool,
    /// A `'.` or a `".`: a host suffix may be concatenated (`+ '.google-analytics.com/…'`).
    quote_dot: bool,
}

const SLASH_PAIRS: [&str; 3] = ["//", "/\\/", "/*"];
const OTHER_PAIRS: [&str; 4] = ["<!--", "-->", "'.", "\"."];

/// The searches of [`landmarks`]: every pair, then (once a `'.` or `".` is seen, as in a
/// jQuery theme's `$(".btn")` every few lines) the same without those two.
static LANDMARKS: LazyLock<[aho_corasick::AhoCorasick; 2]> = LazyLock::new(|| {
    let build = |pairs: &[&str]| {
        aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(pairs)
            .expect("valid landmark set")
    };
    let all: Vec<&str> = SLASH_PAIRS.iter().chain(&OTHER_PAIRS).copied().collect();
    [build(&all), build(&all[..SLASH_PAIRS.len() + 2])]
});

fn landmarks(b: &[u8]) -> Landmarks {
    let mut marks = Landmarks { slashes: Vec::new(), block_comment: false, html_comment: false, quote_dot: false };
    // A slash pair can start inside the one just found (`///`, `/\//`), where a search
    // for matches that do not overlap does not look: only there, as the pairs are short.
    let slash_pair_at = |p: usize| b[p..].starts_with(b"//") || b[p..].starts_with(b"/\\/");
    let mut at = 0;
    let mut search = &LANDMARKS[0];
    while let Some(m) = search.find(aho_corasick::Input::new(b).span(at..b.len())) {
        at = m.end();
        match m.pattern().as_usize() {
            0 | 1 => {
                marks.slashes.push(m.start());
                for inner in m.start() + 1..m.end() {
                    if slash_pair_at(inner) {
                        marks.slashes.push(inner);
                    }
                    marks.block_comment |= b[inner..].starts_with(b"/*");
                }
            }
            2 => marks.block_comment = true,
            3 | 4 => marks.html_comment = true,
            _ => {
                marks.quote_dot = true;
                search = &LANDMARKS[1];
            }
        }
    }
    marks
}

/// The script with its comments blanked (see [`blanked`]): what the reading of URLs looks
/// at, and what the tests hold the lexer to.
#[cfg(test)]
fn without_comments(js: &str) -> Cow<'_, str> {
    blanked(js, &comments(js, &landmarks(js.as_bytes())))
}

/// `js` with the byte ranges `cuts` (in order, on character boundaries) blanked out byte for
/// byte (spaces; newlines kept), so offsets still point into the original and a URL in a
/// comment (`//utag.data[...]`, a commented-out snippet), which loads nothing, is not found.
fn blanked<'a>(js: &'a str, cuts: &[std::ops::Range<usize>]) -> Cow<'a, str> {
    if cuts.is_empty() {
        return Cow::Borrowed(js);
    }
    // Built from slices of `js` (comments start with ASCII and end at a line terminator or
    // the end, so every cut is on a character boundary): nothing to validate again.
    let mut out = String::with_capacity(js.len());
    let mut copied = 0;
    for cut in cuts {
        out.push_str(&js[copied..cut.start]);
        out.extend(js.as_bytes()[cut.clone()].iter().map(|&c| if c == b'\n' { '\n' } else { ' ' }));
        copied = cut.end;
    }
    out.push_str(&js[copied..]);
    Cow::Owned(out)
}

/// The byte ranges of the comments in `js`, in order, given its [`landmarks`].
///
/// A small lexer of ECMAScript's comments (§ 12.4 Comments, and Annex B.1.1's `<!--` and
/// `-->` line comments): string and template literals and regular expression literals are
/// skipped so a `//` inside them (`'https://…'`, `/\/\//`) is not a comment. Whether a `/`
/// starts a regular expression depends on the grammar; the usual approximation is taken
/// (after an operator, an opening bracket or a keyword like `return`, it does). A regular
/// expression or a quoted string ends at the line's end at the latest, so a misreading is
/// confined to one line.
fn comments(js: &str, marks: &Landmarks) -> Vec<std::ops::Range<usize>> {
    let b = js.as_bytes();
    let mut cuts = Vec::new();
    let html_comments = marks.html_comment;
    if !html_comments && marks.slashes.is_empty() && !marks.block_comment {
        return cuts;
    }
    // A string ends at a CR as at a LF; most scripts have none, and then one byte fewer is
    // looked for in every string. Found in one pass with the first backtick.
    let (mut has_cr, mut tick) = (false, usize::MAX);
    for at in memchr::memchr2_iter(b'\r', b'`', b) {
        match b[at] {
            b'\r' => has_cr = true,
            _ => tick = tick.min(at),
        }
        if has_cr && tick != usize::MAX {
            break;
        }
    }
    // ECMAScript's line terminators (§ 12.3): LF, CR, U+2028 and U+2029. A comment that ran
    // past a CR would blank the code after it (HTML turns CR into LF before a browser's
    // script engine sees it; the page text we read still has it).
    let line_end = |from: usize| {
        let mut at = from;
        while let Some(i) = memchr::memchr3(b'\n', b'\r', 0xE2, &b[at..]) {
            let p = at + i;
            if b[p] != 0xE2 || matches!(b.get(p + 1..p + 3), Some([0x80, 0xA8 | 0xA9])) {
                return p;
            }
            at = p + 1;
        }
        b.len()
    };
    // Where reading resumes after the quoted string whose body starts at `from`: past its
    // closing quote or the line end that cuts it short. A backslash escapes the byte after
    // it, a line end included. Found with memchr, not byte by byte: a theme's inline
    // settings are mostly strings (issue #17).
    let string_end = |mut i: usize, quote: u8| loop {
        let Some(rest) = b.get(i..) else { return i };
        let stop = memchr::memchr3(quote, b'\\', b'\n', rest).map_or(b.len(), |k| i + k);
        if has_cr {
            if let Some(k) = memchr::memchr(b'\r', &b[i..stop]) {
                return i + k + 1;
            }
        }
        match b.get(stop) {
            Some(b'\\') => i = stop + 2,
            _ => return stop + 1,
        }
    };
    // The last significant byte: a `/` after an operand divides, after anything else it
    // starts a regular expression.
    let mut prev = b'(';
    // Only whitespace (or comments) since the line began: `-->` is a comment there.
    let mut line_start = true;
    let mut i = 0;
    while i < b.len() {
        // A run of bytes that change no state but `prev` and `line_start`: skipped in one
        // go, then read backwards for its last token (a bundle is mostly such runs).
        // Without `<!--` and `-->` anywhere (nearly every script), `<`, `-` and line ends
        // change nothing that matters: a run then ends only at a slash, a quote or a
        // backtick, found with memchr instead of a byte at a time. The next backtick is
        // remembered, as memchr looks for three bytes at most.
        let run = i;
        if html_comments {
            while i < b.len() && !LEXER_STOPS[b[i] as usize] {
                i += 1;
            }
        } else {
            if tick < i {
                tick = memchr::memchr(b'`', &b[i..]).map_or(usize::MAX, |k| i + k);
            }
            i = memchr::memchr3(b'/', b'\'', b'"', &b[i..]).map_or(b.len(), |k| i + k).min(tick);
        }
        // (Line ends are in a run only when they change nothing.)
        let mut last = i;
        while last > run && matches!(b[last - 1], b' ' | b'\t' | 0x0b | 0x0c | b'\n' | b'\r') {
            last -= 1;
        }
        if last > run {
            line_start = false;
            let c = b[last - 1];
            prev = if is_word(c) {
                let mut first = last - 1;
                while first > run && is_word(b[first - 1]) {
                    first -= 1;
                }
                // After these keywords an expression starts: `return /re/`.
                match &b[first..last] {
                    b"return" | b"typeof" | b"instanceof" | b"in" | b"of" | b"new" | b"delete" | b"void" | b"throw"
                    | b"case" | b"do" | b"else" | b"yield" | b"await" => b'(',
                    _ => b'a',
                }
            } else {
                c
            };
        }
        let Some(&c) = b.get(i) else { break };
        let comment_end = match c {
            b'/' if b.get(i + 1) == Some(&b'/') => Some(line_end(i)),
            b'/' if b.get(i + 1) == Some(&b'*') => {
                Some(memchr::memmem::find(&b[i + 2..], b"*/").map_or(b.len(), |e| i + 2 + e + 2))
            }
            b'<' if b[i..].starts_with(b"<!--") => Some(line_end(i)),
            b'-' if line_start && b[i..].starts_with(b"-->") => Some(line_end(i)),
            _ => None,
        };
        if let Some(end) = comment_end {
            cuts.push(i..end);
            i = end;
            continue;
        }
        match c {
            b'\n' | b'\r' => {
                line_start = true;
                i += 1;
                continue;
            }
            b'\'' | b'"' => {
                i = string_end(i + 1, c);
                prev = b'a';
            }
            b'`' => {
                i += 1;
                while let Some(rest) = b.get(i..) {
                    match memchr::memchr2(b'`', b'\\', rest) {
                        Some(k) if rest[k] == b'\\' => i += k + 2,
                        Some(k) => {
                            i += k + 1;
                            break;
                        }
                        None => {
                            i = b.len();
                            break;
                        }
                    }
                }
                prev = b'a';
            }
            b'/' if !matches!(prev, b'a' | b')' | b']') => {
                // A regular expression literal: to the `/` outside a class, on this line.
                let mut class = false;
                i += 1;
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    match b[i] {
                        b'\\' => i += 1,
                        b'[' => class = true,
                        b']' => class = false,
                        b'/' if !class => break,
                        _ => {}
                    }
                    i += 1;
                }
                i += 1;
                prev = b'a';
            }
            // `/` dividing, `<` or `-` starting no comment: an operator like any other.
            _ => {
                prev = c;
                i += 1;
            }
        }
        line_start = false;
    }
    cuts
}

/// The matches of [`PLAIN`] in `text`, each with the offset its captures are relative to:
/// the same matches, in the same order, as `PLAIN.captures_iter(text)`, found without
/// running the regex over the whole text. Every match holds a `//` or `/\/` (its two
/// slashes) at most 7 bytes after its start (`https:\/`), and cannot run past a space, a
/// quote or a bracket; so the regex runs on the window from 7 bytes before each such pair
/// to the next of those bytes after it. `slashes` are where the pairs are in `text` (see
/// [`Landmarks::slashes`]). A 300 KB inline bundle has a few dozen pairs; the regex over
/// all of it was a fifth of the crawl's CPU on such pages (issue #17).
fn plain_urls<'t>(text: &'t str, slashes: &'t [usize]) -> impl Iterator<Item = (usize, regex::Captures<'t>)> {
    let b = text.as_bytes();
    let mut pos = 0;
    let mut pairs = slashes.iter().copied().peekable();
    std::iter::from_fn(move || {
        loop {
            // The next pair of slashes at or after `pos`.
            while pairs.next_if(|&p| p < pos).is_some() {}
            let slash = pairs.next()?;
            let mut start = slash.saturating_sub(7).max(pos);
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let end = b[slash + 2..]
                .iter()
                .position(|c| {
                    matches!(
                        c,
                        b' ' | b'\t'
                            | b'\n'
                            | b'\r'
                            | b'\x0c'
                            | b'"'
                            | b'\''
                            | b'`'
                            | b'<'
                            | b'>'
                            | b'('
                            | b')'
                            | b'{'
                            | b'}'
                            | b'['
                            | b']'
                    )
                })
                .map_or(b.len(), |i| slash + 2 + i);
            match PLAIN.captures(&text[start..end]) {
                Some(caps) => {
                    pos = start + caps.get(0).expect("match").end().max(1);
                    return Some((start, caps));
                }
                None => pos = slash + 1,
            }
        }
    })
}

/// The slash pairs of `js` (at `slashes`) that blanking the comments at `cuts` leaves
/// whole: it turns every byte of a comment into a space or a line feed, so a pair with a
/// byte in one is gone, and no pair is made.
fn outside(js: &[u8], mut slashes: Vec<usize>, cuts: &[std::ops::Range<usize>]) -> Vec<usize> {
    let mut cut = cuts.iter().peekable();
    slashes.retain(|&p| {
        let len = if js[p + 1] == b'/' { 2 } else { 3 };
        while cut.next_if(|c| c.end <= p).is_some() {}
        cut.peek().is_none_or(|c| c.start >= p + len)
    });
    slashes
}

pub fn urls_in_script(js: &str) -> Vec<ScriptUrl<'_>> {
    if !js.contains("//") && !js.contains("\\/") && !js.contains('+') {
        return Vec::new();
    }
    let marks = landmarks(js.as_bytes());
    let cuts = comments(js, &marks);
    let clean = blanked(js, &cuts);
    let text = clean.as_ref();
    let slashes = outside(js.as_bytes(), marks.slashes, &cuts);
    let mut found = Vec::new();
    for (at, caps) in plain_urls(text, &slashes) {
        let whole = caps.get(0).expect("match");
        let whole = at + whole.start()..at + whole.end();
        let host = &caps[1];
        // "a//b" inside a longer word (e.g. "sha1//x") is not a URL start.
        let prev = text[..whole.start].chars().next_back();
        if prev.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-') || !valid_host(host) {
            continue;
        }
        let lower = host.to_ascii_lowercase();
        // `//# sourceMappingURL=` is read by developer tools only.
        let source_map = text[..whole.start].trim_end().ends_with("sourceMappingURL=");
        if source_map || NAMESPACE_HOSTS.contains(&lower.as_str()) {
            continue;
        }
        let port = caps.get(2).map_or("", |m| m.as_str());
        let path = caps.get(3).map_or("", |m| m.as_str()).replace("\\/", "/");
        let path = path.trim_end_matches(['.', ',', ';', ':', '"', '\'']);
        // The scheme as written; protocol-relative URLs load over https on a store.
        let scheme = if text[whole.clone()].get(..5).is_some_and(|p| p.eq_ignore_ascii_case("http:")) {
            "http"
        } else {
            "https"
        };
        found.push(ScriptUrl { offset: whole.start, raw: &js[whole], url: format!("{scheme}://{host}{port}{path}") });
    }
    // Both need a quote right after `//` or before `.`: most scripts have neither, and then
    // the whole text is not run through them. (A `'.` in a comment only costs that run.)
    let concat = slashes.iter().any(|&p| matches!(text.as_bytes()[p + 1..], [b'/', b'\'' | b'"', ..]));
    let suffix = marks.quote_dot;
    for caps in CONCAT.captures_iter(if concat { text } else { "" }) {
        let (whole, host) = (caps.get(0).expect("match"), &caps[1]);
        if valid_host(host) {
            let path = caps.get(2).map_or("", |m| m.as_str());
            found.push(ScriptUrl {
                offset: whole.start(),
                raw: &js[whole.range()],
                url: format!("https://{host}{path}"),
            });
        }
    }
    for caps in SUFFIX.captures_iter(if suffix { text } else { "" }) {
        let (whole, domain) = (caps.get(0).expect("match"), &caps[1]);
        if valid_host(domain) {
            let path = caps.get(2).map_or("", |m| m.as_str());
            found.push(ScriptUrl {
                offset: whole.start(),
                raw: &js[whole.range()],
                url: format!("https://{domain}{path}"),
            });
        }
    }
    found.sort_by_key(|f| f.offset);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(text: &str) -> Vec<String> {
        urls_in_script(text).into_iter().map(|u| u.url).collect()
    }

    #[test]
    fn gtm_snippet() {
        let s = "(function(w,d,s,l,i){w[l]=w[l]||[];var f=d.getElementsByTagName(s)[0],j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src='https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);})(window,document,'script','dataLayer','GTM-ABC123');";
        assert_eq!(urls(s), vec!["https://www.googletagmanager.com/gtm.js?id="]);
    }

    #[test]
    fn protocol_relative_json_escaped_and_concatenated() {
        assert_eq!(urls("s.src='//cdn.example-vendor.com/x.js'"), vec!["https://cdn.example-vendor.com/x.js"]);
        assert_eq!(
            urls(r#"{"u":"https:\/\/connect.facebook.net\/en_US\/fbevents.js"}"#),
            vec!["https://connect.facebook.net/en_US/fbevents.js"]
        );
        assert_eq!(
            urls("r.src='https://' + 'static.hotjar.com/c/hotjar-'+id"),
            vec!["https://static.hotjar.com/c/hotjar-"]
        );
        assert_eq!(
            urls(
                "ga.src = ('https:' == document.location.protocol ? 'https://ssl' : 'http://www') + '.google-analytics.com/ga.js';"
            ),
            vec!["https://google-analytics.com/ga.js"]
        );
    }

    #[test]
    fn keeps_the_scheme_and_skips_namespaces_and_source_maps() {
        assert_eq!(urls("img.src='http://px.tracker.com/p.gif'"), vec!["http://px.tracker.com/p.gif"]);
        assert!(
            urls("document.createElementNS('http://www.w3.org/2000/svg','svg'); x={'@context':'https://schema.org'}")
                .is_empty()
        );
        assert!(urls("f();\n//# sourceMappingURL=https://maps.cdn.example.com/app.js.map").is_empty());
    }

    #[test]
    fn urls_in_comments_are_not_references() {
        // A commented-out line of Tealium's: `//utag.data[...]` once became a host.
        let js = "//utag.data['page_type'] = 'x';\n/* old: s.src='https://old.vendor-a.com/a.js' */\n\
                  var u = 'https://cdn.vendor-b.com/b.js'; // see https://docs.vendor-c.com/\n\
                  var re = /\\/\\/x/g; var v = \"//cdn.vendor-d.com/d.js\"; <!-- https://html.vendor-e.com/\n\
                  --> https://html.vendor-f.com/\nvar t = `//cdn.vendor-g.com/${x}`; a = b / 2; c = '//cdn.vendor-h.com/'";
        assert_eq!(
            urls(js),
            vec![
                "https://cdn.vendor-b.com/b.js",
                "https://cdn.vendor-d.com/d.js",
                "https://cdn.vendor-g.com/$",
                "https://cdn.vendor-h.com/"
            ]
        );
        // Offsets and raw text still point into the script as written.
        let found = urls_in_script(js);
        assert!(found.iter().all(|f| js[f.offset..].starts_with(f.raw)));
        assert_eq!(without_comments("a // ü\nb").len(), "a // ü\nb".len());
        // A carriage return ends a comment as a line feed does (found by fuzzing: html5ever
        // hands the script engine LF where the page has CR).
        assert_eq!(urls("<!-- x\rs = 'https://after-cr.vendor-i.com/'"), vec!["https://after-cr.vendor-i.com/"]);
        assert_eq!(urls("// x\u{2028}s = 'https://after-ls.vendor-j.com/'"), vec!["https://after-ls.vendor-j.com/"]);
    }

    /// The windowed search finds what the regex over the whole text finds, match for
    /// match and capture for capture.
    #[test]
    fn windows_find_what_the_whole_text_finds() {
        let texts = [
            "a='https://x.example.com/p?q=1' b=\"//cdn.y.co.uk/z.js\" c=`HTTP://UP.example.org:8080/a`",
            r#"{"u":"https:\/\/connect.facebook.net\/en_US\/fbevents.js","v":"http:\//half.example.net/"}"#,
            "sha1//x //a//b.example.com// ///triple.example.com/ü/ö 'é//ümlaut.example.de/'",
            "x=1//2; y='//'; z='https://'; w=\"https:/\\/odd.example.com\"; https://end.example.com",
            "日本語https://jp.example.jp/パス 'https://a.example.com/(paren)' [//b.example.com]",
            "",
            "////////",
        ];
        for text in texts {
            let whole: Vec<Vec<Option<(usize, usize)>>> = PLAIN
                .captures_iter(text)
                .map(|c| c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect())
                .collect();
            let slashes = landmarks(text.as_bytes()).slashes;
            let windowed: Vec<Vec<Option<(usize, usize)>>> = plain_urls(text, &slashes)
                .map(|(at, c)| c.iter().map(|m| m.map(|m| (at + m.start(), at + m.end()))).collect())
                .collect();
            assert_eq!(windowed, whole, "{text}");
        }
    }

    /// The comment lexer as it was before it skipped runs of plain bytes (issue #17),
    /// byte at a time: the oracle the faster one is held to.
    fn reference(js: &str) -> Cow<'_, str> {
        let b = js.as_bytes();
        if memchr::memmem::find(b, b"//").is_none()
            && memchr::memmem::find(b, b"/*").is_none()
            && memchr::memmem::find(b, b"<!--").is_none()
            && memchr::memmem::find(b, b"-->").is_none()
        {
            return Cow::Borrowed(js);
        }
        let mut out: Vec<u8> = Vec::new();
        let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
            if out.is_empty() {
                out.extend_from_slice(b);
            }
            for c in &mut out[from..to] {
                if *c != b'\n' {
                    *c = b' ';
                }
            }
        };
        // ECMAScript's line terminators (§ 12.3): LF, CR, U+2028 and U+2029. A comment that ran
        // past a CR would blank the code after it (HTML turns CR into LF before a browser's
        // script engine sees it; the page text we read still has it).
        let line_end = |from: usize| {
            let mut at = from;
            while let Some(i) = memchr::memchr3(b'\n', b'\r', 0xE2, &b[at..]) {
                let p = at + i;
                if b[p] != 0xE2 || matches!(b.get(p + 1..p + 3), Some([0x80, 0xA8 | 0xA9])) {
                    return p;
                }
                at = p + 1;
            }
            b.len()
        };
        // The last significant byte: a `/` after an operand divides, after anything else it
        // starts a regular expression.
        let mut prev = b'(';
        // Only whitespace (or comments) since the line began: `-->` is a comment there.
        let mut line_start = true;
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            match c {
                b'\n' | b'\r' => {
                    line_start = true;
                    i += 1;
                    continue;
                }
                b' ' | b'\t' | 0x0b | 0x0c => {
                    i += 1;
                    continue;
                }
                b'/' if b.get(i + 1) == Some(&b'/') => {
                    let end = line_end(i);
                    blank(&mut out, i, end);
                    i = end;
                    continue;
                }
                b'/' if b.get(i + 1) == Some(&b'*') => {
                    let end = memchr::memmem::find(&b[i + 2..], b"*/").map_or(b.len(), |e| i + 2 + e + 2);
                    blank(&mut out, i, end);
                    i = end;
                    continue;
                }
                b'<' if b[i..].starts_with(b"<!--") => {
                    let end = line_end(i);
                    blank(&mut out, i, end);
                    i = end;
                    continue;
                }
                b'-' if line_start && b[i..].starts_with(b"-->") => {
                    let end = line_end(i);
                    blank(&mut out, i, end);
                    i = end;
                    continue;
                }
                b'\'' | b'"' => {
                    i += 1;
                    while i < b.len() && b[i] != c && b[i] != b'\n' && b[i] != b'\r' {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                    prev = b'a';
                }
                b'`' => {
                    i += 1;
                    while i < b.len() && b[i] != b'`' {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                    prev = b'a';
                }
                b'/' if !matches!(prev, b'a' | b')' | b']') => {
                    // A regular expression literal: to the `/` outside a class, on this line.
                    let mut class = false;
                    i += 1;
                    while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                        match b[i] {
                            b'\\' => i += 1,
                            b'[' => class = true,
                            b']' => class = false,
                            b'/' if !class => break,
                            _ => {}
                        }
                        i += 1;
                    }
                    i += 1;
                    prev = b'a';
                }
                c if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80 => {
                    let start = i;
                    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$' || b[i] >= 0x80)
                    {
                        i += 1;
                    }
                    // After these keywords an expression starts: `return /re/`. (A `match`,
                    // not a list to search: a bundle has an identifier every few bytes.)
                    prev = match &b[start..i] {
                        b"return" | b"typeof" | b"instanceof" | b"in" | b"of" | b"new" | b"delete" | b"void"
                        | b"throw" | b"case" | b"do" | b"else" | b"yield" | b"await" => b'(',
                        _ => b'a',
                    };
                }
                _ => {
                    prev = c;
                    i += 1;
                }
            }
            line_start = false;
        }
        if out.is_empty() {
            return Cow::Borrowed(js);
        }
        // Only ASCII bytes outside multi-byte characters were replaced (comments start with ASCII
        // and are blanked whole, continuation bytes included).
        Cow::Owned(String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
    }

    /// The run-skipping lexer blanks exactly what the byte-at-a-time one did, on scripts
    /// made of the pieces that change its state, in every order a seeded generator picks.
    #[test]
    fn skipping_runs_changes_nothing() {
        const PIECES: &[&str] = &[
            "//",
            "/*",
            "*/",
            "<!--",
            "-->",
            "/",
            "'",
            "\"",
            "`",
            "\\",
            "\n",
            "\r",
            " ",
            "\t",
            "a",
            "x1",
            "return",
            "typeof",
            "in",
            "else",
            ")",
            "]",
            "(",
            "=",
            "+",
            "-",
            "<",
            ">",
            "[",
            "https://h.example.com/p",
            "\u{2028}",
            "ü",
            "é//",
            "/re/g",
            ".",
            ";",
            "2",
            "$_",
        ];
        let mut generate = crate::extract::pieced(PIECES, 0x9e37_79b9_7f4a_7c15);
        for _ in 0..50_000 {
            let js = generate(24);
            assert_eq!(without_comments(&js), reference(&js), "{js:?}");
        }
    }

    /// The one pass of [`landmarks`] finds what a search for each pair finds: every `//` and
    /// `/\/`, overlapping ones too, and whether each other pair is there. In the blanked text,
    /// the pairs [`urls_in_script`] keeps are those a search there finds.
    #[test]
    fn landmarks_find_what_each_search_finds() {
        const PIECES: &[&str] = &[
            "/",
            "\\",
            "*",
            "<",
            "!",
            "-",
            ">",
            "'",
            "\"",
            ".",
            "//",
            "/\\/",
            "<!--",
            "-->",
            "/*",
            "*/",
            "a",
            " ",
            "\n",
            "ü",
            "'.",
            "https://h.example.com/p",
            "`",
        ];
        let at = |b: &[u8], pair: &[u8]| -> Vec<usize> { (0..b.len()).filter(|&i| b[i..].starts_with(pair)).collect() };
        let has = |b: &[u8], pair: &str| memchr::memmem::find(b, pair.as_bytes()).is_some();
        let mut generate = crate::extract::pieced(PIECES, 0x2545_f491_4f6c_dd1d);
        for _ in 0..50_000 {
            let js = generate(30);
            let b = js.as_bytes();
            let marks = landmarks(b);
            let mut slashes = [at(b, b"//"), at(b, b"/\\/")].concat();
            slashes.sort_unstable();
            assert_eq!(marks.slashes, slashes, "{js:?}");
            assert_eq!(marks.block_comment, has(b, "/*"), "{js:?}");
            assert_eq!(marks.html_comment, has(b, "<!--") || has(b, "-->"), "{js:?}");
            assert_eq!(marks.quote_dot, has(b, "'.") || has(b, "\"."), "{js:?}");
            let clean = without_comments(&js);
            let c = clean.as_bytes();
            let mut kept = [at(c, b"//"), at(c, b"/\\/")].concat();
            kept.sort_unstable();
            assert_eq!(outside(b, marks.slashes, &comments(&js, &landmarks(b))), kept, "{js:?}");
        }
    }

    #[test]
    fn ignores_comments_words_and_unknown_suffixes() {
        assert!(urls("// see the docs\nvar a = b // c.d\n x = window.location.href; //el.innerhtml").is_empty());
        assert!(urls("var re = 'a' + '.min.js';").is_empty());
    }
}
