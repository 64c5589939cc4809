//! The `ghl-migrate` binary: parses the command line and hands over to the command modules
//! (`cli`); `serve` offers the same engine over HTTP.

mod cli;
mod serve;

/// mimalloc: planning 100,000 contacts allocates millions of small strings and values; glibc's
/// allocator spent a fifth of the run faulting in and zeroing pages it had just given back.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cli::run());
}
