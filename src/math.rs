//! The project's transcendental functions: one place for every logarithm, exponential and
//! power that a result depends on.
//!
//! IEEE 754 makes + − × ÷, `sqrt` and conversions correctly rounded, so they give the same
//! bits everywhere; it does not do so for `ln`, `exp` or `powf`, and std's `f64::ln` and
//! friends call the platform's C library (glibc, musl, macOS, the Windows CRT), whose last
//! bit differs. A draw inverted through `ln` on one machine could then land one microsecond
//! away from the same draw on another, and every result after it drift. These wrappers call
//! the `libm` crate instead, pinned to one exact version in Cargo.toml: a pure-Rust port of
//! musl and FreeBSD's msun (itself Sun's fdlibm) that does the same IEEE operations in the
//! same order on every platform. Its only architecture-specific code replaces `sqrt` and
//! `fma` by their hardware instructions, which are correctly rounded and so give the same
//! bits (and an x87 `exp` on 32-bit x86 without SSE2, a target no Rust tier ships).
//!
//! `clippy.toml` forbids std's versions crate-wide, with a reason pointing here; upgrading
//! `libm` is a change of simulated values like any other (see the pinned draws in
//! `dist::pinned_tests`).

pub mod special;

/// The natural logarithm. fdlibm's `e_log.c`: error below 1 ulp.
#[inline]
pub fn ln(x: f64) -> f64 {
    libm::log(x)
}

/// e^x. fdlibm's `e_exp.c`: error below 1 ulp.
#[inline]
pub fn exp(x: f64) -> f64 {
    libm::exp(x)
}

/// ln(1 + x), accurate for x near 0. fdlibm's `s_log1p.c`: error below 1 ulp.
#[inline]
pub fn ln_1p(x: f64) -> f64 {
    libm::log1p(x)
}

/// The base-10 logarithm. fdlibm's `e_log10.c`: error below 1 ulp (exact at powers of 10 up
/// to 10^22, which the report's digit counts rely on).
#[inline]
pub fn log10(x: f64) -> f64 {
    libm::log10(x)
}

/// x^y. fdlibm's `e_pow.c`: "nearly rounded", below 1 ulp, exact when the result is an
/// integer that a double holds.
#[inline]
pub fn powf(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

/// x^n for a small non-negative integer n, as n − 1 multiplications in a fixed order.
///
/// std's `powi` is an LLVM intrinsic whose order of multiplications is unspecified (and may
/// be folded at compile time differently from run time), so its last bit is not promised;
/// here each of the n − 1 products is correctly rounded, so the error is below n ulp and the
/// bits are the same everywhere.
pub fn powi(x: f64, n: u32) -> f64 {
    (1..n).fold(if n == 0 { 1.0 } else { x }, |product, _| product * x)
}

/// The gamma function Γ(x). musl's `tgamma.c` (a Lanczos approximation); its error against
/// exact values is tested below to a few ulp.
#[inline]
pub fn gamma(x: f64) -> f64 {
    libm::tgamma(x)
}

/// ln |Γ(x)|. fdlibm's `e_lgamma_r.c`.
#[inline]
pub fn ln_gamma(x: f64) -> f64 {
    libm::lgamma_r(x).0
}

/// √(x² + y²) without overflow. fdlibm's `e_hypot.c`: error below 1 ulp.
#[inline]
pub fn hypot(x: f64, y: f64) -> f64 {
    libm::hypot(x, y)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How many units in the last place `found` is from `exact`.
    fn ulps(found: f64, exact: f64) -> f64 {
        let ulp = f64::from_bits(exact.abs().to_bits() + 1) - exact.abs();
        (found - exact).abs() / ulp
    }

    /// ln at tricky arguments against exact values: the f64 nearest each, from mpmath 1.3
    /// at 50 digits (`mp.dps = 50; float(mp.log(mpf(x)))`, x given exactly by its bits).
    #[test]
    fn ln_is_within_one_ulp_at_tricky_arguments() {
        let cases: [(f64, f64); 9] = [
            // The smallest subnormal, 2^-1074: ln = -1074 ln 2.
            (f64::from_bits(1), -744.440_071_921_381_2),
            // The largest subnormal.
            (
                f64::from_bits(0x000f_ffff_ffff_ffff),
                -708.396_418_532_264_1,
            ),
            (f64::MIN_POSITIVE, -708.396_418_532_264_1),
            (1.0, 0.0),
            // The doubles either side of 1: ln(1 + 2^-52) = 2^-52 − 2^-105 + …
            (1.0 + f64::EPSILON, 2.220_446_049_250_312_8e-16),
            (1.0 - f64::EPSILON / 2.0, -1.110_223_024_625_156_5e-16),
            (2.0, std::f64::consts::LN_2),
            (10.0, std::f64::consts::LN_10),
            (f64::MAX, 709.782_712_893_384),
        ];
        for (x, exact) in cases {
            let found = ln(x);
            assert!(
                ulps(found, exact) <= 1.0,
                "ln({x:e}) = {found:e}, exact {exact:e}"
            );
        }
        assert_eq!(ln(0.0), f64::NEG_INFINITY);
        assert!(ln(-1.0).is_nan());
    }

    /// exp at tricky arguments against exact values (mpmath 1.3 at 50 digits, as above).
    #[test]
    fn exp_is_within_one_ulp_at_tricky_arguments() {
        let cases: [(f64, f64); 8] = [
            (0.0, 1.0),
            (1.0, std::f64::consts::E),
            (f64::EPSILON, 1.000_000_000_000_000_2),
            (-1.0, 0.367_879_441_171_442_33),
            // Just below overflow: exp(709.78) = 1.7928227943945155e308.
            (709.78, 1.792_822_794_394_515_5e308),
            // Deep in the subnormals, where a double holds only 7 significant bits.
            (-740.0, 4.2e-322),
            (-745.2, 0.0),
            (1e-300, 1.0),
        ];
        for (x, exact) in cases {
            let found = exp(x);
            let error = if exact == 0.0 || exact < f64::MIN_POSITIVE {
                (found - exact).abs() / f64::from_bits(1)
            } else {
                ulps(found, exact)
            };
            assert!(error <= 1.0, "exp({x:e}) = {found:e}, exact {exact:e}");
        }
        assert_eq!(exp(710.0), f64::INFINITY);
    }

    #[test]
    fn powers_are_exact_where_the_result_is() {
        assert_eq!(powf(2.0, 10.0), 1024.0);
        assert_eq!(powf(10.0, -3.0), 1e-3);
        assert_eq!(log10(1e-9), -9.0);
        assert_eq!(powi(1024.0, 3), 1_073_741_824.0);
        assert_eq!(powi(0.5, 0), 1.0);
        assert_eq!(powi(3.0, 1), 3.0);
        assert_eq!(hypot(3.0, 4.0), 5.0);
    }

    /// Γ at the arguments the Weibull's mean takes, against mpmath 1.3 at 50 digits.
    #[test]
    fn gamma_is_within_a_few_ulp() {
        for (x, exact) in [
            // Γ(1 + 1/2) = √π/2.
            (1.5, 0.886_226_925_452_758),
            // Γ(1 + 1/0.8).
            (2.25, 1.133_003_096_319_346_3),
            (5.0, 24.0),
            // Γ(1 + 1/0.1).
            (11.0, 3_628_800.0),
        ] {
            let found = gamma(x);
            assert!(ulps(found, exact) <= 4.0, "Γ({x}) = {found}, exact {exact}");
        }
        assert!((ln_gamma(0.5) - 0.572_364_942_924_700_1).abs() <= 2.0 * f64::EPSILON);
    }
}
