//! A tiny fork-join pool for the batch path: `threads - 1` workers that spin
//! briefly between phases and then sleep.
//!
//! A training step at batch 32 is a handful of products of a few hundred
//! microseconds each, so the cost of handing a phase to another thread decides
//! whether two threads help at all. Waking a sleeping thread costs tens of
//! microseconds; a worker that spins on an atomic counter sees the next phase
//! within a fraction of a microsecond. Workers spin briefly after each phase,
//! then yield their core for a while (so an oversubscribed machine still makes
//! progress), then park on a condition variable, so an idle pool costs nothing.
//!
//! ```
//! use mlp_core::pool::Pool;
//! use std::sync::atomic::{AtomicUsize, Ordering};
//!
//! let pool = Pool::new(2);
//! let sum = AtomicUsize::new(0);
//! pool.run(&|t| { sum.fetch_add(t + 1, Ordering::Relaxed); });
//! assert_eq!(sum.into_inner(), 3);
//! # Ok::<(), mlp_core::Error>(())
//! ```

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

type Job = dyn Fn(usize) + Sync;

struct Shared {
    generation: AtomicU64,
    pending: AtomicUsize,
    sleeping: AtomicUsize,
    panicked: AtomicBool,
    shutdown: AtomicBool,
    /// The current phase's job; written by `run` before `generation` moves.
    job: UnsafeCell<Option<*const Job>>,
    lock: Mutex<()>,
    wake: Condvar,
}

// SAFETY: `job` is written only by the thread in `run`, before the Release
// increment of `generation`, and read by workers after an Acquire load that
// sees that increment; `run` does not return (and so the job does not die)
// before every worker has finished it.
unsafe impl Sync for Shared {}
unsafe impl Send for Shared {}

/// How many busy spins a thread waits before it starts yielding its core
/// (so that an oversubscribed machine still makes progress).
const SPINS: u32 = 1 << 10;
/// How many yields a worker waits for the next phase before it sleeps.
const YIELDS: u32 = 1 << 12;

/// One round of waiting: spin first, then yield the core.
fn backoff(round: u32) {
    if round < SPINS {
        std::hint::spin_loop();
    } else {
        std::thread::yield_now();
    }
}

/// A fixed set of threads that run one job on every thread at once.
pub struct Pool {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
    threads: usize,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("threads", &self.threads)
            .finish()
    }
}

impl Pool {
    /// A pool of `threads` (at least 1; the calling thread is thread 0).
    pub fn new(threads: usize) -> Self {
        let threads = threads.max(1);
        let shared = Arc::new(Shared {
            generation: AtomicU64::new(0),
            pending: AtomicUsize::new(0),
            sleeping: AtomicUsize::new(0),
            panicked: AtomicBool::new(false),
            shutdown: AtomicBool::new(false),
            job: UnsafeCell::new(None),
            lock: Mutex::new(()),
            wake: Condvar::new(),
        });
        let workers = (1..threads)
            .map(|index| {
                let shared = Arc::clone(&shared);
                std::thread::Builder::new()
                    .name(format!("mlp-worker-{index}"))
                    .spawn(move || worker(&shared, index))
                    .expect("spawning a worker thread")
            })
            .collect();
        Self {
            shared,
            workers,
            threads,
        }
    }

    /// The number of threads from `MLP_NUM_THREADS`, else the machine's
    /// available parallelism.
    pub fn default_threads() -> usize {
        std::env::var("MLP_NUM_THREADS")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|n| *n > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    }

    /// Threads in the pool, the caller included.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs `job(t)` for every thread index `t` in `0..threads()` at once
    /// (index 0 on the calling thread) and returns when all are done.
    pub fn run(&self, job: &(dyn Fn(usize) + Sync)) {
        self.run_parts(self.threads, job)
    }

