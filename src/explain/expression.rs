//! The availability of an expression (`up`, a service) over independent components.
//!
//! Where each component appears once, the expression's availability is the product
//! formula: `a & b` is up with probability `A_a A_b`, `a | b` with `1 - (1-A_a)(1-A_b)`,
//! since the operands name disjoint sets of independent components. A component named more
//! than once (`(m1 & m2) | (m1 & m3) | (m2 & m3)`) makes the operands dependent, and the
//! product formula then counts it as several independent copies. The exact availability
//! conditions on those components (Shannon's expansion): for each of the `2^r` up/down
//! states of the `r` repeated components, its probability times the availability of the
//! expression with those components fixed, which names every other component once.

use crate::expr::Expr;

/// The most leaves-times-states the exact evaluation visits: `2^r` times the components the
/// expression names. A 2-of-16 expression (240 names, 16 repeated) is beyond it and is
/// evaluated as if its repeated components were independent copies, which the explanation
/// says.
const MAX_WORK: u64 = 1 << 24;

/// An expression's availability.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Evaluated {
    /// The availability.
    pub(super) value: f64,
    /// Whether it treats components named more than once as independent copies (too many
    /// to condition on): then only an approximation.
    pub(super) approximate: bool,
}

/// The components `expr` names more than once, in increasing order, and how many names it
/// holds in all.
pub(super) fn repeated(expr: &Expr) -> (Vec<usize>, usize) {
    let mut named = Vec::new();
    expr.collect_components(&mut named);
    let names = named.len();
    named.sort_unstable();
    let mut repeated: Vec<usize> = named
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect();
    repeated.dedup();
    (repeated, names)
}

/// Whether [`availability`] of `expr` is exact: no component is named more than once, or
/// few enough to condition on.
pub(super) fn conditions_exactly(expr: &Expr) -> bool {
    let (repeated, names) = repeated(expr);
    within_work(repeated.len(), names)
}

/// Whether conditioning on `r` components of an expression of `names` names is within
/// [`MAX_WORK`].
fn within_work(r: usize, names: usize) -> bool {
    r == 0 || (r < 40 && (1u64 << r).saturating_mul(names as u64) <= MAX_WORK)
}

/// The availability of `expr` over independent components up with probabilities
/// `availability` (by component index): exact, conditioning on the components named more
/// than once, within [`MAX_WORK`]; past it, the product formula as if each name were an
/// independent copy, marked approximate.
pub(super) fn availability(expr: &Expr, availability: &[f64]) -> Evaluated {
    let (repeated, names) = repeated(expr);
    if repeated.is_empty() || !within_work(repeated.len(), names) {
        return Evaluated {
            value: product_formula(expr, availability),
            approximate: !repeated.is_empty(),
        };
    }
    let mut fixed = availability.to_vec();
    let mut value = 0.0;
    for state in 0..1u64 << repeated.len() {
        let mut probability = 1.0;
        for (bit, &component) in repeated.iter().enumerate() {
            let up = state >> bit & 1 == 1;
            let a = availability[component];
            probability *= if up { a } else { 1.0 - a };
            fixed[component] = if up { 1.0 } else { 0.0 };
        }
        if probability > 0.0 {
            value += probability * product_formula(expr, &fixed);
        }
    }
    Evaluated {
        value: value.clamp(0.0, 1.0),
        approximate: false,
    }
}

/// The product formula: exact when each component appears once.
fn product_formula(expr: &Expr, availability: &[f64]) -> f64 {
    match expr {
        Expr::Component(index) => availability[*index],
        Expr::All(operands) => operands
            .iter()
            .map(|e| product_formula(e, availability))
            .product(),
        Expr::Any(operands) => {
            1.0 - operands
                .iter()
                .map(|e| 1.0 - product_formula(e, availability))
                .product::<f64>()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Expr {
        let names = ["m1", "m2", "m3", "m4"];
        Expr::parse(text, &|name| names.iter().position(|n| *n == name)).unwrap()
    }

    /// The availability of `expr` by enumerating every up/down state of the components, each
    /// evaluated with `Expr::eval`: the definition, independently of the expansion.
    fn by_enumeration(expr: &Expr, a: &[f64]) -> f64 {
        (0..1u32 << a.len())
            .map(|state| {
                let up: Vec<bool> = (0..a.len()).map(|i| state >> i & 1 == 1).collect();
                let p: f64 = (a.iter().zip(&up))
                    .map(|(a, up)| if *up { *a } else { 1.0 - a })
                    .product();
                if expr.eval(&up) { p } else { 0.0 }
            })
            .sum()
    }

    /// `calc kofn 2 99% 99.9% 99.99%`: two of three, exactly 0.999988902 (calc's figure),
    /// where the product formula over the six names gave 0.9999998779.
    #[test]
    fn two_of_three_is_exact() {
        let expr = parse("(m1 & m2) | (m1 & m3) | (m2 & m3)");
        let a = [0.99, 0.999, 0.9999, 0.5];
        let (p, q, r) = (a[0], a[1], a[2]);
        let exact = p * q * r + p * q * (1.0 - r) + p * (1.0 - q) * r + (1.0 - p) * q * r;
        let found = availability(&expr, &a);
        assert!(!found.approximate);
        assert!(
            (found.value - exact).abs() < 1e-15,
            "{found:?} against {exact}"
        );
        assert!((found.value - 0.999_988_902).abs() < 1e-9);
        assert!((product_formula(&expr, &a) - 0.999_999_877_9).abs() < 1e-9);
    }

    /// Expressions with and without repeated names against the enumeration of all states.
    #[test]
    fn repeated_names_match_enumeration() {
        let a = [0.9, 0.8, 0.7, 0.6];
        for text in [
            "m1",
            "m1 & m2",
            "m1 | m2 & m3",
            "m1 & (m1 | m2)",
            "(m1 | m2) & (m1 | m3) & (m2 | m4)",
            "m1 & m2 | m3 & m4 | m1 & m4 | m2 & m3",
            "(m1 & (m2 | m3)) | (m4 & (m2 | m1))",
        ] {
            let expr = parse(text);
            let (found, exact) = (availability(&expr, &a), by_enumeration(&expr, &a));
            assert!(!found.approximate, "{text}");
            assert!(
                (found.value - exact).abs() < 1e-14,
                "{text}: {found:?} {exact}"
            );
        }
    }

    /// Without repeated names the product formula is used as it is (the same bits).
    #[test]
    fn once_named_components_keep_the_product_formula() {
        let expr = parse("m1 & (m2 | m3) & m4");
        let a = [0.9, 0.8, 0.7, 0.6];
        assert_eq!(availability(&expr, &a).value, product_formula(&expr, &a));
        assert!(conditions_exactly(&expr));
        assert!(conditions_exactly(&parse("m1 & (m1 | m2)")));
    }

    /// Past the work limit the product formula stands in, marked approximate.
    #[test]
    fn too_many_repeated_names_are_marked_approximate() {
        assert!(within_work(3, 6));
        assert!(within_work(16, 256));
        assert!(!within_work(16, 257));
        assert!(!within_work(40, 1));
        assert!(!within_work(63, 1));
        // Two of seventeen: 272 names, 17 of them repeated.
        let pairs = (0..17)
            .flat_map(|i| {
                (i + 1..17).map(move |j| Expr::All(vec![Expr::Component(i), Expr::Component(j)]))
            })
            .collect();
        let expr = Expr::Any(pairs);
        let a = vec![0.9; 17];
        let found = availability(&expr, &a);
        assert!(found.approximate && !conditions_exactly(&expr));
        assert_eq!(found.value, product_formula(&expr, &a));
    }
}
