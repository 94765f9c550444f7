//! Data protection compiled: backups, replication and incidents, their streams, and the
//! outage cause of each incident (`incident/<name>`, kept with the first component's
//! causes so that outages name them as any other).

use super::{ComponentPlan, OutageKind, Plan};
use crate::dist::Dist;
use crate::mechanics::backup::{BackupSchedule, always_fails};
use crate::mechanics::streams::DataStreams;
use crate::model::{DataProtection, IncidentKind};

/// `[backup]`, `[replication]` and `[[incident]]` compiled, for a model with incidents.
#[derive(Clone, Debug)]
pub struct DataPlan {
    /// Scheduled backups, if any.
    pub backup: Option<BackupPlan>,
    /// Replication to a standby site, if any.
    pub replication: Option<ReplicationPlan>,
    /// The incidents, in file order.
    pub incidents: Vec<IncidentPlan>,
    /// The cause index (of component 0) of incident 0; incident i's is `first_cause + i`.
    pub first_cause: u32,
    /// Where the streams sit.
    pub streams: DataStreams,
}

/// `[backup]` compiled.
#[derive(Clone, Debug)]
pub struct BackupPlan {
    /// When backups start and how long they are kept.
    pub schedule: BackupSchedule,
    /// From start to completion.
    pub duration: Dist,
    /// The share of unusable backups.
    pub fails: f64,
    /// Whether copies survive the loss of the site.
    pub offsite: bool,
    /// From the start of a restore until the service serves again.
    pub restore: Dist,
}

/// `[replication]` compiled.
#[derive(Clone, Debug)]
pub struct ReplicationPlan {
    /// The data not yet at the standby.
    pub lag: Dist,
    /// From noticed to the standby serving.
    pub failover: Dist,
}

/// One `[[incident]]` compiled.
#[derive(Clone, Debug)]
pub struct IncidentPlan {
    /// Its name.
    pub name: String,
    /// What it destroys.
    pub kind: IncidentKind,
    /// Time between strikes.
    pub every: Dist,
    /// From the strike to its being noticed.
    pub detect: Dist,
    /// The time to rebuild the site (site incidents).
    pub repair: Option<Dist>,
}

/// Compiles `data`, adding each incident's cause to `components[0]`.
pub fn compile(
    data: &DataProtection,
    streams: DataStreams,
    components: &mut [ComponentPlan],
) -> DataPlan {
    let first_cause = components[0].causes.len() as u32;
    for incident in &data.incidents {
        components[0]
            .causes
            .push(format!("incident/{}", incident.name));
    }
    DataPlan {
        backup: data.backup.as_ref().map(|b| BackupPlan {
            schedule: BackupSchedule {
                every: b.every,
                start: b.start,
                retention: b.retention,
            },
            duration: b.duration.clone(),
            fails: b.fails,
            offsite: b.offsite,
            restore: b.restore.clone(),
        }),
        replication: data.replication.as_ref().map(|r| ReplicationPlan {
            lag: r.lag.clone(),
            failover: r.failover.clone(),
        }),
        incidents: (data.incidents.iter())
            .map(|i| IncidentPlan {
                name: i.name.clone(),
                kind: i.kind,
                every: i.every.clone(),
                detect: i.detect.clone(),
                repair: i.repair.clone(),
            })
            .collect(),
        first_cause,
        streams,
    }
}

impl Plan {
    /// The kind of cause `index` of component `component`.
    pub fn cause_kind(&self, component: usize, index: u32) -> OutageKind {
        match &self.data {
            Some(data) if component == 0 && index >= data.first_cause => OutageKind::Incident,
            _ => self.components[component].cause_kind(index),
        }
    }

    /// Whether outages have kinds: with `[maintenance]` or `[[incident]]`.
    pub fn has_outage_kinds(&self) -> bool {
        self.maintenance.is_some() || self.data.is_some()
    }

    /// Whether any incident can be recovered with data lost (an RPO to measure): a logical
    /// one from a backup that can succeed and may still be kept when the incident is
    /// noticed, a site loss from a standby or such a backup kept off the site.
    pub fn can_recover_data(&self) -> bool {
        let Some(data) = &self.data else {
            return false;
        };
        let backup = data.backup.as_ref().filter(|b| !always_fails(b.fails));
        // A clean backup starts before the strike, so one kept `retention` is gone by the
        // restore if the detection surely takes longer than that.
        let kept = |incident: &IncidentPlan, backup: &BackupPlan| {
            let retention = backup.schedule.retention;
            retention.is_none_or(|r| !incident.detect.surely_not_yet_secs(r.as_secs_f64()))
        };
        data.incidents.iter().any(|incident| {
            let usable = backup.filter(|b| kept(incident, b));
            match incident.kind {
                IncidentKind::Logical => usable.is_some(),
                IncidentKind::Site => {
                    data.replication.is_some() || usable.is_some_and(|b| b.offsite)
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::fixtures;

    /// Whether any incident can be recovered: a logical one from a backup that can succeed
    /// and is still kept when the damage is noticed; a site loss from a standby, or from
    /// such a backup kept off the site.
    #[test]
    fn data_can_be_recovered_from_a_usable_backup_or_a_standby() {
        let recoverable = |tables: &str, kind: &str, detect: &str| {
            // A site loss is always rebuilt, as the new standby or the site itself.
            let repair = match kind {
                "site" => "repair = \"7d\"\n",
                _ => "",
            };
            fixtures::plan(
                &format!(
                    "name = \"m\"\nup = \"c\"\n[[component]]\nname = \"c\"\n{tables}\
                     [[incident]]\nname = \"i\"\nkind = \"{kind}\"\nevery = \"30d\"\n\
                     detect = {detect}\n{repair}"
                ),
                1,
            )
            .can_recover_data()
        };
        let model = |backup: &str, replication: &str, kind: &str| {
            recoverable(&format!("{backup}{replication}"), kind, "\"1m\"")
        };
        let backup = |fails: &str, offsite: bool| {
            format!(
                "[backup]\nevery = \"1h\"\nduration = \"1m\"\nfails = \"{fails}\"\n\
                 restore = \"1h\"\noffsite = {offsite}\n"
            )
        };
        let standby = "[replication]\nlag = \"1s\"\nfailover = \"5m\"\n";
        assert!(model(&backup("10%", false), "", "logical"));
        assert!(!model(&backup("100%", true), "", "logical"));
        let failing = backup("100%", true);
        assert!(
            !model(&failing, standby, "logical"),
            "a standby copies the damage"
        );
        assert!(!model(&backup("0%", false), "", "site"));
        assert!(model(&backup("0%", true), "", "site"));
        assert!(!model(&backup("100%", true), "", "site"));
        assert!(model("", standby, "site"));
        // Backups kept 7 days, the damage noticed after 8: none is left to restore.
        let kept = |detect: &str| {
            let tables = backup("0%", false) + "retention = \"7d\"\n";
            recoverable(&tables, "logical", detect)
        };
        assert!(!kept("\"8d\""));
        assert!(kept("\"6d\""));
        assert!(kept("{ dist = \"uniform\", min = \"4d\", max = \"8d\" }"));
        assert!(kept("{ dist = \"exponential\", mean = \"8d\" }"));
    }
}
