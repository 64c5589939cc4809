//! Writing a file so that it holds the old content or the new, never part of the new: a plan
//! or an export cut short by a killed process must not be mistaken for a complete one.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `bytes` to `path` through a temporary file beside it, synced, then renamed over it;
/// parent folders are created.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    write_pieces(path, &[bytes])
}

/// [`write`] for a file only its owner may read (mode 0600 on Unix): personal data, like the
/// checkpoint's.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    write_with(path, &[bytes], Readers::Owner)
}

/// [`write`] for content held as consecutive pieces (never joined in memory).
pub fn write_pieces(path: &Path, pieces: &[impl AsRef<[u8]>]) -> Result<()> {
    write_with(path, pieces, Readers::Anyone)
}

/// Who may read the file written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Readers {
    /// As the umask allows.
    Anyone,
    /// Its owner only.
    Owner,
}

fn write_with(path: &Path, pieces: &[impl AsRef<[u8]>], readers: Readers) -> Result<()> {
    let write_error = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let name = path
        .file_name()
        .ok_or_else(|| write_error(std::io::Error::other("not a file name")))?;
    let temp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        if readers == Readers::Owner {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = std::io::BufWriter::new(options.open(&temp)?);
        for piece in pieces {
            file.write_all(piece.as_ref())?;
        }
        let file = file.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result.map_err(write_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_creates_folders_and_replaces_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/plan.yaml");
        write(&path, b"first").unwrap();
        write(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let left: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
    }

    #[cfg(unix)]
    #[test]
    fn a_private_file_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.json");
        write_private(&path, b"{}").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn a_path_that_cannot_be_written_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let err = write(dir.path(), b"x").unwrap_err().to_string();
        assert!(err.contains("cannot write"), "{err}");
    }
}
