//! Every way to set a thread count follows the same rules and gives the
//! same error: `Fit::threads`, `predict_with_threads` and the
//! `MLP_NUM_THREADS` environment variable (read by `fit`, `evaluate`,
//! `predict_mc_dropout` and a graph's `fit` when no count is given) accept 1
//! to 1,024. Before, `MLP_NUM_THREADS=3000` started 3,000 threads and 65535
//! panicked in the pool when threads could not be spawned; an unparsable
//! value was ignored. A thread the operating system refuses is an error
//! (`Error::Threads`), not a panic; `predict`, which returns no `Result`,
//! runs a refused part on the calling thread and says once on standard
//! error that it ignores an invalid `MLP_NUM_THREADS`.
//!
//! Each case runs in a child process (this test binary again, running an
//! ignored test) with its own environment and limits.

use mlp::loss::MeanSquaredError;
use mlp::optim::Sgd;
use mlp::prelude::*;
use mlp::train::Evaluate;
use std::process::Command;

network! { struct Net { Input[2] -> Dense<8, relu> -> Dropout<0.2> -> Dense<1> } }

network! {
    struct TwoInputs {
        a = Input[2];
        b = Input[1];
        c = Concatenate(a, b);
        output y = Dense<1>(c);
    }
}

fn data() -> (Vec<SVector<f32, 2>>, Vec<SVector<f32, 1>>) {
    let x: Vec<SVector<f32, 2>> = (0..40)
        .map(|i| SVector::<f32, 2>::new(i as f32 / 40.0, 1.0 - i as f32 / 20.0))
        .collect();
    let y = x
        .iter()
        .map(|v| SVector::<f32, 1>::new(v[0] - v[1]))
        .collect();
    (x, y)
}

