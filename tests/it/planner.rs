//! The capacity planner's questions (issue #17): where the downtime goes, against exact
//! answers.

use crate::markov::Ctmc;
use crate::util::{num, run_json};

const YEAR_S: f64 = 31_536_000.0;

/// One replica with two exponential failure modes, detected at once, failing only while up
/// (time to failure counts up time): a three-state chain (up, repairing crash, repairing
/// hang). Each cause's downtime per year is the expected time the chain spends in its
/// repair state over one horizon started up, computed exactly (the transient included),
/// and its standard error over the years is exact too; the shares are the ratios of the
/// simulated downtimes, and add up to 1.
#[test]
fn each_cause_gets_its_exact_downtime_and_the_shares_add_up() {
    // Means in seconds: crash every 100 h, repaired in 2 h; hang every 300 h, in 10 h.
    let (crash_every, crash_repair) = (360_000.0, 7_200.0);
    let (hang_every, hang_repair) = (1_080_000.0, 36_000.0);
    let toml = r#"name = "two causes"
up = "db"

[[component]]
name = "db"

  [[component.failure]]
  name = "crash"
  every = { dist = "exponential", mean = "100h" }
  detect = "0s"
  repair = { dist = "exponential", mean = "2h" }

  [[component.failure]]
  name = "hang"
  every = { dist = "exponential", mean = "300h" }
  detect = "0s"
  repair = { dist = "exponential", mean = "10h" }
"#;
    let years = 2000;
    let summary = run_json(toml, years, 17);
    let mut chain = Ctmc::new(3);
    chain.add(0, 1, 1.0 / crash_every);
    chain.add(0, 2, 1.0 / hang_every);
    chain.add(1, 0, 1.0 / crash_repair);
    chain.add(2, 0, 1.0 / hang_repair);
    let p0 = [1.0, 0.0, 0.0];
    let mut shares = 0.0;
    for (cause, state) in [("db/crash", 1), ("db/hang", 2)] {
        let mut reward = [0.0; 3];
        reward[state] = 1.0;
        let exact = chain.time_average(&p0, &reward, YEAR_S) * YEAR_S;
        let se = (chain.time_average_variance(&p0, &reward, YEAR_S) / years as f64).sqrt() * YEAR_S;
        let simulated = num(&summary, &["causes", cause, "downtime_per_year_s"]);
        println!("{cause}: exact {exact:.1} s/year, simulated {simulated:.1}, se {se:.1}");
        assert!(
            (simulated - exact).abs() <= 4.0 * se,
            "{cause}: {simulated} s/year against exact {exact} (se {se})"
        );
        let share = num(&summary, &["causes", cause, "share"]);
        let total = num(&summary, &["downtime_per_year_s", "mean"]);
        assert!(
            (share - simulated / total).abs() < 1e-9,
            "{cause}: share {share}"
        );
        shares += share;
    }
    assert!((shares - 1.0).abs() < 1e-12, "shares add up to {shares}");
}
