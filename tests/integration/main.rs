//! Integration tests: the real binary against real servers on loopback and real files.

mod common;

mod adoption;
mod architecture;
mod browser;
mod ci_templates;
mod cli;
mod corpus;
mod crawl;
mod dataflow;
mod formats;
mod gate;
mod hostile;
mod hostile_output;
mod html_report;
mod interaction;
mod journey;
mod limits;
mod local;
mod ownership;
mod regressions;
mod settle;
mod tokenizer;
mod trust_html;
