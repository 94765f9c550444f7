//! Whole processes timed beside the engine: a `nines run` of the same model, and a
//! [`Reference`], another simulator of it (SimPy for one).

use super::{BenchError, Timing};
use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// Times one whole `nines run MODEL --years N --threads T` process of `binary` (with
/// `--seed` when given), its output discarded.
pub fn time_process(
    binary: &Path,
    model: &Path,
    seed: Option<u64>,
    years: u64,
    threads: usize,
) -> Result<Timing, BenchError> {
    let mut command = Command::new(binary);
    command
        .arg("run")
        .arg(model)
        .args(["--years", &years.to_string()])
        .args(["--threads", &threads.to_string()]);
    if let Some(seed) = seed {
        command.args(["--seed", &seed.to_string()]);
    }
    let secs = run_timed(&mut command).map_err(BenchError::Process)?;
    Ok(Timing {
        years,
        work: 0,
        secs,
    })
}

/// Runs `command` to its end with no input and its output discarded; its wall-clock
/// seconds, or why it failed: the program and the error starting it, or its exit status
/// and the last line it wrote on standard error.
fn run_timed(command: &mut Command) -> Result<f64, String> {
    let started = Instant::now();
    let output = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|error| {
            let program = command.get_program().to_string_lossy();
            format!("cannot start `{program}`: {error}")
        })?;
    let secs = started.elapsed().as_secs_f64();
    if output.status.success() {
        return Ok(secs);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(
        match stderr.lines().rev().find(|line| !line.trim().is_empty()) {
            Some(line) => format!("{} (stderr: {})", output.status, line.trim()),
            None => output.status.to_string(),
        },
    )
}

/// Another simulator of the same model, timed as a whole process beside `nines run`: a
/// program and its arguments, in which `{model}` stands for the model file and `{years}` for
/// the years each run simulates (`python3 benches/simpy_reference.py {model} {years}`).
///
/// The command runs without a shell, the same on every platform, its output discarded; its
/// years per second are `years` over its wall-clock time, start-up included, as for the
/// `nines run` process it is compared with. Both placeholders are required: a command that
/// does not say how many years it simulates would be timed against years it never ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    words: Vec<String>,
    model: OsString,
    years: u64,
}

/// Why a reference's command cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    /// It names no program.
    #[error("--reference needs a command: a program and its arguments")]
    Empty,
    /// It lacks a placeholder.
    #[error("--reference `{command}` has no `{placeholder}`: the reference must be told {what}")]
    Missing {
        /// The command as given.
        command: String,
        /// `{model}` or `{years}`.
        placeholder: &'static str,
        /// What the placeholder tells it.
        what: &'static str,
    },
    /// A word would mean something to a shell, which does not run it.
    #[error(
        "--reference `{command}`: `{word}` {why}; the command is split at whitespace and run \
         without a shell (put anything more in a script, and give the script)"
    )]
    NotShell {
        /// The command as given.
        command: String,
        /// The word.
        word: String,
        /// What a shell would have done with it.
        why: &'static str,
    },
    /// A word holds a placeholder other than the two.
    #[error(
        "--reference `{command}`: `{word}` is not replaced: the only placeholders are \
         `{{model}}` and `{{years}}`"
    )]
    UnknownPlaceholder {
        /// The command as given.
        command: String,
        /// The placeholder, braces included.
        word: String,
    },
}

/// Years a run lasting about `secs` (start-up included) simulates, from a trial of `first`
/// years that took `took` seconds: scaled from it if it is long; if it is short, start-up
/// is much of it, and a second trial of more years by `run` (its seconds) separates the
/// two, a straight line through both trials. At least one year.
fn years_lasting<E>(
    secs: f64,
    first: u64,
    took: f64,
    run: impl FnOnce(u64) -> Result<f64, E>,
) -> Result<u64, E> {
    let years = if took >= secs / 4.0 {
        first as f64 * secs / took
    } else {
        // At most half the target, even with no start-up at all.
        let second = ((first as f64 * secs / 2.0 / took).ceil() as u64).max(first + 1);
        let took_second = run(second)?;
        let per_year = (took_second - took) / (second - first) as f64;
        if per_year > 0.0 {
            let start_up = took - per_year * first as f64;
            (secs - start_up) / per_year
        } else {
            second as f64 * secs / took_second
        }
    };
    Ok(years.ceil().clamp(1.0, 1e12) as u64)
}

