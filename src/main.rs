use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = vendorscan::cli::Cli::parse();
    let result = vendorscan::run(cli);
    if let Err(e) = &result {
        // Not eprintln!: a closed stderr must not turn an error into a panic.
        let _ = writeln!(std::io::stderr().lock(), "{e}");
    }
    ExitCode::from(vendorscan::exit_code(&result))
}
