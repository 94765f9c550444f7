//! The progress bar of the commands that simulate many years.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use nines::app::Progress;
use std::io::IsTerminal;
use std::time::{Duration as WallDuration, Instant};

/// A progress bar on stderr, shown only when stderr is a terminal and the run has already
/// taken a second; it never touches the results.
///
/// The bar exists from the start, drawing nowhere, so that its rate and ETA estimates see
/// every year from the first; after a second it starts drawing on stderr.
pub(crate) struct Bar {
    done: u64,
    started: Instant,
    bar: ProgressBar,
    shown: bool,
}

impl Bar {
    /// How long a run goes before its bar appears.
    const SHOW_AFTER: WallDuration = WallDuration::from_secs(1);

    /// A bar for a run of `total` years, hidden for its first second.
    pub(crate) fn new(total: u64) -> Bar {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        let style = ProgressStyle::with_template("{bar:40} {pos}/{len} years  {rate}  eta {eta}")
            .map(|style| {
                style.with_key(
                    "rate",
                    |state: &ProgressState, out: &mut dyn std::fmt::Write| {
                        let _ = write!(out, "{}", years_per_second(state.per_sec()));
                    },
                )
            })
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        Bar {
            done: 0,
            started: Instant::now(),
            bar,
            shown: false,
        }
    }
}

impl Progress for Bar {
    fn year(&mut self) {
        self.done += 1;
        // The bar limits its own redraws; setting the position is an atomic store.
        self.bar.set_position(self.done);
        // Reading the clock every year showed in profiles of cheap years (it runs on the
        // in-order consumer); every 32nd year is as prompt for a delay of seconds. The first
        // 32 are each looked at, so that a run of few, slow years still shows its bar.
        let look = self.done < 32 || self.done.is_multiple_of(32);
        if !self.shown && look && self.started.elapsed() > Self::SHOW_AFTER {
            self.shown = true;
            if std::io::stderr().is_terminal() {
                self.bar.set_draw_target(ProgressDrawTarget::stderr());
            }
        }
    }

    fn finish(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// A rate of simulated years per second with three significant digits or whole years:
/// `15411 years/s`, `42.5 years/s`, `0.731 years/s`.
fn years_per_second(rate: f64) -> String {
    let decimals = match rate {
        r if r >= 100.0 => 0,
        r if r >= 10.0 => 1,
        r if r >= 1.0 => 2,
        _ => 3,
    };
    format!("{rate:.decimals$} years/s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_as_years_per_second() {
        assert_eq!(years_per_second(15_411.4), "15411 years/s");
        assert_eq!(years_per_second(42.52), "42.5 years/s");
        assert_eq!(years_per_second(3.251), "3.25 years/s");
        assert_eq!(years_per_second(0.7312), "0.731 years/s");
    }
}
