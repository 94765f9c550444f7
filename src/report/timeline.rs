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

    fn change(&mut self, row: usize, at: Duration, up: bool) {
        match (self.open[row].take(), up) {
            (Some(start), true) => self.rows[row].down.push((start, at)),
            (None, false) => self.open[row] = Some(at),
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
