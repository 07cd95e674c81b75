//! Text from the scanned site, made safe to print where people and CI runners read it.
//!
//! File names, cookie names, storage keys, error messages and the like come from the site
//! being scanned, which in CI is an attacker's pull request as often as not. Printed raw,
//! they can:
//! - drive the terminal: ESC starts ANSI and OSC sequences (colours, window titles,
//!   hyperlinks, clipboard writes), and C1 controls (`U+009B` is a one-byte CSI) do the same
//!   on terminals that honour them;
//! - start a line of their own (CR, LF, NEL, U+2028/U+2029), and so a line that the CI
//!   runner reads as a command: GitHub Actions runs any line whose first non-blank
//!   characters are `::` (`::add-mask::`, `::error::`, `::stop-commands::`), and the legacy
//!   `##[command]` and Azure's `##vso[` anywhere in a line;
//! - show something other than what is there: bidirectional overrides and isolates
//!   ("Trojan Source") reorder text, zero-width characters hide it.
//!
//! [`clean`] writes each such character as a visible escape (`\n`, `\u{1b}`), so a value
//! stays on its line and reads as what it is. [`Guard`] wraps a renderer's writer: every
//! line it passes is checked as a whole, because wrapping or padding can move a value to
//! the start of a line.

use std::borrow::Cow;
use std::io::{self, Write};

/// A character that must not reach a terminal or a CI log as it is.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        // Bidirectional marks, embeddings, overrides and isolates.
        | '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        // Invisible: zero-width space and joiners, word joiner and invisible operators, BOM.
        | '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2064}' | '\u{feff}'
        // Line and paragraph separators: a line break to some viewers.
        | '\u{2028}' | '\u{2029}')
}

/// `s` with every unsafe character written as a visible escape: `\t`, `\n`, `\r`, and
/// `\u{..}` for the others. Borrowed when there is nothing to change (the usual case).
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_visible(&mut out, c);
    }
    Cow::Owned(out)
}

/// [`clean`], but a line break stays one: for formats where a value may span lines (a
/// quoted CSV cell, XML text), printed through a [`Guard`], which then checks each of its
/// lines like any other.
pub fn clean_text(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.split('\n').map(clean).collect::<Vec<_>>().join("\n"))
}

fn push_visible(out: &mut String, c: char) {
    match c {
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        c if is_unsafe(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        c => out.push(c),
    }
}

/// Whitespace as the CI runners trim it before looking for `::` (.NET's `TrimStart` in
/// the GitHub runner, JavaScript's `trimStart` in the toolkit, which also drops the BOM).
fn blank(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// One line of output (without its `\n`) made safe as a whole: every unsafe character
/// escaped, a leading `::` (after blanks) turned into `\::`, and `##[` / `##vso[` anywhere
/// turned into `##\[` / `##vso\[`, so no CI runner reads a command in it.
pub fn line(s: &str) -> Cow<'_, str> {
    let rest = s.trim_start_matches(blank);
    let command = rest.starts_with("::") || s.contains("##[") || s.contains("##vso[");
    if !command && !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let indent = &s[..s.len() - rest.len()];
    let mut out = String::with_capacity(s.len() + 8);
    // The indent's own blanks are kept only when printable (a NEL or a BOM is escaped).
    for c in indent.chars() {
        push_visible(&mut out, c);
    }
    if rest.starts_with("::") {
        out.push('\\');
    }
    for c in rest.chars() {
        push_visible(&mut out, c);
    }
    Cow::Owned(out.replace("##[", "##\\[").replace("##vso[", "##vso\\["))
}

/// A writer that passes text on line by line, each made safe with [`line`]. The renderer
/// writes its own line breaks as `\n`; a line break inside a value must have been escaped
/// with [`clean`] before (here it would be taken for the renderer's). CRLF line ends (CSV)
/// are kept as they are.
pub struct Guard<'a> {
    out: &'a mut dyn Write,
    pending: Vec<u8>,
}

