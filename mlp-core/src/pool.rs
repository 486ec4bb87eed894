//! A tiny fork-join pool for the batch path: `threads - 1` workers that spin
//! briefly between phases and then sleep, and a job split into parts that
//! whichever thread is running claims, each thread its own part first.
//!
//! A training step at batch 32 is a handful of products of a few hundred
//! microseconds each, so the cost of handing a phase to another thread decides
//! whether two threads help at all. Waking a sleeping thread costs tens of
//! microseconds; a worker that spins on an atomic counter sees the next phase
//! within a fraction of a microsecond. Workers spin briefly after each phase,
//! then yield their core for a while (so an oversubscribed machine still makes
//! progress), then park on a condition variable, so an idle pool costs nothing.
//!
//! Part `t` of every phase is thread `t`'s to claim first (the calling thread
//! is thread 0), and a thread takes the others' parts only once its own is
//! done or taken. The engine splits each product by units, the same way in
//! every step, so thread `t` works on the same weights, the ones already in
//! its core's cache, phase after phase (a part that went to whichever thread
//! claimed first moved a layer's weights from one core's cache to the other's
//! whenever the race went the other way). Which thread runs a part never
//! changes what it computes.
//!
//! ```
//! use mlp_core::__internal::Pool;
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

/// The phase word: generation (high 32 bits) and parts (the next 16 bits).
const PART_BITS: u32 = 16;
const PART_MASK: u64 = (1 << PART_BITS) - 1;
/// Set in a part's slot (see `Shared::slots`) once a thread claimed it.
const CLAIMED: u64 = 1 << 63;

fn generation_of(word: u64) -> u64 {
    word >> (2 * PART_BITS)
}

struct Shared {
    /// See `PART_BITS`.
    phase: AtomicU64,
    /// One slot per part: the generation of the phase that opened it, with
    /// `CLAIMED` set once a thread took it. A claim is a compare-exchange from
    /// the open value of the claimer's phase, so a claim can never mix two
    /// phases (a thread that slept through a phase expects another value).
    slots: Box<[AtomicU64]>,
    /// Parts of the current phase finished so far.
    done: AtomicUsize,
    sleeping: AtomicUsize,
    /// Workers that have started running their loop.
    started: AtomicUsize,
    panicked: AtomicBool,
    /// The payload of the first part that panicked in the current phase,
    /// re-raised on the calling thread so its message reaches the user.
    payload: Mutex<Option<Box<dyn std::any::Any + Send>>>,
    shutdown: AtomicBool,
    /// The current phase's job; written by `run_parts` before `phase` moves
    /// to the new generation, and only once every claimed part of the
    /// previous phase is done.
    job: UnsafeCell<Option<*const Job>>,
    lock: Mutex<()>,
    wake: Condvar,
}

// SAFETY: `job` is written only by the thread in `run_parts`, before it
// opens the parts' slots and publishes the phase, and read by a worker only
// after it claimed a part of that phase with a compare-exchange on the
// part's slot (which fails for any other phase); `run_parts` does not
// return, and so neither overwrites `job` nor lets the job die, before every
// part is done.
unsafe impl Sync for Shared {}
unsafe impl Send for Shared {}

impl Shared {
    /// The state of a pool of `threads`, before any phase.
    fn new(threads: usize) -> Self {
        Self {
            phase: AtomicU64::new(0),
            // Generation 0 is never published, so no slot starts open.
            slots: (0..threads).map(|_| AtomicU64::new(CLAIMED)).collect(),
            done: AtomicUsize::new(0),
            sleeping: AtomicUsize::new(0),
            started: AtomicUsize::new(0),
            panicked: AtomicBool::new(false),
            payload: Mutex::new(None),
            shutdown: AtomicBool::new(false),
            job: UnsafeCell::new(None),
            lock: Mutex::new(()),
            wake: Condvar::new(),
        }
    }

    /// Claims part `part` of phase `generation`, if it is still open.
    fn claim(&self, generation: u64, part: usize) -> bool {
        self.slots[part]
            .compare_exchange(
                generation,
                generation | CLAIMED,
                Ordering::SeqCst,
                Ordering::SeqCst,
            )
            .is_ok()
    }

