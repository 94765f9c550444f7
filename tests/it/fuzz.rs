//! Property tests: no model text makes the parser panic, and every accepted model
//! simulates without panicking.
//!
//! Inputs are mutations of real models (the shipped ones and the malformed corpus) and
//! models generated from scratch with extreme but valid parameters.

use crate::util::toml_files;
use nines::engine::Engine;
use nines::model::Model;
use nines::plan::Plan;
use nines::workload::Workload;
use proptest::prelude::*;

/// Accepted models whose estimate stays below this many events a year are simulated.
const SIMULATE_BELOW_EVENTS: f64 = 2e5;

fn seed_models() -> Vec<String> {
    ["models", "tests/bad-models"]
        .into_iter()
        .flat_map(toml_files)
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .collect()
}

/// Tokens that probe the parser's edges when spliced into a model.
const TOKENS: &[&str] = &[
    "0",
    "-1",
    "nan",
    "inf",
    "-inf",
    "1e400",
    "18446744073709551616",
    "\"\"",
    "\"0s\"",
    "\"1µs\"",
    "\"1ms\"",
    "\"10000y\"",
    "\"10001y\"",
    "[",
    "]",
    "{",
    "}",
    "=",
    "\n",
    "[[component]]",
    "{ dist = \"gamma\", shape = 1e-300, mean = \"1s\" }",
    "{ dist = \"weibull\", shape = 0.01, mean = \"1d\" }",
    "{ dist = \"weibull\", shape = 1e9, mean = \"1d\" }",
    "{ dist = \"lognormal\", median = \"1s\", sigma = 40 }",
    "\"majority\"",
    "\"all\"",
    "100000",
    "é",
    "\u{0}",
    // The edges of issue #12: control characters, nesting past the limits, references
    // that chain or close cycles, fractional probe periods.
    "\"\\u001b[31m\\u0007\\n\"",
    "\u{1b}",
    "(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((db",
    "x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x = 1",
    "placement = { with = \"api\" }",
    "placement = { with = \"etcd\" }",
    "session = { store = \"etcd\", ttl = \"30s\" }",
    "session = { store = \"api\", ttl = \"30s\" }",
    "\"1.5s\"",
    // The tables of SPEC part two as they land: planned work and requests.
    "[maintenance]\nupgrade = { every = \"1h\", start = \"0s\" }",
    "[maintenance]\nupgrade = { every = \"1µs\" }\nbad_rollout = { probability = \"100%\", detect = \"1y\", rollback = \"1y\" }",
    "maintenance = { duration = \"10000y\" }",
    "strategy = \"recreate\"",
    "max_surge = 0",
    "max_unavailable = \"0%\"",
    "disruption_budget = { min_available = 100 }",
    "[traffic]\nrate = \"100000/s\"\nclient = \"pymilvus\"",
    "client = { attempts = 1000000, backoff = \"1µs\", multiplier = 1e300, max_backoff = \"10000y\" }",
    "profile = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 24]",
    "cost = \"1e308/h\"",
];

#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    Truncate(usize),
    Splice(usize, usize, usize),
}

fn mutate(text: &str, mutation: &Mutation) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let at = |i: usize, n: usize| if n == 0 { 0 } else { i % n };
    match *mutation {
        Mutation::DeleteLine(i) if !lines.is_empty() => {
            let mut lines = lines.clone();
            lines.remove(at(i, lines.len()));
            lines.join("\n")
        }
        Mutation::DuplicateLine(i) if !lines.is_empty() => {
            let mut lines = lines.clone();
            let i = at(i, lines.len());
            lines.insert(i, lines[i]);
            lines.join("\n")
        }
        Mutation::Truncate(i) => text.chars().take(at(i, text.chars().count() + 1)).collect(),
        Mutation::Splice(position, length, token) => {
            let chars: Vec<char> = text.chars().collect();
            let start = at(position, chars.len() + 1);
            let end = (start + length % 8).min(chars.len());
            let mut out: String = chars[..start].iter().collect();
            out.push_str(TOKENS[token % TOKENS.len()]);
            out.extend(&chars[end..]);
            out
        }
        _ => text.to_string(),
    }
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<usize>(), any::<usize>())
            .prop_map(|(p, l, t)| Mutation::Splice(p, l, t)),
    ]
}