impl<'a> Guard<'a> {
    pub fn new(out: &'a mut dyn Write) -> Self {
        Guard { out, pending: Vec::new() }
    }

    /// Write what is left (a last line without `\n`).
    pub fn finish(mut self) -> io::Result<()> {
        self.flush_line(false)?;
        self.out.flush()
    }

    fn flush_line(&mut self, newline: bool) -> io::Result<()> {
        let raw = std::mem::take(&mut self.pending);
        let text = String::from_utf8_lossy(&raw);
        let (body, crlf) = match text.strip_suffix('\r') {
            Some(body) if newline => (body, true),
            _ => (&*text, false),
        };
        self.out.write_all(line(body).as_bytes())?;
        if crlf {
            self.out.write_all(b"\r")?;
        }
        if newline {
            self.out.write_all(b"\n")?;
        }
        self.pending = raw;
        self.pending.clear();
        Ok(())
    }
}

impl Write for Guard<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while let Some(i) = memchr::memchr(b'\n', rest) {
            self.pending.extend_from_slice(&rest[..i]);
            self.flush_line(true)?;
            rest = &rest[i + 1..];
        }
        self.pending.extend_from_slice(rest);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        // A partial line stays until its end is known: flushing it now could split `::`.
        self.out.flush()
    }
}

/// Render into `out` through a [`Guard`].
pub fn guarded(out: &mut dyn Write, render: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let mut guard = Guard::new(out);
    render(&mut guard)?;
    guard.finish()
}

/// JSON whose strings carry no unsafe character raw, losslessly: each is written as a
/// `\uXXXX` escape, and so is the first `#` of `##[` and `##vso[` (the legacy CI commands
/// read anywhere in a line). A parser reads back exactly the same strings. serde_json
/// escapes only C0 controls, so a C1 control, a bidi override or `##[error]` in a file name
/// or a URL fragment reaches a CI log raw when a JSON or SARIF report is printed there.
///
/// For `json.rs` and `sarif.rs`: serialise with
/// `serde_json::Serializer::with_formatter(out, SafeJson::pretty())`.
///
/// Indented as serde_json's pretty printer does it (two spaces), except, with
/// [`SafeJson::report`], an array whose first value is a number or an array: it is written
/// on one line, compactly, with everything in it. The JSON report's page indexes and
/// `[page, line]` occurrences are hundreds of thousands of small arrays; one value per
/// line made them most of its size.
pub struct SafeJson {
    /// Nesting depth: the indentation of the next line.
    depth: usize,
    /// The innermost open array or object has a value (it closes on a line of its own).
    has_value: bool,
    /// The depth of the one-line array being written, if any: all inside it is compact.
    inline_from: Option<usize>,
    /// An array's first value is next, and decides how the array is written.
    undecided: bool,
    inline_arrays: bool,
}

impl SafeJson {
    /// serde_json's pretty layout.
    pub fn pretty() -> Self {
        SafeJson { depth: 0, has_value: false, inline_from: None, undecided: false, inline_arrays: false }
    }

    /// The pretty layout, with arrays of numbers and arrays of arrays on one line.
    pub fn report() -> Self {
        SafeJson { inline_arrays: true, ..SafeJson::pretty() }
    }

    /// [`SafeJson::report`] for a value written `depth` levels into the report, as that
    /// formatter would write it there: the JSON report writes its top-level fields one by
    /// one, some ahead of time.
    pub fn report_at(depth: usize) -> Self {
        SafeJson { depth, ..SafeJson::report() }
    }

    fn newline<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
        w.write_all(b"\n")?;
        for _ in 0..self.depth {
            w.write_all(b"  ")?;
        }
        Ok(())
    }

    /// Before a value: when it is an array's first, it decides the array's layout.
    fn value<W: ?Sized + Write>(&mut self, w: &mut W, one_line: bool) -> io::Result<()> {
        if !std::mem::take(&mut self.undecided) {
            return Ok(());
        }
        if one_line && self.inline_arrays {
            self.inline_from = Some(self.depth);
            Ok(())
        } else {
            self.newline(w)
        }
    }

    fn inline(&self) -> bool {
        self.inline_from.is_some()
    }
}