    /// Claims and runs parts of phase `generation` as thread `me`: its own
    /// part first, then any other still open.
    fn work(&self, generation: u64, me: usize) {
        let word = self.phase.load(Ordering::SeqCst);
        if generation_of(word) != generation {
            return;
        }
        let parts = ((word >> PART_BITS) & PART_MASK) as usize;
        for part in (0..parts).map(|i| (me + i) % parts) {
            if !self.claim(generation, part) {
                continue;
            }
            // SAFETY: see `Shared`: the claim succeeded, so `job` is this
            // phase's and stays alive until this part is counted done.
            let job =
                unsafe { (*self.job.get()).expect("a job is set before its phase is published") };
            let result =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe { (*job)(part) }));
            if let Err(payload) = result {
                let mut first = self.payload.lock().unwrap_or_else(|e| e.into_inner());
                first.get_or_insert(payload);
                self.panicked.store(true, Ordering::SeqCst);
            }
            self.done.fetch_add(1, Ordering::Release);
        }
    }
}

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

/// A fixed set of threads that share the parts of one job at a time.
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
    /// A pool of `threads` (1 to [`MAX_THREADS`]; the calling thread is one
    /// of them). Returns once every worker is running, so that what a new
    /// thread allocates as it starts is allocated here, not during later
    /// work. An error for a count outside 1 to [`MAX_THREADS`], and
    /// [`Error::Threads`](crate::Error::Threads) if the operating system
    /// refuses a thread (the workers already started are stopped again).
    pub fn try_new(threads: usize) -> crate::Result<Self> {
        let threads = check_threads("threads", threads)?;
        let shared = Arc::new(Shared::new(threads));
        let mut pool = Self {
            shared: Arc::clone(&shared),
            workers: Vec::with_capacity(threads - 1),
            threads,
        };
        for index in 1..threads {
            let shared = Arc::clone(&shared);
            let spawned = std::thread::Builder::new()
                .name(format!("mlp-worker-{index}"))
                .spawn(move || worker(&shared, index));
            match spawned {
                Ok(handle) => pool.workers.push(handle),
                // Dropping the pool stops and joins the workers started.
                Err(source) => {
                    return Err(crate::Error::Threads {
                        requested: threads,
                        started: index,
                        source,
                    });
                }
            }
        }
        // Whatever a new thread allocates as it starts (the standard library's
        // own set-up) happens now, not later inside a training step.
        while shared.started.load(Ordering::SeqCst) + 1 < threads {
            std::thread::yield_now();
        }
        Ok(pool)
    }

    /// [`Pool::try_new`] for the crate's own benches and tests.
    ///
    /// # Panics
    ///
    /// Where [`Pool::try_new`] returns an error.
    pub fn new(threads: usize) -> Self {
        Self::try_new(threads).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The number of threads `MLP_NUM_THREADS` asks for, checked by the
    /// rules of every thread count (a whole number from 1 to
    /// [`MAX_THREADS`]; an error naming `MLP_NUM_THREADS` and its value
    /// otherwise), or without it (or set empty) the machine's available
    /// parallelism, at most [`MAX_THREADS`].
    pub fn default_threads() -> crate::Result<usize> {
        let value = match std::env::var("MLP_NUM_THREADS") {
            Ok(v) if !v.trim().is_empty() => v,
            Err(std::env::VarError::NotUnicode(v)) => {
                return Err(threads_error(ENV, &format!("`{}`", v.to_string_lossy())));
            }
            _ => {
                return Ok(std::thread::available_parallelism()
                    .map_or(1, |n| n.get())
                    .min(MAX_THREADS));
            }
        };
        match value.trim().parse::<usize>() {
            Ok(n) => check_threads(ENV, n),
            // Too large for a usize is out of range too.
            Err(e) if *e.kind() == std::num::IntErrorKind::PosOverflow => {
                Err(threads_error(ENV, value.trim()))
            }
            Err(_) => Err(threads_error(ENV, &format!("`{value}`"))),
        }
    }

    /// Threads in the pool, the caller included.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs `job(t)` once for every `t` in `0..threads()` and returns when
    /// all are done. If a part panics, on whichever thread, the others still
    /// finish, and then that panic (its own payload and message) goes on in
    /// the calling thread; the pool stays usable.
    pub fn run(&self, job: &(dyn Fn(usize) + Sync)) {
        self.run_parts(self.threads, job)
    }

    /// Runs `job(part)` once for every `part` in `0..parts` (at most
    /// `threads()` parts) and returns when all are done. The calling thread
    /// claims parts too, so a worker that the operating system has not
    /// scheduled is simply not waited for: its parts are taken by whoever is
    /// running. With one part the job runs inline.
    pub fn run_parts(&self, parts: usize, job: &(dyn Fn(usize) + Sync)) {
        let parts = parts.min(self.threads);
        if parts <= 1 {
            job(0);
            return;
        }
        let shared = &*self.shared;
        // 1 to 2³² - 1 (the phase word's 32 bits), never 0, which no slot opens.
        let generation =
            generation_of(shared.phase.load(Ordering::SeqCst)) % u64::from(u32::MAX) + 1;
        // SAFETY: see `Shared`: every claimed part of the previous phase is
        // done (the previous call waited for them), and no claim of the new
        // phase can succeed before the store below. The lifetime is erased;
        // this call waits for every claimed part before it returns.
        unsafe {
            let ptr: *const Job = std::mem::transmute::<&(dyn Fn(usize) + Sync), &'static Job>(job);
            *shared.job.get() = Some(ptr);
        }
        shared.done.store(0, Ordering::SeqCst);
        // Every part of the previous phase is done, so no slot is in use.
        for slot in &shared.slots[..parts] {
            slot.store(generation, Ordering::SeqCst);
        }
        shared.phase.store(
            (generation << (2 * PART_BITS)) | ((parts as u64) << PART_BITS),
            Ordering::SeqCst,
        );
        if shared.sleeping.load(Ordering::SeqCst) > 0 {
            let _guard = shared.lock.lock().unwrap_or_else(|e| e.into_inner());
            shared.wake.notify_all();
        }
        shared.work(generation, 0);
        let mut round = 0;
        while shared.done.load(Ordering::Acquire) != parts {
            backoff(round);
            round = round.saturating_add(1);
        }
        if shared.panicked.swap(false, Ordering::SeqCst) {
            // Every part is done, so no thread touches the job any more: the
            // pool stays usable, and the first part's panic goes on here,
            // with its own message.
            let payload = shared
                .payload
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            std::panic::resume_unwind(payload.unwrap_or_else(|| Box::new("a pool job panicked")));
        }
    }
}

