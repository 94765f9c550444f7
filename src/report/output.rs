//! Result files that are never half-written.
//!
//! Each file is written under a temporary name in the output directory and renamed into
//! place only when the whole run has succeeded; a failed or interrupted run removes its
//! temporary files and leaves the previous results untouched.
//!
//! An existing directory is reused. `summary.json` marks a complete set: on commit the old
//! one is removed first and the new one is moved in last, so whenever `summary.json` exists,
//! every result file the run writes beside it comes from that run (even if the machine
//! stops halfway through a commit). A commit also removes every other file of
//! [`RESULT_FILES`] that an earlier command wrote and this one does not (the `years.csv` of
//! a full run, before a `--summary-only` run into the same directory; a run's files, before
//! a sweep), so that the directory never holds the results of two commands side by side.
//! Files nines never writes are left alone.
//!
//! A run killed outright (SIGKILL, a power cut) cannot remove its temporary files. They are
//! named `.NAME.PID.SEQ.partial` and stay locked (an advisory lock, released by the kernel
//! when the process dies) while their run lives, so the next run into the same directory
//! removes those of dead runs and never touches those of a live concurrent one.
//!
//! A single file outside that scheme (the JUnit report of `check`, which may well sit in
//! the output directory) is written on its own by [`write_file`], touching nothing else.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The file whose presence says the directory holds one complete run.
pub const MARKER: &str = "summary.json";

/// Every name a command commits into an output directory. A commit removes those it does
/// not write, so that no result file of an earlier command stays beside the new ones.
pub const RESULT_FILES: [&str; 17] = [
    "accumulator.json",
    "differences.svg",
    "downtime-histogram.svg",
    "frontier.svg",
    "incidents.csv",
    "outage-cdf.svg",
    "outages.csv",
    "report.html",
    "rpo-cdf.svg",
    "shard.json",
    "summary.json",
    "sweep-shard.json",
    "sweep.csv",
    "sweep.svg",
    "timeline.svg",
    "tornado.svg",
    "years.csv",
];

/// The suffix of every temporary file.
const PARTIAL: &str = ".partial";

/// An output directory whose files appear only on [`OutputDir::commit`].
pub struct OutputDir {
    dir: PathBuf,
    staged: Vec<Staged>,
    /// The directories this run created, innermost first: removed again, if still empty,
    /// when the run ends without a commit (an interrupt or an error).
    created: Vec<PathBuf>,
}

/// A temporary file and the name it takes on commit.
struct Staged {
    temporary: PathBuf,
    target: PathBuf,
    /// A handle that holds the file's lock until the commit (or the drop).
    locked: File,
}

/// `error` of creating `dir`, said plainly when `dir` exists as something else than a
/// directory (the system says "File exists") or is a loop of symbolic links.
fn not_a_directory(dir: &Path, error: io::Error) -> io::Error {
    if error.kind() != io::ErrorKind::AlreadyExists {
        return error;
    }
    match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => error,
        Ok(_) => io::Error::new(error.kind(), "it exists and is not a directory"),
        Err(followed) => followed,
    }
}

impl OutputDir {
    /// Uses `dir`, creating it (and its parents) if needed, and removes the temporary
    /// files that dead runs left there.
    pub fn create(dir: &Path) -> io::Result<OutputDir> {
        let created: Vec<PathBuf> = dir
            .ancestors()
            .filter(|a| !a.as_os_str().is_empty())
            .take_while(|a| !a.exists())
            .map(Path::to_path_buf)
            .collect();
        fs::create_dir_all(dir).map_err(|error| not_a_directory(dir, error))?;
        remove_stale_partials(dir, "");
        Ok(OutputDir {
            dir: dir.to_path_buf(),
            staged: Vec::new(),
            created,
        })
    }

    /// The path `name` will have in the directory, for error messages.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Opens a temporary file that will become `name` on commit, which must be one of
    /// [`RESULT_FILES`] (a name missing there would outlive a later command's commit, so
    /// every test that writes it fails instead).
    pub fn file(&mut self, name: &str) -> io::Result<BufWriter<File>> {
        if !RESULT_FILES.contains(&name) {
            let message = format!("{name} is not one of nines' result files (RESULT_FILES)");
            return Err(io::Error::new(io::ErrorKind::InvalidInput, message));
        }
        let temporary = self.dir.join(partial_name(name));
        let file = create_partial(&temporary)?;
        let staged = Staged {
            locked: file.try_clone()?,
            temporary,
            target: self.dir.join(name),
        };
        self.staged.push(staged);
        Ok(BufWriter::with_capacity(1 << 16, file))
    }

