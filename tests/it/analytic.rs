//! Statistical validation of `nines run` against exact answers (`docs/model-reference.md` and `docs/semantics.md` level 1,
//! 3 and 4).
//!
//! Each test writes a small level-1 model, runs the release binary with a fixed seed and
//! compares the simulated `availability.mean` (and other figures) with an exact value the
//! test computes itself:
//! - exponential models: a continuous-time Markov chain (`markov.rs`) whose expected time
//!   average over one horizon, started all up, is exactly the expected mean availability
//!   over years (`docs/semantics.md`: every year starts all up; a year's availability is 1 - downtime /
//!   horizon, which is the time average of the "up" indicator). So no steady-state
//!   approximation is made: the transient of every year is integrated exactly;
//! - non-exponential models: renewal-reward theory, with the first-order transient
//!   correction computed exactly and the remaining bias bounded in a comment.
//!
//! Tolerance: |simulated - exact| <= 4 se, se recovered from the run's Student-t 95%
//! interval. Power: se must be a small fraction of the unavailability 1 - exact. Honesty:
//! where the exact variance of a year's availability is known (chain or renewal theory),
//! the run's se must match sqrt(variance / years) within 20% (`util::check_availability`).
//!
//! Time unit inside this file: hours. Rates are per hour.

use crate::markov::{Ctmc, explore, point_mass};
use crate::util::{avail, check_availability, num, run_json};
use serde_json::Value;
use statrs::function::gamma::gamma;

const YEAR_H: f64 = 8760.0;

// ---------------------------------------------------------------------------------------
// Model building (TOML) and the matching chains.
// ---------------------------------------------------------------------------------------

