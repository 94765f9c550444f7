//! The `nines` binary: parse the command line, run it, map the result to an exit status.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    ignore_file_size_signal();
    let cli = match cli::Cli::parse_or_exit_code() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match cli.execute() {
        Ok(code) => code,
        Err(error) => {
            if error.is_quiet() {
                return ExitCode::from(error.exit_code());
            }
            for line in error.to_string().lines() {
                cli::say(format_args!("error: {line}"));
            }
            ExitCode::from(error.exit_code())
        }
    }
}

/// Past a file size limit (`ulimit -f`, RLIMIT_FSIZE) the kernel kills the writer with
/// SIGXFSZ, which would leave the run's temporary files behind; ignored, the write fails
/// with EFBIG instead, and the ordinary error path reports it and removes them.
fn ignore_file_size_signal() {
    // SAFETY: setting a signal's disposition to SIG_IGN at start-up, before any other thread
    // exists, installs no handler and touches no memory; with the
    // constructor of `cli::streams`, the only unsafe code of nines.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN)
    };
}
