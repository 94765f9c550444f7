//! Lease expiry: how much of its lease a holder that just went silent still has.
//!
//! Its last keep-alive reached the store at most a third of the TTL ago (keep-alives are
//! sent every TTL/3), so 2/3 to all of the TTL (etcd-io/etcd client/v3/lease.go). Leader
//! leases, sessions and reassignment all expire this way.

use crate::dist::Dist;
use crate::time::Duration;

/// The remaining lifetime of a lease of `ttl` whose holder just went silent: uniform on
/// 2/3 to all of the TTL, in whole microseconds.
pub fn remaining(ttl: Duration) -> Dist {
    Dist::uniform(Duration::from_micros(ttl.as_micros() * 2 / 3), ttl)
        .unwrap_or_else(|_| Dist::fixed(ttl))
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
}