    /// Runs `job(t)` for `t` in `0..parts` (at most `threads()`), index 0 on
    /// the calling thread. With one part the job runs inline and no worker is
    /// involved, so small work never waits for another thread.
    pub fn run_parts(&self, parts: usize, job: &(dyn Fn(usize) + Sync)) {
        if parts <= 1 || self.threads == 1 {
            job(0);
            return;
        }
        let job = &|t: usize| {
            if t < parts {
                job(t)
            }
        };
        let shared = &*self.shared;
        // SAFETY: see `Shared`: no worker reads `job` until `generation` moves,
        // and every worker is done with the previous job (pending was 0).
        // The lifetime is erased; `run` waits for every worker below.
        unsafe {
            let ptr: *const Job = std::mem::transmute::<&(dyn Fn(usize) + Sync), &'static Job>(job);
            *shared.job.get() = Some(ptr);
        }
        shared.pending.store(self.threads - 1, Ordering::SeqCst);
        shared.generation.fetch_add(1, Ordering::SeqCst);
        if shared.sleeping.load(Ordering::SeqCst) > 0 {
            let _guard = shared.lock.lock().unwrap_or_else(|e| e.into_inner());
            shared.wake.notify_all();
        }
        job(0);
        let mut round = 0;
        while shared.pending.load(Ordering::Acquire) != 0 {
            backoff(round);
            round = round.saturating_add(1);
        }
        assert!(
            !shared.panicked.load(Ordering::SeqCst),
            "a worker thread panicked"
        );
    }
}

fn worker(shared: &Shared, index: usize) {
    let mut seen = 0;
    loop {
        // Wait for the next phase: spin, then sleep.
        let mut spins = 0;
        loop {
            let generation = shared.generation.load(Ordering::Acquire);
            if generation != seen {
                seen = generation;
                break;
            }
            if spins < SPINS + YIELDS {
                backoff(spins);
                spins += 1;
                continue;
            }
            let guard = shared.lock.lock().unwrap_or_else(|e| e.into_inner());
            shared.sleeping.fetch_add(1, Ordering::SeqCst);
            let mut guard = guard;
            while shared.generation.load(Ordering::SeqCst) == seen {
                guard = shared.wake.wait(guard).unwrap_or_else(|e| e.into_inner());
            }
            shared.sleeping.fetch_sub(1, Ordering::SeqCst);
            drop(guard);
        }
        if shared.shutdown.load(Ordering::SeqCst) {
            return;
        }
        // SAFETY: see `Shared`.
        let job = unsafe { (*shared.job.get()).expect("a job is set before the generation moves") };
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe { (*job)(index) }));
        if result.is_err() {
            shared.panicked.store(true, Ordering::SeqCst);
        }
        shared.pending.fetch_sub(1, Ordering::Release);
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        self.shared.generation.fetch_add(1, Ordering::SeqCst);
        {
            let _guard = self.shared.lock.lock().unwrap_or_else(|e| e.into_inner());
            self.shared.wake.notify_all();
        }
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

/// Splits `0..len` into `parts` ranges whose inner boundaries are multiples
/// of `align` (the GEMM kernel's width), as evenly as that allows.
pub fn split(len: usize, parts: usize, align: usize, part: usize) -> std::ops::Range<usize> {
    let bound = |i: usize| {
        if i >= parts {
            len
        } else {
            ((len * i / parts + align / 2) / align * align).min(len)
        }
    };
    bound(part)..bound(part + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_every_index_many_times() {
        let pool = Pool::new(3);
        let counts: Vec<AtomicUsize> = (0..3).map(|_| AtomicUsize::new(0)).collect();
        for _ in 0..10_000 {
            pool.run(&|t| {
                counts[t].fetch_add(1, Ordering::Relaxed);
            });
        }
        assert!(counts.iter().all(|c| c.load(Ordering::Relaxed) == 10_000));
    }

    #[test]
    fn wakes_sleeping_workers() {
        let pool = Pool::new(2);
        std::thread::sleep(std::time::Duration::from_millis(50));
        let hit = AtomicUsize::new(0);
        pool.run(&|t| {
            hit.fetch_add(t, Ordering::Relaxed);
        });
        assert_eq!(hit.into_inner(), 1);
    }

    #[test]
    fn split_covers_the_range() {
        for len in [0, 1, 10, 100, 300, 784] {
            for parts in 1..4 {
                let ranges: Vec<_> = (0..parts).map(|p| split(len, parts, 8, p)).collect();
                assert_eq!(ranges[0].start, 0);
                assert_eq!(ranges[parts - 1].end, len);
                for w in ranges.windows(2) {
                    assert_eq!(w[0].end, w[1].start);
                }
            }
        }
        assert_eq!(split(300, 2, 8, 0), 0..152);
    }
}
