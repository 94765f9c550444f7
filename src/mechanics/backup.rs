//! Backups and what a restore finds (SPEC section 7; `docs/semantics.md`, "Data
//! protection"), stated once for the engine and `explain`.
//!
//! Backup k starts at `start + k·every` for every integer k, also before the year begins,
//! so an early incident finds the same history as a later one. It holds the data as of its
//! start, is usable from its completion unless it failed, and is deleted `retention` after
//! its start. A restore takes the newest backup that started before the damage, completed
//! by the time it is needed, and is still kept when the restore begins.
//!
//! The closed form (`docs/statistics.md`; Wolff 1982, PASTA): with backups every T taking B
//! and an incident at a uniform phase φ after the last start, the loss is φ when that
//! backup is complete in time, else φ + T: uniform on [B', B' + T) with B' = max(B − D, 0)
//! for a detection delay D, mean T/2 + B' (a mixture of these for drawn B and D); each independently failing backup (share p)
//! adds T, a geometric number of times: mean T/2 + B' + T·p/(1 − p).

use super::Draw;
use crate::dist::Dist;
use crate::time::Duration;

/// The resolution of the draw deciding whether a backup fails: one in a million.
const CHANCES: u64 = 1_000_000;

/// One backup's draws: how long it took and whether it turned out unusable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackupDraw {
    /// From start to completion.
    pub duration: Duration,
    /// Whether it is unusable.
    pub failed: bool,
}

/// Of [`CHANCES`], how many make a backup fail.
fn failing_chances(fails: f64) -> u64 {
    (fails * CHANCES as f64).round() as u64
}

/// Whether every backup fails (`fails` rounds to certainty at the draw's resolution): no
/// backup is ever usable.
pub fn always_fails(fails: f64) -> bool {
    failing_chances(fails) >= CHANCES
}

/// Draws one backup: whether it fails (one draw when `fails` is positive), then its
/// duration (one draw unless fixed). Backups are drawn in index order from their stream,
/// so backup k's draws depend on k alone.
pub fn draw_backup(draws: &mut impl Draw, duration: &Dist, fails: f64) -> BackupDraw {
    let failed = fails > 0.0 && {
        let chance = draws.below(Duration::from_micros(CHANCES)).as_micros();
        chance < failing_chances(fails)
    };
    BackupDraw {
        duration: draws.draw(duration),
        failed,
    }
}

/// When backups start and how long they are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackupSchedule {
    /// Time between two starts, positive.
    pub every: Duration,
    /// The start of backup 0, from the beginning of the year.
    pub start: Duration,
    /// How long a backup is kept after its start; `None` for ever.
    pub retention: Option<Duration>,
}

/// What a restore looks for: a backup started before `damage`, complete by `ready_by`,
/// kept at `restore_at`. Times are from the beginning of the year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RestoreQuery {
    /// When the data was damaged or lost.
    pub damage: Duration,
    /// When the backup must be complete.
    pub ready_by: Duration,
    /// When the restore begins.
    pub restore_at: Duration,
    /// No backup started before this is left (a site loss took every backup kept there):
    /// the search ends at it. `None` when nothing bounds it but retention.
    pub lost_before: Option<Duration>,
}

/// A backup's start and completion, in µs from the beginning of the year (negative before).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackupRun {
    /// Its index: backup 0 is the first at or after the beginning of the year.
    pub index: i64,
    /// Its start.
    pub start_us: i64,
    /// Its completion.
    pub end_us: i64,
}

impl BackupSchedule {
    /// The start of backup `index`, in µs from the beginning of the year.
    pub fn start_us(&self, index: i64) -> i64 {
        micros(self.start) + index * micros(self.every)
    }

    /// The index of the last backup starting strictly before `at`.
    pub fn last_before(&self, at: Duration) -> i64 {
        (micros(at) - micros(self.start) - 1).div_euclid(micros(self.every))
    }

    /// The newest usable backup for `query`: `draw(k)` gives backup k's draws, or `None`
    /// to abandon the search (a stop was requested: the search may cover a year of
    /// backups), `lost(run)` whether a backup that ran was lost since (with its site).
    /// `None` when no backup is usable (the data is unrecoverable) or the search was
    /// abandoned.
    pub fn newest_usable(
        &self,
        query: RestoreQuery,
        mut draw: impl FnMut(i64) -> Option<BackupDraw>,
        lost: impl Fn(BackupRun) -> bool,
    ) -> Option<BackupRun> {
        // Without retention every backup is kept: the search ends at the first usable one,
        // or where a site loss took the rest; a caller whose backups can all fail must not
        // ask for it.
        let retained = self.retention.map_or(i64::MIN, |retention| {
            micros(query.restore_at) - micros(retention)
        });
        let kept_since = retained.max(query.lost_before.map_or(i64::MIN, micros));
        let mut index = self.last_before(query.damage);
        loop {
            let start_us = self.start_us(index);
            if start_us < kept_since {
                return None;
            }
            let backup = draw(index)?;
            let run = BackupRun {
                index,
                start_us,
                end_us: start_us.saturating_add(micros(backup.duration)),
            };
            if !backup.failed && run.end_us <= micros(query.ready_by) && !lost(run) {
                return Some(run);
            }
            index -= 1;
        }
    }
}

