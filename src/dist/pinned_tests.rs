//! Pinned draws: the first draws of one fixed stream for every kind of distribution and for
//! the exponential race, as exact microseconds, and the normal quantile as bit patterns.
//! Results are promised to be the same bytes on every platform and with any thread count; a
//! change in the last bit of any logarithm, exponential or power (another `libm`, std's
//! functions back in the sampling path, a reordered expression) moves some of these and
//! fails here, where it can be judged, rather than silently moving every committed result.
//! The values were recorded from this code; a deliberate change of simulated values updates
//! them together with results/ and says so in CHANGELOG.md.

use super::*;
use crate::rng::StreamKey;

/// The first eight draws of `dist` from the stream of seed 2026, label `label`, year 7.
fn first_draws(label: &str, dist: &Dist) -> Vec<u64> {
    let mut stream = StreamKey::derive(2026, label).open(7);
    (0..8)
        .map(|_| dist.sample(&mut stream).as_micros())
        .collect()
}

#[test]
fn every_kind_draws_the_pinned_microseconds() {
    let s = Duration::from_secs;
    let pinned = [
        (
            Dist::exponential(s(3600)),
            "exponential",
            [
                4384603553, 351784752, 3831030273, 1051923775, 751731517, 1884150364, 3248498617,
                1167857072,
            ],
        ),
        (
            // The scale comes from the mean through Γ(1 + 1/0.7).
            Dist::weibull_mean(0.7, s(3600)).unwrap(),
            "weibull",
            [
                3341473134,
                1696634548,
                853408998,
                3845825656,
                86641246,
                67601427,
                12729100529,
                2175527621,
            ],
        ),
        (
            Dist::weibull_scale(2.5, s(600)).unwrap(),
            "weibull-scale",
            [
                686829267, 692642998, 697903371, 376561402, 559670980, 846883612, 609929083,
                771867422,
            ],
        ),
        (
            Dist::lognormal_mean_sd(s(40), s(15)),
            "lognormal",
            [
                30332359, 32775939, 45117147, 29078999, 54316975, 46920329, 72993479, 71913405,
            ],
        ),
        (
            // sigma 2 sends draws into the normal quantile's tails, where it takes a logarithm.
            Dist::lognormal_median_sigma(s(300), 2.0).unwrap(),
            "lognormal-median",
            [
                1255883291, 1347713564, 58934372, 29676242, 737285109, 1266297879, 127964823,
                871078673,
            ],
        ),
        (
            Dist::gamma(2.5, s(600)).unwrap(),
            "gamma",
            [
                423400050, 508146386, 1927081759, 261094574, 810212971, 772417565, 198365618,
                1058230386,
            ],
        ),
        (
            // Below shape 1, the boost u^(1/shape) takes a power.
            Dist::gamma(0.3, s(600)).unwrap(),
            "gamma-small",
            [
                101640766, 1606881444, 143654233, 143859873, 143485, 132660051, 17758000, 21999436,
            ],
        ),
        (
            Dist::uniform(s(21), s(31)).unwrap(),
            "uniform",
            [
                23666179, 21074855, 25785360, 24016828, 25730030, 30180085, 25540279, 27321357,
            ],
        ),
        (
            Dist::empirical(vec![s(1), s(5), s(60)]).unwrap(),
            "empirical",
            [
                1000000, 1000000, 5000000, 5000000, 60000000, 1000000, 5000000, 5000000,
            ],
        ),
    ];
    for (dist, label, expected) in pinned {
        assert_eq!(first_draws(label, &dist), expected, "{dist}");
    }
}

#[test]
fn the_race_draws_the_pinned_times_and_entrants() {
    let s = Duration::from_secs;
    let entrants = [
        Dist::exponential(s(86_400)),
        Dist::exponential(s(3 * 86_400)),
        Dist::exponential(s(7 * 86_400)),
    ];
    let race = ExponentialRace::new(&entrants.iter().collect::<Vec<_>>()).unwrap();
    let mut stream = StreamKey::derive(2026, "race").open(7);
    let draws: Vec<(u64, usize)> = (0..8)
        .map(|_| {
            let (time, entrant) = race.sample(&mut stream);
            (time.as_micros(), entrant)
        })
        .collect();
    let expected = [
        (102787767495, 0),
        (34696767410, 2),
        (74194477197, 1),
        (24021620640, 0),
        (97734392324, 1),
        (34735790349, 0),
        (104052653760, 0),
        (75047723136, 2),
    ];
    assert_eq!(draws, expected);
}

/// The normal quantile's bits in its three regions: the far tail (r > 5), the near tail and
/// the central rational function. Against mpmath 1.3 (√2 erfinv(2p − 1) at 50 digits) these
/// are within 1.3 ulp of the exact quantile, from p = 1e-9 to 1 − 1e-12.
#[test]
fn the_normal_quantile_gives_the_pinned_bits() {
    for (p, bits) in [
        (1e-300, 0xc042_8607_4064_c26e_u64),
        (1e-9, 0xc017_fdc1_1f44_b5a7),
        (0.02425, 0xbfff_913f_9b7a_a941),
        (0.3, 0xbfe0_c7e3_9582_c5fa),
        (0.5, 0x0000_0000_0000_0000),
        (0.9, 0x3ff4_813c_36e2_6d34),
        (1.0 - 1e-12, 0x401c_2350_895b_2ea4),
    ] {
        let z = std_normal_quantile(p);
        assert_eq!(z.to_bits(), bits, "p {p:e}: {z}");
    }
}
