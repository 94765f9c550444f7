//! Data protection (`docs/model-reference.md`, "Data protection"): scheduled backups,
//! replication to a standby site, and the incidents they protect against.

use crate::dist::Dist;
use crate::time::Duration;

/// The data-protection tables of a model; empty (and simulated as before) without them.
#[derive(Clone, Debug, Default)]
pub struct DataProtection {
    /// `[backup]`: scheduled backups.
    pub backup: Option<Backup>,
    /// `[replication]`: continuous replication to a standby site.
    pub replication: Option<Replication>,
    /// `[[incident]]`: what destroys data or a site, in file order.
    pub incidents: Vec<Incident>,
}

impl DataProtection {
    /// Whether the model has no incident: backups and replication then change nothing.
    pub fn is_empty(&self) -> bool {
        self.incidents.is_empty()
    }
}

/// `[backup]`: a backup starts at `start + k·every` for every integer k.
#[derive(Clone, Debug)]
pub struct Backup {
    /// Time between two backup starts, positive.
    pub every: Duration,
    /// The start of backup 0, from the beginning of the year.
    pub start: Duration,
    /// From start to completion; the backup holds the data as of its start.
    pub duration: Dist,
    /// The share of backups that turn out unusable, in [0, 1].
    pub fails: f64,
    /// A backup is deleted this long after it starts; `None` keeps it for ever.
    pub retention: Option<Duration>,
    /// Whether the copies survive the loss of the site.
    pub offsite: bool,
    /// From the start of a restore until the service serves again.
    pub restore: Dist,
}

/// `[replication]`: continuous replication to a standby site.
#[derive(Clone, Debug)]
pub struct Replication {
    /// The data written but not yet at the standby when the primary is lost.
    pub lag: Dist,
    /// From the loss being noticed to the standby serving.
    pub failover: Dist,
}

/// What an incident destroys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncidentKind {
    /// Data deleted or corrupted by a person or a bug: every replica and the standby copy it.
    Logical,
    /// The primary site, every component with it.
    Site,
}

impl IncidentKind {
    /// The kind's name in the model and in `incidents.csv`.
    pub fn name(self) -> &'static str {
        match self {
            IncidentKind::Logical => "logical",
            IncidentKind::Site => "site",
        }
    }
}

/// `[[incident]]`: incidents striking on calendar time.
#[derive(Clone, Debug)]
pub struct Incident {
    /// Its name, unique among incidents.
    pub name: String,
    /// What it destroys.
    pub kind: IncidentKind,
    /// Time between two incidents (calendar time, not up time).
    pub every: Dist,
    /// From the incident to its being noticed.
    pub detect: Dist,
    /// For a `site` incident: the time to rebuild the site (and restore, without a standby).
    pub repair: Option<Dist>,
}
