//! Standard output as the process found it. Rust's runtime reopens a closed descriptor 0, 1
//! or 2 on `/dev/null` before `main` (so that a file opened later cannot take its place), which
//! would make `nines run MODEL >&-` print into nothing and exit 0. A constructor that runs
//! before the runtime records whether descriptor 1 was closed, and every write to standard
//! output refuses when it was.

use super::CliError;
use std::io::StdoutLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether descriptor 1 was closed when the process started.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Records whether descriptor 1 is closed. It is called by the dynamic loader (an
/// `.init_array` entry of ELF systems) before Rust's runtime opens `/dev/null` there.
#[cfg(all(unix, not(target_vendor = "apple")))]
extern "C" fn record_closed_stdout() {
    // SAFETY: F_GETFD on a descriptor reads its flags and changes nothing; it is valid on any
    // integer, answering -1 (EBADF) for a closed one.
    let closed = unsafe { libc::fcntl(libc::STDOUT_FILENO, libc::F_GETFD) } == -1;
    STDOUT_CLOSED.store(closed, Ordering::Relaxed);
}

/// The loader calls every function of `.init_array` before `main` and before Rust's runtime
/// start-up (which is itself called from `main`).
#[cfg(all(unix, not(target_vendor = "apple")))]
#[used]
#[unsafe(link_section = ".init_array")]
static RECORD_CLOSED_STDOUT: extern "C" fn() = record_closed_stdout;

/// The error of a write to a standard output that was closed at start.
fn closed() -> CliError {
    CliError::Output {
        what: "to standard output",
        error: std::io::Error::other(
            "it is closed (redirect it to /dev/null to discard what nines prints)",
        ),
    }
}

/// Standard output, locked, or an error if it was closed when `nines` started.
pub(crate) fn stdout() -> Result<StdoutLock<'static>, CliError> {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return Err(closed());
    }
    Ok(std::io::stdout().lock())
}
