//! The `ordercore` binary: parses flags and hands over to the library.

fn main() -> std::process::ExitCode {
    api::cli::main()
}