/// The data lost restoring `run` after damage at `damage`.
pub fn data_lost(damage: Duration, run: BackupRun) -> Duration {
    Duration::from_micros((micros(damage) - run.start_us).max(0) as u64)
}

/// `duration` in µs as a signed number (model durations are far below 2^63 µs).
fn micros(duration: Duration) -> i64 {
    duration.as_micros().min(i64::MAX as u64) as i64
}

/// The closed-form law of the data lost by a restore (see the module's documentation),
/// in seconds: backups every `every`, a share `fails` failing; retention and lookback are
/// taken as unbounded. The backup's duration B and the detection D may be drawn: the law is
/// the mixture, over their joint values, of the law for each offset B' = max(B − D, 0).
#[derive(Clone, Debug, PartialEq)]
pub struct RpoLaw {
    /// The interval T.
    every: f64,
    /// The offsets B', equally likely.
    offsets: Vec<f64>,
    /// The share p of failed backups.
    fails: f64,
}

impl RpoLaw {
    /// The law for backups every `every` seconds, a share `fails` (below 1) failing, whose
    /// durations and detections are equally likely values from `durations` and `detects`
    /// (independent; one value each when fixed). Neither list may be empty.
    pub fn new(every: f64, durations: &[f64], detects: &[f64], fails: f64) -> RpoLaw {
        let offsets = durations
            .iter()
            .flat_map(|b| detects.iter().map(move |d| (b - d).max(0.0)))
            .collect();
        RpoLaw {
            every,
            offsets,
            fails,
        }
    }

    /// The mean loss: T/2 + E[B'] + T·p/(1 − p).
    pub fn mean(&self) -> f64 {
        let offset = self.offsets.iter().sum::<f64>() / self.offsets.len() as f64;
        self.every / 2.0 + offset + self.every * self.fails / (1.0 - self.fails)
    }

    /// The probability that the loss is at most `x`: for each offset B', a uniform on
    /// [B' + gT, B' + (g+1)T) with g geometric, P(g) = (1 − p)·p^g.
    pub fn cdf(&self, x: f64) -> f64 {
        let one = |offset: f64| {
            let steps = (x - offset) / self.every;
            if steps <= 0.0 {
                return 0.0;
            }
            let whole = steps.floor();
            // P(g < whole) + P(g = whole)·(steps − whole), with P(g < n) = 1 − p^n.
            let below = 1.0 - crate::math::powf(self.fails, whole);
            let at = (1.0 - self.fails) * crate::math::powf(self.fails, whole);
            (below + at * (steps - whole)).min(1.0)
        };
        self.offsets.iter().map(|o| one(*o)).sum::<f64>() / self.offsets.len() as f64
    }

