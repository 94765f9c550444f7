//! Lease expiry: how much of its lease a holder that just went silent still has.
//!
//! Its last keep-alive reached the store at most one renewal interval ago, so it has the
//! TTL less up to that interval left. etcd's clients renew every TTL/3, so 2/3 to all of the
//! TTL (etcd-io/etcd client/v3/lease.go): sessions and reassignment expire this way, and
//! leader leases by default; a leader lease may give its own interval (`renew`, Patroni's
//! `loop_wait`).

use crate::dist::Dist;
use crate::time::Duration;

/// The remaining lifetime of a lease of `ttl` whose holder just went silent: uniform on
/// 2/3 to all of the TTL, in whole microseconds.
pub fn remaining(ttl: Duration) -> Dist {
    remaining_renewed(ttl, default_renewal(ttl))
}

/// etcd's renewal interval of a lease of `ttl`: a third of it, so that 2/3 of it, rounded
/// down to the microsecond, is left after one.
pub fn default_renewal(ttl: Duration) -> Duration {
    ttl.saturating_sub(Duration::from_micros(ttl.as_micros() * 2 / 3))
}

/// The remaining lifetime of a lease of `ttl` renewed every `renew` (at most `ttl`), whose
/// holder just went silent: uniform on `ttl - renew` to `ttl`.
pub fn remaining_renewed(ttl: Duration, renew: Duration) -> Dist {
    Dist::uniform(ttl.saturating_sub(renew), ttl).unwrap_or_else(|_| Dist::fixed(ttl))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_silent_holder_has_two_thirds_to_all_of_its_ttl() {
        let s = Duration::from_secs;
        assert_eq!(remaining(s(9)), Dist::uniform(s(6), s(9)).unwrap());
        // Two thirds of a TTL that is no multiple of 3 µs round down to the microsecond.
        let odd = Duration::from_micros(10);
        assert_eq!(
            remaining(odd),
            Dist::uniform(Duration::from_micros(6), odd).unwrap()
        );
        assert_eq!(
            remaining(Duration::ZERO).fixed_value(),
            Some(Duration::ZERO)
        );
    }

    /// Patroni's leader key: ttl 30 s, renewed every loop_wait of 10 s, which etcd's third
    /// of the TTL gives too; with a loop_wait of 5 s, 25 to 30 s are left.
    #[test]
    fn a_lease_renewed_every_interval_has_the_ttl_less_up_to_it() {
        let s = Duration::from_secs;
        assert_eq!(default_renewal(s(30)), s(10));
        assert_eq!(remaining_renewed(s(30), s(10)), remaining(s(30)));
        assert_eq!(
            remaining_renewed(s(30), s(5)),
            Dist::uniform(s(25), s(30)).unwrap()
        );
    }
}
