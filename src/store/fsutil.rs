//! File-system helpers shared by the config file and the file secret store:
//! private directories, atomic writes, and privacy checks.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Where an atomic write can be made to fail on purpose (tests only).
///
/// Used through [`ConfigStore::with_fail_point`](super::ConfigStore::with_fail_point)
/// to prove that a failed or interrupted save leaves the previous file intact.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailPoint {
    /// Creating the temporary file fails.
    CreateTemp,
    /// Writing the new content fails after half of it was written.
    Write,
    /// `fsync` of the temporary file fails.
    Sync,
    /// The rename over the old file fails (or the process dies just before it).
    Rename,
}

fn injected(at: FailPoint) -> io::Error {
    io::Error::other(format!("injected failure at {at:?}"))
}

/// Creates `dir` (and missing parents) with mode 0700 on Unix. An existing
/// directory is left as it is: its permissions are reported by
/// [`check_private`], never silently changed.
pub(crate) fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// The file an atomic write should replace: `path` itself, or the target of
/// `path` when it is a symbolic link (so a dotfile manager's link survives).
pub(crate) fn write_target(path: &Path) -> PathBuf {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

/// Writes `data` to `path` atomically: a temporary file in the same
/// directory (mode 0600), write, fsync, rename over `path`, fsync of the
/// directory. A missing directory is created 0700 ([`ensure_private_dir`]),
/// so whichever file is written first (draft, config, secrets, allowlist)
/// the config dir is private. On any failure before the rename the previous
/// file is intact and the temporary file is removed.
pub(crate) fn write_atomic(path: &Path, data: &[u8], fail: Option<FailPoint>) -> io::Result<()> {
    write_atomic_with(path, data, fail, false)
}

/// [`write_atomic`] for the config file, whose save debug builds make
/// observable (`ADO_SETUP_TEST_SAVE_WINDOW`, see `save_window`).
pub(crate) fn write_atomic_watched(
    path: &Path,
    data: &[u8],
    fail: Option<FailPoint>,
) -> io::Result<()> {
    write_atomic_with(path, data, fail, true)
}

#[cfg_attr(not(debug_assertions), allow(unused_variables))]
fn write_atomic_with(
    path: &Path,
    data: &[u8],
    fail: Option<FailPoint>,
    watched: bool,
) -> io::Result<()> {
    let target = write_target(path);
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".to_string());

    if fail == Some(FailPoint::CreateTemp) {
        return Err(injected(FailPoint::CreateTemp));
    }
    ensure_private_dir(&dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".tmp")
        .tempfile_in(&dir)?;
    set_private_file_mode(tmp.as_file())?;
    #[cfg(debug_assertions)]
    save_window::mark(watched, "entered");

    if fail == Some(FailPoint::Write) {
        let half = data.len() / 2;
        tmp.write_all(&data[..half])?;
        return Err(injected(FailPoint::Write));
    }
    tmp.write_all(data)?;
    tmp.flush()?;
    if fail == Some(FailPoint::Sync) {
        return Err(injected(FailPoint::Sync));
    }
    tmp.as_file().sync_all()?;
    if fail == Some(FailPoint::Rename) {
        return Err(injected(FailPoint::Rename));
    }
    #[cfg(debug_assertions)]
    save_window::pause(watched);
    tmp.persist(&target).map_err(|e| e.error)?;
    sync_dir(&dir);
    #[cfg(debug_assertions)]
    save_window::mark(watched, "left");
    Ok(())
}

/// Debug builds only: makes the save of `config.toml` (written with
/// [`write_atomic_watched`]) observable to tests
/// (`ADO_SETUP_TEST_SAVE_WINDOW=DIR`): the file `DIR/entered` when the
/// temporary file exists, a pause of half a second before the rename, and
/// `DIR/left` once the new file is in place. A test that kills the process
/// then knows, from the markers, whether the kill landed before, inside or
/// after the save.
#[cfg(debug_assertions)]
mod save_window {
    const VAR: &str = "ADO_SETUP_TEST_SAVE_WINDOW";

    fn dir(watched: bool) -> Option<std::path::PathBuf> {
        if !watched {
            return None;
        }
        std::env::var_os(VAR).map(std::path::PathBuf::from)
    }

    pub(super) fn mark(watched: bool, what: &str) {
        if let Some(dir) = dir(watched) {
            let _ = std::fs::write(dir.join(what), b"");
        }
    }

    pub(super) fn pause(watched: bool) {
        if dir(watched).is_some() {
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
    }
}

/// Writes a new file that must not exist yet, mode 0600 (used for backups).
pub(crate) fn write_new_private(path: &Path, data: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(data)?;
    file.sync_all()?;
    if let Some(dir) = path.parent() {
        sync_dir(dir);
    }
    Ok(())
}

#[cfg(unix)]
fn set_private_file_mode(file: &File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn set_private_file_mode(_file: &File) -> io::Result<()> {
    Ok(())
}

/// Best effort: the rename is already done, so a failure to sync the
/// directory is not reported as a failed save.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    {
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
    }
}

/// A file or directory that other users can read or enter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivacyWarning {
    /// The file or directory.
    pub path: PathBuf,
    /// Its Unix permission bits (e.g. `0o755`).
    pub mode: u32,
    /// One line: what is wrong.
    pub message: String,
    /// The command that fixes it.
    pub fix: String,
}

impl std::fmt::Display for PrivacyWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Reports `path` when group or others have any access to it (Unix only;
/// elsewhere, and for a missing path, returns `None`).
pub fn check_private(path: &Path) -> Option<PrivacyWarning> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = fs::metadata(path).ok()?;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 == 0 {
            return None;
        }
        let (what, want) = if meta.is_dir() {
            ("directory", "700")
        } else {
            ("file", "600")
        };
        Some(PrivacyWarning {
            path: path.to_path_buf(),
            mode,
            message: format!(
                "{what} {} is accessible by other users (mode {mode:04o}, expected 0{want})",
                path.display()
            ),
            fix: format!("chmod {want} '{}'", path.display()),
        })
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn every_fail_point_leaves_the_old_file_and_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.toml");
        fs::write(&path, b"old").unwrap();
        for fp in [
            FailPoint::CreateTemp,
            FailPoint::Write,
            FailPoint::Sync,
            FailPoint::Rename,
        ] {
            assert!(write_atomic(&path, b"new content", Some(fp)).is_err());
            assert_eq!(fs::read(&path).unwrap(), b"old", "{fp:?}");
            let names: Vec<_> = fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(names.len(), 1, "{fp:?}: {names:?}");
        }
        write_atomic(&path, b"new", None).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_file_stays_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.toml");
        let link = dir.path().join("link.toml");
        fs::write(&real, b"old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomic(&link, b"new", None).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&real).unwrap(), b"new");
    }

    #[cfg(unix)]
    #[test]
    fn open_modes_are_reported() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("d");
        ensure_private_dir(&d).unwrap();
        assert_eq!(
            fs::metadata(&d).unwrap().permissions().mode() & 0o777,
            0o700
        );
        assert!(check_private(&d).is_none());
        fs::set_permissions(&d, fs::Permissions::from_mode(0o755)).unwrap();
        let w = check_private(&d).unwrap();
        assert_eq!(w.mode, 0o755);
        assert!(w.fix.starts_with("chmod 700"));
        assert!(w.message.contains("0755"), "{}", w.message);
    }
}