    /// The `q`-quantile of the loss, by bisection on [`RpoLaw::cdf`].
    pub fn quantile(&self, q: f64) -> f64 {
        let (mut low, mut high) = (0.0, self.offsets.iter().fold(0.0, |a: f64, b| a.max(*b)));
        high += self.every;
        while self.cdf(high) < q {
            high += self.every;
        }
        for _ in 0..60 {
            let mid = (low + high) / 2.0;
            if self.cdf(mid) < q {
                low = mid;
            } else {
                high = mid;
            }
        }
        high
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(every: u64, start: u64, retention: Option<u64>) -> BackupSchedule {
        BackupSchedule {
            every: Duration::from_secs(every),
            start: Duration::from_secs(start),
            retention: retention.map(Duration::from_secs),
        }
    }

    fn query(damage: u64, ready_by: u64) -> RestoreQuery {
        RestoreQuery {
            damage: Duration::from_secs(damage),
            ready_by: Duration::from_secs(ready_by),
            restore_at: Duration::from_secs(ready_by),
            lost_before: None,
        }
    }

    fn ok(seconds: u64) -> BackupDraw {
        BackupDraw {
            duration: Duration::from_secs(seconds),
            failed: false,
        }
    }

    #[test]
    fn the_schedule_extends_before_the_year() {
        let s = schedule(100, 30, None);
        assert_eq!(s.last_before(Duration::from_secs(30)), -1);
        assert_eq!(s.last_before(Duration::from_secs(31)), 0);
        assert_eq!(s.start_us(-1), -70_000_000);
        let found = s.newest_usable(query(10, 10), |_| Some(ok(5)), |_| false);
        assert_eq!(found.map(|r| r.index), Some(-1));
        assert_eq!(
            data_lost(Duration::from_secs(10), found.unwrap()),
            Duration::from_secs(80)
        );
    }

    #[test]
    fn an_incomplete_or_failed_backup_is_skipped() {
        let s = schedule(100, 0, None);
        // Damage at 105: backup 1 (start 100) takes 10 s, not complete at 105 unless the
        // detection lasts until 110.
        let found = s.newest_usable(query(105, 105), |_| Some(ok(10)), |_| false);
        assert_eq!(found.map(|r| r.index), Some(0));
        let found = s.newest_usable(query(105, 110), |_| Some(ok(10)), |_| false);
        assert_eq!(found.map(|r| r.index), Some(1));
        let failed_one = |k| {
            Some(BackupDraw {
                failed: k == 1,
                ..ok(1)
            })
        };
        let found = s.newest_usable(query(150, 150), failed_one, |_| false);
        assert_eq!(found.map(|r| r.index), Some(0));
    }

    #[test]
    fn retention_shorter_than_the_detection_leaves_nothing() {
        let s = schedule(100, 0, Some(150));
        // Restore at 400: kept backups started at 250 or later; the newest before the
        // damage at 200 started at 100.
        assert_eq!(
            s.newest_usable(query(200, 400), |_| Some(ok(1)), |_| false),
            None
        );
        assert!(
            s.newest_usable(query(200, 240), |_| Some(ok(1)), |_| false)
                .is_some()
        );
    }

    /// Kept for ever means any distance back: a weekly backup is found from a day-long year
    /// that began four days after it, and one failing for two years of daily backups is
    /// passed over for the one before.
    #[test]
    fn without_retention_the_search_goes_back_as_far_as_it_must() {
        let weekly = schedule(7 * 86_400, 3 * 86_400, None);
        let found = weekly.newest_usable(query(36_000, 36_000), |_| Some(ok(3600)), |_| false);
        assert_eq!(found.map(|r| r.index), Some(-1));
        assert_eq!(
            data_lost(Duration::from_secs(36_000), found.unwrap()),
            Duration::from_secs(4 * 86_400 + 36_000)
        );
        let daily = schedule(86_400, 0, None);
        let failing_for_two_years = |k: i64| {
            Some(BackupDraw {
                failed: k > -730,
                ..ok(1)
            })
        };
        let found = daily.newest_usable(query(3600, 3600), failing_for_two_years, |_| false);
        assert_eq!(found.map(|r| r.index), Some(-730));
    }

    /// Where a site loss took every backup before it, the search ends there, though every
    /// backup is kept and every one before is lost.
    #[test]
    fn a_search_ends_where_a_site_loss_took_the_rest() {
        let daily = schedule(86_400, 0, None);
        let query = RestoreQuery {
            lost_before: Some(Duration::from_secs(10 * 86_400)),
            ..query(11 * 86_400 + 60, 11 * 86_400 + 60)
        };
        let mut looked = Vec::new();
        let draw = |k: i64| {
            looked.push(k);
            Some(ok(3600))
        };
        // Backup 11 is still running; 10 started at the loss; 9 and before, lost.
        assert_eq!(daily.newest_usable(query, draw, |run| run.index < 11), None);
        assert_eq!(looked, [11, 10]);
    }

    #[test]
    fn only_a_certain_failure_makes_every_backup_fail() {
        assert!(always_fails(1.0));
        assert!(always_fails(0.999_999_5));
        assert!(!always_fails(0.999_999));
        assert!(!always_fails(0.0));
    }

    #[test]
    fn an_abandoned_search_finds_nothing() {
        let s = schedule(100, 0, None);
        // Every backup failed: the search would go on, but stops at the third.
        let mut looked = 0;
        let draw = |_| {
            looked += 1;
            (looked < 3).then_some(BackupDraw {
                failed: true,
                ..ok(1)
            })
        };
        assert_eq!(s.newest_usable(query(1000, 1000), draw, |_| false), None);
        assert_eq!(looked, 3);
    }

    #[test]
    fn the_closed_form_mean_and_quantiles_agree() {
        let law = RpoLaw::new(3600.0, &[600.0], &[0.0], 0.0);
        assert_eq!(law.mean(), 1800.0 + 600.0);
        assert!((law.quantile(0.5) - 2400.0).abs() < 1e-6);
        let failing = RpoLaw::new(100.0, &[0.0], &[0.0], 0.5);
        assert_eq!(failing.mean(), 150.0);
        // P(loss ≤ 100) = P(g = 0) = 1/2.
        assert!((failing.cdf(100.0) - 0.5).abs() < 1e-12);
        assert!((failing.quantile(0.75) - 200.0).abs() < 1e-6);
        // Detections of 0 or 600 s, equally likely: offsets 600 and 0, mean offset 300.
        let mixed = RpoLaw::new(3600.0, &[600.0], &[0.0, 600.0], 0.0);
        assert_eq!(mixed.mean(), 1800.0 + 300.0);
        assert!((mixed.cdf(600.0) - 600.0 / 3600.0 / 2.0).abs() < 1e-12);
    }
}
