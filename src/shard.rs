//! Shards: one run of N years split into M parts that run apart (on the nodes of a batch
//! engine, say) and merge into exactly the whole run. Shard K (0-based) of M simulates the
//! years ⌊K·N/M⌋ to ⌊(K+1)·N/M⌋ − 1 of the whole run, each exactly as the whole run would
//! (a year depends only on the plan and its index).

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

/// Shard `index` of `count`, as `--shard K/M` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// K, from 0.
    pub index: u64,
    /// M, at least 1.
    pub count: u64,
}

/// Why a `K/M` cannot name a shard, or a shard does not fit a run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShardSpecError {
    /// Not two whole numbers around a slash.
    #[error("`{0}` is not a shard: write K/M, as in 0/4 (shard K of M, counted from 0)")]
    Syntax(String),
    /// M is 0: no shard at all.
    #[error("shard {index}/0: M, the number of shards, must be at least 1")]
    NoShards {
        /// K.
        index: u64,
    },
    /// K is not below M.
    #[error("shard {index}/{count}: K must be below M (shards 0/{count} to {last}/{count})", last = count - 1)]
    OutOfRange {
        /// K.
        index: u64,
        /// M.
        count: u64,
    },
    /// More shards than years: some shard would have no year.
    #[error(
        "{count} shards of {years} years would leave shards without a year; use at most {years} shards"
    )]
    TooMany {
        /// M.
        count: u64,
        /// N.
        years: u64,
    },
}

impl Shard {
    /// The years this shard simulates of a whole run of `years` years; a shard count above
    /// `years` is refused, so that every shard has at least one year.
    pub fn years(&self, years: u64) -> Result<Range<u64>, ShardSpecError> {
        if self.count > years {
            return Err(ShardSpecError::TooMany {
                count: self.count,
                years,
            });
        }
        // u128: K·N overflows u64 for the largest runs.
        let bound = |k: u64| (u128::from(k) * u128::from(years) / u128::from(self.count)) as u64;
        Ok(bound(self.index)..bound(self.index + 1))
    }
}

impl FromStr for Shard {
    type Err = ShardSpecError;

    fn from_str(text: &str) -> Result<Shard, ShardSpecError> {
        let syntax = || ShardSpecError::Syntax(text.to_string());
        let (index, count) = text.split_once('/').ok_or_else(syntax)?;
        let number = |part: &str| part.trim().parse::<u64>().map_err(|_| syntax());
        let (index, count) = (number(index)?, number(count)?);
        if count == 0 {
            return Err(ShardSpecError::NoShards { index });
        }
        if index >= count {
            return Err(ShardSpecError::OutOfRange { index, count });
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(text: &str) -> Shard {
        text.parse().unwrap()
    }

    /// The shards of a run tile its years in order, whatever M, with sizes ⌊N/M⌋ or ⌈N/M⌉.
    #[test]
    fn shards_tile_the_years_in_order() {
        for years in [1, 2, 7, 10, 1000, 1001] {
            for count in (1..=12).filter(|&m| m <= years) {
                let mut next = 0;
                for index in 0..count {
                    let range = Shard { index, count }.years(years).unwrap();
                    assert_eq!(range.start, next);
                    let len = range.end - range.start;
                    assert!(len == years / count || len == years.div_ceil(count));
                    next = range.end;
                }
                assert_eq!(next, years);
            }
        }
    }

    #[test]
    fn the_spec_formula_holds_for_the_largest_runs() {
        let years = 1_000_000_000_000;
        assert_eq!(shard("2/3").years(years).unwrap(), 666_666_666_666..years);
    }

    #[test]
    fn bad_shards_are_named() {
        assert_eq!(shard("3/7"), Shard { index: 3, count: 7 });
        assert_eq!(shard("3/7").to_string(), "3/7");
        for bad in ["3", "a/2", "1/", "-1/2", "1/2/3"] {
            assert_eq!(
                bad.parse::<Shard>(),
                Err(ShardSpecError::Syntax(bad.into()))
            );
        }
        assert_eq!(
            "2/2".parse::<Shard>(),
            Err(ShardSpecError::OutOfRange { index: 2, count: 2 })
        );
        assert_eq!(
            "1/0".parse::<Shard>(),
            Err(ShardSpecError::NoShards { index: 1 })
        );
        assert_eq!(
            ShardSpecError::NoShards { index: 1 }.to_string(),
            "shard 1/0: M, the number of shards, must be at least 1"
        );
        assert_eq!(
            shard("0/5").years(4),
            Err(ShardSpecError::TooMany { count: 5, years: 4 })
        );
    }
}
