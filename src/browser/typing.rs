//! Typing the test identity into the page, the way a visitor does (`--no-type` turns it off).
//!
//! Enters: the page's CDP session and main frame once the page has loaded (and the consent
//! banner, if any, was answered), and the [`Identity`]. Leaves: a [`TypingAnswer`] (how many
//! fields of each kind were typed into, or why none were).
//!
//! Fields are found by `typing.js` in an isolated world, so the page's scripts can neither
//! see nor tamper with the search. Each field is focused, then every character is a real
//! key press (`Input.dispatchKeyEvent`: trusted `keydown`, `keypress`, `input`, `keyup`),
//! then the field is blurred, which fires `change`: the events tags listen to. Nothing is
//! ever submitted (no Enter is pressed, no button clicked). Only the page's own frame and
//! its same-document shadow roots are typed into; fields inside iframes are not.

use super::cdp::Cdp;
use crate::flows::identity::{Field, Identity};
use crate::model::TypingAnswer;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::time::Instant;

const SCRIPT: &str = include_str!("typing.js");

/// Fields typed into per page: a form a person fills has fewer; a page of hundreds of
/// inputs (a trap) costs no more than this.
const MAX_FIELDS: usize = 12;

/// Type the identity into the page's fields; never longer than `limit`.
pub async fn type_identity(cdp: &Cdp, session: &str, frame: String, id: &Identity, limit: Duration) -> TypingAnswer {
    let deadline = Instant::now() + limit;
    let mut answer = TypingAnswer::default();
    if let Err(e) = run(cdp, session, &frame, id, deadline, &mut answer).await {
        answer.detail = Some(e);
    } else if answer.fields.is_empty() {
        answer.detail = Some("no field to type into".into());
    }
    answer
}

async fn run(
    cdp: &Cdp,
    session: &str,
    frame: &str,
    id: &Identity,
    deadline: Instant,
    answer: &mut TypingAnswer,
) -> Result<(), String> {
    let left = || deadline.saturating_duration_since(Instant::now());
    let world = cdp
        .call_with(
            Some(session),
            "Page.createIsolatedWorld",
            json!({ "frameId": frame, "worldName": "vendorscan-typing" }),
            left(),
        )
        .await?;
    let ctx = world["executionContextId"].as_i64().ok_or("the page gave no isolated world to type from")?;
    let eval = |expr: String| {
        let params = json!({ "expression": expr, "contextId": ctx, "returnByValue": true });
        async move {
            let v = cdp.call_with(Some(session), "Runtime.evaluate", params, left()).await?;
            if v.get("exceptionDetails").is_some() {
                return Err("the field search failed in the page".to_owned());
            }
            Ok::<Value, String>(v["result"]["value"].clone())
        }
    };
    let found = eval(format!("({SCRIPT})({MAX_FIELDS})")).await?;
    let fields: Vec<(Field, bool)> = found
        .as_array()
        .into_iter()
        .flatten()
        .take(MAX_FIELDS)
        .filter_map(|f| Some((Field::parse(f["kind"].as_str()?)?, f["date"].as_bool().unwrap_or(false))))
        .collect();
    for (i, (field, is_date)) in fields.into_iter().enumerate() {
        let value = id.value_for(field);
        let focused = eval(format!(
            "(() => {{ const el = (globalThis.__vsFields || [])[{i}]; if (!el || !el.isConnected) return false; \
             el.scrollIntoView({{ block: 'center' }}); el.focus(); \
             return (el.getRootNode().activeElement || document.activeElement) === el; }})()"
        ))
        .await?;
        if focused != Value::Bool(true) {
            continue;
        }
        if is_date {
            // A date picker takes no typed characters in every locale: set the value as the
            // picker does, with the events it fires.
            eval(format!(
                "(() => {{ const el = globalThis.__vsFields[{i}]; el.value = {}; \
                 el.dispatchEvent(new Event('input', {{ bubbles: true }})); \
                 el.dispatchEvent(new Event('change', {{ bubbles: true }})); }})()",
                json!(value)
            ))
            .await?;
        } else {
            for ch in value.chars() {
                let text = ch.to_string();
                let down = json!({ "type": "keyDown", "key": text, "text": text, "unmodifiedText": text });
                cdp.call_with(Some(session), "Input.dispatchKeyEvent", down, left()).await?;
                cdp.call_with(Some(session), "Input.dispatchKeyEvent", json!({ "type": "keyUp", "key": text }), left())
                    .await?;
            }
        }
        // Leaving the field fires `change` (the value changed by user input) and `blur`. If
        // the page moved the focus while we typed (to another field, a frame), the keys went
        // there: stop, rather than type the rest of the identity into something unknown.
        let still = eval(format!(
            "(() => {{ const el = globalThis.__vsFields[{i}]; if (!el) return false; \
             const here = (el.getRootNode().activeElement || document.activeElement) === el; el.blur(); return here; }})()"
        ))
        .await?;
        *answer.fields.entry(kind_name(field)).or_default() += 1;
        if still != Value::Bool(true) {
            return Err(format!(
                "the page moved the focus away from a {} field while it was typed into; typing stopped there",
                kind_name(field)
            ));
        }
    }
    Ok(())
}

fn kind_name(f: Field) -> &'static str {
    match f {
        Field::Email => "email",
        Field::Phone => "phone",
        Field::FirstName => "first-name",
        Field::LastName => "last-name",
        Field::FullName => "name",
        Field::Street => "street",
        Field::City => "city",
        Field::PostalCode => "postal-code",
        Field::BirthDate => "birth-date",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_the_script_names_is_one_the_identity_can_fill() {
        for k in ["email", "phone", "first-name", "last-name", "name", "street", "city", "postal-code", "birth-date"] {
            assert!(SCRIPT.contains(&format!("'{k}'")), "typing.js never names {k}");
            let f = Field::parse(k).expect(k);
            assert_eq!(kind_name(f), k);
            assert!(!Identity::default().value_for(f).is_empty());
        }
    }
}
