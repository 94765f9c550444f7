//! Models and plans shared by the unit tests.

use crate::dist::Dist;
use crate::mechanics::Draw;
use crate::model::Model;
use crate::plan::Plan;
use crate::time::Duration;

/// Two components, three failure modes of four distributions, fixed and zero times.
pub(crate) const MODEL: &str = r#"
name = "floor"
up = "a & b"
[[component]]
name = "a"
replicas = 2
  [[component.failure]]
  name = "crash"
  every = { dist = "exponential", mean = "20d" }
  detect = { dist = "uniform", min = "0s", max = "1s" }
  repair = { dist = "lognormal", mean = "1h", sd = "30m" }
  [[component.failure]]
  name = "disk"
  every = { dist = "weibull", shape = 0.8, mean = "90d" }
  detect = "5m"
  repair = { dist = "exponential", mean = "4h" }
[[component]]
name = "b"
replicas = 1
  [[component.failure]]
  name = "crash"
  every = { dist = "exponential", mean = "30d" }
  detect = "0s"
  repair = { dist = "lognormal", mean = "10m", sd = "5m" }
"#;

/// `text` as a model; panics with the errors when it is not valid.
pub(crate) fn model(text: &str) -> Model {
    Model::parse(text, "fixture.toml").unwrap_or_else(|errors| panic!("{errors}"))
}

/// `text` compiled for `seed`.
pub(crate) fn plan(text: &str, seed: u64) -> Plan {
    Plan::compile(&model(text), seed)
}

/// The shipped model `models/NAME.toml`.
pub(crate) fn shipped(name: &str) -> Model {
    let path = format!("models/{name}.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    Model::parse(&text, &path).unwrap_or_else(|errors| panic!("{errors}"))
}

/// Every shipped model, by file name, in name order.
pub(crate) fn every_shipped() -> Vec<(String, Model)> {
    let mut names: Vec<String> = std::fs::read_dir("models")
        .expect("the models directory")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".toml").map(str::to_string)
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let model = shipped(&name);
            (name, model)
        })
        .collect()
}

/// Draws that hand out scripted answers in order, remembering what each was asked for
/// (a distribution, or `below BOUND`); a fixed distribution takes its value without a
/// draw, as from a real stream.
pub(crate) struct Scripted {
    answers: Vec<Duration>,
    /// What was asked, in order.
    pub(crate) asked: Vec<String>,
}

impl Scripted {
    /// Draws answering `answers`, in order.
    pub(crate) fn new(answers: &[Duration]) -> Scripted {
        Scripted {
            answers: answers.iter().rev().copied().collect(),
            asked: Vec::new(),
        }
    }

    fn answer(&mut self, asked: String) -> Duration {
        let answer = self.answers.pop();
        answer.unwrap_or_else(|| panic!("no answer left for {asked}"))
    }
}

impl Draw for Scripted {
    fn draw(&mut self, dist: &Dist) -> Duration {
        if let Some(value) = dist.fixed_value() {
            return value;
        }
        self.asked.push(dist.to_string());
        self.answer(dist.to_string())
    }

    fn below(&mut self, bound: Duration) -> Duration {
        self.asked.push(format!("below {bound}"));
        self.answer(format!("below {bound}"))
    }
}
