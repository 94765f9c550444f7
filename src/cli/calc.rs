//! `nines calc`: availability arithmetic, and with `--simulate` the same question simulated.

use super::{
    CliError, MAX_SEED, MAX_THREADS, MAX_YEARS, interrupt_flag, say_admission, worker_threads,
    write_stdout,
};
use clap::{Args, Subcommand, ValueEnum};
use nines::app::{CalcRequest, simulate_calc};
use nines::calc::{self, Answer, Availability, CalcError, Period, Setup};
use nines::report;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub(crate) struct CalcArgs {
    #[command(subcommand)]
    form: Form,
    /// Print the figures as JSON instead of the formulas.
    #[arg(long, global = true)]
    json: bool,
}

/// Availabilities are percentages (99.9%) or fractions (0.999).
#[derive(Debug, Subcommand)]
enum Form {
    /// The nines of an availability and its downtime a year, quarter, month, week and day.
    #[command(after_help = "Example: nines calc nines 99.95%")]
    Nines {
        /// The availability: a percentage (99.95%) or a fraction (0.9995).
        availability: String,
    },
    /// The availability that a downtime per period allows.
    #[command(after_help = "Example: nines calc downtime 4h --per year")]
    Downtime {
        /// The downtime, with a unit (4h, 52m34s, 1.5d).
        downtime: String,
        /// The period the downtime is counted per (a year is 365 days, a month 30).
        #[arg(long, value_enum, default_value = "year")]
        per: PerArg,
    },
    /// One component's availability from its mean time to failure and to repair.
    #[command(after_help = "Examples:
  nines calc component --mttf 30d --mttr 5m
  nines calc component --mttf 30d --mttr 5m --simulate")]
    Component {
        /// Mean up time between failures (30d).
        #[arg(long)]
        mttf: String,
        /// Mean time from a failure to serving again (5m).
        #[arg(long)]
        mttr: String,
        #[command(flatten)]
        simulate: SimulateArgs,
    },
    /// Members that are all needed: A1 x A2 x ...
    #[command(after_help = "Examples:
  nines calc series 99.99% 99.95% 99.9%
  nines calc series 99.9% 99.9% --simulate")]
    Series {
        /// Each member's availability.
        #[arg(required = true)]
        members: Vec<String>,
        #[command(flatten)]
        members_simulate: MembersSimulateArgs,
    },
    /// Members of which any one suffices: 1 - (1 - A1) x (1 - A2) x ...
    #[command(after_help = "Examples:
  nines calc parallel 99% 99%
  nines calc parallel 99% 99% --simulate
  nines calc parallel 99% 99% --simulate --failover 30s --emit-model two.toml")]
    Parallel {
        /// Each member's availability.
        #[arg(required = true)]
        members: Vec<String>,
        #[command(flatten)]
        members_simulate: MembersSimulateArgs,
    },
    /// At least K of the members up: the binomial sum for identical members.
    #[command(after_help = "Examples:
  nines calc kofn 2 99.9% 99.9% 99.9%
  nines calc kofn 2 99.9% 99.9% 99.9% --simulate")]
    Kofn {
        /// How many members must be up.
        k: usize,
        /// Each member's availability.
        #[arg(required = true)]
        members: Vec<String>,
        #[command(flatten)]
        members_simulate: MembersSimulateArgs,
    },
    /// The error budget of an objective over a window, and the SRE workbook's burn-rate
    /// alerts.
    #[command(after_help = "Example: nines calc budget 99.9% --window 30d")]
    Budget {
        /// The availability objective (99.9%).
        objective: String,
        /// The window the objective is judged over.
        #[arg(long, default_value = "30d")]
        window: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum PerArg {
    Year,
    Quarter,
    Month,
    Week,
    Day,
}

impl From<PerArg> for Period {
    fn from(per: PerArg) -> Period {
        match per {
            PerArg::Year => Period::Year,
            PerArg::Quarter => Period::Quarter,
            PerArg::Month => Period::Month,
            PerArg::Week => Period::Week,
            PerArg::Day => Period::Day,
        }
    }
}

/// `--simulate` and what it takes.
#[derive(Debug, Args)]
struct SimulateArgs {
    /// Also simulate the question as a model and print the result beside the formula's.
    #[arg(long)]
    simulate: bool,
    /// Years to simulate.
    #[arg(long, default_value_t = 10_000, requires = "simulate",
          value_parser = clap::value_parser!(u64).range(1..=MAX_YEARS))]
    years: u64,
    /// The master seed, 0 to 2^63 − 1.
    #[arg(long, default_value_t = 1, requires = "simulate",
          value_parser = clap::value_parser!(u64).range(..=MAX_SEED))]
    seed: u64,
    /// A detection delay before each repair starts, which the formula leaves out.
    #[arg(long, requires = "simulate")]
    detect: Option<String>,
    /// Worker threads, at most 256 [default: all cores]. Results do not depend on it.
    #[arg(long, requires = "simulate",
          value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    threads: Option<u16>,
    /// Write the generated model (commented) to FILE, to continue from.
    #[arg(long, value_name = "FILE", requires = "simulate")]
    emit_model: Option<PathBuf>,
}

/// `--simulate` for members given by availability: their repair time, and a failover.
#[derive(Debug, Args)]
struct MembersSimulateArgs {
    #[command(flatten)]
    simulate: SimulateArgs,
    /// Mean repair time of each simulated member; its MTTF follows from its availability.
    #[arg(long, default_value = "1h", requires = "simulate")]
    mttr: String,
    /// A failover window, which the formula leaves out: identical members elect a leader,
    /// and each loss of the leader costs this long with no service.
    #[arg(long, requires = "simulate")]
    failover: Option<String>,
}

