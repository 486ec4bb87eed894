//! `save_weights` under SIGKILL: a child process (this test binary, run again
//! on the ignored test `saver_child`) saves weights in a loop and is killed at
//! a random moment, 100 times. After every kill the file must load whole, and
//! the next save (here, in this process) must leave no temporary file behind.

#![cfg(unix)]

use mlp::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

network! {
    /// 784 -> 300 -> 100 -> 10: a 1 MB file, so that a kill often lands mid-save.
    pub struct Fashion { Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax> }
}

const CHILD_ENV: &str = "MLP_SIGKILL_SAVER_DIR";
const KILLS: usize = 100;

/// Not a test on its own: the body of the child process.
#[test]
#[ignore = "run by `kill_during_saves_leaves_whole_files_and_no_temporaries` in a child process"]
fn saver_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV).map(PathBuf::from) else {
        return;
    };
    let path = dir.join("w.safetensors");
    for seed in 0.. {
        Fashion::new(seed).save_weights(&path).unwrap();
        if seed == 0 {
            std::fs::write(dir.join("ready"), b"").unwrap();
        }
    }
}

fn temporaries(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            let name = name.to_string_lossy();
            name != "w.safetensors" && name != "ready"
        })
        .count()
}

#[test]
fn kill_during_saves_leaves_whole_files_and_no_temporaries() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.safetensors");
    let exe = std::env::current_exe().unwrap();
    let (mut corrupt, mut stray_before, mut stray_after) = (0, 0, 0);
    let mut model = Fashion::new_zeroed();
    for kill in 0..KILLS {
        let _ = std::fs::remove_file(dir.path().join("ready"));
        let mut child = Command::new(&exe)
            .args(["--ignored", "--exact", "saver_child", "--test-threads=1"])
            .env(CHILD_ENV, dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while !dir.path().join("ready").exists() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the child never saved"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        // A spread of moments within the next few saves.
        std::thread::sleep(Duration::from_micros((kill as u64 * 7919) % 20_000));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        if model.load_weights(&path).is_err() {
            corrupt += 1;
        }
        stray_before += temporaries(dir.path());
        // The next save removes what the killed process left.
        Fashion::new(u64::MAX).save_weights(&path).unwrap();
        stray_after += temporaries(dir.path());
    }
    eprintln!(
        "{KILLS} SIGKILLs during saves: {corrupt} corrupt files; temporary files left by the \
         killed process {stray_before}, after the next save {stray_after}"
    );
    assert_eq!(corrupt, 0);
    assert_eq!(stray_after, 0);
    // The kills did land mid-save: otherwise this test would prove nothing.
    assert!(stray_before > 0, "no kill landed during a save");
}
