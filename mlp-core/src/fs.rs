//! Reading a file, and writing one whole or not at all.

use crate::{Error, Result};
use std::io::Write;
use std::path::Path;

/// The bytes of the file at `path`; an [`Error::Io`] naming the path.
pub fn read(path: impl AsRef<Path>) -> Result<Vec<u8>> {
    let path = path.as_ref();
    std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes `bytes` to `path` through a temporary file in the same folder that
/// is flushed to disk and then renamed over `path`: a crash or an error
/// leaves either the old file or the new one, never half of one. The file
/// keeps the permissions of the one it replaces (0644 for a new one), not the
/// temporary file's private 0600. On unix the folder is flushed after the
/// rename too, so the new name itself survives a power cut.
///
/// The temporary file is named `.<file name>.mlp-<pid>-<random>.tmp`. A save
/// that fails removes its own. A process killed during a save cannot, so
/// every save first removes the temporary files of earlier saves of the same
/// `path` whose process is gone ([`remove_stale_temporaries`]): nothing else,
/// and never the temporary file of a save still under way in a live process.
pub fn write_atomic(path: impl AsRef<Path>, bytes: &[u8]) -> Result<()> {
    let path = path.as_ref();
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    remove_stale_temporaries(path);
    let mut file = tempfile::Builder::new()
        .prefix(&temporary_prefix(path, std::process::id()))
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.as_file().sync_all().map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode());
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(io)?;
    }
    // On error the temporary file is dropped, which deletes it.
    file.persist(path).map_err(|e| io(e.error))?;
    // The rename is durable once the folder's own entry list is on disk.
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    Ok(())
}

/// The ending of every temporary file of [`write_atomic`].
pub const TEMP_SUFFIX: &str = ".tmp";

/// A temporary file is removed by a later save, whatever its process, once it
/// is this old (where no process table can be read, that is the only test).
pub const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

/// `.<file name>.mlp-<pid>-`: the start of the name of a temporary file of
/// [`write_atomic`] for `path`, written by process `pid`.
fn temporary_prefix(path: &Path, pid: u32) -> String {
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    format!(".{name}.mlp-{pid}-")
}

/// Removes the temporary files that earlier [`write_atomic`] calls for `path`
/// left in its folder when their process was killed: the files named
/// `.<file name>.mlp-<pid>-<random>.tmp` whose process `pid` no longer runs
/// (or that are older than [`STALE_AFTER`]). Files of other names, other
/// targets, this process and live processes are left alone. Returns how many
/// it removed; errors (a file another process removed first, a folder that
/// cannot be listed) are not errors of the save, and are skipped.
pub fn remove_stale_temporaries(path: &Path) -> usize {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return 0;
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let start = format!(".{name}.mlp-");
    let mut removed = 0;
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name
            .to_str()
            .and_then(|f| f.strip_prefix(&start))
            .and_then(|f| f.strip_suffix(TEMP_SUFFIX))
        else {
            continue;
        };
        // `<pid>-<random>`, as `tempfile` names it (random: 6 alphanumerics).
        let Some((pid, random)) = rest.split_once('-') else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        if random.is_empty() || !random.bytes().all(|b| b.is_ascii_alphanumeric()) {
            continue;
        }
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let old = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age > STALE_AFTER);
        let gone = pid != std::process::id() && process_is_gone(pid);
        if (gone || old) && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Whether process `pid` certainly no longer runs: on Linux, `/proc` is
/// mounted and has no entry for it. Anywhere else the answer is "not known"
/// (false), and only [`STALE_AFTER`] lets a temporary file go.
fn process_is_gone(pid: u32) -> bool {
    if cfg!(target_os = "linux") && Path::new("/proc/self").exists() {
        !Path::new("/proc").join(pid.to_string()).exists()
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.bin");
        write_atomic(&path, b"old").unwrap();
        write_atomic(&path, b"new contents").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new contents");
        assert_eq!(entries(dir.path()), ["w.bin"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o644);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
            write_atomic(&path, b"private").unwrap();
            assert_eq!(mode(&path), 0o600, "a replaced file keeps its permissions");
        }
    }

    #[test]
    fn failed_rename_keeps_the_target_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        // A non-empty directory cannot be replaced by a file.
        let target = dir.path().join("taken");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("keep"), b"x").unwrap();
        let err = write_atomic(&target, b"data").unwrap_err();
        assert!(
            err.to_string().starts_with(&target.display().to_string()),
            "{err}"
        );
        assert_eq!(entries(dir.path()), ["taken"]);
        assert_eq!(std::fs::read(target.join("keep")).unwrap(), b"x");
    }

    /// The pid of a process that has exited.
    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    }

    #[test]
    fn temporary_files_of_killed_saves_are_removed_by_the_next_save() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.bin");
        let dead = dead_pid();
        let mine = std::process::id();
        let keep = [
            // A live process's save under way (this process's own).
            format!(".w.bin.mlp-{mine}-Ab3dE9.tmp"),
            // Another target's temporary file, another name, a user's files.
            format!(".v.bin.mlp-{dead}-Ab3dE9.tmp"),
            format!(".w.bin.mlp-{dead}-.tmp"),
            format!(".w.bin.mlp-{dead}-Ab3dE9.tmp.bak"),
            format!("w.bin.mlp-{dead}-Ab3dE9.tmp"),
            ".w.bin.mlp-x-Ab3dE9.tmp".to_string(),
            "notes.tmp".to_string(),
        ];
        for name in &keep {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        // Left by a save killed in process `dead`: removed by the next save.
        let stale = format!(".w.bin.mlp-{dead}-Zz9qQ1.tmp");
        std::fs::write(dir.path().join(&stale), b"half").unwrap();
        write_atomic(&path, b"new").unwrap();
        let mut expected: Vec<String> = keep.to_vec();
        expected.push("w.bin".into());
        expected.sort();
        assert_eq!(entries(dir.path()), expected);
        assert_eq!(remove_stale_temporaries(&path), 0);
    }

    #[test]
    fn temporary_file_is_named_after_the_target_and_the_process() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.bin");
        let prefix = temporary_prefix(&path, std::process::id());
        assert_eq!(prefix, format!(".w.bin.mlp-{}-", std::process::id()));
        // A file named so is one `remove_stale_temporaries` recognises.
        let name = format!(".w.bin.mlp-{}-abc123.tmp", dead_pid());
        std::fs::write(dir.path().join(&name), b"x").unwrap();
        assert_eq!(remove_stale_temporaries(&path), 1);
        assert!(entries(dir.path()).is_empty());
    }

    #[test]
    fn missing_folder_is_an_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/folder/w.bin");
        let err = write_atomic(&path, b"data").unwrap_err();
        assert!(matches!(err, Error::Io { .. }));
        assert!(err.to_string().contains("no/such/folder/w.bin"), "{err}");
    }

    #[test]
    fn writes_whole_file_and_reports_bad_folder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_atomic(&path, b"hello").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"hello");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o644
            );
        }
        let err = write_atomic(dir.path().join("missing/a.txt"), b"x").unwrap_err();
        assert!(err.to_string().contains("missing"), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
