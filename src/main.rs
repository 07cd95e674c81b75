use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = vendorscan::cli::Cli::parse();
    let result = vendorscan::run(cli);
    if let Err(e) = &result {
        eprintln!("{e}");
    }
    ExitCode::from(vendorscan::exit_code(&result))
}
