use std::io::Write;
use std::process::ExitCode;

// See Cargo.toml: fewer lost bytes and less time than glibc's malloc on the crawl's
// many-threaded, allocation-heavy parsing.
#[cfg(all(feature = "jemalloc", not(target_env = "msvc")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = vendorscan::cli::parse();
    vendorscan::commands::verbose::init(cli.verbose);
    let result = vendorscan::run(cli);
    if let Err(e) = &result {
        // Not eprintln!: a closed stderr must not turn an error into a panic.
        let _ = writeln!(std::io::stderr().lock(), "{e}");
    }
    ExitCode::from(vendorscan::exit_code(&result))
}
