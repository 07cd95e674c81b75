//! The test identity a browser visit types into a page, and the forms it may leave in.
//!
//! Enters: an [`Identity`] (the fixed, obviously fake default, or values from `--identity`
//! and the policy's `[identity]` table). Leaves: what to type into each kind of field
//! ([`Identity::value_for`]) and the [`Needle`]s to look for in what the page sends: each
//! value as typed and normalised the ways tags normalise it, and hashed the ways ad
//! platforms ask for (lowercased and trimmed, phone numbers as E.164 digits, then SHA-256,
//! SHA-1 and MD5, as hex and as base64 of the digest).

use super::Encoding;
use base64::Engine;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// What a visitor could type: the identity a visit types into forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub email: String,
    pub phone: String,
    pub first_name: String,
    pub last_name: String,
    pub street: String,
    pub city: String,
    pub postal_code: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
}

impl Default for Identity {
    /// Obviously fake and unlikely to occur on a page by chance: a match is the typed value
    /// leaving, not a coincidence. The phone number is in the 555-01xx range reserved for
    /// fiction; `example.com` receives no mail.
    fn default() -> Self {
        Identity {
            email: "vendorscan.testperson@example.com".into(),
            phone: "+1 202-555-0147".into(),
            first_name: "Vendorina".into(),
            last_name: "Testperson".into(),
            street: "742 Evergreen Terrace".into(),
            city: "Testington".into(),
            postal_code: "ZZ9 9ZZ".into(),
            birth_date: "1970-01-31".into(),
        }
    }
}

/// The names `--identity KEY=VALUE` and the policy's `[identity]` table accept.
pub const KEYS: &[&str] = &["email", "phone", "first-name", "last-name", "street", "city", "postal-code", "birth-date"];

/// The kind of form field, as the page hook classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Email,
    Phone,
    FirstName,
    LastName,
    FullName,
    Street,
    City,
    PostalCode,
    BirthDate,
}

impl Field {
    /// The page hook's name for the kind (see `browser/typing.js`).
    pub fn parse(s: &str) -> Option<Field> {
        Some(match s {
            "email" => Field::Email,
            "phone" => Field::Phone,
            "first-name" => Field::FirstName,
            "last-name" => Field::LastName,
            "name" => Field::FullName,
            "street" => Field::Street,
            "city" => Field::City,
            "postal-code" => Field::PostalCode,
            "birth-date" => Field::BirthDate,
            _ => return None,
        })
    }
}