macro_rules! numbers {
    ($($name:ident: $t:ty),*) => {$(
        fn $name<W: ?Sized + Write>(&mut self, w: &mut W, value: $t) -> io::Result<()> {
            self.value(w, true)?;
            serde_json::ser::CompactFormatter.$name(w, value)
        }
    )*};
}

impl serde_json::ser::Formatter for SafeJson {
    fn write_string_fragment<W: ?Sized + Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        // Nearly every string of a report is printable ASCII without a `#`: checked a byte at
        // a time in a loop the compiler vectorises, not decoded a character at a time.
        if fragment.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'#') {
            return w.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            let legacy = c == '#' && (fragment[i..].starts_with("##[") || fragment[i..].starts_with("##vso["));
            if is_unsafe(c) || legacy {
                w.write_all(&fragment.as_bytes()[start..i])?;
                // Every unsafe character is in the Basic Multilingual Plane: one escape.
                write!(w, "\\u{:04x}", c as u32)?;
                start = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    numbers!(write_i8: i8, write_i16: i16, write_i32: i32, write_i64: i64, write_i128: i128,
        write_u8: u8, write_u16: u16, write_u32: u32, write_u64: u64, write_u128: u128,
        write_f32: f32, write_f64: f64);

    fn write_number_str<W: ?Sized + Write>(&mut self, w: &mut W, value: &str) -> io::Result<()> {
        self.value(w, true)?;
        w.write_all(value.as_bytes())
    }
    fn write_null<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.value(w, false)?;
        w.write_all(b"null")
    }
    fn write_bool<W: ?Sized + Write>(&mut self, w: &mut W, value: bool) -> io::Result<()> {
        self.value(w, false)?;
        w.write_all(if value { b"true" } else { b"false" })
    }
    fn begin_string<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.value(w, false)?;
        w.write_all(b"\"")
    }
    fn write_raw_fragment<W: ?Sized + Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        self.value(w, false)?;
        w.write_all(fragment.as_bytes())
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.value(w, true)?;
        self.depth += 1;
        self.has_value = false;
        w.write_all(b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.inline() {
            if self.inline_from == Some(self.depth) {
                self.inline_from = None;
            }
            self.depth -= 1;
        } else {
            self.depth -= 1;
            if self.has_value {
                self.newline(w)?;
            }
        }
        w.write_all(b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if self.inline() {
            return if first { Ok(()) } else { w.write_all(b",") };
        }
        if first {
            self.undecided = true;
            return Ok(());
        }
        w.write_all(b",")?;
        self.newline(w)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.value(w, false)?;
        self.depth += 1;
        self.has_value = false;
        w.write_all(b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth -= 1;
        if !self.inline() && self.has_value {
            self.newline(w)?;
        }
        w.write_all(b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        if self.inline() { Ok(()) } else { self.newline(w) }
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(if self.inline() { b":" } else { b": " })
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_visible() {
        assert_eq!(clean("plain ünïcode 名前"), "plain ünïcode 名前");
        assert!(matches!(clean("plain"), Cow::Borrowed(_)));
        assert_eq!(clean("a\u{1b}[31mred\u{7}"), "a\\u{1b}[31mred\\u{7}");
        assert_eq!(clean("two\r\nlines\t"), "two\\r\\nlines\\t");
        assert_eq!(clean("\u{9b}31m \u{85} \u{7f}"), "\\u{9b}31m \\u{85} \\u{7f}");
        assert_eq!(clean("abc\u{202e}txt.exe\u{2066}"), "abc\\u{202e}txt.exe\\u{2066}");
        assert_eq!(clean("zero\u{200b}width\u{feff}\u{2028}"), "zero\\u{200b}width\\u{feff}\\u{2028}");
        assert_eq!(clean_text("two\r\nlines\n\u{1b}[0m"), "two\\r\nlines\n\\u{1b}[0m");
    }

    #[test]
    fn no_line_reads_as_a_ci_command() {
        assert_eq!(line("  ::error::pwned"), "  \\::error::pwned");
        assert_eq!(line("::add-mask::x"), "\\::add-mask::x");
        assert_eq!(line("\u{a0}\u{3000}::warning::x"), "\u{a0}\u{3000}\\::warning::x");
        assert_eq!(line("\u{feff}::error::x"), "\\u{feff}\\::error::x");
        assert_eq!(line("\u{85}::error::x"), "\\u{85}\\::error::x");
        assert_eq!(
            line("see ##[error]x and ##vso[task.setvariable]y"),
            "see ##\\[error]x and ##vso\\[task.setvariable]y"
        );
        assert_eq!(line("a :: b"), "a :: b");
        assert_eq!(line("http://[::1]:8080/"), "http://[::1]:8080/");
    }

    #[test]
    fn the_guard_checks_whole_lines() {
        let mut out = Vec::new();
        guarded(&mut out, |w| {
            write!(w, "ok\n    :")?;
            write!(w, ":error::split across writes\r\n\u{1b}]0;title\u{7}\nlast")
        })
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ok\n    \\::error::split across writes\r\n\\u{1b}]0;title\\u{7}\nlast"
        );
    }

    #[test]
    fn json_strings_are_safe_and_read_back_the_same() {
        use serde::Serialize;
        let value = serde_json::json!({
            "file": "c1-\u{9b}31m \u{202e}txt \u{1b}[0m legacy-##[error]x ##vso[y] # [ok]",
            "list": ["plain", "\n::error::x"],
        });
        let mut out = Vec::new();
        value.serialize(&mut serde_json::Serializer::with_formatter(&mut out, SafeJson::pretty())).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.chars().any(|c| is_unsafe(c) && c != '\n'), "{text}");
        assert!(!text.contains("##[") && !text.contains("##vso["), "{text}");
        assert!(text.contains("\\u009b") && text.contains("\\u0023#[error]") && text.contains("# [ok]"), "{text}");
        assert!(text.contains("\n  \"list\": [\n    \"plain\","), "pretty as before: {text}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), value);
    }

    /// `pretty` is serde_json's layout, byte for byte; `report` differs only in putting
    /// arrays that start with a number or an array on one line, and both read back the same.
    #[test]
    fn report_layout_puts_number_arrays_on_one_line() {
        use serde::Serialize;
        let value = serde_json::json!({
            "pages": [0, 1, 2],
            "empty": [],
            "nothing": {},
            "names": ["a", "b\u{202e}"],
            "resources": [{"occurrences": [[0, 12], [2, 7, "both", {"type": "Script", "chain": ["x"]}]], "n": null}],
            "deep": [[[1], []], [2.5, true]],
        });
        let write = |f: SafeJson| {
            let mut out = Vec::new();
            value.serialize(&mut serde_json::Serializer::with_formatter(&mut out, f)).unwrap();
            String::from_utf8(out).unwrap()
        };
        let pretty = write(SafeJson::pretty());
        let mut plain = Vec::new();
        value.serialize(&mut serde_json::Serializer::pretty(&mut plain)).unwrap();
        assert_eq!(pretty, String::from_utf8(plain).unwrap().replace('\u{202e}', "\\u202e"));
        let report = write(SafeJson::report());
        assert!(report.contains("\n  \"pages\": [0,1,2],\n"), "{report}");
        assert!(report.contains("\n  \"empty\": [],\n") && report.contains("\n  \"nothing\": {},\n"), "{report}");
        assert!(report.contains("\n  \"names\": [\n    \"a\",\n    \"b\\u202e\"\n  ],"), "{report}");
        assert!(report.contains(r#""occurrences": [[0,12],[2,7,"both",{"chain":["x"],"type":"Script"}]]"#), "{report}");
        assert!(report.contains(r#""deep": [[[1],[]],[2.5,true]]"#), "{report}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&report).unwrap(), value);
    }
}
