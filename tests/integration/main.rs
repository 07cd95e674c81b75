//! Integration tests: the real binary against real servers on loopback and real files.

mod common;

mod browser;
mod cli;
mod corpus;
mod crawl;
mod formats;
mod gate;
mod hostile;
mod local;
mod regressions;
mod tokenizer;
mod trust_html;