/// What a shell would have made of `word`, if it means anything to one: a quote (which no
/// shell removes here), a control operator (`|`, `;`, `&&`, a trailing `&`) or a
/// redirection (`>out`, `2>&1`, `&>log`, `<in`).
fn shell_meaning(word: &str) -> Option<&'static str> {
    let redirection = word.trim_start_matches(|c: char| c.is_ascii_digit());
    let redirection = redirection.strip_prefix('&').unwrap_or(redirection);
    if word.starts_with(['\'', '"']) || word.ends_with(['\'', '"']) {
        Some("is quoted, and quotes are not removed")
    } else if redirection.starts_with(['>', '<']) {
        Some("is a shell's redirection")
    } else if word.contains(['|', ';'])
        || word.contains("&&")
        || word.starts_with('&')
        || word.ends_with('&')
    {
        Some("is a shell's control operator")
    } else {
        None
    }
}

/// The first `{name}` in `word` for a name (lowercase letters and `_`) other than `model`
/// and `years`.
fn unknown_placeholder(word: &str) -> Option<String> {
    word.split('{').skip(1).find_map(|rest| {
        let (name, _) = rest.split_once('}')?;
        let placeholder = !name.is_empty()
            && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            && name != "model"
            && name != "years";
        placeholder.then(|| format!("{{{name}}}"))
    })
}

impl Reference {
    /// Years of the trial run that [`Reference::calibrated`] times.
    pub const TRIAL_YEARS: u64 = 100;

    /// Seconds a run of a [`Reference::calibrated`] reference lasts, about.
    pub const CALIBRATED_SECS: f64 = 2.0;

    /// The reference `command`, split at whitespace, for `model`, each run simulating
    /// `years` years. A word that a shell would have read otherwise, or that holds another
    /// placeholder, is refused: no shell runs the command.
    pub fn new(command: &str, model: &Path, years: u64) -> Result<Reference, ReferenceError> {
        let words: Vec<String> = command.split_whitespace().map(str::to_owned).collect();
        for word in &words {
            if let Some(why) = shell_meaning(word) {
                let word = word.clone();
                let command = words.join(" ");
                return Err(ReferenceError::NotShell { command, word, why });
            }
            if let Some(word) = unknown_placeholder(word) {
                let command = words.join(" ");
                return Err(ReferenceError::UnknownPlaceholder { command, word });
            }
        }
        Reference::from_words(words, model, years)
    }

    /// As [`Reference::new`], with the program and its arguments given one by one (a word
    /// may then hold spaces or any character: only the two placeholders are replaced).
    pub fn from_words(
        words: Vec<String>,
        model: &Path,
        years: u64,
    ) -> Result<Reference, ReferenceError> {
        if words.is_empty() {
            return Err(ReferenceError::Empty);
        }
        let placeholders = [
            ("{model}", "which model file to read"),
            ("{years}", "how many years to simulate"),
        ];
        for (placeholder, what) in placeholders {
            if !words.iter().any(|word| word.contains(placeholder)) {
                return Err(ReferenceError::Missing {
                    command: words.join(" "),
                    placeholder,
                    what,
                });
            }
        }
        Ok(Reference {
            words,
            model: model.as_os_str().to_owned(),
            years,
        })
    }

    /// This reference with its years set so that a run lasts about
    /// [`Reference::CALIBRATED_SECS`], start-up included (at least its own years), so that an
    /// interpreter's start-up (Python and SimPy take about 0.1 s) weighs little on its years
    /// per second whatever the model's size. A trial run of [`Reference::TRIAL_YEARS`] gives
    /// the cost of a year if it is long; if it is short, start-up is much of it, and a second
    /// trial of more years separates the two (a straight line through both). Fails as
    /// [`Reference::time`] does.
    pub fn calibrated(self) -> Result<Reference, BenchError> {
        let run = |years: u64| {
            let trial = Reference {
                years,
                ..self.clone()
            };
            trial.time().map(|timing| timing.secs)
        };
        let first = Self::TRIAL_YEARS;
        let years = years_lasting(Self::CALIBRATED_SECS, first, run(first)?, run)?;
        Ok(Reference {
            years: years.max(self.years),
            ..self
        })
    }

    /// Years each run simulates.
    pub fn years(&self) -> u64 {
        self.years
    }

