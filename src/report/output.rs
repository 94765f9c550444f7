//! Result files that are never half-written.
//!
//! Each file is written under a temporary name in the output directory and renamed into
//! place only when the whole run has succeeded; a failed or interrupted run removes its
//! temporary files and leaves the previous results untouched.
//!
//! An existing directory is reused. `summary.json` marks a complete set: on commit the old
//! one is removed first and the new one is moved in last, so whenever `summary.json` exists,
//! every result file beside it comes from the same run (even if the machine stops halfway
//! through a commit).
//!
//! A single file outside that scheme (the JUnit report of `check`, which may well sit in
//! the output directory) is written on its own by [`write_file`], touching nothing else.

use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

/// The file whose presence says the directory holds one complete run.
pub const MARKER: &str = "summary.json";

/// An output directory whose files appear only on [`OutputDir::commit`].
pub struct OutputDir {
    dir: PathBuf,
    staged: Vec<(PathBuf, PathBuf)>,
    /// The directories this run created, innermost first: removed again, if still empty,
    /// when the run ends without a commit (an interrupt or an error).
    created: Vec<PathBuf>,
}

impl OutputDir {
    /// Uses `dir`, creating it (and its parents) if needed.
    pub fn create(dir: &Path) -> io::Result<OutputDir> {
        let created: Vec<PathBuf> = dir
            .ancestors()
            .filter(|a| !a.as_os_str().is_empty())
            .take_while(|a| !a.exists())
            .map(Path::to_path_buf)
            .collect();
        fs::create_dir_all(dir)?;
        Ok(OutputDir {
            dir: dir.to_path_buf(),
            staged: Vec::new(),
            created,
        })
    }

    /// Opens a temporary file that will become `name` on commit.
    pub fn file(&mut self, name: &str) -> io::Result<BufWriter<File>> {
        let temporary = self
            .dir
            .join(format!(".{name}.{}.partial", std::process::id()));
        let file = File::create(&temporary)?;
        self.staged.push((temporary, self.dir.join(name)));
        Ok(BufWriter::with_capacity(1 << 16, file))
    }

    /// Writes `bytes` as the future `name`.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
        use std::io::Write;
        let mut file = self.file(name)?;
        file.write_all(bytes)?;
        file.flush()
    }

    /// Moves every staged file into place, the marker `summary.json` last. Writers must be
    /// flushed and dropped first.
    pub fn commit(mut self) -> io::Result<()> {
        let mut staged = std::mem::take(&mut self.staged);
        for (temporary, _) in &staged {
            File::open(temporary)?.sync_all()?;
        }
        let marker = self.dir.join(MARKER);
        match fs::remove_file(&marker) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
            _ => {}
        }
        // The marker sorts last, so it is renamed after every other file.
        staged.sort_by_key(|(_, target)| *target == marker);
        for (temporary, target) in &staged {
            fs::rename(temporary, target)?;
        }
        self.created.clear();
        File::open(&self.dir)?.sync_all()
    }
}

/// Writes `bytes` to `path` atomically: into a temporary file in the same directory (created
/// if needed), synced, then renamed over `path`, so that `path` is never half-written and
/// nothing beside it is touched. Refuses to replace anything but a regular file (a
/// directory, a symbolic link, a device).
pub fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    match fs::symlink_metadata(path) {
        Ok(metadata) if !metadata.file_type().is_file() => {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "it exists and is not a regular file",
            ));
        }
        Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
        _ => {}
    }
    let dir = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    fs::create_dir_all(dir)?;
    let temporary = dir.join(format!(".{name}.{}.partial", std::process::id()));
    let written = File::create(&temporary).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    let renamed = written.and_then(|()| fs::rename(&temporary, path));
    if renamed.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    renamed
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        for (temporary, _) in &self.staged {
            let _ = fs::remove_file(temporary);
        }
        // `remove_dir` removes only empty directories, so anything else put there stays.
        for dir in &self.created {
            if fs::remove_dir(dir).is_err() {
                break;
            }
        }
    }
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