/// Prints the answer, after the simulation it asks for: a model that cannot be written
/// (`--emit-model`) or simulated fails before anything is printed.
pub(crate) fn calc_command(args: CalcArgs) -> Result<ExitCode, CliError> {
    let (answer, simulation) = answer(&args.form).map_err(usage)?;
    let simulated = match simulation {
        Some(Simulation {
            closed,
            setup,
            emit_model,
            threads,
        }) => {
            let request = CalcRequest {
                setup: &setup,
                threads: worker_threads(threads),
                emit_model,
            };
            let simulated = simulate_calc(&request, interrupt_flag())?;
            say_admission(&simulated.admission);
            Some((closed, setup, simulated))
        }
        None => None,
    };
    let simulated = simulated
        .as_ref()
        .map(|(closed, setup, simulated)| (*closed, setup, simulated));
    if args.json {
        write_stdout(&report::calc_json(&answer, simulated))?;
    } else {
        let mut text = report::calc_text(&answer);
        if let Some((closed, setup, simulated)) = simulated {
            text += &report::calc_simulation_text(closed, setup, simulated);
        }
        write_stdout(text.as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn usage(error: CalcError) -> CliError {
    CliError::Usage(error.to_string())
}

/// What `--simulate` needs.
struct Simulation {
    /// The closed form to set beside the simulated figure.
    closed: Availability,
    /// The system to simulate.
    setup: Setup,
    /// Where to write its model.
    emit_model: Option<PathBuf>,
    /// Worker threads; all cores when not given.
    threads: Option<u16>,
}

/// The answer of `form`, and the simulation it asks for.
fn answer(form: &Form) -> Result<(Answer, Option<Simulation>), CalcError> {
    Ok(match form {
        Form::Nines { availability } => (
            Answer::Nines(calc::nines(calc::nines_availability(availability)?)),
            None,
        ),
        Form::Downtime { downtime, per } => {
            let downtime = calc::resolved_duration(downtime, "the downtime")?;
            (
                Answer::Downtime(calc::downtime(downtime, (*per).into())?),
                None,
            )
        }
        Form::Component {
            mttf,
            mttr,
            simulate,
        } => {
            let mttf = calc::positive_duration(mttf, "--mttf")?;
            let mttr = calc::resolved_duration(mttr, "--mttr")?;
            let answer = calc::component(mttf, mttr);
            let question = format!("component --mttf {mttf} --mttr {mttr}");
            let setup = Setup::for_component(&answer, question);
            let simulation = simulate.with(answer.result, setup)?;
            (Answer::Component(answer), simulation)
        }
        Form::Series {
            members,
            members_simulate,
        } => {
            let answer = calc::series(calc::members(members)?)?;
            let simulation =
                members_simulate.with(&answer, format!("series {}", members.join(" ")))?;
            (Answer::Composition(answer), simulation)
        }
        Form::Parallel {
            members,
            members_simulate,
        } => {
            let answer = calc::parallel(calc::members(members)?)?;
            let simulation =
                members_simulate.with(&answer, format!("parallel {}", members.join(" ")))?;
            (Answer::Composition(answer), simulation)
        }
        Form::Kofn {
            k,
            members,
            members_simulate,
        } => {
            let answer = calc::k_of_n(*k, calc::kofn_members(members)?)?;
            let question = format!("kofn {k} {}", members.join(" "));
            let simulation = members_simulate.with(&answer, question)?;
            (Answer::Composition(answer), simulation)
        }
        Form::Budget { objective, window } => {
            let objective = calc::availability(objective, "the objective")?;
            let window = calc::positive_duration(window, "--window")?;
            (Answer::Budget(calc::budget(objective, window)?), None)
        }
    })
}

impl SimulateArgs {
    /// `setup` with these options, when `--simulate` asks for it.
    fn with(
        &self,
        closed: Availability,
        mut setup: Setup,
    ) -> Result<Option<Simulation>, CalcError> {
        if !self.simulate {
            return Ok(None);
        }
        setup.years = self.years;
        setup.seed = self.seed;
        if let Some(detect) = &self.detect {
            setup.detect = calc::duration(detect, "--detect")?;
        }
        Ok(Some(Simulation {
            closed,
            setup,
            emit_model: self.emit_model.clone(),
            threads: self.threads,
        }))
    }
}

impl MembersSimulateArgs {
    /// The members of `answer` as a system to simulate, when `--simulate` asks for it.
    fn with(
        &self,
        answer: &calc::Composition,
        question: String,
    ) -> Result<Option<Simulation>, CalcError> {
        if !self.simulate.simulate {
            return Ok(None);
        }
        let mttr = calc::positive_duration(&self.mttr, "--mttr")?;
        let mut setup = Setup::for_composition(answer, mttr, question)?;
        if let Some(failover) = &self.failover {
            if !setup.identical() || setup.members.len() < 2 {
                return Err(CalcError::Invalid {
                    argument: "--failover".to_string(),
                    problem: "a failover needs two or more identical members, which elect \
                              one leader"
                        .to_string(),
                });
            }
            setup.failover = Some(calc::positive_duration(failover, "--failover")?);
        }
        self.simulate.with(answer.result, setup)
    }
}