    /// Writes `bytes` as the future `name`.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
        let mut file = self.file(name)?;
        file.write_all(bytes)?;
        file.flush()
    }

    /// Moves every staged file into place and removes the result files of earlier commands
    /// that this one does not write, then moves in the marker `summary.json`, last. Writers
    /// must be flushed and dropped first. On an error the files not yet moved are removed
    /// (the directory then has no marker, or the previous one if none had moved).
    pub fn commit(mut self) -> io::Result<()> {
        for staged in &self.staged {
            staged.locked.sync_all()?;
        }
        let marker = self.dir.join(MARKER);
        remove_if_present(&marker)?;
        let is_marker = |staged: &&Staged| staged.target == marker;
        for staged in self.staged.iter().filter(|s| !is_marker(s)) {
            fs::rename(&staged.temporary, &staged.target)?;
        }
        for name in RESULT_FILES {
            let path = self.dir.join(name);
            if !self.staged.iter().any(|staged| staged.target == path) {
                remove_if_present(&path)?;
            }
        }
        // The marker last, once every other file is in place.
        for staged in self.staged.iter().filter(is_marker) {
            fs::rename(&staged.temporary, &staged.target)?;
        }
        self.staged.clear();
        self.created.clear();
        File::open(&self.dir)?.sync_all()
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        for staged in &self.staged {
            let _ = fs::remove_file(&staged.temporary);
        }
        // `remove_dir` removes only empty directories, so anything else put there stays.
        for dir in &self.created {
            if fs::remove_dir(dir).is_err() {
                break;
            }
        }
    }
}

/// Removes the file `path`, which may not exist.
fn remove_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

/// `.NAME.PID.SEQ.partial`: the process and a sequence number within it, so that no two
/// writers, in one process or in two, ever share a temporary file.
fn partial_name(name: &str) -> String {
    static SEQUENCE: AtomicU64 = AtomicU64::new(0);
    let sequence = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    format!(".{name}.{}.{sequence}{PARTIAL}", std::process::id())
}

/// Creates the temporary file `path` and locks it for as long as a handle to it is open.
fn create_partial(path: &Path) -> io::Result<File> {
    let file = File::create(path)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(error) => {
            let _ = fs::remove_file(path);
            Err(io::Error::from(error))
        }
    }
}

/// Removes the temporary files in `dir` (only those of the result file `name`, unless it is
/// empty) that runs now dead left behind: the process that named them is gone and their
/// lock is free. Best effort: what cannot be removed stays.
fn remove_stale_partials(dir: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let prefix = format!(".{name}");
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name
            .to_str()
            .filter(|file_name| file_name.starts_with(&prefix))
            .and_then(partial_pid)
        else {
            continue;
        };
        if pid == std::process::id() || process_may_be_alive(pid) {
            continue;
        }
        let path = entry.path();
        // The lock guards against a run in another PID namespace (a container sharing the
        // directory), whose process this one cannot see.
        let unlocked = File::open(&path).is_ok_and(|file| file.try_lock().is_ok());
        if unlocked {
            let _ = fs::remove_file(&path);
        }
    }
}

/// The process id in a temporary file's name `.NAME.PID.SEQ.partial`.
fn partial_pid(file_name: &str) -> Option<u32> {
    let rest = file_name.strip_prefix('.')?.strip_suffix(PARTIAL)?;
    let (rest, sequence) = rest.rsplit_once('.')?;
    let (_, pid) = rest.rsplit_once('.')?;
    sequence.parse::<u64>().ok()?;
    pid.parse().ok()
}

/// Whether process `pid` may still run: `false` only when `/proc` shows it is gone.
fn process_may_be_alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.join("self").exists() || proc.join(pid.to_string()).exists()
}

/// Writes `bytes` to `path`, the one file of its kind (the JUnit report of `check`).
///
/// A regular file (or a new one) is replaced atomically: written into a temporary file in
/// the same directory (created if needed), synced, then renamed over `path`, so that `path`
/// is never half-written and nothing beside it is touched. A character device or a FIFO
/// (`/dev/null`, `/dev/stdout`, a named pipe), directly or through a symbolic link, is
/// written through, as a shell redirection would. Anything else is refused and left as it
/// is: a directory, a block device, a socket, or a symbolic link to anything but a
/// character device or a FIFO (replacing the link would lose it, writing its target would
/// touch a file the user did not name).
pub fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    match Existing::of(path)? {
        Existing::Nothing | Existing::Regular => write_atomically(path, bytes),
        Existing::Stream => {
            let mut file = fs::OpenOptions::new().write(true).open(path)?;
            file.write_all(bytes)?;
            file.flush()
        }
        Existing::Refused(what) => Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("it exists and is not a regular file (it is {what}); it is left as it is"),
        )),
    }
}