/// Parses `text`: if it is rejected, checks how its errors display; if it is accepted and
/// cheap enough, simulates two years of it.
fn parse_and_maybe_simulate(text: &str) {
    let model = match Model::parse(text, "fuzz.toml") {
        Ok(model) => model,
        Err(errors) => {
            // Each error is one line naming the file, with no raw control character from
            // the model; past 20, the rest are counted.
            let shown = errors.to_string();
            assert!(!shown.contains('\u{1b}'), "{shown}");
            let lines: Vec<&str> = shown.lines().collect();
            assert!(lines.len() <= 21, "{} lines", lines.len());
            for line in lines {
                assert!(
                    line.starts_with("fuzz.toml") || line.starts_with("… and "),
                    "{line}"
                );
            }
            return;
        }
    };
    let workload = Workload::estimate(&model);
    if workload.events_per_year < SIMULATE_BELOW_EVENTS && workload.streams < 1e4 {
        let plan = Plan::compile(&model, 7);
        let mut engine = Engine::new(&plan);
        for year in [0, 1] {
            let outcome = engine.simulate(year);
            assert!(outcome.downtime[0] <= plan.horizon);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn mutated_models_never_panic(
        index in any::<usize>(),
        mutations in proptest::collection::vec(mutation(), 1..4),
    ) {
        let seeds = seed_models();
        let mut text = seeds[index % seeds.len()].clone();
        for m in &mutations {
            text = mutate(&text, m);
        }
        parse_and_maybe_simulate(&text);
    }

    #[test]
    fn generated_models_parse_and_simulate(
        components in proptest::collection::vec(component(), 1..5),
        use_or in any::<bool>(),
        horizon in prop_oneof![Just("1h"), Just("30d"), Just("1y")],
        upgrades in proptest::option::of((duration(), distribution())),
        traffic in proptest::option::of((1u32..100_000, prop_oneof![
            Just("\"none\""),
            Just("\"pymilvus\""),
            Just("{ attempts = 4, backoff = \"100ms\", multiplier = 2, max_backoff = \"1s\", deadline = \"10s\" }"),
        ])),
    ) {
        let names: Vec<String> = (0..components.len()).map(|i| format!("c{i}")).collect();
        let up = names.join(if use_or { " | " } else { " & " });
        let mut text = format!("name = \"generated\"\nup = \"{up}\"\n[simulation]\nhorizon = \"{horizon}\"\n");
        // The tables of SPEC part two: planned work (every component upgraded) and requests.
        if let Some((every, _)) = &upgrades {
            text.push_str(&format!("\n[maintenance]\nupgrade = {{ every = \"{every}\" }}\n"));
        }
        if let Some((rate, client)) = &traffic {
            text.push_str(&format!("\n[traffic]\nrate = \"{rate}/s\"\nclient = {client}\n"));
        }
        for (name, body) in names.iter().zip(&components) {
            text.push_str(&format!("\n[[component]]\nname = \"{name}\"\n"));
            if let Some((_, duration)) = &upgrades {
                text.push_str(&format!("maintenance = {{ duration = {duration} }}\n"));
            }
            text.push_str(body);
        }
        let accepted = Model::parse(&text, "generated.toml");
        prop_assert!(accepted.is_ok(), "a generated model is valid:\n{text}\n{:?}", accepted.err());
        parse_and_maybe_simulate(&text);
    }
}

/// A duration string between 1 µs and 10000 years, spread over the orders of magnitude.
fn duration() -> impl Strategy<Value = String> {
    prop_oneof![
        (1u64..1000).prop_map(|n| format!("{n}ms")),
        (1u64..100).prop_map(|n| format!("{n}m")),
        (1u64..400).prop_map(|n| format!("{n}d")),
        (1u64..10_000).prop_map(|n| format!("{n}y")),
        Just("0.000001s".to_string()),
    ]
}

fn distribution() -> impl Strategy<Value = String> {
    prop_oneof![
        duration().prop_map(|d| format!("\"{d}\"")),
        duration().prop_map(|d| format!("{{ dist = \"exponential\", mean = \"{d}\" }}")),
        (0.05f64..20.0, duration())
            .prop_map(|(k, d)| format!("{{ dist = \"weibull\", shape = {k}, mean = \"{d}\" }}")),
        (duration(), duration())
            .prop_map(|(m, s)| format!("{{ dist = \"lognormal\", mean = \"{m}\", sd = \"{s}\" }}")),
        (0.01f64..50.0, duration())
            .prop_map(|(k, d)| format!("{{ dist = \"gamma\", shape = {k}, mean = \"{d}\" }}")),
        (duration(), 0u64..1000).prop_map(|(a, b)| {
            // The maximum is the minimum plus b ms, written as the model syntax writes it.
            let min = nines::time::Duration::parse(&a).expect("a generated duration");
            let max = min.saturating_add(nines::time::Duration::from_micros(b * 1000));
            format!("{{ dist = \"uniform\", min = \"{a}\", max = \"{max}\" }}")
        }),
        proptest::collection::vec(duration(), 1..4).prop_map(|s| {
            let quoted: Vec<String> = s.iter().map(|d| format!("\"{d}\"")).collect();
            format!(
                "{{ dist = \"empirical\", samples = [{}] }}",
                quoted.join(", ")
            )
        }),
    ]
}

/// The body of one [[component]] table: replicas, needs, maybe a leader, 0 to 2 failure modes.
fn component() -> impl Strategy<Value = String> {
    (
        1u32..6,
        prop_oneof![Just("1"), Just("\"majority\""), Just("\"all\"")],
        proptest::option::of(distribution()),
        proptest::collection::vec((distribution(), distribution(), distribution()), 0..3),
    )
        .prop_map(|(replicas, needs, leader, modes)| {
            let mut body = format!("replicas = {replicas}\nneeds = {needs}\n");
            if let Some(leader) = leader {
                body.push_str(&format!("leader = {{ election = {leader} }}\n"));
            }
            for (i, (every, detect, repair)) in modes.iter().enumerate() {
                body.push_str(&format!(
                    "[[component.failure]]\nname = \"f{i}\"\nevery = {every}\ndetect = {detect}\nrepair = {repair}\n"
                ));
            }
            body
        })
}
