//! Result files that are never half-written.
//!
//! Each file is written under a temporary name in the output directory and renamed into
//! place only when the whole run has succeeded; a failed or interrupted run removes its
//! temporary files and leaves the previous results untouched.

use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

/// An output directory whose files appear only on [`OutputDir::commit`].
pub struct OutputDir {
    dir: PathBuf,
    staged: Vec<(PathBuf, PathBuf)>,
}

impl OutputDir {
    /// Uses `dir`, creating it (and its parents) if needed.
    pub fn create(dir: &Path) -> io::Result<OutputDir> {
        fs::create_dir_all(dir)?;
        Ok(OutputDir {
            dir: dir.to_path_buf(),
            staged: Vec::new(),
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

    /// Moves every staged file into place. Writers must be flushed and dropped first.
    pub fn commit(mut self) -> io::Result<()> {
        for (temporary, target) in std::mem::take(&mut self.staged) {
            File::open(&temporary)?.sync_all()?;
            fs::rename(&temporary, &target)?;
        }
        Ok(())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        for (temporary, _) in &self.staged {
            let _ = fs::remove_file(temporary);
        }
    }
}