impl Identity {
    /// Set one value by its key; the error says what is wrong, for an `error:` line.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        let value = value.trim();
        if value.is_empty() {
            return Err(format!("identity `{key}` is empty"));
        }
        // A short value would be found by chance in unrelated payloads (a name of three
        // letters is in every minified script): every match must mean the value left.
        let min = if key == "postal-code" { 3 } else { 5 };
        if value.chars().count() < min {
            return Err(format!(
                "identity `{key}` = \"{value}\" is too short to be told from chance ({min} characters at least)"
            ));
        }
        let slot = match key {
            "email" => {
                if !value.contains('@') {
                    return Err(format!("identity `email` = \"{value}\" is not an e-mail address"));
                }
                &mut self.email
            }
            "phone" => {
                if digits(value).len() < 7 {
                    return Err(format!("identity `phone` = \"{value}\" has fewer than 7 digits"));
                }
                &mut self.phone
            }
            "first-name" => &mut self.first_name,
            "last-name" => &mut self.last_name,
            "street" => &mut self.street,
            "city" => &mut self.city,
            "postal-code" => &mut self.postal_code,
            "birth-date" => {
                if parse_date(value).is_none() {
                    return Err(format!("identity `birth-date` = \"{value}\" is not a date as YYYY-MM-DD"));
                }
                &mut self.birth_date
            }
            other => {
                return Err(format!("unknown identity key `{other}` (known: {})", KEYS.join(", ")));
            }
        };
        *slot = value.to_owned();
        Ok(())
    }

    /// What a person types into a field of this kind.
    pub fn value_for(&self, field: Field) -> String {
        match field {
            Field::Email => self.email.clone(),
            Field::Phone => self.phone.clone(),
            Field::FirstName => self.first_name.clone(),
            Field::LastName => self.last_name.clone(),
            Field::FullName => format!("{} {}", self.first_name, self.last_name),
            Field::Street => self.street.clone(),
            Field::City => self.city.clone(),
            Field::PostalCode => self.postal_code.clone(),
            Field::BirthDate => self.birth_date.clone(),
        }
    }

    /// Every form the identity may leave the page in, longest first within a value, so a
    /// search that prefers the longest match at a position reports the e-mail address,
    /// not the last name inside it.
    pub fn needles(&self) -> Vec<Needle> {
        let mut out = Vec::new();
        let mut add = |text: String, kind: &'static str, of: &'static str, encoding: Option<Encoding>| {
            let text = text.trim().to_ascii_lowercase();
            if !text.is_empty() && !out.iter().any(|n: &Needle| n.text == text) {
                let digits_only = text.bytes().all(|b| b.is_ascii_digit());
                out.push(Needle { text, kind, of, hashed: encoding, digits_only });
            }
        };
        let email = self.email.trim().to_lowercase();
        add(email.clone(), "email", "email", None);
        hashes(&email, "email", &mut add);

        let phone_digits = digits(&self.phone);
        add(self.phone.clone(), "phone", "phone", None);
        add(format!("+{phone_digits}"), "phone", "phone", None);
        add(phone_digits.clone(), "phone", "phone", None);
        // Without the country code, as a national form writes it: the code is one to three
        // digits, and a suffix that is not the national number never matches anything (each
        // is a whole run of digits, and at least seven long).
        if let Some(rest) = self.phone.trim().strip_prefix('+') {
            for cc in 1..=3 {
                if let Some(national) = phone_digits.get(cc..).filter(|n| n.len() >= 7) {
                    add(national.to_owned(), "phone", "phone", None);
                }
            }
            // As typed without the country code (`202-555-0147` from `+1 202-555-0147`), and
            // the ways an input mask writes a ten-digit national number.
            let after_cc = rest.trim_start_matches(|c: char| c.is_ascii_digit());
            let national_typed = after_cc.trim_start_matches([' ', '-', '.', ')']);
            if digits(national_typed).len() >= 7 {
                add(national_typed.to_owned(), "phone", "phone", None);
            }
        }
        let ten = if phone_digits.len() == 11 && phone_digits.starts_with('1') { &phone_digits[1..] } else { "" };
        if ten.len() == 10 {
            let (a, b, c) = (&ten[..3], &ten[3..6], &ten[6..]);
            for form in
                [format!("({a}) {b}-{c}"), format!("{a}-{b}-{c}"), format!("{a}.{b}.{c}"), format!("{a} {b} {c}")]
            {
                add(form, "phone", "phone", None);
            }
        }
        hashes(&phone_digits, "phone", &mut add);
        hashes(&format!("+{phone_digits}"), "phone", &mut add);

        let full = format!("{} {}", self.first_name.trim(), self.last_name.trim());
        add(full, "name", "name", None);
        for n in [&self.first_name, &self.last_name] {
            let n = n.trim().to_lowercase();
            add(n.clone(), "name", "name", None);
            hashes(&n, "name", &mut add);
        }

        add(self.street.clone(), "postal-address", "street", None);
        let city = self.city.trim().to_lowercase();
        add(city.clone(), "postal-address", "city", None);
        hashes(&city.replace(' ', ""), "postal-address", &mut add);
        let postal = self.postal_code.trim().to_lowercase();
        add(postal.clone(), "postal-address", "postal-code", None);
        let postal_compact: String = postal.chars().filter(|c| !c.is_whitespace()).collect();
        add(postal_compact.clone(), "postal-address", "postal-code", None);
        hashes(&postal_compact, "postal-address", &mut add);

        if let Some((y, m, d)) = parse_date(&self.birth_date) {
            add(format!("{y}-{m}-{d}"), "date-of-birth", "birth-date", None);
            add(format!("{y}{m}{d}"), "date-of-birth", "birth-date", None);
            add(format!("{m}/{d}/{y}"), "date-of-birth", "birth-date", None);
            add(format!("{d}/{m}/{y}"), "date-of-birth", "birth-date", None);
            add(format!("{d}.{m}.{y}"), "date-of-birth", "birth-date", None);
            hashes(&format!("{y}{m}{d}"), "date-of-birth", &mut add);
        }
        // Longest first: the search keeps the longest needle that matches at a position.
        out.sort_by(|a, b| b.text.len().cmp(&a.text.len()).then_with(|| a.text.cmp(&b.text)));
        out
    }
}

/// One form of one identity value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needle {
    /// Lowercase ASCII where the value is ASCII; the search ignores ASCII case.
    pub text: String,
    /// The data kind the value is (`email`, `phone`, `name`, `postal-address`,
    /// `date-of-birth`); a hashed form reports `hashed-identifier` of it.
    pub kind: &'static str,
    /// Which value (`email`, `phone`, `name`, `street`, `city`, `postal-code`, `birth-date`).
    pub of: &'static str,
    /// The hash this form is (`sha256`, `sha1`, `md5`), or `None` for the value itself.
    pub hashed: Option<Encoding>,
    /// A run of digits (a phone number): it counts only where no digit is beside it, since
    /// a timestamp or an id may contain any seven digits.
    pub digits_only: bool,
}

impl Needle {
    /// The words the report uses in place of the value (`«sha256(e-mail)»`).
    pub fn placeholder(&self) -> String {
        let what = match self.of {
            "email" => "e-mail",
            "birth-date" => "birth date",
            "postal-code" => "postal code",
            other => other,
        };
        match self.hashed {
            Some(h) => format!("«{}({what})»", h.as_str()),
            None => format!("«{what}»"),
        }
    }
}

