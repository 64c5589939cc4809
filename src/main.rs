//! The `ghl-migrate` binary: parses the command line and hands over to the command modules.

mod cli;

fn main() {
    std::process::exit(cli::run());
}
