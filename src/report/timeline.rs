//! One simulated year as intervals: when each component was not serving, and the system's
//! outages. Collected by tracing the year, so it is exactly what `run` simulated.

use crate::engine::{TraceEvent, Tracer};
use crate::plan::Plan;
use crate::time::Duration;

/// One row of the timeline: a name and its down intervals `[start, end)`, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// `system` or a component's name.
    pub name: String,
    /// When it was down.
    pub down: Vec<(Duration, Duration)>,
}

/// The down intervals of one year: the system's first, then each component's in model
/// order. A [`Tracer`]: pass it to [`crate::engine::Engine::simulate_traced`].
#[derive(Clone, Debug)]
pub struct Timeline {
    /// The traced year.
    pub year: u64,
    /// Its length.
    pub horizon: Duration,
    rows: Vec<Row>,
    open: Vec<Option<Duration>>,
}

impl Timeline {
    /// An empty timeline of `year` of `plan`.
    pub fn new(plan: &Plan, year: u64) -> Timeline {
        let names = std::iter::once("system".to_string())
            .chain(plan.components.iter().map(|c| c.name.clone()));
        let rows: Vec<Row> = names
            .map(|name| Row {
                name,
                down: Vec::new(),
            })
            .collect();
        Timeline {
            year,
            horizon: plan.horizon,
            open: vec![None; rows.len()],
            rows,
        }
    }

    /// The system's row, then one per component.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Row `row` is `up` from `at`. Intervals are maximal and of positive length, as the
    /// engine's outages are: one that ends the microsecond it began is dropped, and one that
    /// begins the microsecond the last ended continues it (an upgrade's next step).
    fn change(&mut self, row: usize, at: Duration, up: bool) {
        let down = &mut self.rows[row].down;
        match (self.open[row].take(), up) {
            (Some(start), true) if start < at => down.push((start, at)),
            (Some(_), true) => {}
            (None, false) => match down.last() {
                Some(&(start, end)) if end == at => {
                    down.pop();
                    self.open[row] = Some(start);
                }
                _ => self.open[row] = Some(at),
            },
            (open, _) => self.open[row] = open,
        }
    }
}

impl Tracer for Timeline {
    fn event(&mut self, at: Duration, event: TraceEvent) {
        match event {
            TraceEvent::ComponentChanged {
                component, serving, ..
            } => self.change(component as usize + 1, at, serving),
            TraceEvent::ExpressionChanged { expression: 0, up } => self.change(0, at, up),
            TraceEvent::YearEnd => {
                for row in 0..self.rows.len() {
                    self.change(row, at, true);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The system's intervals, fed the changes `(at in seconds, up)` and the year's end.
    fn system(changes: &[(u64, bool)]) -> Vec<(u64, u64)> {
        let plan = crate::fixtures::plan(crate::fixtures::MODEL, 1);
        let mut timeline = Timeline::new(&plan, 0);
        for &(at, up) in changes {
            let event = TraceEvent::ExpressionChanged { expression: 0, up };
            timeline.event(Duration::from_secs(at), event);
        }
        timeline.event(plan.horizon, TraceEvent::YearEnd);
        let secs = |d: Duration| d.as_micros() / 1_000_000;
        timeline.rows()[0]
            .down
            .iter()
            .map(|&(start, end)| (secs(start), secs(end)))
            .collect()
    }

    /// Down and up again at the same second is no interval; up and down again at the same
    /// second continues the interval, as the engine's outages do.
    #[test]
    fn intervals_are_maximal_and_of_positive_length() {
        assert_eq!(system(&[(10, false), (10, true)]), []);
        assert_eq!(
            system(&[
                (10, false),
                (20, true),
                (20, false),
                (30, true),
                (40, false),
                (50, true)
            ]),
            [(10, 30), (40, 50)]
        );
    }
}
