//! A small dense continuous-time Markov chain (CTMC) toolkit, used by `analytic.rs` to
//! compute the exact answers the simulator is checked against.
//!
//! Everything here is plain dense linear algebra on generators of at most a few dozen
//! states:
//! - `expm`: matrix exponential by scaling and squaring with a Taylor series;
//! - `Ctmc::steady_state`: the stationary distribution (pi Q = 0, sum pi = 1);
//! - `Ctmc::time_average`: the expected time average (1/T) E[ integral_0^T r(X_t) dt ]
//!   from an initial distribution, i.e. exactly the expected "year" availability of a
//!   simulation that starts every year in the same state. It is computed two independent
//!   ways (fundamental matrix, and Van Loan's augmented generator) that the unit tests
//!   below cross-check against each other, against uniformization and against closed
//!   forms;
//! - `Ctmc::time_average_variance`: the exact variance of that time average over one
//!   horizon (Van Loan's block-triangular exponential), used to check that the
//!   simulator's confidence interval is honest;
//! - `Ctmc::asymptotic_variance`: lim T * Var(time average) (fundamental matrix);
//! - `explore`: builds a chain from an initial state and a transition function.

use std::collections::HashMap;
use std::hash::Hash;

/// A dense square matrix, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Mat {
    pub n: usize,
    pub a: Vec<f64>,
}

impl Mat {
    pub fn zeros(n: usize) -> Mat {
        Mat {
            n,
            a: vec![0.0; n * n],
        }
    }

    pub fn identity(n: usize) -> Mat {
        let mut m = Mat::zeros(n);
        for i in 0..n {
            m.set(i, i, 1.0);
        }
        m
    }

    #[inline]
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.a[i * self.n + j]
    }

    #[inline]
    pub fn set(&mut self, i: usize, j: usize, v: f64) {
        self.a[i * self.n + j] = v;
    }

    #[inline]
    pub fn add_to(&mut self, i: usize, j: usize, v: f64) {
        self.a[i * self.n + j] += v;
    }

    pub fn mul(&self, other: &Mat) -> Mat {
        assert_eq!(self.n, other.n);
        let n = self.n;
        let mut out = Mat::zeros(n);
        for i in 0..n {
            for k in 0..n {
                let x = self.a[i * n + k];
                if x == 0.0 {
                    continue;
                }
                let row = &other.a[k * n..(k + 1) * n];
                let dst = &mut out.a[i * n..(i + 1) * n];
                for (d, r) in dst.iter_mut().zip(row) {
                    *d += x * r;
                }
            }
        }
        out
    }

    pub fn scaled(&self, s: f64) -> Mat {
        Mat {
            n: self.n,
            a: self.a.iter().map(|x| x * s).collect(),
        }
    }

    pub fn plus(&self, other: &Mat) -> Mat {
        assert_eq!(self.n, other.n);
        Mat {
            n: self.n,
            a: self.a.iter().zip(&other.a).map(|(x, y)| x + y).collect(),
        }
    }

    pub fn transpose(&self) -> Mat {
        let mut t = Mat::zeros(self.n);
        for i in 0..self.n {
            for j in 0..self.n {
                t.set(j, i, self.get(i, j));
            }
        }
        t
    }

    /// The 1-norm (largest column sum of absolute values).
    pub fn norm1(&self) -> f64 {
        (0..self.n)
            .map(|j| (0..self.n).map(|i| self.get(i, j).abs()).sum::<f64>())
            .fold(0.0, f64::max)
    }

    /// Row vector times matrix: v M.
    pub fn left_mul(&self, v: &[f64]) -> Vec<f64> {
        assert_eq!(v.len(), self.n);
        let mut out = vec![0.0; self.n];
        for (i, vi) in v.iter().enumerate() {
            if *vi == 0.0 {
                continue;
            }
            for (j, o) in out.iter_mut().enumerate() {
                *o += vi * self.get(i, j);
            }
        }
        out
    }

    /// Matrix times column vector: M v.
    pub fn right_mul(&self, v: &[f64]) -> Vec<f64> {
        assert_eq!(v.len(), self.n);
        (0..self.n)
            .map(|i| (0..self.n).map(|j| self.get(i, j) * v[j]).sum())
            .collect()
    }

    /// Copies `block` into this matrix with its top-left corner at (r, c).
    pub fn put_block(&mut self, r: usize, c: usize, block: &Mat) {
        for i in 0..block.n {
            for j in 0..block.n {
                self.set(r + i, c + j, block.get(i, j));
            }
        }
    }

    /// The n-by-n block of this matrix whose top-left corner is (r, c).
    pub fn block(&self, r: usize, c: usize, n: usize) -> Mat {
        let mut b = Mat::zeros(n);
        for i in 0..n {
            for j in 0..n {
                b.set(i, j, self.get(r + i, c + j));
            }
        }
        b
    }
}