fn hashes(value: &str, of: &'static str, add: &mut impl FnMut(String, &'static str, &'static str, Option<Encoding>)) {
    if value.is_empty() {
        return;
    }
    let b64 = base64::engine::general_purpose::STANDARD_NO_PAD;
    let b64url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let sha256 = Sha256::digest(value.as_bytes());
    add(hex(&sha256), "hashed-identifier", of, Some(Encoding::Sha256));
    // Google's enhanced conversions send the digest in (web-safe) base64, not hex. Base64
    // is case-sensitive, and the search is not: a 43-character digest cannot collide by
    // chance either way.
    add(b64.encode(sha256), "hashed-identifier", of, Some(Encoding::Sha256));
    add(b64url.encode(sha256), "hashed-identifier", of, Some(Encoding::Sha256));
    add(hex(&Sha1::digest(value.as_bytes())), "hashed-identifier", of, Some(Encoding::Sha1));
    add(hex(&Md5::digest(value.as_bytes())), "hashed-identifier", of, Some(Encoding::Md5));
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// `YYYY-MM-DD` as its three parts, zero-padded.
fn parse_date(s: &str) -> Option<(String, String, String)> {
    let mut parts = s.trim().split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || !(1..=2).contains(&m.len()) || !(1..=2).contains(&d.len()) {
        return None;
    }
    let (yn, mn, dn): (u32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1900..=2100).contains(&yn) || !(1..=12).contains(&mn) || !(1..=31).contains(&dn) {
        return None;
    }
    Some((y.to_owned(), format!("{mn:02}"), format!("{dn:02}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_identity_yields_plain_and_hashed_forms() {
        let n = Identity::default().needles();
        let find = |t: &str| n.iter().find(|x| x.text == t);
        let email = find("vendorscan.testperson@example.com").expect("plain e-mail");
        assert_eq!((email.kind, email.hashed), ("email", None));
        // SHA-256 of the normalised e-mail, computed independently with coreutils' sha256sum.
        let h = n.iter().find(|x| x.of == "email" && x.hashed == Some(Encoding::Sha256)).unwrap();
        assert_eq!(h.text.len(), 64);
        assert_eq!(h.kind, "hashed-identifier");
        assert!(find("12025550147").is_some_and(|x| x.digits_only), "E.164 digits");
        assert!(find("+12025550147").is_some());
        assert!(find("2025550147").is_some(), "national form");
        assert!(find("(202) 555-0147").is_some() && find("202-555-0147").is_some(), "as a mask writes it");
        assert!(find("19700131").is_some(), "Meta's db format");
        assert!(find("zz99zz").is_some(), "postal code without spaces");
        assert!(n.windows(2).all(|w| w[0].text.len() >= w[1].text.len()), "longest first");
    }

    #[test]
    fn hashes_are_of_the_normalised_value() {
        let mut id = Identity::default();
        id.set("email", "  Someone.Else@Example.ORG ").unwrap();
        let n = id.needles();
        let sha = n.iter().find(|x| x.of == "email" && x.hashed == Some(Encoding::Sha256)).unwrap();
        assert_eq!(sha.text, hex(&Sha256::digest(b"someone.else@example.org")));
        let md5 = n.iter().find(|x| x.of == "email" && x.hashed == Some(Encoding::Md5)).unwrap();
        assert_eq!(md5.text, hex(&Md5::digest(b"someone.else@example.org")));
    }

    #[test]
    fn bad_values_are_refused_with_a_reason() {
        let mut id = Identity::default();
        assert!(id.set("email", "nobody").unwrap_err().contains("not an e-mail"));
        assert!(id.set("phone", "+1 23").unwrap_err().contains("7 digits"));
        assert!(id.set("first-name", "Al").unwrap_err().contains("too short"));
        assert!(id.set("postal-code", "1").unwrap_err().contains("3 characters"));
        assert!(id.set("birth-date", "31/01/1970").unwrap_err().contains("YYYY-MM-DD"));
        assert!(id.set("shoe-size", "44444").unwrap_err().contains("unknown identity key"));
        assert_eq!(id, Identity::default(), "a refused value changes nothing");
        id.set("birth-date", "1985-7-4").unwrap();
        assert!(id.needles().iter().any(|x| x.text == "19850704"));
    }

    #[test]
    fn placeholders_name_the_value_and_its_hash() {
        let n = Identity::default().needles();
        let p: Vec<String> = n.iter().map(Needle::placeholder).collect();
        assert!(p.contains(&"«e-mail»".to_owned()));
        assert!(p.contains(&"«sha256(e-mail)»".to_owned()));
        assert!(p.contains(&"«md5(phone)»".to_owned()));
    }
}
