//! Inputs that once crashed or hung the extractor (see tests/fuzz-regressions/README.md).

use crate::common::root;

#[test]
fn every_regression_input_extracts() {
    let dir = root().join("tests/fuzz-regressions");
    let base = url::Url::parse("https://shop.example/").unwrap();
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) == Some("md") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let text = vendorscan::decode::decode_html(&bytes, None);
        let ex = vendorscan::extract::extract(&base, &text);
        assert!(ex.resources.iter().all(|r| r.url.scheme() == "https"), "{}", path.display());
        seen += 1;
    }
    assert!(seen >= 2, "regression inputs are missing from {}", dir.display());
    // The deep-nesting input still yields its pixel.
    let deep = std::fs::read_to_string(dir.join("deep-nesting.html")).unwrap();
    let ex = vendorscan::extract::extract(&base, &deep);
    assert_eq!(ex.resources.len(), 1);
}
