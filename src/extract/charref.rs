//! Character references in attribute values, decoded as a browser's tokenizer does.
//!
//! Enters: an attribute value as written. Leaves: its value as the DOM holds it.
//!
//! HTML § 13.2.5.72-80 ("Character reference state" and what follows it): a reference
//! need not end in `;`. `&#47&#47cdn.example` is `//cdn.example`, `&#x2f` is `/`, and the
//! 106 legacy named references (`&amp`, `&lt`, `&copy`, ...) decode without their `;`,
//! except that *in an attribute value* one followed by `=` or an ASCII alphanumeric stays
//! as written (§ 13.2.5.73, "Named character reference state": so `?a=1&copy=2` keeps its
//! query). A decoder that only knows `&name;` (as `html_escape` does) lets a page write a
//! URL the browser sees and we do not.

use std::borrow::Cow;

/// The named references that may be written without `;` (the standard's table, entries
/// listed without the semicolon), sorted for a binary search.
const LEGACY: &[&str] = &[
    "AElig", "AMP", "Aacute", "Acirc", "Agrave", "Aring", "Atilde", "Auml", "COPY", "Ccedil", "ETH", "Eacute", "Ecirc",
    "Egrave", "Euml", "GT", "Iacute", "Icirc", "Igrave", "Iuml", "LT", "Ntilde", "Oacute", "Ocirc", "Ograve", "Oslash",
    "Otilde", "Ouml", "QUOT", "REG", "THORN", "Uacute", "Ucirc", "Ugrave", "Uuml", "Yacute", "aacute", "acirc",
    "acute", "aelig", "agrave", "amp", "aring", "atilde", "auml", "brvbar", "ccedil", "cedil", "cent", "copy",
    "curren", "deg", "divide", "eacute", "ecirc", "egrave", "eth", "euml", "frac12", "frac14", "frac34", "gt",
    "iacute", "icirc", "iexcl", "igrave", "iquest", "iuml", "laquo", "lt", "macr", "micro", "middot", "nbsp", "not",
    "ntilde", "oacute", "ocirc", "ograve", "ordf", "ordm", "oslash", "otilde", "ouml", "para", "plusmn", "pound",
    "quot", "raquo", "reg", "sect", "shy", "sup1", "sup2", "sup3", "szlig", "thorn", "times", "uacute", "ucirc",
    "ugrave", "uml", "uuml", "yacute", "yen", "yuml",
];

/// The longest named reference is 32 characters (`&CounterClockwiseContourIntegral;`).
const LONGEST_NAME: usize = 32;

fn named(name: &[u8]) -> Option<&'static str> {
    html_escape::NAMED_ENTITIES.binary_search_by(|(n, _)| (*n).cmp(name)).ok().map(|i| html_escape::NAMED_ENTITIES[i].1)
}

/// § 13.2.5.80 "Numeric character reference end state": what a code point written as a
/// number becomes.
fn numeric(n: u32) -> char {
    // C1 controls are read as windows-1252, as pages written in it meant them.
    const C1: [(u32, char); 27] = [
        (0x80, '\u{20AC}'),
        (0x82, '\u{201A}'),
        (0x83, '\u{0192}'),
        (0x84, '\u{201E}'),
        (0x85, '\u{2026}'),
        (0x86, '\u{2020}'),
        (0x87, '\u{2021}'),
        (0x88, '\u{02C6}'),
        (0x89, '\u{2030}'),
        (0x8A, '\u{0160}'),
        (0x8B, '\u{2039}'),
        (0x8C, '\u{0152}'),
        (0x8E, '\u{017D}'),
        (0x91, '\u{2018}'),
        (0x92, '\u{2019}'),
        (0x93, '\u{201C}'),
        (0x94, '\u{201D}'),
        (0x95, '\u{2022}'),
        (0x96, '\u{2013}'),
        (0x97, '\u{2014}'),
        (0x98, '\u{02DC}'),
        (0x99, '\u{2122}'),
        (0x9A, '\u{0161}'),
        (0x9B, '\u{203A}'),
        (0x9C, '\u{0153}'),
        (0x9E, '\u{017E}'),
        (0x9F, '\u{0178}'),
    ];
    if n == 0 {
        return '\u{FFFD}';
    }
    if let Some((_, c)) = C1.iter().find(|(k, _)| *k == n) {
        return *c;
    }
    // Surrogates and values past U+10FFFF are not characters.
    char::from_u32(n).unwrap_or('\u{FFFD}')
}

/// Decode the character references of an attribute value.
pub fn decode_attribute(value: &str) -> Cow<'_, str> {
    let Some(first) = memchr::memchr(b'&', value.as_bytes()) else { return Cow::Borrowed(value) };
    let bytes = value.as_bytes();
    // Made only when something decodes: most `&`s in URLs start the next parameter.
    let mut out: Option<String> = None;
    let mut copied = 0; // bytes of `value` already in `out`
    let mut at = first;
    while at < bytes.len() {
        let Some(i) = memchr::memchr(b'&', &bytes[at..]) else { break };
        let amp = at + i;
        let (decoded, end) = reference(bytes, amp);
        if let Some(text) = decoded {
            let out = out.get_or_insert_with(|| String::with_capacity(value.len()));
            out.push_str(&value[copied..amp]);
            text.push_to(out);
            copied = end;
        }
        at = end.max(amp + 1);
    }
    match out {
        None => Cow::Borrowed(value),
        Some(mut out) => {
            out.push_str(&value[copied..]);
            Cow::Owned(out)
        }
    }
}

