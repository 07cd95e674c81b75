//! Any string as a host, a URL, inline JavaScript, a policy file or a vendor file: the
//! classification and validation paths must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use vendorscan::scope::{Scope, normalize_host, registrable_domain};
use vendorscan::vendors::VendorDb;

static DB: LazyLock<VendorDb> = LazyLock::new(|| VendorDb::embedded().unwrap());

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let scope = Scope::new(["shop.example"], [s]);
    if let Some(host) = normalize_host(s) {
        let _ = registrable_domain(&host);
        let _ = DB.lookup(&host);
        let _ = scope.is_first_party(&host);
    }
    let _ = registrable_domain(s);
    let _ = DB.lookup(s);
    if let Ok(u) = url::Url::parse(s) {
        if let Some(h) = u.host_str() {
            let _ = DB.lookup(h);
            let _ = scope.is_first_party(h);
        }
        let _ = vendorscan::inventory::page_path(u.as_str());
    }
    let _ = vendorscan::inventory::page_path(s);
    for found in vendorscan::extract::urls_in_script(s) {
        // Every URL found in script text is rebuilt as http(s) with a validated host.
        assert!(found.url.starts_with("http") && found.offset <= s.len(), "{}", found.url);
    }
    let _ = vendorscan::policy::parse(s, None, &DB);
    let _ = vendorscan::vendors::check_user_file(s, &DB);
    let _ = vendorscan::policy::parse_date(s);
});
