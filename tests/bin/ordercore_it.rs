//! The `ordercore` binary under another name, so integration tests can run it as a process.

fn main() -> std::process::ExitCode {
    api::cli::main()
}