    /// The command line as run, for a report: placeholders replaced (the model path
    /// lossily), and a word holding whitespace quoted.
    pub fn command_line(&self) -> String {
        let words: Vec<String> = self
            .words
            .iter()
            .map(|word| {
                let word = self.substitute(word).to_string_lossy().into_owned();
                if word.contains(char::is_whitespace) {
                    format!("'{word}'")
                } else {
                    word
                }
            })
            .collect();
        words.join(" ")
    }

    /// `word` with its placeholders replaced, the model path exactly as given.
    fn substitute(&self, word: &str) -> OsString {
        let years = self.years.to_string();
        let mut whole = OsString::new();
        let mut rest = word;
        loop {
            let model = rest.find("{model}").map(|at| (at, "{model}"));
            let year = rest.find("{years}").map(|at| (at, "{years}"));
            let next = match (model, year) {
                (Some(m), Some(y)) => Some(m.min(y)),
                (found, None) | (None, found) => found,
            };
            let Some((at, placeholder)) = next else {
                whole.push(rest);
                return whole;
            };
            whole.push(&rest[..at]);
            whole.push(match placeholder {
                "{model}" => self.model.as_os_str(),
                _ => OsStr::new(&years),
            });
            rest = &rest[at + placeholder.len()..];
        }
    }