/// Worker `me` (1 to `threads - 1`; the calling thread is 0).
fn worker(shared: &Shared, me: usize) {
    shared.started.fetch_add(1, Ordering::SeqCst);
    let mut seen = 0;
    loop {
        // Wait for the next phase: spin, then yield, then sleep.
        let mut rounds = 0;
        loop {
            let generation = generation_of(shared.phase.load(Ordering::SeqCst));
            if generation != seen || shared.shutdown.load(Ordering::SeqCst) {
                seen = generation;
                break;
            }
            if rounds < SPINS + YIELDS {
                backoff(rounds);
                rounds += 1;
                continue;
            }
            let mut guard = shared.lock.lock().unwrap_or_else(|e| e.into_inner());
            shared.sleeping.fetch_add(1, Ordering::SeqCst);
            while generation_of(shared.phase.load(Ordering::SeqCst)) == seen
                && !shared.shutdown.load(Ordering::SeqCst)
            {
                guard = shared.wake.wait(guard).unwrap_or_else(|e| e.into_inner());
            }
            shared.sleeping.fetch_sub(1, Ordering::SeqCst);
        }
        if shared.shutdown.load(Ordering::SeqCst) {
            return;
        }
        shared.work(seen, me);
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        {
            let _guard = self.shared.lock.lock().unwrap_or_else(|e| e.into_inner());
            self.shared.wake.notify_all();
        }
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

/// The most threads [`Fit::threads`](crate::train::Fit::threads) and
/// [`predict_with_threads`](crate::predict::Predict::predict_with_threads) accept.
pub const MAX_THREADS: usize = 1024;

/// The environment variable that sets the engine's default thread count.
const ENV: &str = "MLP_NUM_THREADS";

/// `threads` if it is a thread count the engine can run on (1 to
/// [`MAX_THREADS`]), else an error naming `name` and the value. Every way
/// to set a thread count (`Fit::threads`, `predict_with_threads`,
/// `MLP_NUM_THREADS`, [`Pool::try_new`]) is checked here.
pub(crate) fn check_threads(name: &'static str, threads: usize) -> crate::Result<usize> {
    if (1..=MAX_THREADS).contains(&threads) {
        Ok(threads)
    } else {
        Err(threads_error(name, &threads.to_string()))
    }
}

/// The error for a thread count `value` (as written) outside 1 to
/// [`MAX_THREADS`].
fn threads_error(name: &'static str, value: &str) -> crate::Error {
    crate::Error::InvalidArgument {
        name,
        message: format!(
            "is {value}; it must lie between 1 (the calling thread alone) and {MAX_THREADS}"
        ),
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
    fn a_panic_in_a_part_reaches_the_caller_with_its_message() {
        let pool = Pool::new(2);
        for bad in 0..2 {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                pool.run(&|t| {
                    if t == bad {
                        panic!("part {t} failed: expected 3 rows, found 4");
                    }
                })
            }));
            let payload = result.unwrap_err();
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied());
            assert_eq!(
                message,
                Some(format!("part {bad} failed: expected 3 rows, found 4").as_str())
            );
        }
        // The pool still runs every part afterwards.
        let sum = AtomicUsize::new(0);
        pool.run(&|t| {
            sum.fetch_add(t + 1, Ordering::Relaxed);
        });
        assert_eq!(sum.into_inner(), 3);
    }

    #[test]
    fn a_claim_is_of_its_own_phase_only() {
        let pool = Pool::new(3);
        let shared = &*pool.shared;
        for parts in [3, 2, 3] {
            pool.run_parts(parts, &|_| {});
        }
        let generation = generation_of(shared.phase.load(Ordering::SeqCst));
        // Every part of the last phase was claimed, and no thread that slept
        // through phases can claim any part of an earlier or later one.
        for part in 0..3 {
            assert_eq!(
                shared.slots[part].load(Ordering::SeqCst),
                generation | CLAIMED
            );
            for stale in [generation - 2, generation - 1, generation, generation + 1] {
                assert!(!shared.claim(stale, part), "part {part}, phase {stale}");
            }
        }
    }

    #[test]
    fn each_thread_takes_its_own_part_first_then_the_others() {
        // Three parts and no worker: thread 2 runs its own part, then every
        // part left over, in turn.
        let shared = Shared::new(3);
        let order = Mutex::new(Vec::new());
        let job: &(dyn Fn(usize) + Sync) = &|part| order.lock().unwrap().push(part);
        // SAFETY: `job` outlives the phase, which only this thread runs.
        unsafe {
            *shared.job.get() =
                Some(std::mem::transmute::<&(dyn Fn(usize) + Sync), &'static Job>(job))
        };
        for slot in &shared.slots[..] {
            slot.store(1, Ordering::SeqCst);
        }
        shared
            .phase
            .store((1 << (2 * PART_BITS)) | (3 << PART_BITS), Ordering::SeqCst);
        shared.work(1, 2);
        assert_eq!(*order.lock().unwrap(), [2, 0, 1]);
        assert_eq!(shared.done.load(Ordering::SeqCst), 3);
        // Nothing is left to claim.
        shared.work(1, 0);
        assert_eq!(order.lock().unwrap().len(), 3);
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
    fn thread_counts_outside_1_to_max_are_errors() {
        assert_eq!(check_threads("threads", 1).unwrap(), 1);
        assert_eq!(check_threads("threads", MAX_THREADS).unwrap(), MAX_THREADS);
        for bad in [0, MAX_THREADS + 1, usize::MAX] {
            let err = check_threads("threads", bad).unwrap_err().to_string();
            assert_eq!(
                err,
                format!(
                    "invalid argument `threads`: is {bad}; it must lie between 1 (the calling \
                     thread alone) and 1024"
                )
            );
        }
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
