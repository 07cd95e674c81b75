//! What reading a request's payload costs (browser mode's observed data flows).
//!
//! Every request a visit records is searched for the test identity in each form (plain,
//! URL-encoded, base64, hashed) and decoded as its tag protocol, on the visit's own task. These
//! measure one request of each common shape, so the per-page cost can be read off: a page sends
//! tens to hundreds of requests.
//!
//! Benchmarks (time per request):
//! - `flows/pixel`: a Meta Pixel `/tr` GET with a hashed e-mail in its query.
//! - `flows/ga4_batch`: a GA4 `/g/collect` POST of three events.
//! - `flows/json_20k`: a 20 KB JSON body (a replay or analytics batch) carrying the e-mail.
//! - `flows/gzip_200k`: a 200 KB body, gzip'd (a session-replay upload).
//! - `flows/matcher`: building the matcher for a page (once per visit).
//!
//! Quick run: `cargo bench --bench flows -- --warm-up-time 1 --measurement-time 3`.

use criterion::Criterion;
use std::hint::black_box;
use std::io::Write;
use std::time::Duration;
use url::Url;
use vendorscan::flows::identity::Identity;
use vendorscan::flows::{Matcher, Outgoing, analyse};
use vendorscan::model::Via;

fn benches(c: &mut Criterion) {
    let page = Url::parse("https://shop.example/products/mug?variant=2").unwrap();
    let needles = Identity::default().needles();
    let m = Matcher::new(needles.clone(), Some(&page));
    let sha = "b6e753eaa37e2b3c1f77666a5b3465027e4d7e5040c7b99a24f0c3e593965112";
    let pixel = Url::parse(&format!(
        "https://www.facebook.com/tr/?id=2048391756203847&ev=AddToCart&dl=https%3A%2F%2Fshop.example%2Fproducts%2Fmug\
         &rl=&if=false&ts=1764777600000&cd[value]=19.00&cd[currency]=EUR&ud[em]={sha}&sw=1280&sh=800&v=2.9.180&r=stable"
    ))
    .unwrap();
    let ga4 = Url::parse("https://region1.google-analytics.com/g/collect?v=2&tid=G-7KX2P9QMZ4&gtm=45je5&cid=123.456&ul=en-us&sr=1280x800&dl=https%3A%2F%2Fshop.example%2Fproducts%2Fmug&dt=Mug").unwrap();
    let ga4_body = b"en=page_view&_et=12\nen=view_item&epn.value=19&ep.currency=EUR&pr1=idSKU1~nmMug~pr19\nen=scroll&epn.percent_scrolled=90";
    let collect = Url::parse("https://in.replay.example/collect").unwrap();
    let mut json = String::from("{\"events\":[");
    while json.len() < 20_000 {
        json.push_str(
            "{\"t\":\"mousemove\",\"x\":412,\"y\":96,\"ts\":1764777600123,\"target\":\"div.product-card > a\"},",
        );
    }
    json.push_str("{\"t\":\"input\",\"v\":\"vendorscan.testperson@example.com\"}]}");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for i in 0..4000 {
        let _ = write!(gz, "{{\"t\":\"dom\",\"n\":{i},\"html\":\"<div class=card>Mug</div>\"}},");
    }
    let gzipped = gz.finish().unwrap();

    // Each shape must find what it carries, or the bench would time a miss.
    let found =
        |u: &Url, b: Option<&[u8]>| analyse(&Outgoing { url: u, body: b, body_via: Via::Body }, &m).observations.len();
    assert!(found(&pixel, None) > 0 && found(&collect, Some(json.as_bytes())) > 0);
    let mut g = c.benchmark_group("flows");
    g.bench_function("pixel", |b| {
        b.iter(|| analyse(black_box(&Outgoing { url: &pixel, body: None, body_via: Via::Body }), &m))
    });
    g.bench_function("ga4_batch", |b| {
        b.iter(|| analyse(black_box(&Outgoing { url: &ga4, body: Some(ga4_body), body_via: Via::Beacon }), &m))
    });
    g.bench_function("json_20k", |b| {
        b.iter(|| analyse(black_box(&Outgoing { url: &collect, body: Some(json.as_bytes()), body_via: Via::Body }), &m))
    });
    g.bench_function("gzip_200k", |b| {
        b.iter(|| analyse(black_box(&Outgoing { url: &collect, body: Some(&gzipped), body_via: Via::Beacon }), &m))
    });
    g.bench_function("matcher", |b| b.iter(|| Matcher::new(black_box(needles.clone()), Some(&page))));
    g.finish();
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    benches(&mut c);
    c.final_summary();
}
