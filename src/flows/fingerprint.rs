//! Browser fingerprinting by the page's scripts: canvas, fonts, WebGL and audio.
//!
//! Enters: one message the page hook sent through the binding, parsed as JSON, of the shape
//! `{ "t": "fp", "technique": "canvas" | "canvas-font" | "webgl" | "audio", "by": <script
//! URL or null>, "detail": "<what was seen>" }`. Leaves: a [`Sighting`] (which technique,
//! which script, a short detail), or `None` for any other message. The page side is
//! [`HOOK_JS`] (`src/browser/fingerprint.js`), a function the page hook calls once per frame,
//! before any page script, as `(HOOK_JS)(send, caller)`; it wraps the few canvas, WebGL and
//! Web Audio methods fingerprinting needs and sends one message the first time a script
//! meets one of the heuristics below, at most once per technique and script in a frame.
//!
//! The heuristics follow OpenWPM's (Englehardt & Narayanan, "Online tracking: A 1-million-site
//! measurement and analysis", 2016, section 6) and The Markup's Blacklight, which uses the
//! same thresholds; WebGL and audio are this module's own, after the published scripts
//! (fingerprintjs2, FingerprintJS) they are meant to catch. "The script" is the innermost
//! http(s) script on the stack when the call is made.
//! - **Canvas**: the script draws text with `fillText`/`strokeText` that has at least 10
//!   distinct characters in one call, or draws text in at least 2 colours (the fill or stroke
//!   style at the time of the draw), on a canvas of at least 16×16 px, and then reads that
//!   canvas back itself: `toDataURL`/`toBlob`/`convertToBlob` in any format but a lossy JPEG or
//!   WebP export (how a page shrinks a photo before upload, and it blurs away what a
//!   fingerprint measures), or `getImageData` of at least 16×16 px covering at least half the
//!   canvas. Not reported: a canvas anyone called `save`, `restore` or `addEventListener` on
//!   (OpenWPM's sign of a drawing app), or one with more than 64 text draws (a chart or an
//!   editor; a probe writes a text or two). Emoji-support tests (WordPress's) draw emoji
//!   sequences of fewer than 10 distinct code points in one colour and stay unreported.
//! - **Canvas font** (labelled "font fingerprinting"): the script calls `measureText` in at
//!   least 50 distinct `font` values, or reads `offsetWidth`/`offsetHeight` of elements in at
//!   least 50 distinct inline `font-family` values (the DOM probe FingerprintJS and
//!   fingerprintjs2 use: a span per candidate font, measured against a fallback).
//! - **WebGL**: the script reads `UNMASKED_VENDOR_WEBGL` (0x9245) or `UNMASKED_RENDERER_WEBGL`
//!   (0x9246), which answer only once `WEBGL_debug_renderer_info` is enabled: the GPU's real
//!   vendor and model. Or the script that made a context's first draw call reads at least
//!   16×16 px of it back (`readPixels`, or exports its canvas as above) after at most 16 draw
//!   calls, and no image, video or canvas of the page was uploaded to it as a texture: a probe
//!   renders generated geometry once; a product viewer or game renders the page's images,
//!   frame after frame.
//! - **Audio**: the script created an oscillator and a dynamics compressor or an analyser on
//!   one audio context, and then starts rendering it (`OfflineAudioContext.startRendering`)
//!   or reads an analyser of it (`getFloatFrequencyData` and the like).
//!
//! Not seen: scripts in workers (the hook runs in frames), frames the hook does not run in,
//! nodes made with constructors (`new OscillatorNode(ctx)`) instead of the context's factory
//! methods, draws through the `ANGLE_instanced_arrays` extension, element sizes read through
//! `getBoundingClientRect`. The wrappers keep their names, lengths and property attributes
//! but not a native `toString`, so a script that checks for `[native code]` can tell.
//!
//! Plain functions, no runtime: the browser visit calls [`parse`] on each binding message.

