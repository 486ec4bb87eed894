//! What the test firmwares share: output through semihosting (no
//! `core::fmt`, which would weigh more than the sine model), checks that end
//! the run with a failing exit code, an instruction counter and stack
//! painting. One implementation per architecture: Cortex-M (`arm`), RISC-V
//! (`riscv32`) and AVR (`avr`: the ATmega328P of QEMU's `uno` board, whose
//! output goes through its serial port, USART0, since it has no
//! semihosting).
#![no_std]
#![cfg_attr(target_arch = "avr", feature(asm_experimental_arch))]

#[cfg(target_arch = "arm")]
use cortex_m_semihosting::{debug, hio};
#[cfg(target_arch = "riscv32")]
use riscv_semihosting::{debug, hio};

/// Writes `s` to the host's standard output.
#[cfg(not(target_arch = "avr"))]
pub fn print(s: &str) {
    if let Ok(mut out) = hio::hstdout() {
        let _ = out.write_all(s.as_bytes());
    }
}

/// Writes `s` to USART0 (transmitter on, each byte written once the data
/// register is empty); QEMU's `-serial` shows it on the host.
#[cfg(target_arch = "avr")]
pub fn print(s: &str) {
    const UCSR0A: *mut u8 = 0xC0 as *mut u8;
    const UCSR0B: *mut u8 = 0xC1 as *mut u8;
    const UDR0: *mut u8 = 0xC6 as *mut u8;
    const UDRE0: u8 = 1 << 5;
    const TXEN0: u8 = 1 << 3;
    for &b in s.as_bytes() {
        // SAFETY: USART0's memory-mapped registers on the ATmega328P.
        unsafe {
            core::ptr::write_volatile(UCSR0B, core::ptr::read_volatile(UCSR0B) | TXEN0);
            while core::ptr::read_volatile(UCSR0A) & UDRE0 == 0 {}
            core::ptr::write_volatile(UDR0, b);
        }
    }
}

/// Declares C's `main`, which avr-libc's start-up code calls (after
/// copying `.data` and clearing `.bss`), to run the firmware's `$main`; on
/// the other architectures the runtime crate's `entry` attribute does this.
#[macro_export]
macro_rules! avr_entry {
    ($main:path) => {
        #[cfg(target_arch = "avr")]
        #[unsafe(export_name = "main")]
        extern "C" fn avr_main() -> ! {
            $main()
        }
    };
}

/// Writes `n` in decimal.
pub fn print_u32(n: u32) {
    let mut buf = [0u8; 10];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // SAFETY: ASCII digits.
    print(unsafe { core::str::from_utf8_unchecked(&buf[i..]) });
}

/// Writes `x` with six decimals (`|x| < 4e9`), or `nan`.
pub fn print_f32(x: f32) {
    if x.is_nan() {
        return print("nan");
    }
    if x < 0.0 {
        print("-");
    }
    let x = x.abs();
    let whole = x as u32;
    print_u32(whole);
    print(".");
    let frac = ((x - whole as f32) * 1e6 + 0.5) as u32;
    let frac = frac.min(999_999);
    let mut div = 100_000;
    while div > 0 {
        print_u32(frac / div % 10);
        div /= 10;
    }
}