pub fn dot(x: &[f64], y: &[f64]) -> f64 {
    assert_eq!(x.len(), y.len());
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

/// Solves A x = b by Gaussian elimination with partial pivoting. Panics if A is singular.
pub fn solve(a: &Mat, b: &[f64]) -> Vec<f64> {
    let n = a.n;
    assert_eq!(b.len(), n);
    let mut m = a.a.clone();
    let mut x = b.to_vec();
    for col in 0..n {
        let piv = (col..n)
            .max_by(|&i, &j| m[i * n + col].abs().total_cmp(&m[j * n + col].abs()))
            .unwrap();
        assert!(m[piv * n + col].abs() > 1e-300, "singular matrix in solve");
        if piv != col {
            for j in 0..n {
                m.swap(col * n + j, piv * n + j);
            }
            x.swap(col, piv);
        }
        let d = m[col * n + col];
        for i in col + 1..n {
            let f = m[i * n + col] / d;
            if f == 0.0 {
                continue;
            }
            for j in col..n {
                m[i * n + j] -= f * m[col * n + j];
            }
            x[i] -= f * x[col];
        }
    }
    for i in (0..n).rev() {
        let mut s = x[i];
        for j in i + 1..n {
            s -= m[i * n + j] * x[j];
        }
        x[i] = s / m[i * n + i];
    }
    x
}

/// Matrix exponential e^M by scaling and squaring: A = M / 2^s has 1-norm <= 1/4, and
/// B = e^A - I is summed by Taylor series to machine precision. The squarings are done on
/// B itself, (I + B)^2 - I = 2B + B^2, not on I + B: for a generator, the rows of I + B sum
/// to 1 only up to round-off, and squaring I + B s times would multiply that error by 2^s
/// (1e-9 for horizons of 1e7 relaxation times), whereas B keeps relative precision.
pub fn expm(m: &Mat) -> Mat {
    let norm = m.norm1();
    let mut s = 0i32;
    while norm / 2f64.powi(s) > 0.25 {
        s += 1;
    }
    let a = m.scaled(1.0 / 2f64.powi(s));
    let mut b = a.clone();
    let mut term = a.clone();
    for k in 2..40 {
        term = term.mul(&a).scaled(1.0 / k as f64);
        b = b.plus(&term);
        if term.norm1() <= 1e-18 * b.norm1() {
            break;
        }
    }
    for _ in 0..s {
        b = b.scaled(2.0).plus(&b.mul(&b));
    }
    Mat::identity(m.n).plus(&b)
}

/// A continuous-time Markov chain given by its generator Q (rows sum to zero).
#[derive(Clone, Debug)]
pub struct Ctmc {
    q: Mat,
}

impl Ctmc {
    pub fn new(n: usize) -> Ctmc {
        Ctmc { q: Mat::zeros(n) }
    }

    pub fn len(&self) -> usize {
        self.q.n
    }

    /// Adds a transition `from -> to` at `rate` (per unit time).
    pub fn add(&mut self, from: usize, to: usize, rate: f64) {
        assert!(rate >= 0.0 && rate.is_finite(), "bad rate {rate}");
        if from == to || rate == 0.0 {
            return;
        }
        self.q.add_to(from, to, rate);
        self.q.add_to(from, from, -rate);
    }

    pub fn generator(&self) -> &Mat {
        &self.q
    }

    /// The stationary distribution: pi Q = 0 with sum(pi) = 1 (the chain must be
    /// irreducible). Solved as Q^T pi = 0 with the last equation replaced by sum = 1.
    pub fn steady_state(&self) -> Vec<f64> {
        let n = self.len();
        let mut a = self.q.transpose();
        for j in 0..n {
            a.set(n - 1, j, 1.0);
        }
        let mut b = vec![0.0; n];
        b[n - 1] = 1.0;
        solve(&a, &b)
    }

    /// p(t) = p0 e^{Q t}.
    pub fn transient(&self, p0: &[f64], t: f64) -> Vec<f64> {
        expm(&self.q.scaled(t)).left_mul(p0)
    }

    /// Pi - Q, where Pi = 1 pi (every row is pi); its inverse is the fundamental matrix Z.
    fn pi_minus_q(&self, pi: &[f64]) -> Mat {
        let n = self.len();
        let mut m = self.q.scaled(-1.0);
        for i in 0..n {
            for (j, p) in pi.iter().enumerate() {
                m.add_to(i, j, *p);
            }
        }
        m
    }

    /// x with x (Pi - Q) = v.
    fn solve_fundamental_left(&self, pi: &[f64], v: &[f64]) -> Vec<f64> {
        solve(&self.pi_minus_q(pi).transpose(), v)
    }

    /// Z g = f with Z = (Pi - Q)^{-1}.
    fn solve_fundamental_right(&self, pi: &[f64], f: &[f64]) -> Vec<f64> {
        solve(&self.pi_minus_q(pi), f)
    }

    /// (1/T) E[ integral_0^T r(X_t) dt ] with X_0 ~ p0.
    ///
    /// Method: with x = integral_0^T (p(t) - pi) dt, integrating p' = p Q gives
    /// p(T) - p0 = x Q; as x 1 = 0, x Pi = 0, so x (Pi - Q) = p0 - p(T): one linear solve
    /// plus p(T) from the matrix exponential. The answer is pi.r + (x.r) / T.
    pub fn time_average(&self, p0: &[f64], reward: &[f64], horizon: f64) -> f64 {
        let pi = self.steady_state();
        let pt = self.transient(p0, horizon);
        let v: Vec<f64> = p0.iter().zip(&pt).map(|(a, b)| a - b).collect();
        let x = self.solve_fundamental_left(&pi, &v);
        dot(&pi, reward) + dot(&x, reward) / horizon
    }

    /// The same as `time_average`, by Van Loan's augmented generator: with Q' = Q T,
    /// exp([[Q', I], [0, 0]]) has top-right block integral_0^1 e^{Q' s} ds.
    pub fn time_average_augmented(&self, p0: &[f64], reward: &[f64], horizon: f64) -> f64 {
        let n = self.len();
        let mut big = Mat::zeros(2 * n);
        big.put_block(0, 0, &self.q.scaled(horizon));
        big.put_block(0, n, &Mat::identity(n));
        let e = expm(&big);
        let integral = e.block(0, n, n);
        dot(&integral.left_mul(p0), reward)
    }

    /// Var( (1/T) integral_0^T r(X_t) dt ) with X_0 ~ p0, exactly.
    ///
    /// With Q' = Q T and R = diag(r), the top-right block of
    /// exp([[Q', R, 0], [0, Q', R], [0, 0, Q']]) is
    /// integral_{0<u<v<1} e^{Q' u} R e^{Q' (v-u)} R e^{Q' (1-v)} du dv (Van Loan 1978), so
    /// p0 (block) 1 = E[ integral_{u<v} r(X'_u) r(X'_v) ] = E[A^2] / 2 where A is the time
    /// average. The reward is centred on its stationary mean first (the variance does not
    /// change) to avoid cancellation.
    pub fn time_average_variance(&self, p0: &[f64], reward: &[f64], horizon: f64) -> f64 {
        let n = self.len();
        let pi = self.steady_state();
        let c = dot(&pi, reward);
        let rc: Vec<f64> = reward.iter().map(|r| r - c).collect();
        let mut rmat = Mat::zeros(n);
        for (i, r) in rc.iter().enumerate() {
            rmat.set(i, i, *r);
        }
        let qt = self.q.scaled(horizon);
        let mut big = Mat::zeros(3 * n);
        big.put_block(0, 0, &qt);
        big.put_block(n, n, &qt);
        big.put_block(2 * n, 2 * n, &qt);
        big.put_block(0, n, &rmat);
        big.put_block(n, 2 * n, &rmat);
        let e = expm(&big);
        let top_right = e.block(0, 2 * n, n);
        let ones = vec![1.0; n];
        let second_moment = 2.0 * dot(p0, &top_right.right_mul(&ones));
        let mean = self.time_average(p0, &rc, horizon);
        second_moment - mean * mean
    }

    /// sigma^2 = lim_{T -> inf} T Var( (1/T) integral_0^T r(X_t) dt )
    ///         = 2 sum_i pi_i rc_i (Z rc)_i, with rc = r - pi.r and Z = (Pi - Q)^{-1}.
    pub fn asymptotic_variance(&self, reward: &[f64]) -> f64 {
        let pi = self.steady_state();
        let c = dot(&pi, reward);
        let rc: Vec<f64> = reward.iter().map(|r| r - c).collect();
        let g = self.solve_fundamental_right(&pi, &rc);
        2.0 * pi
            .iter()
            .zip(&rc)
            .zip(&g)
            .map(|((p, r), g)| p * r * g)
            .sum::<f64>()
    }

    /// The time average by uniformization (independent check for the unit tests; only
    /// for moderate Lambda T, about <= 600, since e^{-Lambda T} must not underflow).
    /// integral_0^T Poisson(k; L t) dt = P(N(L T) > k) / L.
    pub fn time_average_uniformization(&self, p0: &[f64], reward: &[f64], horizon: f64) -> f64 {
        let n = self.len();
        let lambda = (0..n).map(|i| -self.q.get(i, i)).fold(0.0, f64::max) * 1.05 + 1e-300;
        let lt = lambda * horizon;
        assert!(lt < 600.0, "uniformization only for moderate Lambda T");
        let mut p = Mat::identity(n).plus(&self.q.scaled(1.0 / lambda));
        // Clean tiny negative round-off on the diagonal.
        for i in 0..n {
            if p.get(i, i) < 0.0 && p.get(i, i) > -1e-15 {
                p.set(i, i, 0.0);
            }
        }
        let mut v = p0.to_vec();
        let mut pois = (-lt).exp();
        let mut cdf = pois;
        let mut total = 0.0;
        let mut k = 0u64;
        loop {
            total += dot(&v, reward) * (1.0 - cdf).max(0.0) / lambda;
            k += 1;
            pois *= lt / k as f64;
            cdf += pois;
            v = p.left_mul(&v);
            if k as f64 > lt && (pois < 1e-20 || 1.0 - cdf < 1e-16) {
                break;
            }
        }
        total / horizon
    }
}

/// Builds a chain by breadth-first exploration from `init`: `next(s)` lists the
/// transitions out of `s` as (target, rate). Returns the states (index = chain state)
/// and the chain; state 0 is `init`.
pub fn explore<S, F>(init: S, mut next: F) -> (Vec<S>, Ctmc)
where
    S: Clone + Eq + Hash,
    F: FnMut(&S) -> Vec<(S, f64)>,
{
    let mut index: HashMap<S, usize> = HashMap::new();
    let mut states = vec![init.clone()];
    index.insert(init, 0);
    let mut edges: Vec<(usize, usize, f64)> = Vec::new();
    let mut i = 0;
    while i < states.len() {
        let s = states[i].clone();
        for (t, rate) in next(&s) {
            if rate == 0.0 {
                continue;
            }
            let j = match index.get(&t) {
                Some(&j) => j,
                None => {
                    states.push(t.clone());
                    index.insert(t, states.len() - 1);
                    states.len() - 1
                }
            };
            edges.push((i, j, rate));
        }
        i += 1;
    }
    let mut chain = Ctmc::new(states.len());
    for (i, j, r) in edges {
        chain.add(i, j, r);
    }
    (states, chain)
}

/// The point mass on state `i` of an `n`-state chain.
pub fn point_mass(n: usize, i: usize) -> Vec<f64> {
    let mut p = vec![0.0; n];
    p[i] = 1.0;
    p
}

// ---------------------------------------------------------------------------------------
// Unit tests of the solver itself.
// ---------------------------------------------------------------------------------------

fn close(a: f64, b: f64, rel: f64, abs: f64) -> bool {
    (a - b).abs() <= abs + rel * a.abs().max(b.abs())
}

fn two_state(l: f64, mu: f64) -> Ctmc {
    let mut c = Ctmc::new(2);
    c.add(0, 1, l);
    c.add(1, 0, mu);
    c
}

/// Closed form for the 2-state chain (0 = up, 1 = down) started up:
/// p_up(t) = mu/(l+mu) + l/(l+mu) e^{-(l+mu) t}, so
/// (1/T) int_0^T p_up = mu/(l+mu) + l/(l+mu)^2 (1 - e^{-(l+mu)T}) / T.
fn two_state_average(l: f64, mu: f64, t: f64) -> f64 {
    let s = l + mu;
    mu / s + l / (s * s) * (1.0 - (-s * t).exp()) / t
}

#[test]
fn markov_expm_matches_closed_form_two_state() {
    let (l, mu) = (0.3, 2.5);
    let c = two_state(l, mu);
    for &t in &[0.0, 0.01, 0.5, 3.0, 100.0, 1e6] {
        let p = c.transient(&[1.0, 0.0], t);
        let exact = mu / (l + mu) + l / (l + mu) * (-(l + mu) * t).exp();
        assert!(
            close(p[0], exact, 1e-12, 1e-13),
            "t={t}: {} vs {exact}",
            p[0]
        );
        assert!(close(p[0] + p[1], 1.0, 0.0, 1e-12));
    }
}

#[test]
fn markov_expm_of_diagonal_and_nilpotent() {
    let mut d = Mat::zeros(3);
    d.set(0, 0, -1.0);
    d.set(1, 1, 2.0);
    d.set(2, 2, -30.0);
    let e = expm(&d);
    for (i, x) in [-1.0f64, 2.0, -30.0].iter().enumerate() {
        // Absolute accuracy only for tiny entries (e^-30): I + B cancels there, which is
        // harmless for probabilities.
        assert!(close(e.get(i, i), x.exp(), 1e-13, 1e-15));
    }
    // [[0, a], [0, 0]] -> [[1, a], [0, 1]].
    let mut n = Mat::zeros(2);
    n.set(0, 1, 7.0);
    let e = expm(&n);
    assert_eq!(e.get(0, 0), 1.0);
    assert!(close(e.get(0, 1), 7.0, 1e-14, 0.0));
    assert_eq!(e.get(1, 0), 0.0);
}

#[test]
fn markov_solve_linear_system() {
    let mut a = Mat::zeros(3);
    let rows = [[0.0, 2.0, 1.0], [1.0, 1.0, 1.0], [4.0, -1.0, 3.0]];
    for (i, r) in rows.iter().enumerate() {
        for (j, v) in r.iter().enumerate() {
            a.set(i, j, *v);
        }
    }
    let x_true = [1.5, -2.0, 0.25];
    let b = a.right_mul(&x_true);
    let x = solve(&a, &b);
    for (u, v) in x.iter().zip(&x_true) {
        assert!(close(*u, *v, 1e-13, 1e-14));
    }
}

#[test]
fn markov_two_state_time_average_closed_form() {
    // Both the fundamental-matrix and the augmented-generator methods, over horizons from
    // far shorter to far longer than the relaxation time 1/(l+mu).
    let (l, mu) = (1.0 / 10.0, 6.0); // per hour: MTTF 10 h, MTTR 10 min
    let c = two_state(l, mu);
    for &t in &[0.001, 0.1, 1.0, 24.0, 720.0, 8760.0] {
        let exact = two_state_average(l, mu, t);
        let a = c.time_average(&[1.0, 0.0], &[1.0, 0.0], t);
        let b = c.time_average_augmented(&[1.0, 0.0], &[1.0, 0.0], t);
        // Compare the unavailabilities (1 - A) relatively: that is what the tests need.
        assert!(
            close(1.0 - a, 1.0 - exact, 1e-9, 1e-15),
            "T={t}: {a} vs {exact}"
        );
        assert!(
            close(1.0 - b, 1.0 - exact, 1e-9, 1e-15),
            "T={t}: {b} vs {exact}"
        );
        if (l + mu) * 1.05 * t < 600.0 {
            let u = c.time_average_uniformization(&[1.0, 0.0], &[1.0, 0.0], t);
            assert!(
                close(1.0 - u, 1.0 - exact, 1e-9, 1e-15),
                "T={t}: {u} vs {exact}"
            );
        }
    }
}

#[test]
fn markov_steady_state_of_birth_death_chain() {
    // Birth-death chain: pi_k proportional to prod birth/death rates.
    let (l, mu, n) = (0.7, 1.9, 5usize);
    let mut c = Ctmc::new(n + 1);
    for k in 0..=n {
        // k = number down
        if k < n {
            c.add(k, k + 1, (n - k) as f64 * l);
        }
        if k > 0 {
            c.add(k, k - 1, k as f64 * mu);
        }
    }
    let pi = c.steady_state();
    // Independent replicas: number down ~ Binomial(n, l/(l+mu)).
    let q = l / (l + mu);
    let mut binom = 1.0;
    for (k, pk) in pi.iter().enumerate() {
        if k > 0 {
            binom = binom * (n - k + 1) as f64 / k as f64;
        }
        let exact = binom * q.powi(k as i32) * (1.0 - q).powi((n - k) as i32);
        assert!(close(*pk, exact, 1e-12, 1e-15), "k={k}: {pk} vs {exact}");
    }
}

#[test]
fn markov_count_chain_matches_binomial_of_transient_by_quadrature() {
    // 2-of-3 of independent 2-state replicas: the count chain's time average equals the
    // time integral of the binomial formula applied to the closed-form per-replica p(t)
    // (Simpson's rule on a fine grid).
    let (l, mu) = (0.5, 3.0);
    let t_end = 2.0;
    let (states, chain) = explore(3u32, |&up| {
        let mut v = Vec::new();
        if up > 0 {
            v.push((up - 1, up as f64 * l));
        }
        if up < 3 {
            v.push((up + 1, (3 - up) as f64 * mu));
        }
        v
    });
    let reward: Vec<f64> = states
        .iter()
        .map(|&u| if u >= 2 { 1.0 } else { 0.0 })
        .collect();
    let a = chain.time_average(&point_mass(states.len(), 0), &reward, t_end);
    let f = |t: f64| {
        let p = mu / (l + mu) + l / (l + mu) * (-(l + mu) * t).exp();
        p * p * p + 3.0 * p * p * (1.0 - p)
    };
    let m = 20000;
    let h = t_end / m as f64;
    let mut s = f(0.0) + f(t_end);
    for i in 1..m {
        s += f(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    let quad = s * h / 3.0 / t_end;
    assert!(close(1.0 - a, 1.0 - quad, 1e-9, 1e-14), "{a} vs {quad}");
}

#[test]
fn markov_methods_agree_on_irregular_chain() {
    // An arbitrary 5-state chain; fundamental matrix vs augmented vs uniformization.
    let mut c = Ctmc::new(5);
    let rates = [
        (0, 1, 0.3),
        (0, 3, 0.05),
        (1, 2, 4.0),
        (2, 0, 1.5),
        (2, 4, 0.2),
        (3, 0, 0.9),
        (3, 4, 0.4),
        (4, 0, 2.0),
        (4, 1, 0.1),
    ];
    for (i, j, r) in rates {
        c.add(i, j, r);
    }
    let p0 = [0.6, 0.0, 0.1, 0.3, 0.0];
    let r = [1.0, 0.0, 0.5, 1.0, 0.0];
    for &t in &[0.05, 1.0, 7.0, 50.0] {
        let a = c.time_average(&p0, &r, t);
        let b = c.time_average_augmented(&p0, &r, t);
        let u = c.time_average_uniformization(&p0, &r, t);
        assert!(close(a, b, 1e-11, 1e-13), "T={t}: {a} vs {b}");
        assert!(close(a, u, 1e-11, 1e-13), "T={t}: {a} vs {u}");
    }
    let pi = c.steady_state();
    let back = c.generator().left_mul(&pi);
    assert!(back.iter().all(|x| x.abs() < 1e-13));
    assert!(close(pi.iter().sum::<f64>(), 1.0, 0.0, 1e-14));
}

#[test]
fn markov_variance_of_time_average_two_state() {
    // Closed form for the 2-state chain started up. With s = l + mu, A = mu/s, the
    // indicator I_t of "up": E[I_u I_v] = p(u) P(up at v | up at u) = p(u) (A + (1-A)
    // e^{-s (v-u)}) for u < v, p(u) = A + (1-A) e^{-s u}. Then
    // E[(int_0^T I)^2] = 2 int_0^T p(u) [A (T-u) + (1-A)(1 - e^{-s(T-u)})/s] du,
    // evaluated here by Simpson's rule.
    let (l, mu) = (0.5, 3.0);
    let s = l + mu;
    let a_inf = mu / s;
    let c = two_state(l, mu);
    for &t in &[0.3, 2.0, 40.0] {
        let p = |u: f64| a_inf + (1.0 - a_inf) * (-s * u).exp();
        let g =
            |u: f64| p(u) * (a_inf * (t - u) + (1.0 - a_inf) * (1.0 - (-s * (t - u)).exp()) / s);
        let m = 40000;
        let h = t / m as f64;
        let mut acc = g(0.0) + g(t);
        for i in 1..m {
            acc += g(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
        }
        let second = 2.0 * acc * h / 3.0 / (t * t);
        let mean = two_state_average(l, mu, t);
        let exact_var = second - mean * mean;
        let v = c.time_average_variance(&[1.0, 0.0], &[1.0, 0.0], t);
        assert!(
            close(v, exact_var, 1e-6, 1e-14),
            "T={t}: {v} vs {exact_var}"
        );
    }
    // Long horizon: T Var -> 2 A (1-A) / s, and asymptotic_variance gives exactly that.
    let sigma2 = c.asymptotic_variance(&[1.0, 0.0]);
    assert!(close(sigma2, 2.0 * a_inf * (1.0 - a_inf) / s, 1e-12, 0.0));
    let t = 5000.0;
    let v = c.time_average_variance(&[1.0, 0.0], &[1.0, 0.0], t);
    assert!(close(v * t, sigma2, 2e-3, 0.0), "{} vs {sigma2}", v * t);
    // A stiff case like the simulator tests (per hour: MTTF 10 h, MTTR 10 min, 1 y):
    // ||Q T|| ~ 5e4, the finite-horizon correction to T Var is O(1/(s T)) ~ 2e-5.
    let c = two_state(0.1, 6.0);
    let sigma2 = c.asymptotic_variance(&[1.0, 0.0]);
    let t = 8760.0;
    let v = c.time_average_variance(&[1.0, 0.0], &[1.0, 0.0], t);
    assert!(close(v * t, sigma2, 1e-3, 0.0), "{} vs {sigma2}", v * t);
}

#[test]
fn markov_explore_builds_expected_chain() {
    let (states, chain) = explore(0u8, |&s| match s {
        0 => vec![(1, 2.0), (2, 0.0)],
        1 => vec![(0, 5.0), (1, 9.0)],
        _ => unreachable!(),
    });
    assert_eq!(states, vec![0, 1]);
    let q = chain.generator();
    assert_eq!(q.get(0, 1), 2.0);
    assert_eq!(q.get(0, 0), -2.0);
    assert_eq!(q.get(1, 0), 5.0);
    assert_eq!(q.get(1, 1), -5.0);
}
