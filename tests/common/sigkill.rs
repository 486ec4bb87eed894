//! Training killed with SIGKILL and started again: the driver the
//! `BackupAndRestore` tests share. Each test binary runs itself again as a
//! child process (one of its own tests, `#[ignore]`d, named by the caller)
//! with the backup folder in `$MLP_BACKUP_DIR` and the file it writes its
//! final weights and History to in `$MLP_BACKUP_OUT`, on one thread.

use mlp::prelude::*;
use mlp::train::{CallbackContext, Logs};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Slows each batch down by 15 ms, so that an epoch lasts long enough to be
/// killed in the middle, and writes `batch <b>` to its file, if it has one.
pub struct Pace(pub Option<PathBuf>);

impl<M: Model> Callback<M> for Pace {
    fn on_batch_end(
        &mut self,
        _ctx: &mut CallbackContext<'_, M>,
        batch: usize,
        _logs: &Logs,
    ) -> mlp::Result<()> {
        std::thread::sleep(Duration::from_millis(15));
        if let Some(path) = &self.0 {
            let _ = std::fs::write(path, format!("batch {batch}"));
        }
        Ok(())
    }
}

/// The child's folder and output file, from its environment.
pub fn child_paths() -> (PathBuf, PathBuf) {
    let var = |name| PathBuf::from(std::env::var(name).unwrap());
    (var("MLP_BACKUP_DIR"), var("MLP_BACKUP_OUT"))
}

/// Starts the ignored test `test` of this binary on folder `dir`, writing
/// to `out`.
pub fn child(test: &str, dir: &Path, out: &Path) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", test, "--nocapture"])
        .env("MLP_BACKUP_DIR", dir)
        .env("MLP_BACKUP_OUT", out)
        .env("MLP_NUM_THREADS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// What `test` writes when it runs to its end, never interrupted, in a
/// fresh folder under `tmp`.
pub fn uninterrupted(test: &str, tmp: &Path) -> String {
    let dir = tmp.join("straight");
    std::fs::create_dir_all(&dir).unwrap();
    let out = tmp.join("straight.txt");
    assert!(child(test, &dir, &out).wait().unwrap().success());
    std::fs::read_to_string(&out).unwrap()
}

/// Waits (at most two minutes) until `ready()`, checking that `run` goes
/// on meanwhile.
pub fn wait_until(run: &mut Child, what: &str, ready: impl Fn() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "{what}: never happened"
        );
        assert!(
            run.try_wait().unwrap().is_none(),
            "the run ended before {what}"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Kills `run` with SIGKILL and checks that it had not finished (`out` not
/// written).
pub fn kill(run: &mut Child, out: &Path) {
    run.kill().unwrap();
    let status = run.wait().unwrap();
    assert!(!status.success(), "killed: {status:?}");
    assert!(!out.exists(), "the run finished before it was killed");
}

/// Runs `test`, lets `stop` (given the folder, the running child and its
/// output file) kill it, starts it again on the same folder, and returns what the
/// restarted run wrote.
pub fn killed_and_resumed(
    test: &str,
    tmp: &Path,
    stop: impl FnOnce(&Path, &mut Child, &Path),
) -> String {
    let dir = tmp.join("killed");
    std::fs::create_dir_all(&dir).unwrap();
    let out = tmp.join("killed.txt");
    let mut run = child(test, &dir, &out);
    stop(&dir, &mut run, &out);
    assert!(child(test, &dir, &out).wait().unwrap().success());
    std::fs::read_to_string(&out).unwrap()
}
