//! One writer per checkpoint: an exclusive OS lock on `<state>.lock`, held for the life of the
//! process. The kernel releases it when the process dies, however it dies (even `kill -9`), so a
//! crashed apply never leaves a stale lock behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The held lock; dropping it (or the process ending) releases it.
#[derive(Debug)]
pub struct Lock {
    _file: File,
    path: PathBuf,
}

impl Lock {
    /// Takes the lock beside `state` or says who holds it.
    pub fn acquire(state: &Path) -> Result<Lock> {
        let path = lock_path(state);
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|source| Error::Write {
                path: path.clone(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                let holder = holder.trim();
                let by = if holder.is_empty() {
                    String::new()
                } else {
                    format!(" (held by process {holder})")
                };
                return Err(Error::State {
                    path: state.to_path_buf(),
                    message: format!(
                        "another apply is running on this state{by}; wait for it to finish"
                    ),
                });
            }
            Err(TryLockError::Error(source)) => {
                return Err(Error::Write { path, source });
            }
        }
        // Who holds it, for the message a second apply prints; informative only.
        let _ = file.set_len(0);
        let _ = write!(file, "{}", std::process::id());
        let _ = file.flush();
        Ok(Lock { _file: file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The process holding the lock beside `state` (an apply running now), if any: `Some(None)`
/// when it is held but the holder did not say who it is.
pub fn holder(state: &Path) -> Option<Option<u32>> {
    let path = lock_path(state);
    let file = File::open(&path).ok()?;
    match file.try_lock_shared() {
        // Nobody holds it; ours is released as `file` drops.
        Ok(()) => None,
        Err(TryLockError::WouldBlock) => Some(
            std::fs::read_to_string(&path)
                .ok()
                .and_then(|t| t.trim().parse().ok()),
        ),
        Err(TryLockError::Error(_)) => None,
    }
}

/// `<state>.lock`, beside the database.
pub fn lock_path(state: &Path) -> PathBuf {
    let mut name = state.as_os_str().to_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_state_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("x.sqlite");
        let first = Lock::acquire(&state).unwrap();
        let err = Lock::acquire(&state).unwrap_err().to_string();
        assert!(err.contains("another apply is running"), "{err}");
        assert!(err.contains(&std::process::id().to_string()), "{err}");
        drop(first);
        Lock::acquire(&state).unwrap();
    }
}