/// What a path names before [`write_file`] writes it.
enum Existing {
    /// Nothing yet.
    Nothing,
    /// A regular file.
    Regular,
    /// A character device or a FIFO, perhaps through a symbolic link.
    Stream,
    /// Something never to replace or write, described.
    Refused(&'static str),
}

impl Existing {
    fn of(path: &Path) -> io::Result<Existing> {
        let metadata = match fs::symlink_metadata(path) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Existing::Nothing),
            Err(error) => return Err(error),
        };
        let kind = metadata.file_type();
        if kind.is_file() {
            Ok(Existing::Regular)
        } else if kind.is_dir() {
            Ok(Existing::Refused("a directory"))
        } else if kind.is_symlink() {
            match fs::metadata(path) {
                Ok(target) if is_stream(&target.file_type()) => Ok(Existing::Stream),
                _ => Ok(Existing::Refused(
                    "a symbolic link (to anything but a device or a FIFO)",
                )),
            }
        } else if is_stream(&kind) {
            Ok(Existing::Stream)
        } else {
            Ok(Existing::Refused("a block device or a socket"))
        }
    }
}

/// A character device or a FIFO: written through, never replaced.
#[cfg(unix)]
fn is_stream(kind: &fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt;
    kind.is_char_device() || kind.is_fifo()
}

#[cfg(not(unix))]
fn is_stream(_: &fs::FileType) -> bool {
    false
}