enum Decoded {
    Char(char),
    Str(&'static str),
}

impl Decoded {
    fn push_to(&self, out: &mut String) {
        match self {
            Decoded::Char(c) => out.push(*c),
            Decoded::Str(s) => out.push_str(s),
        }
    }
}

/// The reference starting at the `&` at `amp`: what it decodes to (`None`: it stays as
/// written) and where reading resumes.
fn reference(bytes: &[u8], amp: usize) -> (Option<Decoded>, usize) {
    let at = amp + 1;
    match bytes.get(at) {
        Some(b'#') => {
            let hex = matches!(bytes.get(at + 1), Some(b'x' | b'X'));
            let digits_at = if hex { at + 2 } else { at + 1 };
            let is_digit = |b: &u8| if hex { b.is_ascii_hexdigit() } else { b.is_ascii_digit() };
            let len = bytes[digits_at.min(bytes.len())..].iter().take_while(|b| is_digit(b)).count();
            if len == 0 {
                // "Absence of digits in numeric character reference": `&#` stays as written.
                return (None, at);
            }
            let radix = if hex { 16 } else { 10 };
            // Saturates: anything past U+10FFFF is U+FFFD however long it is written.
            let n = bytes[digits_at..digits_at + len].iter().fold(0u32, |n, &b| {
                let d = (b as char).to_digit(radix).unwrap_or(0);
                n.saturating_mul(radix).saturating_add(d).min(0x11_0000)
            });
            let mut end = digits_at + len;
            // The `;` is optional (a parse error when missing, decoded all the same).
            if bytes.get(end) == Some(&b';') {
                end += 1;
            }
            (Some(Decoded::Char(numeric(n))), end)
        }
        Some(b) if b.is_ascii_alphanumeric() => {
            let run = bytes[at..].iter().take(LONGEST_NAME + 1).take_while(|b| b.is_ascii_alphanumeric()).count();
            let name = &bytes[at..at + run];
            // `&name=` (a query string's next parameter) is no reference whatever the name:
            // a legacy prefix of it is followed by an alphanumeric or by that `=`.
            if bytes.get(at + run) == Some(&b'=') {
                return (None, at + run);
            }
            if bytes.get(at + run) == Some(&b';') {
                if let Some(s) = named(name) {
                    return (Some(Decoded::Str(s)), at + run + 1);
                }
            }
            // The longest legacy name the run starts with (they are at most 6 long).
            let legacy = (2..=run.min(6)).rev().find_map(|len| {
                let prefix = std::str::from_utf8(&name[..len]).ok()?;
                LEGACY.binary_search(&prefix).ok().map(|_| len)
            });
            let Some(len) = legacy else { return (None, at + run) };
            let next = bytes.get(at + len);
            // § 13.2.5.73: in an attribute, `&copy=` and `&notit` are not references.
            if next.is_some_and(|b| *b == b'=' || b.is_ascii_alphanumeric()) {
                return (None, at + run);
            }
            (named(&name[..len]).map(Decoded::Str), at + len)
        }
        _ => (None, at),
    }
}

#[cfg(test)]
mod tests {
    use super::decode_attribute as d;

    #[test]
    fn the_legacy_table_is_sorted_and_complete() {
        assert!(super::LEGACY.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(super::LEGACY.len(), 106);
        assert!(super::LEGACY.iter().all(|n| super::named(n.as_bytes()).is_some()));
    }

    #[test]
    fn references_without_semicolons_decode_as_in_a_browser() {
        assert_eq!(d("https:&#47&#47skimmer.example/x.js"), "https://skimmer.example/x.js");
        assert_eq!(d("https:&#x2f&#X2F;skimmer.example"), "https://skimmer.example");
        assert_eq!(d("/a?x=1&ampy=2"), "/a?x=1&ampy=2", "legacy name followed by an alphanumeric");
        assert_eq!(d("/a?x=1&amp;y=2&amp/z"), "/a?x=1&y=2&/z");
        assert_eq!(d("/a?x=1&copy=2&not"), "/a?x=1&copy=2¬");
        assert_eq!(d("&notin;&notit;&nosuch;&"), "∉&notit;&nosuch;&");
        assert_eq!(d("&#0;&#x80;&#xD800;&#99999999999;&#;&#x;"), "\u{FFFD}€\u{FFFD}\u{FFFD}&#;&#x;");
        assert_eq!(d("&lt&gt;&QUOT"), "<>\"");
        assert_eq!(d("plain"), "plain");
        // A query string's `&name=` is left alone, and nothing is copied when nothing decodes.
        assert_eq!(d("/p?id=1&ev=PageView&amp=1&not=2&notx=3"), "/p?id=1&ev=PageView&amp=1&not=2&notx=3");
        assert!(matches!(d("/p?id=1&ev=PageView&cd[x]=1"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(d("/p?a&amp;b=1&copy;"), "/p?a&b=1©");
        assert_eq!(d("&CounterClockwiseContourIntegral;"), "\u{2233}");
    }
}