/// Ends the run: QEMU exits with 0 if `ok`, else 1.
#[cfg(not(target_arch = "avr"))]
pub fn exit(ok: bool) -> ! {
    debug::exit(if ok {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    #[allow(clippy::empty_loop)]
    loop {}
}

/// Ends the run on AVR, where QEMU has no semihosting to exit through:
/// prints `exit 0` if `ok`, else `exit 1` (which `qemu.sh` waits for, then
/// stops QEMU and takes as the exit code), and sleeps with interrupts off.
#[cfg(target_arch = "avr")]
pub fn exit(ok: bool) -> ! {
    print(if ok { "exit 0\n" } else { "exit 1\n" });
    loop {
        // SAFETY: interrupts off, then sleep: nothing runs again.
        unsafe { core::arch::asm!("cli", "sleep") };
    }
}

/// Prints `PASS what` or `FAIL what` and, on a failure, ends the run with a
/// failing exit code.
pub fn check(ok: bool, what: &str) {
    print(if ok { "PASS " } else { "FAIL " });
    print(what);
    print("\n");
    if !ok {
        exit(false);
    }
}

/// A panic ends the run with a failing exit code.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    print("FAIL panic\n");
    exit(false)
}

/// A counter that advances with every instruction the emulated core retires,
/// when QEMU runs with `-icount shift=0` (one nanosecond of virtual time per
/// instruction).
///
/// Cortex-M: QEMU has no cycle counter (DWT), so this reads SysTick, clocked
/// by the board's 25 MHz system clock from virtual time: one tick every 40
/// instructions. [`ticks_per_instruction`] measures the ratio instead of
/// trusting it. RISC-V: the `instret` CSR, which QEMU derives from the
/// instruction count under `-icount`.
///
/// AVR: QEMU 7.2 stops with "Bad icount read" when an AVR program reads a
/// timer under `-icount` (its I/O registers bypass the path that makes a
/// device read exact), so the count is taken outside: [`now`] and [`since`]
/// call [`mark`], an empty function, and `qemu.sh` runs QEMU with a trace of
/// every instruction and counts those between two calls. [`COUNTS`] is
/// false there: the firmware prints no count of its own.
pub mod counter {
    #[cfg(target_arch = "arm")]
    const SYST: usize = 0xE000_E010;

    /// Whether [`since`] returns counts (false on AVR, counted by the trace).
    pub const COUNTS: bool = cfg!(not(target_arch = "avr"));

    /// Does nothing, in a function of its own whose address `qemu.sh` looks
    /// up (`avr-nm`) and whose every execution the trace shows.
    #[cfg(target_arch = "avr")]
    #[unsafe(no_mangle)]
    #[inline(never)]
    pub extern "C" fn mlp_firmware_mark() {
        // SAFETY: no instruction; keeps the function from being merged.
        unsafe { core::arch::asm!("", options(nomem, nostack)) };
    }

    #[cfg(target_arch = "avr")]
    pub use mlp_firmware_mark as mark;

    /// Starts the counter (SysTick: free-running from 2^24 - 1, processor
    /// clock, no interrupt).
    pub fn start() {
        #[cfg(target_arch = "arm")]
        // SAFETY: SysTick's architectural registers (CSR, RVR, CVR).
        unsafe {
            core::ptr::write_volatile((SYST + 4) as *mut u32, 0x00FF_FFFF);
            core::ptr::write_volatile((SYST + 8) as *mut u32, 0);
            core::ptr::write_volatile(SYST as *mut u32, 0b101);
        }
    }

    /// The counter now; differences of two readings count up, modulo the
    /// counter's width (2^24 on Cortex-M, 2^32 on RISC-V; AVR: a mark, 0).
    #[inline(always)]
    pub fn now() -> u32 {
        #[cfg(target_arch = "avr")]
        {
            mark();
            0
        }
        #[cfg(target_arch = "arm")]
        {
            // SysTick counts down.
            // SAFETY: SysTick's current value register.
            let v = unsafe { core::ptr::read_volatile((SYST + 8) as *const u32) };
            0x00FF_FFFF - v
        }
        #[cfg(target_arch = "riscv32")]
        {
            riscv::register::minstret::read() as u32
        }
    }

    /// Counts elapsed since `start` (a reading of [`now`]).
    #[inline(always)]
    pub fn since(start: u32) -> u32 {
        #[cfg(target_arch = "arm")]
        {
            now().wrapping_sub(start) & 0x00FF_FFFF
        }
        #[cfg(target_arch = "riscv32")]
        {
            now().wrapping_sub(start)
        }
        #[cfg(target_arch = "avr")]
        {
            now().wrapping_sub(start)
        }
    }

    /// Instructions per call from `spent` ticks over `calls` calls, given
    /// the measured `ticks` per `instructions`, rounded; integers only (the
    /// integer-only firmware links no float routine).
    pub fn per_call(spent: u32, ticks: u32, instructions: u32, calls: u32) -> u32 {
        let den = u64::from(ticks) * u64::from(calls);
        ((u64::from(spent) * u64::from(instructions) + den / 2) / den) as u32
    }

    /// Counter ticks per retired instruction, measured on a loop of a known
    /// instruction count: `(ticks, instructions)` (no loop on AVR).
    pub fn ticks_per_instruction() -> (u32, u32) {
        const ITERATIONS: u32 = 1 << 20;
        let t = now();
        // SAFETY: a register-only countdown loop of 2 instructions per turn.
        #[cfg(not(target_arch = "avr"))]
        unsafe {
            #[cfg(target_arch = "arm")]
            core::arch::asm!(
                "2:", "subs {n}, {n}, #1", "bne 2b",
                n = inout(reg) ITERATIONS => _,
                options(nomem, nostack),
            );
            #[cfg(target_arch = "riscv32")]
            core::arch::asm!(
                "2:", "addi {n}, {n}, -1", "bnez {n}, 2b",
                n = inout(reg) ITERATIONS => _,
                options(nomem, nostack),
            );
        }
        (since(t), 2 * ITERATIONS)
    }
}

/// Stack painting: fill the free stack with a pattern, run, then find how
/// far down the pattern was overwritten.
pub mod stack {
    /// The unit painted and read back: a word, a byte on the 8-bit AVR
    /// (whose stack and statics are byte-aligned).
    #[cfg(not(target_arch = "avr"))]
    type Word = u32;
    #[cfg(target_arch = "avr")]
    type Word = u8;
    #[cfg(not(target_arch = "avr"))]
    const PAINT: Word = 0xC0DE_C0DE;
    #[cfg(target_arch = "avr")]
    const PAINT: Word = 0xC5;
    const STEP: usize = core::mem::size_of::<Word>();

    // cortex-m-rt and riscv-rt: the top of the stack and the end of the
    // statics; avr-libc: RAMEND (the stack's first byte; the stack pointer
    // points below the last byte pushed) and the end of the statics.
    #[cfg(not(target_arch = "avr"))]
    unsafe extern "C" {
        static _stack_start: u32;
        static __sheap: u32;
    }
    #[cfg(target_arch = "avr")]
    unsafe extern "C" {
        static __stack: u8;
        static __heap_start: u8;
    }

    /// The lowest stack address and the top of the stack.
    #[cfg(not(target_arch = "avr"))]
    fn bounds() -> (usize, usize) {
        (
            core::ptr::addr_of!(__sheap) as usize,
            core::ptr::addr_of!(_stack_start) as usize,
        )
    }
    #[cfg(target_arch = "avr")]
    fn bounds() -> (usize, usize) {
        (
            core::ptr::addr_of!(__heap_start) as usize,
            core::ptr::addr_of!(__stack) as usize + 1,
        )
    }

    /// Paints everything below this function's own stack pointer (minus a
    /// margin) down to the end of the static data. A leaf function: nothing
    /// below its stack pointer is in use while it runs.
    #[inline(never)]
    pub fn paint() {
        let sp: usize;
        // SAFETY: reads the stack pointer.
        unsafe {
            #[cfg(target_arch = "arm")]
            core::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack));
            #[cfg(target_arch = "riscv32")]
            core::arch::asm!("mv {}, sp", out(reg) sp, options(nomem, nostack));
            // SPL and SPH, in data space.
            #[cfg(target_arch = "avr")]
            {
                sp = usize::from(u16::from_le_bytes([
                    core::ptr::read_volatile(0x5D as *const u8),
                    core::ptr::read_volatile(0x5E as *const u8),
                ]));
            }
        }
        let (mut p, _) = bounds();
        let end = (sp - 16) & !(STEP - 1);
        while p < end {
            // SAFETY: free stack between the statics and the live frames.
            unsafe { core::ptr::write_volatile(p as *mut Word, PAINT) };
            p += STEP;
        }
    }

    /// Peak stack use since reset, in bytes: from the top of the stack down
    /// to the lowest word that no longer holds the paint.
    pub fn peak() -> u32 {
        let (mut p, top) = bounds();
        // SAFETY: reads of the stack region.
        while p < top && unsafe { core::ptr::read_volatile(p as *const Word) } == PAINT {
            p += STEP;
        }
        (top - p) as u32
    }
}