/// Writes `bytes` into a temporary file beside `path`, then renames it over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    let dir = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    fs::create_dir_all(dir)?;
    remove_stale_partials(dir, name);
    let temporary = dir.join(partial_name(name));
    let written = create_partial(&temporary).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    let renamed = written.and_then(|()| fs::rename(&temporary, path));
    if renamed.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    renamed
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    fn partials(dir: &Path) -> Vec<String> {
        names(dir)
            .into_iter()
            .filter(|name| name.ends_with(PARTIAL))
            .collect()
    }

    #[test]
    fn a_failed_commit_removes_every_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // A non-empty directory where years.csv should go: its rename fails.
        fs::create_dir_all(dir.path().join("years.csv").join("in-the-way")).unwrap();
        let mut output = OutputDir::create(dir.path()).unwrap();
        output.write("outages.csv", b"outages").unwrap();
        output.write("years.csv", b"years").unwrap();
        output.write(MARKER, b"summary").unwrap();
        assert_eq!(partials(dir.path()).len(), 3);
        assert!(output.commit().is_err());
        assert!(partials(dir.path()).is_empty(), "{:?}", names(dir.path()));
        assert!(
            !dir.path().join(MARKER).exists(),
            "no marker for an incomplete set"
        );
    }

    #[test]
    fn temporary_files_of_dead_runs_are_removed_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        // Beyond the largest pid Linux hands out, so certainly a dead run's.
        let dead = ".years.csv.4294967295.0.partial";
        fs::write(dir.path().join(dead), "left by a killed run").unwrap();
        fs::write(dir.path().join(".notes.partial"), "not ours").unwrap();
        let mut live = OutputDir::create(dir.path()).unwrap();
        live.write("years.csv", b"live").unwrap();
        assert_eq!(partials(dir.path()).len(), 2, "{:?}", names(dir.path()));
        assert!(!dir.path().join(dead).exists());
        // A second run into the same directory leaves the first one's files alone.
        let mut second = OutputDir::create(dir.path()).unwrap();
        second.write(MARKER, b"second").unwrap();
        live.commit().unwrap();
        assert_eq!(
            fs::read_to_string(dir.path().join("years.csv")).unwrap(),
            "live"
        );
        // The later commit wins: the first run's years.csv does not stay beside its marker.
        second.commit().unwrap();
        assert_eq!(names(dir.path()), [".notes.partial", "summary.json"]);
    }

    #[test]
    fn a_dead_runs_lock_is_free_and_a_live_ones_is_held() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(partial_name("x"));
        let held = create_partial(&path).unwrap();
        assert!(File::open(&path).unwrap().try_lock().is_err());
        drop(held);
        assert!(File::open(&path).unwrap().try_lock().is_ok());
        assert_eq!(partial_pid(".x.123.7.partial"), Some(123));
        assert_eq!(partial_pid(".x.y.123.7.partial"), Some(123));
        assert_eq!(partial_pid(".x.partial"), None);
        assert_eq!(partial_pid("x.1.2.partial"), None);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_single_file_writes_through_devices_and_links_to_them() {
        let dir = tempfile::tempdir().unwrap();
        write_file(Path::new("/dev/null"), b"discarded").unwrap();
        let link = dir.path().join("null");
        std::os::unix::fs::symlink("/dev/null", &link).unwrap();
        write_file(&link, b"discarded").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let full = write_file(Path::new("/dev/full"), b"x").unwrap_err();
        assert_eq!(full.raw_os_error(), Some(28), "{full}");
        assert_eq!(names(dir.path()), ["null"]);
    }

    #[test]
    fn an_uncommitted_run_leaves_the_previous_results_untouched() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("years.csv"), "old years").unwrap();
        fs::write(dir.path().join(MARKER), "old summary").unwrap();
        {
            let mut output = OutputDir::create(dir.path()).unwrap();
            let mut years = output.file("years.csv").unwrap();
            years.write_all(b"new years, half written").unwrap();
            years.flush().unwrap();
            // The run fails here: the output is dropped without commit.
        }
        assert_eq!(names(dir.path()), ["summary.json", "years.csv"]);
        assert_eq!(
            fs::read_to_string(dir.path().join("years.csv")).unwrap(),
            "old years"
        );
    }

    #[test]
    fn an_uncommitted_run_removes_the_directories_it_created() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a").join("b");
        drop(OutputDir::create(&nested).unwrap());
        assert!(names(dir.path()).is_empty());
        // A directory that existed before, or that holds something else, stays.
        let existing = dir.path().join("existing");
        fs::create_dir(&existing).unwrap();
        drop(OutputDir::create(&existing).unwrap());
        assert!(existing.is_dir());
        let mut output = OutputDir::create(&dir.path().join("c").join("d")).unwrap();
        output.write(MARKER, b"staged").unwrap();
        fs::write(dir.path().join("c").join("other"), "kept").unwrap();
        drop(output);
        assert_eq!(names(&dir.path().join("c")), ["other"]);
    }

    #[test]
    fn a_single_file_leaves_the_marker_and_its_neighbours_alone() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(MARKER), "summary").unwrap();
        let junit = dir.path().join("slo.xml");
        write_file(&junit, b"first").unwrap();
        write_file(&junit, b"second").unwrap();
        assert_eq!(names(dir.path()), ["slo.xml", "summary.json"]);
        assert_eq!(fs::read_to_string(&junit).unwrap(), "second");
        let nested = dir.path().join("a").join("b.xml");
        write_file(&nested, b"nested").unwrap();
        assert_eq!(fs::read_to_string(&nested).unwrap(), "nested");
    }

    #[test]
    #[cfg(unix)]
    fn a_single_file_never_replaces_a_directory_or_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        fs::create_dir(&sub).unwrap();
        let error = write_file(&sub, b"x").unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);
        assert!(sub.is_dir());
        let target = dir.path().join("target");
        fs::write(&target, "kept").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(write_file(&link, b"x").is_err());
        assert_eq!(fs::read_to_string(&target).unwrap(), "kept");
        assert_eq!(names(dir.path()), ["link", "sub", "target"]);
    }

    #[test]
    fn commit_removes_the_result_files_of_an_earlier_command_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        for name in [MARKER, "years.csv", "outages.csv", "sweep.svg", "notes.txt"] {
            fs::write(dir.path().join(name), "earlier").unwrap();
        }
        let mut output = OutputDir::create(dir.path()).unwrap();
        output.write(MARKER, b"new summary").unwrap();
        output.write("report.html", b"new report").unwrap();
        output.commit().unwrap();
        assert_eq!(
            names(dir.path()),
            ["notes.txt", "report.html", "summary.json"]
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
            "earlier"
        );
        // A name that is not a result file is refused.
        let mut refused = OutputDir::create(dir.path()).unwrap();
        assert!(refused.write("notes.txt", b"x").is_err());
        drop(refused);
        // A command without a marker (a sweep) removes the earlier marker too.
        let mut output = OutputDir::create(dir.path()).unwrap();
        output.write("sweep.csv", b"sweep").unwrap();
        output.commit().unwrap();
        assert_eq!(names(dir.path()), ["notes.txt", "sweep.csv"]);
    }

    #[test]
    fn commit_replaces_every_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(MARKER), "old summary").unwrap();
        let mut output = OutputDir::create(&dir.path().join("new")).unwrap();
        output.write(MARKER, b"new summary").unwrap();
        output.write("years.csv", b"new years").unwrap();
        output.commit().unwrap();
        let new = dir.path().join("new");
        assert_eq!(names(&new), ["summary.json", "years.csv"]);
        assert_eq!(fs::read_to_string(new.join(MARKER)).unwrap(), "new summary");
    }
}
