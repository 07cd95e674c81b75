//! Bytes to text, in the page's own charset.
//!
//! Enters: a body and its `Content-Type` (if any). Leaves: UTF-8 text. The order follows
//! the HTML standard's encoding sniffing, minus the parts that need a browser: a byte
//! order mark, then the HTTP charset, then a `<meta charset>` / `http-equiv` declaration in
//! the first 1024 bytes, then UTF-8. Invalid bytes become U+FFFD instead of failing a page.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};
use regex::bytes::Regex;
use std::sync::LazyLock;

static META_CHARSET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)<meta[^>]*?charset\s*=\s*["']?\s*([a-zA-Z0-9_:.+-]+)"#).expect("valid regex"));

/// The charset parameter of a Content-Type header value.
pub fn charset_of(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case("charset").then(|| v.trim().trim_matches('"'))
    })
}

pub fn decode_html(bytes: &[u8], content_type: Option<&str>) -> String {
    let (text, _, _) = encoding_of(bytes, content_type).decode(bytes); // handles a BOM, which wins over both
    text.into_owned()
}

/// [`decode_html`] for a body the caller is done with: a UTF-8 page (most of them) becomes
/// the text without being copied.
pub fn decode_html_owned(bytes: Vec<u8>, content_type: Option<&str>) -> String {
    if encoding_of(&bytes, content_type) == UTF_8 && !bytes.starts_with(b"\xef\xbb\xbf") {
        return match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => UTF_8.decode(e.as_bytes()).0.into_owned(),
        };
    }
    decode_html(&bytes, content_type)
}

fn encoding_of(bytes: &[u8], content_type: Option<&str>) -> &'static Encoding {
    let declared = content_type.and_then(charset_of).and_then(|c| Encoding::for_label(c.as_bytes()));
    let sniffed = || {
        let head = &bytes[..bytes.len().min(1024)];
        META_CHARSET.captures(head).and_then(|c| Encoding::for_label(&c[1]))
    };
    let encoding = declared.or_else(sniffed).unwrap_or(UTF_8);
    // A UTF-16 label in a <meta> cannot be right (the meta itself was read as ASCII);
    // the HTML standard says to use UTF-8 then.
    if declared.is_none() && (encoding == UTF_16LE || encoding == UTF_16BE) { UTF_8 } else { encoding }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_meta_bom_and_default() {
        let latin1 = b"<p>caf\xe9</p>";
        assert_eq!(decode_html(latin1, Some("text/html; charset=ISO-8859-1")), "<p>café</p>");
        let meta = b"<meta charset=\"windows-1252\"><p>\x80</p>";
        assert!(decode_html(meta, Some("text/html")).contains('€'));
        let sjis =
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\"><p>\x93\xfa\x96\x7b</p>";
        assert!(decode_html(sjis, None).contains("日本"));
        let bom = b"\xef\xbb\xbf<p>\xc3\xa9</p>";
        assert_eq!(decode_html(bom, Some("text/html; charset=iso-8859-1")), "<p>é</p>");
        assert_eq!(decode_html(b"<p>\xff</p>", None), "<p>\u{fffd}</p>");
        // The owned form agrees, with and without a copy.
        for (bytes, ct) in [
            (&latin1[..], Some("text/html; charset=ISO-8859-1")),
            (&meta[..], None),
            (&sjis[..], None),
            (&bom[..], None),
        ] {
            assert_eq!(decode_html_owned(bytes.to_vec(), ct), decode_html(bytes, ct));
        }
        assert_eq!(decode_html_owned(b"<p>\xff\xc3\xa9</p>".to_vec(), None), "<p>\u{fffd}\u{e9}</p>");
    }
}