/// The book's classifier on the first test images, checked against the
/// classes the host build wrote (`data/fashion-expected.bin`: the labels,
/// the f32 classes, the int8 classes, one byte per image); prints the
/// agreement, the instructions per inference and the peak stack, as
/// `<what>: ...`. `column` picks the expected classes: 1 for f32, 2 for int8.
/// Not on AVR, whose 16-bit address space cannot hold the sample.
#[cfg(not(target_arch = "avr"))]
pub fn check_fashion(what: &str, classify: fn(&[u8; 784]) -> usize, column: usize) -> ! {
    const SAMPLE: &[u8] = include_bytes!("../data/fashion-sample.bin");
    const EXPECTED: &[u8] = include_bytes!("../data/fashion-expected.bin");
    stack::paint();
    let n = SAMPLE.len() / 784;
    check(
        n > 0 && SAMPLE.len() == n * 784 && EXPECTED.len() == 3 * n,
        "the sample and its expected classes have matching lengths",
    );
    let labels = &EXPECTED[..n];
    let host = &EXPECTED[column * n..(column + 1) * n];
    counter::start();
    let (ticks, instructions) = counter::ticks_per_instruction();
    let (mut same, mut right, mut spent) = (0_u32, 0_u32, 0_u32);
    for i in 0..n {
        let image: &[u8; 784] = SAMPLE[i * 784..(i + 1) * 784].try_into().unwrap();
        let t = counter::now();
        let class = classify(core::hint::black_box(image));
        spent += counter::since(t);
        same += u32::from(class == usize::from(host[i]));
        right += u32::from(class == usize::from(labels[i]));
    }
    print(what);
    print(": ");
    print_u32(same);
    print(" of ");
    print_u32(n as u32);
    print(" classes as on the host, ");
    print_u32(right);
    print(" right\n");
    check(same == n as u32, "the same classes as the host build");
    let per = spent as f32 * (instructions as f32 / ticks as f32) / n as f32 + 0.5;
    print(what);
    print(": instructions per inference ");
    print_u32(per as u32);
    print("\n");
    print(what);
    print(": peak stack ");
    print_u32(stack::peak());
    print(" B\n");
    exit(true)
}