    /// Runs it once, timed; an error if it cannot start or exits unsuccessfully, with the
    /// last line of its standard error.
    pub fn time(&self) -> Result<Timing, BenchError> {
        let mut command = Command::new(self.substitute(&self.words[0]));
        command.args(self.words[1..].iter().map(|word| self.substitute(word)));
        let secs = run_timed(&mut command).map_err(|why| BenchError::Reference {
            command: self.command_line(),
            why,
        })?;
        Ok(Timing {
            years: self.years,
            work: 0,
            secs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_needs_a_program_a_model_and_years() {
        let model = Path::new("m.toml");
        assert_eq!(Reference::new("  ", model, 10), Err(ReferenceError::Empty));
        let error = Reference::new("sim {model}", model, 10).unwrap_err();
        assert!(matches!(
            error,
            ReferenceError::Missing {
                placeholder: "{years}",
                ..
            }
        ));
        assert_eq!(
            error.to_string(),
            "--reference `sim {model}` has no `{years}`: the reference must be told how many \
             years to simulate"
        );
        let error = Reference::new("sim --years={years}", model, 10).unwrap_err();
        assert!(error.to_string().contains("has no `{model}`"), "{error}");
    }

    #[test]
    fn a_reference_is_not_a_shell_command() {
        let model = Path::new("m.toml");
        let refused = [
            ("'python3 sim.py' {model} {years}", "'python3", "quoted"),
            ("sim {model} {years} | tee out", "|", "control"),
            ("sim {model} {years};", "{years};", "control"),
            ("sim {model} {years} x|y", "x|y", "control"),
            ("sim {model} {years} a&&b", "a&&b", "control"),
            ("sim {model} {years} &", "&", "control"),
            ("sim {model} {years} >out", ">out", "redirection"),
            ("sim {model} {years} 2>&1", "2>&1", "redirection"),
            ("sim {model} {years} &>log", "&>log", "redirection"),
            ("sim {model} {years} <in", "<in", "redirection"),
        ];
        for (command, word, why) in refused {
            let error = Reference::new(command, model, 1).unwrap_err();
            assert!(
                matches!(&error, ReferenceError::NotShell { word: found, why: said, .. }
                    if found == word && said.contains(why)),
                "{command}: {error}"
            );
            assert!(error.to_string().contains("run without a shell"), "{error}");
        }
        let error = Reference::new("sim {model} {years} --seed={seed}", model, 1).unwrap_err();
        assert_eq!(
            error.to_string(),
            "--reference `sim {model} {years} --seed={seed}`: `{seed}` is not replaced: the \
             only placeholders are `{model}` and `{years}`"
        );
        // Braces that are not a placeholder's are the program's business, and so is any word
        // given on its own.
        assert!(Reference::new("sim {model} {years} --json={} {A} x=3", model, 1).is_ok());
        let words = ["sim", "'a b'", "|", "{model}", "{years}", "{seed}"].map(str::to_owned);
        assert!(Reference::from_words(words.to_vec(), model, 1).is_ok());
    }

    #[test]
    fn placeholders_are_replaced_once_each_in_any_word() {
        // A `{years}` inside the model's path stays as it is.
        let model = Path::new("models/a {years} b.toml");
        let reference =
            Reference::new("python3 sim.py {model} --years={years}{years}", model, 300).unwrap();
        assert_eq!(reference.years(), 300);
        assert_eq!(
            reference.substitute("--model={model}:{years}"),
            "--model=models/a {years} b.toml:300"
        );
        assert_eq!(reference.substitute("{model}"), "models/a {years} b.toml");
        assert_eq!(reference.substitute("plain"), "plain");
        assert_eq!(
            reference.command_line(),
            "python3 sim.py 'models/a {years} b.toml' --years=300300"
        );
    }

    #[test]
    fn calibration_fits_start_up_and_the_cost_of_a_year() {
        // A simulator starting in 1/8 s and simulating a year in 1/1024 s (dyadic, so the
        // arithmetic is exact): 128 years take 1/4 s, too short to tell start-up from years,
        // so 128 × 2 / 2 / (1/4) = 512 are tried (5/8 s), and 2 s is (2 − 1/8) × 1024 = 1,920.
        let simulator = |years: u64| Ok::<f64, ()>(0.125 + years as f64 / 1024.0);
        let mut tried = Vec::new();
        let years = years_lasting(2.0, 128, simulator(128).unwrap(), |years| {
            tried.push(years);
            simulator(years)
        });
        assert_eq!(tried, [512]);
        assert_eq!(years, Ok(1920));
        // A trial long enough is scaled alone: 100 years in 1 s make 200 in 2 s.
        let never = |_| -> Result<f64, ()> { panic!("no second trial") };
        assert_eq!(years_lasting(2.0, 100, 1.0, never), Ok(200));
        // Noise that makes the longer trial the quicker: scaled from it alone, 512 × 2 / 0.2.
        assert_eq!(
            years_lasting(2.0, 128, 0.25, |_| Ok::<f64, ()>(0.2)),
            Ok(5120)
        );
        // A failing second trial fails the calibration.
        assert_eq!(
            years_lasting(2.0, 128, 0.25, |_| Err("failed")),
            Err("failed")
        );
    }

    #[cfg(unix)]
    #[test]
    fn calibration_times_a_trial_and_scales_the_years() {
        let model = Path::new("/nonexistent/model.toml");
        // `true` simulates nothing in a few milliseconds: far more years than the trial's.
        let fast = Reference::new("true {model} {years}", model, 1).unwrap();
        let calibrated = fast.calibrated().unwrap();
        assert!(
            calibrated.years() > Reference::TRIAL_YEARS,
            "{}",
            calibrated.years()
        );
        let failing = Reference::new("cat {model} {years}", model, 1).unwrap();
        assert!(matches!(
            failing.calibrated(),
            Err(BenchError::Reference { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_non_utf8_model_path_reaches_the_reference_unchanged() {
        use std::os::unix::ffi::OsStrExt;
        let model = Path::new(OsStr::from_bytes(b"bad\xff.toml"));
        let reference = Reference::new("sim --model={model} {years}", model, 1).unwrap();
        assert_eq!(
            reference.substitute("--model={model}").as_bytes(),
            b"--model=bad\xff.toml"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_reference_is_timed_or_says_why_it_failed() {
        let model = Path::new("/nonexistent/model.toml");
        let ran = Reference::new("true {model} {years}", model, 7)
            .unwrap()
            .time()
            .unwrap();
        assert_eq!((ran.years, ran.work), (7, 0));
        assert!(ran.secs > 0.0);
        // The last line of its standard error says why.
        let error = Reference::new("cat {model} {years}", model, 7)
            .unwrap()
            .time()
            .unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with(
                "cannot time the reference `cat /nonexistent/model.toml 7`: exit status: "
            ),
            "{message}"
        );
        // `cat` names the last file it could not read.
        assert!(message.contains(" (stderr: cat: 7"), "{message}");
        let missing = Reference::new("/nonexistent/simulator {model} {years}", model, 7).unwrap();
        let message = missing.time().unwrap_err().to_string();
        assert!(
            message.starts_with(
                "cannot time the reference `/nonexistent/simulator /nonexistent/model.toml 7`: \
                 cannot start `/nonexistent/simulator`: "
            ),
            "{message}"
        );
    }
}