use serde_json::Value;

/// The page hook's source (the function expression), for the browser module to embed.
pub const HOOK_JS: &str = include_str!("../browser/fingerprint.js");

/// The longest `detail` kept, in characters: the hook's own are under 100.
pub const MAX_DETAIL_CHARS: usize = 120;

/// The longest script URL kept, in characters (a tag manager's query strings run long).
pub const MAX_SCRIPT_CHARS: usize = 2_000;

/// One fingerprinting technique a script was seen using.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Technique {
    Canvas,
    /// Font probing, through canvas `measureText` or through element sizes.
    CanvasFont,
    Webgl,
    Audio,
}

impl Technique {
    /// Every technique, in the order reports list them.
    pub const ALL: [Technique; 4] = [Technique::Canvas, Technique::CanvasFont, Technique::Webgl, Technique::Audio];

    /// The name in the hook's messages and in JSON (serde writes the same).
    pub fn as_str(self) -> &'static str {
        match self {
            Technique::Canvas => "canvas",
            Technique::CanvasFont => "canvas-font",
            Technique::Webgl => "webgl",
            Technique::Audio => "audio",
        }
    }

    /// Human words for tables and messages.
    pub fn label(self) -> &'static str {
        match self {
            Technique::Canvas => "canvas fingerprinting",
            // Not "canvas font": the element-size probe counts here too.
            Technique::CanvasFont => "font fingerprinting",
            Technique::Webgl => "WebGL fingerprinting",
            Technique::Audio => "audio fingerprinting",
        }
    }

    fn from_name(name: &str) -> Option<Technique> {
        Technique::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// A script seen fingerprinting the browser.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Sighting {
    pub technique: Technique,
    /// The script's URL; `None` when the stack named no http(s) script (code the page ran
    /// from an `eval` or an extension) or named something that is not a web URL.
    pub script: Option<String>,
    /// What was seen, e.g. "toDataURL after fillText of 29 distinct chars in 2 colour(s) on
    /// 280x60"; one line, at most [`MAX_DETAIL_CHARS`] characters.
    pub detail: String,
}

/// Read one message the page hook sent (the parsed JSON object). `None` unless it is a
/// well-formed `fp` message; never panics; caps `detail` at 120 chars and `script` at 2,000
/// chars, and drops a `script` that is not an http(s)/ws(s) URL.
///
/// The binding is hidden from the page, so a message comes from the hook; the checks are
/// for a hook that changed, or a page that found a way to the binding all the same.
pub fn parse(msg: &Value) -> Option<Sighting> {
    let obj = msg.as_object()?;
    if obj.get("t")?.as_str()? != "fp" {
        return None;
    }
    let technique = Technique::from_name(obj.get("technique")?.as_str()?)?;
    let detail = one_line(obj.get("detail")?.as_str()?);
    let script = match obj.get("by") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => web_url(s),
        // Neither a URL nor "no script": not a message of the hook's.
        Some(_) => return None,
    };
    Some(Sighting { technique, script, detail })
}

/// The detail as one line of at most [`MAX_DETAIL_CHARS`] characters: control characters
/// become spaces (a report prints it on its line), a longer text ends in "…".
fn one_line(s: &str) -> String {
    let cleaned: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let cleaned = cleaned.trim();
    if cleaned.chars().count() <= MAX_DETAIL_CHARS {
        return cleaned.to_owned();
    }
    let mut out: String = cleaned.chars().take(MAX_DETAIL_CHARS - 1).collect();
    out.push('…');
    out
}