/// The sine model's last layer calibrated in RAM, the model left in flash:
/// the sensor reads 0.3 too high and 10% too strong (`y = 1.1 sin x + 0.3`,
/// 16 readings), 200 SGD steps (0.01, momentum 0.9) on the mean squared
/// error; checks that the loss falls tenfold and prints it as `<what>: ...`.
/// Returns the counter's ticks spent in the 200 steps.
pub fn sine_last_layer(what: &str, tuner: &mut mlp_embedded::SineLastLayer) -> u32 {
    use mlp_core::SVector;
    let x: [f32; 16] = core::array::from_fn(|i| core::f32::consts::TAU * (i as f32 + 0.5) / 16.0);
    let y = x.map(|x| SVector::<f32, 1>::new(1.1 * libm::sinf(x) + 0.3));
    let x = x.map(SVector::<f32, 1>::new);
    let model = &mlp_embedded::MODEL;
    tuner.load(model);
    tuner.sgd = mlp_core::on_device::DeviceSgd {
        learning_rate: 0.01,
        momentum: 0.9,
    };
    let first = tuner.loss(model, &x, &y);
    counter::start();
    let t = counter::now();
    for _ in 0..200 {
        tuner.step(model, &x, &y);
    }
    let spent = counter::since(t);
    let last = tuner.loss(model, &x, &y);
    print(what);
    print(": sine, last layer (mse): ");
    print_f32(first);
    print(" -> ");
    print_f32(last);
    print(" after 200 steps\n");
    check(
        first > 0.04 && last < first / 10.0,
        "last-layer calibration: the loss falls tenfold",
    );
    spent
}
