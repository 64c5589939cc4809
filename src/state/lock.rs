//! One writer per checkpoint: an exclusive OS lock on `<state>.lock`, held for the life of the
//! process. The kernel releases it when the process dies, however it dies (even `kill -9`), so a
//! crashed apply never leaves a stale lock behind.
//!
//! And one apply per target location on this machine, whatever folder (and so whatever ledger)
//! it runs from: a second lock, on a file in a per-user folder named after the target (its
//! server and location id). Two machines cannot see each other's locks (see README).

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
        let file = take(&path, &std::process::id().to_string(), |holder| {
            Error::State {
                path: state.to_path_buf(),
                message: format!(
                    "another apply is running on this state{}; wait for it to finish",
                    if holder.is_empty() {
                        String::new()
                    } else {
                        format!(" (held by process {holder})")
                    }
                ),
            }
        })?;
        Ok(Lock { _file: file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The lock of one target location on this machine (see the module documentation).
#[derive(Debug)]
pub struct TargetLock {
    _file: File,
}

impl TargetLock {
    /// Takes the lock of target location `location` at `base_url`, or says which apply holds
    /// it (process and ledger). `state` is this apply's ledger, written in the lock file.
    pub fn acquire(base_url: &str, location: &str, state: &Path) -> Result<TargetLock> {
        let dir = lock_dir();
        std::fs::create_dir_all(&dir).map_err(|source| Error::Write {
            path: dir.clone(),
            source,
        })?;
        let key = format!("{}\n{location}", server_key(base_url));
        let path = dir.join(format!(
            "target-{}.lock",
            &crate::plan::fingerprint::of(&key)["sha256:".len()..][..16]
        ));
        let absolute = std::path::absolute(state).unwrap_or_else(|_| state.to_path_buf());
        let me = format!(
            "process {}, ledger {}",
            std::process::id(),
            absolute.display()
        );
        let file = take(&path, &me, |holder| Error::State {
            path: state.to_path_buf(),
            message: format!(
                "another apply is writing to target location {location} on this machine{}; \
                 wait for it to finish (two applies to one location would create \
                 objects twice)",
                if holder.is_empty() {
                    String::new()
                } else {
                    format!(" ({holder})")
                }
            ),
        })?;
        Ok(TargetLock { _file: file })
    }
}

/// Takes the exclusive lock on the file at `path` and writes `me` in it (who holds it, for the
/// message a second taker prints; informative only), or returns `refused(holder)` with what the
/// current holder wrote.
fn take(path: &Path, me: &str, refused: impl FnOnce(&str) -> Error) -> Result<File> {
    let write_error = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .map_err(write_error)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let holder = std::fs::read_to_string(path).unwrap_or_default();
            return Err(refused(holder.trim()));
        }
        Err(TryLockError::Error(source)) => return Err(write_error(source)),
    }
    let _ = file.set_len(0);
    let _ = write!(file, "{me}");
    let _ = file.flush();
    Ok(file)
}

/// The server part of a lock key: every GoHighLevel host is one service (V1 and V2 reach the
/// same locations); any other server (a sandbox) is its host and port.
fn server_key(base_url: &str) -> String {
    let rest = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    let host = rest
        .split('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let name = host.split(':').next().unwrap_or_default();
    if ["leadconnectorhq.com", "gohighlevel.com"]
        .iter()
        .any(|d| name == *d || name.ends_with(&format!(".{d}")))
    {
        "gohighlevel".into()
    } else {
        host
    }
}

/// The per-user folder for target locks: `$XDG_RUNTIME_DIR/ghl-migrate`, else
/// `~/.cache/ghl-migrate/locks`, else one under the system's temporary folder.
fn lock_dir() -> PathBuf {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("XDG_RUNTIME_DIR") {
        return PathBuf::from(dir).join("ghl-migrate");
    }
    if let Some(home) = var("HOME") {
        return PathBuf::from(home).join(".cache/ghl-migrate/locks");
    }
    let user = var("USER").map_or("user".into(), |u| u.to_string_lossy().into_owned());
    std::env::temp_dir().join(format!("ghl-migrate-{user}"))
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
    fn one_lock_per_target_location_whatever_the_ledger() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.sqlite"), dir.path().join("b.sqlite"));
        let url = "http://127.0.0.1:1/unique-test-server";
        let first = TargetLock::acquire(url, "LOC1", &a).unwrap();
        let err = TargetLock::acquire(url, "LOC1", &b)
            .unwrap_err()
            .to_string();
        assert!(err.contains("another apply is writing"), "{err}");
        assert!(err.contains("a.sqlite"), "{err}");
        // Another location, or the same id on another server, is another target.
        TargetLock::acquire(url, "LOC2", &b).unwrap();
        TargetLock::acquire("http://127.0.0.1:2", "LOC1", &b).unwrap();
        drop(first);
        TargetLock::acquire(url, "LOC1", &b).unwrap();
    }

    #[test]
    fn v1_and_v2_hosts_are_one_service() {
        assert_eq!(
            server_key("https://rest.gohighlevel.com/v1"),
            server_key("https://services.leadconnectorhq.com")
        );
        assert_eq!(server_key("http://127.0.0.1:8802/"), "127.0.0.1:8802");
    }

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