/// `s`, cut to [`MAX_SCRIPT_CHARS`], if it is an http(s) or ws(s) URL with a host. The
/// text is kept as the stack wrote it, not normalised, so it compares equal to the `by` of
/// the hook's other messages. Whitespace or controls never occur in a stack's URL; a value
/// with them is dropped rather than trusted.
fn web_url(s: &str) -> Option<String> {
    let s = match s.char_indices().nth(MAX_SCRIPT_CHARS) {
        Some((cut, _)) => &s[..cut],
        None => s,
    };
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let url = url::Url::parse(s).ok()?;
    let web = matches!(url.scheme(), "http" | "https" | "ws" | "wss");
    (web && url.host().is_some()).then(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn msg(technique: &str, by: Value, detail: &str) -> Value {
        json!({ "t": "fp", "technique": technique, "by": by, "detail": detail })
    }

    #[test]
    fn reads_each_technique_the_hook_sends() {
        let m = msg("canvas", json!("https://fp.example/fp.js?v=3"), "toDataURL after fillText of 26 distinct chars");
        assert_eq!(
            parse(&m),
            Some(Sighting {
                technique: Technique::Canvas,
                script: Some("https://fp.example/fp.js?v=3".to_owned()),
                detail: "toDataURL after fillText of 26 distinct chars".to_owned(),
            })
        );
        for t in Technique::ALL {
            let s = parse(&msg(t.as_str(), json!("http://cdn.example/a.js"), "x")).unwrap();
            assert_eq!(s.technique, t);
        }
        for by in ["ws://a.example/x.js", "wss://a.example/x.js", "https://a.example:8443/x.js"] {
            assert_eq!(parse(&msg("audio", json!(by), "x")).unwrap().script.as_deref(), Some(by));
        }
    }

    #[test]
    fn no_script_when_the_stack_named_none() {
        assert_eq!(parse(&msg("webgl", Value::Null, "getParameter")).unwrap().script, None);
        let m = json!({ "t": "fp", "technique": "webgl", "detail": "getParameter" });
        assert_eq!(parse(&m).unwrap().script, None);
    }

    #[test]
    fn rejects_other_messages() {
        assert_eq!(parse(&json!({ "t": "cookie", "name": "_ga", "by": null })), None);
        assert_eq!(parse(&json!({ "technique": "canvas", "by": null, "detail": "x" })), None);
        assert_eq!(parse(&json!({ "t": 1, "technique": "canvas", "by": null, "detail": "x" })), None);
        assert_eq!(parse(&json!({ "t": "FP", "technique": "canvas", "by": null, "detail": "x" })), None);
    }

    #[test]
    fn rejects_unknown_techniques() {
        for t in ["Canvas", "canvas_font", "CanvasFont", "fonts", "", " canvas", "webgl2"] {
            assert_eq!(parse(&msg(t, Value::Null, "x")), None, "{t:?}");
        }
        assert_eq!(parse(&json!({ "t": "fp", "technique": 3, "by": null, "detail": "x" })), None);
        assert_eq!(parse(&json!({ "t": "fp", "by": null, "detail": "x" })), None);
    }

    #[test]
    fn rejects_non_objects() {
        for v in [json!(null), json!(true), json!(42), json!("fp"), json!(["fp", "canvas"]), json!([])] {
            assert_eq!(parse(&v), None, "{v}");
        }
    }

    #[test]
    fn rejects_odd_fields() {
        // `by` must be a string or null, `detail` a string.
        assert_eq!(parse(&msg("canvas", json!(7), "x")), None);
        assert_eq!(parse(&msg("canvas", json!({ "href": "https://a.example/" }), "x")), None);
        assert_eq!(parse(&msg("canvas", json!(["https://a.example/x.js"]), "x")), None);
        assert_eq!(parse(&json!({ "t": "fp", "technique": "canvas", "by": null })), None);
        assert_eq!(parse(&json!({ "t": "fp", "technique": "canvas", "by": null, "detail": 5 })), None);
        assert_eq!(parse(&json!({ "t": "fp", "technique": "canvas", "by": null, "detail": null })), None);
    }

    #[test]
    fn drops_a_script_that_is_no_web_url() {
        for by in [
            "",
            "fp.js",
            "/static/fp.js",
            "//cdn.example/fp.js",
            "file:///tmp/fp.js",
            "data:text/javascript,alert(1)",
            "javascript:alert(1)",
            "blob:https://shop.example/6f1c",
            "chrome-extension://abcdef/content.js",
            "https://",
            "https://a.example/x.js\nhttps://b.example/y.js",
            " https://a.example/x.js",
            "https://a.example/x\u{7}.js",
        ] {
            let s = parse(&msg("canvas", json!(by), "x")).unwrap();
            assert_eq!(s.script, None, "{by:?}");
        }
    }

    #[test]
    fn caps_oversize_values() {
        let long = "d".repeat(500);
        let s = parse(&msg("canvas", Value::Null, &long)).unwrap();
        assert_eq!(s.detail.chars().count(), MAX_DETAIL_CHARS);
        assert!(s.detail.ends_with('…'));
        // Characters, not bytes: a multi-byte detail is cut on a character boundary.
        let s = parse(&msg("canvas", Value::Null, &"é".repeat(300))).unwrap();
        assert_eq!(s.detail.chars().count(), MAX_DETAIL_CHARS);
        let exact = "x".repeat(MAX_DETAIL_CHARS);
        assert_eq!(parse(&msg("canvas", Value::Null, &exact)).unwrap().detail, exact);

        let url = format!("https://a.example/x.js?{}", "q".repeat(5_000));
        let s = parse(&msg("canvas", json!(url), "x")).unwrap();
        let script = s.script.unwrap();
        assert_eq!(script.chars().count(), MAX_SCRIPT_CHARS);
        assert!(url.starts_with(&script));
        let url = format!("https://a.example/{}.js", "é".repeat(3_000));
        assert_eq!(parse(&msg("canvas", json!(url), "x")).unwrap().script.unwrap().chars().count(), MAX_SCRIPT_CHARS);
    }

    #[test]
    fn detail_is_one_line() {
        let s = parse(&msg("audio", Value::Null, "  start\nRendering\u{1b}[31m\t ")).unwrap();
        assert_eq!(s.detail, "start Rendering [31m");
        assert_eq!(parse(&msg("audio", Value::Null, "")).unwrap().detail, "");
    }

    #[test]
    fn names_match_serde_and_read_back() {
        for t in Technique::ALL {
            assert_eq!(serde_json::to_value(t).unwrap(), json!(t.as_str()));
            assert_eq!(Technique::from_name(t.as_str()), Some(t));
            assert!(t.label().ends_with("fingerprinting"));
        }
        assert_eq!(Technique::CanvasFont.as_str(), "canvas-font");
    }

    /// The hook's text without its leading `//` and `/* */` comments and whitespace.
    fn code_start(mut s: &str) -> &str {
        loop {
            s = s.trim_start();
            if let Some(rest) = s.strip_prefix("//") {
                s = rest.split_once('\n').map_or("", |(_, after)| after);
            } else if let Some(rest) = s.strip_prefix("/*") {
                s = rest.split_once("*/").map_or("", |(_, after)| after);
            } else {
                return s;
            }
        }
    }

    #[test]
    fn hook_is_a_function_expression() {
        let code = code_start(HOOK_JS);
        assert!(code.starts_with('(') || code.starts_with("function"), "{}", &code[..code.len().min(40)]);
        // The browser module calls it as `(HOOK_JS)(send, caller)`: a trailing `;` or a last
        // line that is a `//` comment would break that expression.
        let end = HOOK_JS.trim_end();
        assert!(end.ends_with('}'), "ends with {:?}", &end[end.len().saturating_sub(20)..]);
        assert!(!end.lines().last().unwrap_or("").trim_start().starts_with("//"));
    }

    #[test]
    fn hook_sends_what_parse_reads() {
        assert!(HOOK_JS.contains("t: 'fp'"));
        for t in Technique::ALL {
            assert!(HOOK_JS.contains(&format!("'{}'", t.as_str())), "{t:?} missing from the hook");
        }
    }
}