/// A duration in hours as a `nines` duration string, in the largest unit that is exact.
fn dur(hours: f64) -> String {
    let ms = hours * 3_600_000.0;
    assert!(
        ms >= 0.0 && (ms - ms.round()).abs() < 1e-6,
        "{hours} h is not whole ms"
    );
    let ms = ms.round() as u64;
    if ms == 0 {
        "0s".to_string()
    } else if ms.is_multiple_of(3_600_000) {
        format!("{}h", ms / 3_600_000)
    } else if ms.is_multiple_of(60_000) {
        format!("{}m", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

fn exponential(mean_h: f64) -> String {
    format!(r#"{{ dist = "exponential", mean = "{}" }}"#, dur(mean_h))
}

/// One exponential failure mode: time to failure, detection (0 = "0s") and repair means,
/// in hours.
#[derive(Clone, Copy, Debug)]
struct Mode {
    every: f64,
    detect: f64,
    repair: f64,
}

impl Mode {
    const fn new(every: f64, detect: f64, repair: f64) -> Mode {
        Mode {
            every,
            detect,
            repair,
        }
    }

    fn toml(&self, name: &str) -> String {
        let detect = if self.detect == 0.0 {
            r#""0s""#.to_string()
        } else {
            exponential(self.detect)
        };
        format!(
            "\n  [[component.failure]]\n  name = \"{name}\"\n  every = {}\n  detect = {detect}\n  repair = {}\n",
            exponential(self.every),
            exponential(self.repair)
        )
    }
}

/// An exponential component.
#[derive(Clone, Debug)]
struct Comp {
    name: &'static str,
    replicas: u32,
    /// The TOML value of `needs`: `1`, `"majority"`, `"all"`...
    needs: &'static str,
    /// Mean of an exponential election, hours.
    election: Option<f64>,
    modes: Vec<Mode>,
}

impl Comp {
    fn single(name: &'static str, mode: Mode) -> Comp {
        Comp {
            name,
            replicas: 1,
            needs: "1",
            election: None,
            modes: vec![mode],
        }
    }

    fn group(
        name: &'static str,
        replicas: u32,
        needs: &'static str,
        election: Option<f64>,
        mode: Mode,
    ) -> Comp {
        Comp {
            name,
            replicas,
            needs,
            election,
            modes: vec![mode],
        }
    }

    fn needs_count(&self) -> u32 {
        match self.needs {
            "\"majority\"" => self.replicas / 2 + 1,
            "\"all\"" => self.replicas,
            k => k.parse().expect("needs"),
        }
    }

    fn toml(&self) -> String {
        let mut s = format!(
            "\n[[component]]\nname = \"{}\"\nreplicas = {}\nneeds = {}\n",
            self.name, self.replicas, self.needs
        );
        if let Some(e) = self.election {
            s += &format!("leader = {{ election = {} }}\n", exponential(e));
        }
        for (i, m) in self.modes.iter().enumerate() {
            s += &m.toml(&format!("mode{i}"));
        }
        s
    }
}

fn model_toml(
    name: &str,
    up: &str,
    horizon: &str,
    services: &[(&str, &str)],
    comps: &[Comp],
) -> String {
    let mut s =
        format!("name = \"{name}\"\nup = \"{up}\"\n\n[simulation]\nhorizon = \"{horizon}\"\n");
    if !services.is_empty() {
        s += "\n[services]\n";
        for (k, v) in services {
            s += &format!("{k} = \"{v}\"\n");
        }
    }
    for c in comps {
        s += &c.toml();
    }
    s
}

/// Phase of one replica: 0 = up; 1 + 2i = detecting mode i; 2 + 2i = repairing mode i.
/// The transitions out of `phase` (target phase, rate per hour).
fn replica_moves(modes: &[Mode], phase: usize) -> Vec<(usize, f64)> {
    if phase == 0 {
        modes
            .iter()
            .enumerate()
            .map(|(i, m)| {
                (
                    if m.detect == 0.0 {
                        2 + 2 * i
                    } else {
                        1 + 2 * i
                    },
                    1.0 / m.every,
                )
            })
            .collect()
    } else if phase % 2 == 1 {
        let i = (phase - 1) / 2;
        vec![(phase + 1, 1.0 / modes[i].detect)]
    } else {
        vec![(0, 1.0 / modes[(phase - 2) / 2].repair)]
    }
}

/// The chain of one component's exchangeable, independent replicas without a leader:
/// state = number of replicas in each phase. Returns the states, the chain and the reward
/// "at least `needs` up".
fn count_chain(c: &Comp) -> (Vec<Vec<u32>>, Ctmc, Vec<f64>) {
    let phases = 1 + 2 * c.modes.len();
    let mut init = vec![0u32; phases];
    init[0] = c.replicas;
    let (states, chain) = explore(init, |s: &Vec<u32>| {
        let mut out = Vec::new();
        for p in 0..phases {
            if s[p] == 0 {
                continue;
            }
            for (q, r) in replica_moves(&c.modes, p) {
                let mut t = s.clone();
                t[p] -= 1;
                t[q] += 1;
                out.push((t, s[p] as f64 * r));
            }
        }
        out
    });
    let k = c.needs_count();
    let reward = states
        .iter()
        .map(|s| if s[0] >= k { 1.0 } else { 0.0 })
        .collect();
    (states, chain, reward)
}

/// Leader office (`docs/semantics.md`, level 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Office {
    Held,
    Electing,
    Waiting,
}

/// Phase counts and office.
type LeaderState = (Vec<u32>, Office);

/// The chain of a component with a leader and exponential elections. State = (number of
/// replicas in each phase, office). Exchangeable replicas: while the office is held its
/// holder is up (it is vacated when the leader's replica goes down), so a failure of mode
/// i among the u up replicas (total rate u/every_i) hits the leader at rate 1/every_i and
/// another replica at rate (u-1)/every_i. Semantics (`docs/semantics.md`):
/// - held: the leader's replica fails -> vacant; an election starts at once if >= needs
///   are still up, else the office waits; another replica fails -> held if >= needs still
///   up, else the leader steps down (waiting);
/// - electing: failures and repairs do not restart it; at its end (rate 1/election) an up
///   replica takes office if >= needs are up, else the office waits;
/// - waiting (only with < needs up): a repair that brings the count to needs starts an
///   election;
/// - serving = held (which implies >= needs up).
fn leader_chain(c: &Comp) -> (Vec<LeaderState>, Ctmc, Vec<f64>) {
    let phases = 1 + 2 * c.modes.len();
    let k = c.needs_count();
    let eta = 1.0 / c.election.expect("leader component");
    let mut init = vec![0u32; phases];
    init[0] = c.replicas;
    let (states, chain) = explore((init, Office::Held), |(s, office): &LeaderState| {
        let mut out = Vec::new();
        let up = s[0];
        for p in 0..phases {
            if s[p] == 0 {
                continue;
            }
            for (q, r) in replica_moves(&c.modes, p) {
                let mut t = s.clone();
                t[p] -= 1;
                t[q] += 1;
                let up_after = t[0];
                if p == 0 {
                    // A failure among the `up` up replicas.
                    match office {
                        Office::Held => {
                            // The leader's replica: rate r.
                            let vacated = if up_after >= k {
                                Office::Electing
                            } else {
                                Office::Waiting
                            };
                            out.push(((t.clone(), vacated), r));
                            // Another replica: rate (up - 1) r.
                            if up > 1 {
                                let o = if up_after >= k {
                                    Office::Held
                                } else {
                                    Office::Waiting
                                };
                                out.push(((t, o), (up - 1) as f64 * r));
                            }
                        }
                        Office::Electing | Office::Waiting => {
                            out.push(((t, *office), up as f64 * r));
                        }
                    }
                } else {
                    // Detection ends (no change in up count) or a repair ends (one more up).
                    let o = if *office == Office::Waiting && up_after >= k {
                        Office::Electing
                    } else {
                        *office
                    };
                    out.push(((t, o), s[p] as f64 * r));
                }
            }
        }
        if *office == Office::Electing {
            let o = if up >= k {
                Office::Held
            } else {
                Office::Waiting
            };
            out.push(((s.clone(), o), eta));
        }
        out
    });
    for (s, o) in &states {
        assert!(
            !(*o == Office::Held && s[0] < k),
            "held office with too few up"
        );
        assert!(
            !(*o == Office::Waiting && s[0] >= k),
            "waiting office with enough up"
        );
    }
    let reward = states
        .iter()
        .map(|(_, o)| if *o == Office::Held { 1.0 } else { 0.0 })
        .collect();
    (states, chain, reward)
}

/// Independent single-replica components as one product chain; state = each component's
/// phase. `up(phases)` says whether the expression holds.
fn product_chain(comps: &[Comp]) -> (Vec<Vec<usize>>, Ctmc) {
    for c in comps {
        assert!(c.replicas == 1 && c.election.is_none());
    }
    explore(vec![0usize; comps.len()], |s: &Vec<usize>| {
        let mut out = Vec::new();
        for (ci, c) in comps.iter().enumerate() {
            for (q, r) in replica_moves(&c.modes, s[ci]) {
                let mut t = s.clone();
                t[ci] = q;
                out.push((t, r));
            }
        }
        out
    })
}

/// The exact expected mean availability over years (time average over one horizon from
/// the all-up state 0) and its exact standard error over `years` independent years.
fn exact_chain(chain: &Ctmc, reward: &[f64], horizon_h: f64, years: u64) -> (f64, f64) {
    let p0 = point_mass(chain.len(), 0);
    let a = chain.time_average(&p0, reward, horizon_h);
    let b = chain.time_average_augmented(&p0, reward, horizon_h);
    assert!(
        ((1.0 - a) - (1.0 - b)).abs() <= 1e-9 * (1.0 - a),
        "solver disagreement {a} vs {b}"
    );
    let var = chain.time_average_variance(&p0, reward, horizon_h);
    assert!(var > 0.0);
    (a, (var / years as f64).sqrt())
}

fn steady(chain: &Ctmc, reward: &[f64]) -> f64 {
    crate::markov::dot(&chain.steady_state(), reward)
}

/// Runs a model whose exact answer comes from a chain, and checks `availability`.
fn run_and_check_chain(label: &str, toml: &str, chain: &Ctmc, reward: &[f64], sim: Sim) -> Value {
    let (exact, se_theory) = exact_chain(chain, reward, sim.horizon_h, sim.years);
    println!(
        "{label}: exact {exact:.9} (steady {:.9}), theoretical se {se_theory:.3e} = {:.4} (1-A)",
        steady(chain, reward),
        se_theory / (1.0 - exact)
    );
    let v = run_json(toml, sim.years, sim.seed);
    let sim_avail = avail(&v, &["availability"], sim.years);
    check_availability(label, sim_avail, exact, Some(se_theory), 0.05);
    v
}

/// How a model is run: the horizon (as written in the model, and in hours), the number of
/// years and the seed.
#[derive(Clone, Copy, Debug)]
struct Sim {
    horizon: &'static str,
    horizon_h: f64,
    years: u64,
    seed: u64,
}

impl Sim {
    const fn year(years: u64, seed: u64) -> Sim {
        Sim {
            horizon: "1y",
            horizon_h: YEAR_H,
            years,
            seed,
        }
    }

    const fn short(horizon: &'static str, horizon_h: f64, years: u64, seed: u64) -> Sim {
        Sim {
            horizon,
            horizon_h,
            years,
            seed,
        }
    }
}

// ---------------------------------------------------------------------------------------
// 1. A single component, one replica, exponential every / detect / repair.
// ---------------------------------------------------------------------------------------

/// Long-run A = MTTF / (MTTF + MTTD + MTTR) by renewal theory (detect + repair is
/// hypoexponential, but only its mean matters). The exact year average comes from the
/// 3-state chain up -> detecting -> repairing -> up, integrated over the year; over 1y
/// the transient is ~1e-7 and does not matter, but it is included anyway.
#[test]
fn single_replica_exponential_matches_renewal_formula() {
    let mode = Mode::new(10.0, 2.0 / 60.0, 10.0 / 60.0);
    let comp = Comp::single("db", mode);
    let toml = model_toml(
        "single exponential",
        "db",
        "1y",
        &[],
        std::slice::from_ref(&comp),
    );
    let (_, chain, reward) = count_chain(&comp);
    assert_eq!(chain.len(), 3);
    let renewal = mode.every / (mode.every + mode.detect + mode.repair);
    let stationary = steady(&chain, &reward);
    assert!(
        (stationary - renewal).abs() < 1e-14,
        "{stationary} vs {renewal}"
    );
    run_and_check_chain("single/1y", &toml, &chain, &reward, Sim::year(1000, 11));
}

/// A horizon of 1 h with MTTF 1 h: the year average is dominated by the transient from
/// the all-up start, (1/T) int_0^T P(up at t) dt from the 3-state chain. The test also
/// asserts that the steady-state value would be rejected, i.e. that it checks the
/// "every year starts all up" semantics and the handling of outages cut at the horizon.
#[test]
fn single_replica_short_horizon_transient() {
    let mode = Mode::new(1.0, 5.0 / 60.0, 15.0 / 60.0);
    let comp = Comp::single("db", mode);
    let toml = model_toml(
        "single short horizon",
        "db",
        "1h",
        &[],
        std::slice::from_ref(&comp),
    );
    let (_, chain, reward) = count_chain(&comp);
    let sim = Sim::short("1h", 1.0, 200_000, 12);
    let v = run_and_check_chain("single/1h", &toml, &chain, &reward, sim);
    let sim = avail(&v, &["availability"], sim.years);
    let stationary = steady(&chain, &reward);
    assert!(
        (stationary - sim.mean).abs() > 10.0 * sim.se,
        "the transient should matter here: steady {stationary}, simulated {}",
        sim.mean
    );
}

/// Competing risks: two modes per replica; the earliest strikes, then that mode's detect
/// and repair. Long run: A = 1 / (1 + sum_i (MTTD_i + MTTR_i) / MTTF_i).
#[test]
fn single_replica_competing_failure_modes() {
    let crash = Mode::new(20.0, 0.0, 5.0 / 60.0);
    let disk = Mode::new(50.0, 1.0 / 60.0, 0.5);
    let comp = Comp {
        name: "node",
        replicas: 1,
        needs: "1",
        election: None,
        modes: vec![crash, disk],
    };
    let toml = model_toml(
        "competing modes",
        "node",
        "1y",
        &[],
        std::slice::from_ref(&comp),
    );
    let (_, chain, reward) = count_chain(&comp);
    let renewal = 1.0
        / (1.0
            + (crash.detect + crash.repair) / crash.every
            + (disk.detect + disk.repair) / disk.every);
    assert!((steady(&chain, &reward) - renewal).abs() < 1e-14);
    run_and_check_chain("competing/1y", &toml, &chain, &reward, Sim::year(1000, 13));
}

/// A component's exponential modes are raced in one draw and its other modes drawn alone;
/// the race must still give each mode its share. With every time to failure exponential in
/// law (the Weibull of shape 1 is drawn alone, between two raced modes), which mode strikes
/// is an independent draw with P(i) = λᵢ/Λ, so each cause's count out of all failures is
/// binomial with that probability.
#[test]
fn raced_and_lone_modes_strike_in_proportion_to_their_rates() {
    let toml = r#"
name = "race and lone modes"
up = "a"
[[component]]
name = "a"
replicas = 1
  [[component.failure]]
  name = "crash"
  every = { dist = "exponential", mean = "10d" }
  detect = "0s"
  repair = "1h"
  [[component.failure]]
  name = "wear"
  every = { dist = "weibull", shape = 1.0, mean = "20d" }
  detect = "0s"
  repair = "2h"
  [[component.failure]]
  name = "hang"
  every = { dist = "exponential", mean = "40d" }
  detect = "0s"
  repair = "4h"
"#;
    let summary = run_json(toml, 300, 17);
    let counts = ["crash", "wear", "hang"]
        .map(|mode| num(&summary, &["causes", &format!("a/{mode}"), "count"]));
    let total: f64 = counts.iter().sum();
    assert!(total > 10_000.0, "too few failures: {total}");
    // Rates 1/10, 1/20, 1/40 a day: shares 4/7, 2/7, 1/7.
    for (count, share) in counts.iter().zip([4.0 / 7.0, 2.0 / 7.0, 1.0 / 7.0]) {
        let se = (share * (1.0 - share) / total).sqrt();
        let z = (count / total - share) / se;
        assert!(
            z.abs() < 4.0,
            "share {} against {share}: z = {z:.2}",
            count / total
        );
    }
    // Each cause keeps its own fixed repair: the causes table's p99 (within 1%, its
    // histogram's precision) is that repair (the mean is a little lower, as outages open at
    // the end of a year are cut there).
    for (mode, repair_h) in [("crash", 1.0), ("wear", 2.0), ("hang", 4.0)] {
        let p99 = num(
            &summary,
            &["causes", &format!("a/{mode}"), "duration_s", "p99"],
        );
        let repair = repair_h * 3600.0;
        assert!((p99 - repair).abs() <= 0.01 * repair, "{mode}: p99 {p99}");
    }
}

// ---------------------------------------------------------------------------------------
// 2. k-of-n with independent replicas.
// ---------------------------------------------------------------------------------------

/// The count chain of n independent identical 2-state replicas is exact; its stationary
/// law is binomial in the per-replica availability (checked), and its time average gives
/// the transient year average exactly.
fn k_of_n_case(label: &str, comp: Comp, sim: Sim) {
    let toml = model_toml(
        label,
        comp.name,
        sim.horizon,
        &[],
        std::slice::from_ref(&comp),
    );
    let (_, chain, reward) = count_chain(&comp);
    // Binomial check of the stationary law.
    let mode = comp.modes[0];
    let a1 = mode.every / (mode.every + mode.detect + mode.repair);
    let k = comp.needs_count();
    let n = comp.replicas;
    let mut binom = 0.0;
    for j in k..=n {
        let c = (1..=j).fold(1.0, |acc, i| acc * (n - j + i) as f64 / i as f64);
        binom += c * a1.powi(j as i32) * (1.0 - a1).powi((n - j) as i32);
    }
    let stationary = steady(&chain, &reward);
    assert!(
        (stationary - binom).abs() < 1e-13,
        "{stationary} vs {binom}"
    );
    run_and_check_chain(label, &toml, &chain, &reward, sim);
}

#[test]
fn k_of_n_two_of_three_majority() {
    let comp = Comp::group("kv", 3, "\"majority\"", None, Mode::new(5.0, 0.0, 0.5));
    k_of_n_case("2-of-3/1y", comp, Sim::year(500, 21));
}

#[test]
fn k_of_n_three_of_three_all() {
    let comp = Comp::group("kv", 3, "\"all\"", None, Mode::new(10.0, 0.0, 10.0 / 60.0));
    k_of_n_case("3-of-3/1y", comp, Sim::year(1000, 22));
}

#[test]
fn k_of_n_three_of_five_majority() {
    let comp = Comp::group("kv", 5, "\"majority\"", None, Mode::new(4.0, 0.0, 1.0));
    k_of_n_case("3-of-5/1y", comp, Sim::year(300, 23));
}

/// Integer `needs` and a short horizon where the transient dominates.
#[test]
fn k_of_n_two_of_three_short_horizon() {
    let comp = Comp::group("kv", 3, "2", None, Mode::new(1.0, 5.0 / 60.0, 0.5));
    k_of_n_case("2-of-3/2h", comp, Sim::short("2h", 2.0, 200_000, 24));
}

// ---------------------------------------------------------------------------------------
// 3. Series/parallel expressions over independent components.
// ---------------------------------------------------------------------------------------

fn abc() -> Vec<Comp> {
    vec![
        Comp::single("a", Mode::new(20.0, 0.0, 0.25)),
        Comp::single("b", Mode::new(5.0, 1.0 / 60.0, 0.5)),
        Comp::single("c", Mode::new(8.0, 0.0, 1.0)),
    ]
}

/// up = a & (b | c). Components are independent, so in steady state
/// A = A_a (1 - (1 - A_b)(1 - A_c)) (checked); the year average comes from the product
/// chain (the expression is nonlinear in the per-component transients).
#[test]
fn series_parallel_expression() {
    let comps = abc();
    let toml = model_toml("series parallel", "a & (b | c)", "1y", &[], &comps);
    let (states, chain) = product_chain(&comps);
    let reward: Vec<f64> = states
        .iter()
        .map(|s| {
            if s[0] == 0 && (s[1] == 0 || s[2] == 0) {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    let ai: Vec<f64> = comps
        .iter()
        .map(|c| {
            let m = c.modes[0];
            m.every / (m.every + m.detect + m.repair)
        })
        .collect();
    let formula = ai[0] * (1.0 - (1.0 - ai[1]) * (1.0 - ai[2]));
    assert!((steady(&chain, &reward) - formula).abs() < 1e-14);
    run_and_check_chain("a&(b|c)/1y", &toml, &chain, &reward, Sim::year(1000, 31));
}

/// Services and operator precedence (`&` binds tighter than `|`): each service is
/// reported like `up` and checked against the same product chain.
#[test]
fn services_and_precedence() {
    let comps = abc();
    let services = [
        ("prec", "a & b | c"),
        ("grouped", "(a | b) & c"),
        ("either", "b | c"),
    ];
    let toml = model_toml("services", "a & b & c", "1y", &services, &comps);
    let (states, chain) = product_chain(&comps);
    let years = 1000;
    let v = run_json(&toml, years, 32);
    type Expr = fn(bool, bool, bool) -> bool;
    let cases: [(&str, &[&str], Expr); 4] = [
        ("up a&b&c", &["availability"], |a, b, c| a && b && c),
        (
            "prec a&b|c",
            &["services", "prec", "availability"],
            |a, b, c| (a && b) || c,
        ),
        (
            "grouped (a|b)&c",
            &["services", "grouped", "availability"],
            |a, b, c| (a || b) && c,
        ),
        (
            "either b|c",
            &["services", "either", "availability"],
            |_, b, c| b || c,
        ),
    ];
    for (label, path, f) in cases {
        let reward: Vec<f64> = states
            .iter()
            .map(|s| {
                if f(s[0] == 0, s[1] == 0, s[2] == 0) {
                    1.0
                } else {
                    0.0
                }
            })
            .collect();
        let (exact, se_theory) = exact_chain(&chain, &reward, YEAR_H, years);
        check_availability(label, avail(&v, path, years), exact, Some(se_theory), 0.05);
    }
}

/// The engine keeps conjunctions as a count of components down and re-evaluates other
/// expressions: the same condition written both ways must give the same downtime in every
/// year, to the microsecond.
#[test]
fn conjunction_counts_agree_with_evaluation() {
    let services = [
        ("counted", "a & (b & c)"),
        ("evaluated", "(a & b & c) | (c & b & a)"),
    ];
    let toml = model_toml("two ways", "a & b & c", "1y", &services, &abc());
    let v = run_json(&toml, 300, 9);
    for path in [
        &["availability", "mean"][..],
        &["availability", "ci95"],
        &["rto_s", "count"],
        &["rto_s", "mean"],
        &["rto_s", "max"],
    ] {
        let of = |service: &str| {
            let mut full = vec!["services", service];
            full.extend_from_slice(path);
            let mut value = &v;
            for key in &full {
                value = &value[key];
            }
            assert!(!value.is_null(), "summary lacks {full:?}");
            value.clone()
        };
        assert_eq!(of("counted"), of("evaluated"), "{path:?}");
    }
    assert_eq!(
        num(&v, &["availability", "mean"]),
        num(&v, &["services", "counted", "availability", "mean"])
    );
}

// ---------------------------------------------------------------------------------------
// 4. Leader groups with exponential elections.
// ---------------------------------------------------------------------------------------

fn leader_case(label: &str, comp: Comp, sim: Sim) {
    let toml = model_toml(
        label,
        comp.name,
        sim.horizon,
        &[],
        std::slice::from_ref(&comp),
    );
    let (states, chain, reward) = leader_chain(&comp);
    println!("{label}: leader chain with {} states", states.len());
    // Sanity: elections cost availability relative to the same group without a leader.
    let plain = {
        let c = Comp {
            election: None,
            ..comp.clone()
        };
        let (_, ch, r) = count_chain(&c);
        steady(&ch, &r)
    };
    let with_leader = steady(&chain, &reward);
    assert!(
        with_leader < plain,
        "elections must cost availability: {with_leader} vs {plain}"
    );
    run_and_check_chain(label, &toml, &chain, &reward, sim);
}

const ELECTION_2M: Option<f64> = Some(2.0 / 60.0);

/// Two replicas, needs 1: the service is down during each election after a leader
/// failure and when both replicas are down.
#[test]
fn leader_two_replicas_needs_one() {
    let comp = Comp::group(
        "raft",
        2,
        "1",
        ELECTION_2M,
        Mode::new(5.0, 0.0, 20.0 / 60.0),
    );
    leader_case("leader 2/needs 1", comp, Sim::year(1000, 41));
}

/// Three replicas, needs 1, with an exponential detection delay: `detect` delays only the
/// failed replica's own repair; the election starts when the leader's replica fails.
#[test]
fn leader_three_replicas_needs_one_with_detect() {
    let mode = Mode::new(5.0, 3.0 / 60.0, 20.0 / 60.0);
    let comp = Comp::group("raft", 3, "1", ELECTION_2M, mode);
    leader_case("leader 3/needs 1/detect", comp, Sim::year(500, 42));
}

/// A quorum group with a leader: 3 replicas, needs majority (2).
#[test]
fn leader_quorum_three_majority() {
    let mode = Mode::new(5.0, 0.0, 20.0 / 60.0);
    let comp = Comp::group("raft", 3, "\"majority\"", ELECTION_2M, mode);
    leader_case("leader 3/majority", comp, Sim::year(500, 43));
}

/// The same quorum group with a detection delay.
#[test]
fn leader_quorum_three_majority_with_detect() {
    let mode = Mode::new(5.0, 3.0 / 60.0, 20.0 / 60.0);
    let comp = Comp::group("raft", 3, "\"majority\"", ELECTION_2M, mode);
    leader_case("leader 3/majority/detect", comp, Sim::year(500, 44));
}

/// A short horizon where the transient from "every office held at time 0" dominates and
/// quorum loss, waiting and re-election all occur often.
#[test]
fn leader_quorum_short_horizon_transient() {
    let mode = Mode::new(1.0, 5.0 / 60.0, 20.0 / 60.0);
    let comp = Comp::group("raft", 3, "\"majority\"", Some(5.0 / 60.0), mode);
    leader_case(
        "leader 3/majority/2h",
        comp,
        Sim::short("2h", 2.0, 200_000, 45),
    );
}

// ---------------------------------------------------------------------------------------
// 5. Insensitivity: non-exponential up and down times.
// ---------------------------------------------------------------------------------------

/// Moments (mean, second moment) of a nonnegative distribution, hours.
#[derive(Clone, Copy, Debug)]
struct Moments {
    m1: f64,
    m2: f64,
}

impl Moments {
    fn var(&self) -> f64 {
        self.m2 - self.m1 * self.m1
    }
    /// The sum of two independent variables.
    fn plus(self, o: Moments) -> Moments {
        Moments {
            m1: self.m1 + o.m1,
            m2: self.m2 + 2.0 * self.m1 * o.m1 + o.m2,
        }
    }
}

/// Alternating renewal process started at the beginning of an up period, up times X and
/// down times Y (i.i.d., independent). Returns (exact long-run availability, first-order
/// exact year average, standard error of the mean over `years` years).
///
/// - Long run (renewal-reward): A = E X / (E X + E Y), whatever the distributions.
/// - Transient: the Laplace transform of P(down at t) is phi_X (1 - phi_Y) / (s (1 -
///   phi_X phi_Y)); expanding at s = 0 gives
///   E[downtime in [0, T]] = q T + kappa + o(1), q = E Y / E C, C = X + Y,
///   kappa = (1 / E C) (E Y E[C^2] / (2 E C) - E X E Y - E[Y^2] / 2).
///   (For exponentials this is -l/(l+mu)^2, the known value.) So the expected year
///   availability is A - kappa / T + o(1/T). The o(1/T) remainder is
///   int_T^inf (P_down(t) - q) dt / T: with ~860 cycles per horizon and spread-out
///   (density) distributions with all moments finite it is smaller than kappa / T by many
///   orders of magnitude (for the light-tailed ones here, gamma, Weibull shape >= 1,
///   uniform, lognormal, P_down(t) - q decays like e^{-c t / E C}, i.e. e^{-hundreds} at
///   T). Each test also asserts |kappa| / T < se, so the correction itself is at most a
///   fraction of the tolerance and any error in it could not change the verdict.
/// - Variance: renewal-reward CLT, Var(up time in [0, T]) ~ T Var(X - A C) / E C =
///   T ((1-A)^2 Var X + A^2 Var Y) / E C.
fn renewal_exact(x: Moments, y: Moments, horizon_h: f64, years: u64) -> (f64, f64, f64) {
    let c = x.plus(y);
    let a = x.m1 / c.m1;
    let kappa = (y.m1 * c.m2 / (2.0 * c.m1) - x.m1 * y.m1 - y.m2 / 2.0) / c.m1;
    let year_avg = a - kappa / horizon_h;
    let rate = ((1.0 - a).powi(2) * x.var() + a * a * y.var()) / c.m1;
    let se = (rate / horizon_h / years as f64).sqrt();
    (a, year_avg, se)
}

fn exp_moments(mean: f64) -> Moments {
    Moments {
        m1: mean,
        m2: 2.0 * mean * mean,
    }
}
fn fixed_moments(v: f64) -> Moments {
    Moments { m1: v, m2: v * v }
}
fn weibull_moments_scale(shape: f64, scale: f64) -> Moments {
    Moments {
        m1: scale * gamma(1.0 + 1.0 / shape),
        m2: scale * scale * gamma(1.0 + 2.0 / shape),
    }
}
fn weibull_moments_mean(shape: f64, mean: f64) -> Moments {
    weibull_moments_scale(shape, mean / gamma(1.0 + 1.0 / shape))
}
fn lognormal_moments_mean_sd(mean: f64, sd: f64) -> Moments {
    Moments {
        m1: mean,
        m2: mean * mean + sd * sd,
    }
}
fn lognormal_moments_median_sigma(median: f64, sigma: f64) -> Moments {
    Moments {
        m1: median * (sigma * sigma / 2.0).exp(),
        m2: median * median * (2.0 * sigma * sigma).exp(),
    }
}
fn uniform_moments(a: f64, b: f64) -> Moments {
    Moments {
        m1: (a + b) / 2.0,
        m2: (a * a + a * b + b * b) / 3.0,
    }
}
fn gamma_moments(shape: f64, mean: f64) -> Moments {
    Moments {
        m1: mean,
        m2: mean * mean * (1.0 + 1.0 / shape),
    }
}
fn empirical_moments(samples: &[f64]) -> Moments {
    let n = samples.len() as f64;
    Moments {
        m1: samples.iter().sum::<f64>() / n,
        m2: samples.iter().map(|s| s * s).sum::<f64>() / n,
    }
}

fn single_general_toml(name: &str, every: &str, detect: &str, repair: &str) -> String {
    format!(
        "name = \"{name}\"\nup = \"svc\"\n\n[simulation]\nhorizon = \"1y\"\n\n[[component]]\nname = \"svc\"\nreplicas = 1\n\n  [[component.failure]]\n  name = \"fault\"\n  every = {every}\n  detect = {detect}\n  repair = {repair}\n"
    )
}

fn insensitivity_case(
    label: &str,
    toml: &str,
    x: Moments,
    y: Moments,
    years: u64,
    seed: u64,
) -> crate::util::Avail {
    let (a, year_avg, se_theory) = renewal_exact(x, y, YEAR_H, years);
    let bias = (a - year_avg).abs();
    println!(
        "{label}: long-run {a:.9}, first-order year average {year_avg:.9}, |kappa|/T {bias:.2e}, \
         theoretical se {se_theory:.3e} = {:.4} (1-A)",
        se_theory / (1.0 - a)
    );
    // The whole first-order transient term is at most ~1 se here; the o(1/T) remainder
    // left after subtracting it is orders of magnitude smaller (see renewal_exact).
    assert!(
        bias < se_theory,
        "{label}: the transient correction is unexpectedly large"
    );
    let v = run_json(toml, years, seed);
    let sim = avail(&v, &["availability"], years);
    check_availability(label, sim, year_avg, Some(se_theory), 0.05);
    sim
}

/// Weibull(shape 2, mean 10 h) up times, uniform(1 m, 3 m) detection, lognormal(mean 10 m,
/// sd 5 m) repair: the same means as the exponential model 10 h / 2 m / 10 m, hence the
/// same long-run availability 600/612. The exponential twin is run too, and the two
/// simulated means must agree with each other as well as with the exact value.
#[test]
fn insensitivity_weibull_uniform_lognormal() {
    let m = 1.0 / 60.0;
    let x = weibull_moments_mean(2.0, 10.0);
    let y = uniform_moments(1.0 * m, 3.0 * m).plus(lognormal_moments_mean_sd(10.0 * m, 5.0 * m));
    assert!((x.m1 / (x.m1 + y.m1) - 600.0 / 612.0).abs() < 1e-12);
    let toml = single_general_toml(
        "weibull uniform lognormal",
        r#"{ dist = "weibull", shape = 2.0, mean = "10h" }"#,
        r#"{ dist = "uniform", min = "1m", max = "3m" }"#,
        r#"{ dist = "lognormal", mean = "10m", sd = "5m" }"#,
    );
    let general = insensitivity_case("weibull/uniform/lognormal", &toml, x, y, 1000, 51);
    let toml_exp = single_general_toml(
        "exponential twin",
        r#"{ dist = "exponential", mean = "10h" }"#,
        r#"{ dist = "exponential", mean = "2m" }"#,
        r#"{ dist = "exponential", mean = "10m" }"#,
    );
    let twin = insensitivity_case(
        "exponential twin",
        &toml_exp,
        exp_moments(10.0),
        exp_moments(2.0 * m).plus(exp_moments(10.0 * m)),
        1000,
        52,
    );
    let diff = general.mean - twin.mean;
    let se = (general.se.powi(2) + twin.se.powi(2)).sqrt();
    println!("insensitivity: general - exponential = {diff:.3e} (se {se:.3e})");
    assert!(
        diff.abs() <= 4.0 * se,
        "general vs exponential differ by {diff} (se {se})"
    );
}

/// Gamma(shape 0.5, mean 10 h) up times (more variable than exponential), a fixed 1 m
/// detection given as a bare duration, and an empirical repair (2 m, 8 m, 20 m: mean 10 m).
#[test]
fn insensitivity_gamma_fixed_empirical() {
    let m = 1.0 / 60.0;
    let x = gamma_moments(0.5, 10.0);
    let y = fixed_moments(1.0 * m).plus(empirical_moments(&[2.0 * m, 8.0 * m, 20.0 * m]));
    let toml = single_general_toml(
        "gamma fixed empirical",
        r#"{ dist = "gamma", shape = 0.5, mean = "10h" }"#,
        r#""1m""#,
        r#"{ dist = "empirical", samples = ["2m", "8m", "20m"] }"#,
    );
    insensitivity_case("gamma/fixed/empirical", &toml, x, y, 1000, 53);
}

/// The other parameterisations: Weibull by `scale` (shape 0.8, scale 8 h: mean
/// 8 Gamma(2.25) h), detection "0s", lognormal by `median` and `sigma` (6 m, 0.8: mean
/// 6 e^0.32 m), and an explicit `fixed` table.
#[test]
fn insensitivity_weibull_scale_lognormal_median() {
    let m = 1.0 / 60.0;
    let x = weibull_moments_scale(0.8, 8.0);
    let y = fixed_moments(0.0).plus(lognormal_moments_median_sigma(6.0 * m, 0.8));
    let toml = single_general_toml(
        "weibull scale lognormal median",
        r#"{ dist = "weibull", shape = 0.8, scale = "8h" }"#,
        r#"{ dist = "fixed", value = "0s" }"#,
        r#"{ dist = "lognormal", median = "6m", sigma = 0.8 }"#,
    );
    insensitivity_case("weibull-scale/lognormal-median", &toml, x, y, 1000, 54);
}

// ---------------------------------------------------------------------------------------
// 6. Outage durations (RTO) and outage counts.
// ---------------------------------------------------------------------------------------

/// One replica, detect "0s", exponential repair with mean m = 10 min, MTTF 10 h, 1y.
///
/// Every outage is one repair, so durations are i.i.d. Exp(m): quantile
/// q_p = m ln(1/(1-p)), density at q_p f = (1-p)/m, sample-quantile standard error
/// sqrt(p(1-p)/n) / f = m sqrt(p / ((1-p) n)) with n = rto_s.count. Tolerance: 4 se plus
/// The promised 0.1% sketch error. Bias from outages cut at the end of a year: at most one per
/// year, with probability ~ 1 - A = 1.6%, among ~860 outages a year, so the CDF of the
/// pooled durations is within 2e-5 of Exp(m) everywhere: a quantile shift of at most
/// 2e-5 / f, i.e. <= 0.15 se at every p checked (asserted below; in fact far less, as a
/// cut exponential repair's elapsed part is itself close to Exp(m)).
///
/// Outage count: failures occur at rate 1/MTTF while up, so the expected number a year
/// is exactly (T / MTTF) * (expected year availability), the latter from the 2-state
/// chain. Its year-to-year variance is the renewal CLT value T Var(C) / E[C]^3,
/// C = up + down.
#[test]
fn outage_durations_exponential_repair() {
    let mttf = 10.0;
    let m = 10.0 / 60.0;
    let mode = Mode::new(mttf, 0.0, m);
    let comp = Comp::single("svc", mode);
    let toml = model_toml("rto", "svc", "1y", &[], std::slice::from_ref(&comp));
    let (_, chain, reward) = count_chain(&comp);
    let years = 500;
    let sim = Sim::year(years, 61);
    let v = run_and_check_chain("rto/availability", &toml, &chain, &reward, sim);
    let (abar, _) = exact_chain(&chain, &reward, YEAR_H, years);

    // Counts.
    let n = num(&v, &["rto_s", "count"]);
    let per_year = num(&v, &["outages_per_year", "mean"]);
    assert!(
        (n - per_year * years as f64).abs() <= 1e-6 * n,
        "rto_s.count {n} != outages_per_year.mean {per_year} * {years}"
    );
    let expected_per_year = YEAR_H / mttf * abar;
    let c = exp_moments(mttf).plus(exp_moments(m));
    let se_count = (YEAR_H * c.var() / c.m1.powi(3) / years as f64).sqrt();
    println!(
        "outages/year: exact {expected_per_year:.3}, simulated {per_year:.3}, se {se_count:.3}, z {:+.2}",
        (per_year - expected_per_year) / se_count
    );
    assert!(se_count < 0.01 * expected_per_year);
    assert!((per_year - expected_per_year).abs() <= 4.0 * se_count);

    // Downtime: (1 - Abar) T exactly in expectation.
    let down = num(&v, &["downtime_per_year_s", "mean"]);
    let exact_down = (1.0 - abar) * YEAR_H * 3600.0;
    let sim_a = avail(&v, &["availability"], years);
    let se_down = sim_a.se * YEAR_H * 3600.0;
    println!("downtime/year: exact {exact_down:.1} s, simulated {down:.1} s, se {se_down:.1} s");
    assert!((down - exact_down).abs() <= 4.0 * se_down);
    assert!(
        (down - (1.0 - sim_a.mean) * YEAR_H * 3600.0).abs() <= 1e-6 * exact_down,
        "downtime_per_year_s.mean must be (1 - availability.mean) * horizon"
    );

    // Durations, in seconds.
    let m_s = m * 3600.0;
    let mean = num(&v, &["rto_s", "mean"]);
    let se_mean = m_s / n.sqrt();
    println!("rto mean: exact {m_s:.2} s, simulated {mean:.2} s, se {se_mean:.2} s");
    assert!((mean - m_s).abs() <= 4.0 * se_mean);
    let cut_fraction = 1.0 / (YEAR_H / c.m1); // <= one cut outage per year among ~860
    for (key, p) in [("p50", 0.5_f64), ("p90", 0.9), ("p99", 0.99)] {
        let exact = m_s * (1.0 / (1.0 - p)).ln();
        let se = m_s * (p / ((1.0 - p) * n)).sqrt();
        let f = (1.0 - p) / m_s;
        assert!(
            (1.0 - abar) * cut_fraction / f < 0.15 * se,
            "cut-outage bias not negligible"
        );
        let sim = num(&v, &["rto_s", key]);
        let tol = 4.0 * se + 0.001 * exact;
        println!(
            "rto {key}: exact {exact:.2} s, simulated {sim:.2} s, se {se:.2} s, tol {tol:.2} s, z {:+.2}",
            (sim - exact) / se
        );
        assert!(
            (sim - exact).abs() <= tol,
            "rto_s.{key}: {sim} vs exact {exact} (tol {tol})"
        );
    }
    let max = num(&v, &["rto_s", "max"]);
    assert!(max >= num(&v, &["rto_s", "p99"]), "rto max below p99");
}