/// Runs the ignored test `name` in a child process with `env`; returns its
/// standard error, after checking that it passed.
fn child(name: &str, env: &[(&str, &str)]) -> String {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args([
        "--exact",
        name,
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    command.env_remove("MLP_NUM_THREADS");
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{name} with {env:?} failed:\n{stdout}\n{stderr}"
    );
    stderr
}

#[test]
fn mlp_num_threads_is_checked_as_every_thread_count_is() {
    for (value, shown) in [
        ("0", "0"),
        ("1025", "1025"),
        ("3000", "3000"),
        ("65535", "65535"),
        ("99999999999999999999999", "99999999999999999999999"),
        ("-1", "`-1`"),
        ("two", "`two`"),
    ] {
        let expected = format!(
            "invalid argument `MLP_NUM_THREADS`: is {shown}; it must lie between 1 (the calling \
             thread alone) and 1024"
        );
        let stderr = child(
            "invalid_env_child",
            &[("MLP_NUM_THREADS", value), ("EXPECTED", &expected)],
        );
        // `predict` cannot return the error: it says so, once.
        assert_eq!(
            stderr
                .matches(&format!("mlp: {expected}; predicting on every core"))
                .count(),
            1,
            "{stderr}"
        );
    }
    for value in ["1", "2", " 3 ", ""] {
        child("valid_env_child", &[("MLP_NUM_THREADS", value)]);
    }
}

/// With an invalid `MLP_NUM_THREADS` (`$EXPECTED` its error): every call
/// that reads it returns the error and changes nothing; an explicit count
/// does not read it.
#[test]
#[ignore = "run by mlp_num_threads_is_checked_as_every_thread_count_is in a child process"]
fn invalid_env_child() {
    let expected = std::env::var("EXPECTED").unwrap();
    let (x, y) = data();
    let mut model = Net::new(1);
    let before = model.params().to_vec();
    let mut trainer = model.compile(MeanSquaredError, Sgd::new(0.01), []);
    let err = trainer.fit(&x, &y, Fit::epochs(1).verbose(0)).unwrap_err();
    assert_eq!(err.to_string(), expected);
    assert_eq!(trainer.model().params(), before.as_slice());
    let err = trainer
        .evaluate_with(&x, &y, Evaluate::new().verbose(0))
        .unwrap_err();
    assert_eq!(err.to_string(), expected);
    let err = trainer.predict_mc_dropout(&x, 3, 1).unwrap_err();
    assert_eq!(err.to_string(), expected);
    // `predict` runs on every core, as without the variable, twice saying once.
    let once = trainer.predict(&x).unwrap();
    assert_eq!(trainer.predict(&x).unwrap(), once);
    assert_eq!(once, trainer.predict_with_threads(&x, 32, 1).unwrap());
    // An explicit count is used as given.
    trainer
        .fit(&x, &y, Fit::epochs(1).verbose(0).threads(2))
        .unwrap();

    let a = x.clone();
    let b: Vec<SVector<f32, 1>> = x
        .iter()
        .map(|v| SVector::<f32, 1>::new(v[0] * v[1]))
        .collect();
    let t: Vec<SVector<f32, 1>> = y.clone();
    let mut graph = TwoInputs::new(1);
    let mut trainer = graph.compile(MeanSquaredError, Sgd::new(0.01), []);
    let err = trainer
        .fit((&a, &b), (&t,), Fit::epochs(1).verbose(0))
        .unwrap_err();
    assert_eq!(err.to_string(), expected);
    trainer
        .fit((&a, &b), (&t,), Fit::epochs(1).verbose(0).threads(2))
        .unwrap();
}

/// With a valid (or empty) `MLP_NUM_THREADS`: everything runs.
#[test]
#[ignore = "run by mlp_num_threads_is_checked_as_every_thread_count_is in a child process"]
fn valid_env_child() {
    let (x, y) = data();
    let mut model = Net::new(1);
    let mut trainer = model.compile(MeanSquaredError, Sgd::new(0.01), []);
    trainer.fit(&x, &y, Fit::epochs(1).verbose(0)).unwrap();
    trainer
        .evaluate_with(&x, &y, Evaluate::new().verbose(0))
        .unwrap();
    trainer.predict_mc_dropout(&x, 3, 1).unwrap();
    assert_eq!(
        trainer.predict(&x).unwrap(),
        trainer.predict_with_threads(&x, 32, 1).unwrap()
    );
}

#[test]
fn a_thread_the_system_refuses_is_an_error_not_a_panic() {
    child("refused_thread_child", &[]);
}

/// Limits this process's address space to what it uses now plus 24 MiB,
/// so that the operating system refuses new threads after a few (each
/// stack takes 2 MiB of address space).
fn limit_address_space() {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let vm_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmSize:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    let limit = libc::rlimit {
        rlim_cur: vm_kb * 1024 + (24 << 20),
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: setrlimit reads the struct given; it changes only limits.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_AS, &limit) }, 0);
}

#[test]
#[ignore = "run by a_thread_the_system_refuses_is_an_error_not_a_panic in a child process"]
fn refused_thread_child() {
    let (x, y) = data();
    let mut model = Net::new(1);
    let before = model.params().to_vec();
    let mut trainer = model.compile(MeanSquaredError, Sgd::new(0.01), []);
    // 1,000 blocks of 4 samples: a part for each of 1,000 threads.
    let many: Vec<SVector<f32, 2>> = x.iter().cycle().take(4000).copied().collect();
    let expected = trainer.predict_with_threads(&many, 4, 1).unwrap();
    limit_address_space();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        trainer.fit(&x, &y, Fit::epochs(1).verbose(0).threads(1000))
    }));
    let err = result.expect("fit panicked").unwrap_err();
    assert!(
        matches!(err, mlp::Error::Threads { requested: 1000, started, .. } if started < 1000),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("cannot start 1000 threads: the operating system refused thread "),
        "{err}"
    );
    assert_eq!(trainer.model().params(), before.as_slice());
    // `predict` runs a refused part on the calling thread: the same outputs.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        trainer.predict_with_threads(&many, 4, 1000)
    }));
    assert_eq!(result.expect("predict panicked").unwrap(), expected);
}
