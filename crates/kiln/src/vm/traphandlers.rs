//! Traps in compiled code: how an entry into machine code records where to
//! resume, how a trap gets back there, and the process-wide signal handler
//! that turns a fault or trap instruction in registered wasm code into a
//! `Trap`.
//!
//! An entry (`call_with_resume`) saves the callee-saved registers and the
//! stack pointer in a `ResumePoint` and calls into wasm. A trap resumes
//! there (`resume`): the registers are restored and the entry returns as if
//! the call had returned `false`. Only wasm frames, and the entry's own
//! callback frame (which owns nothing), are skipped; nothing is checked
//! after each call. The signal handler does the same by rewriting the
//! interrupted context to continue in `resume`. Activations nest (host →
//! wasm → host → wasm): each thread keeps a stack of them.

use super::OffsetTable;
use crate::trap::FrameCollector;
use crate::trap::Trap;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::RwLock;

/// Callee-saved registers and the stack pointer of an entry (the asm below
/// defines the order).
#[repr(C)]
struct ResumePoint {
    regs: [usize; RESUME_WORDS],
}

#[cfg(target_arch = "x86_64")]
const RESUME_WORDS: usize = 8;
#[cfg(target_arch = "aarch64")]
const RESUME_WORDS: usize = 21;
/// Where the entry's stack pointer is in `ResumePoint::regs`.
#[cfg(target_arch = "x86_64")]
const RESUME_SP: usize = 6;
#[cfg(target_arch = "aarch64")]
const RESUME_SP: usize = 12;

extern "C" {
    /// Saves the resume point in `point`, then returns `callback(data)`; or,
    /// if `kiln_vm_resume(point)` is called meanwhile, returns `false` there.
    fn kiln_vm_call_with_resume(
        point: *mut ResumePoint,
        callback: unsafe extern "C" fn(*mut u8) -> bool,
        data: *mut u8,
    ) -> bool;
    /// Restores `point` and returns `false` from its `kiln_vm_call_with_resume`.
    fn kiln_vm_resume(point: *const ResumePoint) -> !;
}

#[cfg(target_arch = "x86_64")]
std::arch::global_asm!(
    ".text",
    ".globl kiln_vm_call_with_resume",
    ".p2align 4",
    "kiln_vm_call_with_resume:",
    "mov [rdi], rbx",
    "mov [rdi + 8], rbp",
    "mov [rdi + 16], r12",
    "mov [rdi + 24], r13",
    "mov [rdi + 32], r14",
    "mov [rdi + 40], r15",
    "lea rax, [rsp + 8]",
    "mov [rdi + 48], rax",
    "mov rax, [rsp]",
    "mov [rdi + 56], rax",
    // Keep the stack 16-byte aligned for the call (and give it a frame).
    "push rbp",
    "mov rbp, rsp",
    "mov rdi, rdx",
    "call rsi",
    "pop rbp",
    "ret",
    ".globl kiln_vm_resume",
    ".p2align 4",
    "kiln_vm_resume:",
    "mov rbx, [rdi]",
    "mov rbp, [rdi + 8]",
    "mov r12, [rdi + 16]",
    "mov r13, [rdi + 24]",
    "mov r14, [rdi + 32]",
    "mov r15, [rdi + 40]",
    "mov rsp, [rdi + 48]",
    "xor eax, eax",
    "jmp qword ptr [rdi + 56]",
);

#[cfg(target_arch = "aarch64")]
std::arch::global_asm!(
    ".text",
    ".globl kiln_vm_call_with_resume",
    ".p2align 4",
    "kiln_vm_call_with_resume:",
    "stp x19, x20, [x0, #0]",
    "stp x21, x22, [x0, #16]",
    "stp x23, x24, [x0, #32]",
    "stp x25, x26, [x0, #48]",
    "stp x27, x28, [x0, #64]",
    "stp x29, x30, [x0, #80]",
    "mov x9, sp",
    "str x9, [x0, #96]",
    "stp d8, d9, [x0, #104]",
    "stp d10, d11, [x0, #120]",
    "stp d12, d13, [x0, #136]",
    "stp d14, d15, [x0, #152]",
    "stp x29, x30, [sp, #-16]!",
    "mov x29, sp",
    "mov x0, x2",
    "blr x1",
    "ldp x29, x30, [sp], #16",
    "ret",
    ".globl kiln_vm_resume",
    ".p2align 4",
    "kiln_vm_resume:",
    "ldp x19, x20, [x0, #0]",
    "ldp x21, x22, [x0, #16]",
    "ldp x23, x24, [x0, #32]",
    "ldp x25, x26, [x0, #48]",
    "ldp x27, x28, [x0, #64]",
    "ldp x29, x30, [x0, #80]",
    "ldr x9, [x0, #96]",
    "mov sp, x9",
    "ldp d8, d9, [x0, #104]",
    "ldp d10, d11, [x0, #120]",
    "ldp d12, d13, [x0, #136]",
    "ldp d14, d15, [x0, #152]",
    "mov x0, #0",
    "ret",
);

/// Why compiled code trapped, and where.
#[derive(Debug)]
pub(crate) struct TrapAt {
    /// The trap, or `None` when an array call failed with an error that is
    /// recorded in the store.
    pub(crate) trap: Option<Trap>,
    /// The trapping instruction, then each calling instruction out to the
    /// entry (empty when a runtime helper raised the trap). Taken while the
    /// frames are still on the stack: resuming reuses that stack. Bounded:
    /// the innermost and outermost are kept, the others counted.
    pub(crate) pcs: FrameCollector<usize>,
}

/// One entry into compiled code on this thread.
struct Activation {
    point: ResumePoint,
    prev: *const Activation,
    trap: Cell<Option<TrapAt>>,
}

impl Activation {
    /// The stack pointer at the entry: every frame of this activation's
    /// wasm code is below it.
    fn entry_sp(&self) -> usize {
        self.point.regs[RESUME_SP]
    }
}

thread_local! {
    static CURRENT: Cell<*const Activation> = const { Cell::new(std::ptr::null()) };
}

/// Runs `f`, which calls into compiled code, so that a trap in that code
/// (or a helper's `raise`) comes back here: `Ok(f's result)`, or
/// `Err(where and why it stopped)`.
pub(crate) fn call_with_resume(f: &mut dyn FnMut() -> bool) -> Result<bool, TrapAt> {
    install_signal_handlers();
    let activation =
        Activation { point: ResumePoint { regs: [0; RESUME_WORDS] }, prev: CURRENT.get(), trap: Cell::new(None) };
    CURRENT.set(&activation);

    unsafe extern "C" fn callback(data: *mut u8) -> bool {
        // SAFETY: `data` is the `&mut &mut dyn FnMut` below, alive for the call.
        let f = unsafe { &mut *(data as *mut &mut dyn FnMut() -> bool) };
        f()
    }
    let mut f = f;
    // SAFETY: the resume point lives in this frame, which outlives every
    // resume to it (the activation is unlinked before it returns); the only
    // frames a resume skips are compiled wasm code and `callback`, which own
    // nothing that needs dropping.
    let ok = unsafe {
        kiln_vm_call_with_resume(
            &activation.point as *const ResumePoint as *mut ResumePoint,
            callback,
            &mut f as *mut &mut dyn FnMut() -> bool as *mut u8,
        )
    };
    CURRENT.set(activation.prev);
    match activation.trap.take() {
        Some(at) => Err(at),
        None => Ok(ok),
    }
}

/// Resumes at the innermost entry from a runtime helper: with `trap`, or
/// with `None` after an array call failed (its error is in the store
/// already). `exit_pc`/`exit_fp` are what the calling compiled frame
/// recorded (`VMStoreContext::last_wasm_exit_*`), for the backtrace.
///
/// # Safety
/// Called from a runtime helper that compiled code called, inside
/// `call_with_resume`, with no value owning resources live in the frames
/// between (they are skipped); `exit_fp` is the caller's frame pointer.
pub(crate) unsafe fn raise(trap: Option<Trap>, exit_pc: usize, exit_fp: usize) -> ! {
    let activation = CURRENT.get();
    assert!(!activation.is_null(), "a trap raised outside compiled code");
    let mut pcs = FrameCollector::new();
    if exit_pc != 0 {
        pcs.push(exit_pc);
        let registry = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
        // SAFETY: the activation is live; the recorded frame is a live
        // compiled frame of it (per the contract).
        unsafe { caller_pcs(&registry, exit_fp, (*activation).entry_sp(), &mut pcs) };
    }
    // SAFETY: as above; the lock guard is gone and `pcs` moves into the
    // activation, so the skipped frames own nothing.
    unsafe {
        (*activation).trap.set(Some(TrapAt { trap, pcs }));
        kiln_vm_resume(&(*activation).point)
    }
}

/// Stack kept free below wasm's stack limit for the trap handler, runtime
/// helpers and host functions that wasm calls.
const STACK_RESERVE: usize = 64 * 1024;

thread_local! {
    static STACK_FLOOR: Cell<usize> = const { Cell::new(0) };
}

/// The lowest address wasm code on this thread may use, whatever
/// `max_wasm_stack` says: the thread's own stack end, plus a reserve.
pub(crate) fn stack_floor() -> usize {
    let cached = STACK_FLOOR.get();
    if cached != 0 {
        return cached;
    }
    // SAFETY: queries this thread's attributes into zeroed, then destroyed,
    // attribute storage.
    let low = unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        let mut low = 0usize;
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) == 0 {
            let (mut addr, mut size) = (std::ptr::null_mut(), 0usize);
            if libc::pthread_attr_getstack(&attr, &mut addr, &mut size) == 0 {
                low = addr as usize;
            }
            libc::pthread_attr_destroy(&mut attr);
        }
        low
    };
    let floor = low.saturating_add(STACK_RESERVE).max(1);
    STACK_FLOOR.set(floor);
    floor
}

/// Whether this thread's native stack is nearly used up here: a new entry
/// into wasm (host -> wasm -> host -> wasm ...) must then trap rather than
/// go deeper, whatever `max_wasm_stack` allows.
#[inline(never)]
pub(crate) fn native_stack_exhausted() -> bool {
    stack_pointer() < stack_floor()
}

/// This thread's machine stack pointer, read from the register: the
/// address of a local would do without sanitizers, but AddressSanitizer's
/// fake stacks put locals in the heap, and compiled code compares the
/// limits computed from this with its real stack pointer.
#[inline(always)]
pub(crate) fn stack_pointer() -> usize {
    let sp: usize;
    #[cfg(target_arch = "x86_64")]
    // SAFETY: copies the stack pointer into a register; no memory access.
    unsafe {
        std::arch::asm!("mov {}, rsp", out(reg) sp, options(nomem, nostack, preserves_flags));
    }
    #[cfg(target_arch = "aarch64")]
    // SAFETY: copies the stack pointer into a register; no memory access.
    unsafe {
        std::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags));
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        let here = 0u8;
        sp = std::ptr::addr_of!(here) as usize;
    }
    sp
}

/// The trap sites of every piece of compiled code in the process, by the
/// end address of its range: `(start, sorted (offset, trap))`.
type Registry = BTreeMap<usize, (usize, OffsetTable)>;

static REGISTRY: RwLock<Registry> = RwLock::new(BTreeMap::new());

/// Makes the trap sites of code at `start..end` known to the signal handler.
pub(crate) fn register_code(start: usize, end: usize, traps: OffsetTable) {
    REGISTRY.write().unwrap_or_else(|e| e.into_inner()).insert(end, (start, traps));
}

/// Forgets the code ending at `end` (before it is unmapped).
pub(crate) fn unregister_code(end: usize) {
    REGISTRY.write().unwrap_or_else(|e| e.into_inner()).remove(&end);
}

/// The trap at `pc`, if `pc` is a trap site of registered code.
fn trap_at(registry: &Registry, pc: usize) -> Option<Trap> {
    let (_, (start, traps)) = registry.range(pc + 1..).next()?;
    let offset = u32::try_from(pc.checked_sub(*start)?).ok()?;
    Trap::from_code(traps.get(offset)?)
}

/// Whether `pc` is in registered code.
fn is_compiled_code(registry: &Registry, pc: usize) -> bool {
    registry.range(pc + 1..).next().is_some_and(|(_, (start, _))| *start <= pc)
}

/// The calling instructions of the compiled frames from the one at `fp`
/// out to the entry at `entry_sp` (for a backtrace taken while they are
/// suspended in a call out).
///
/// # Safety
/// As for `caller_pcs`.
pub(crate) unsafe fn walk_compiled_frames(fp: usize, entry_sp: usize, pcs: &mut FrameCollector<usize>) {
    let registry = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
    // SAFETY: passed on to the caller.
    unsafe { caller_pcs(&registry, fp, entry_sp, pcs) }
}

/// The calling instructions of the compiled frames from the one at `fp`
/// out to the entry at `entry_sp`, following frame pointers.
///
/// # Safety
/// `fp` is the frame pointer of a compiled frame of the activation whose
/// entry is at `entry_sp`, and its frames are live.
unsafe fn caller_pcs(registry: &Registry, mut fp: usize, entry_sp: usize, pcs: &mut FrameCollector<usize>) {
    // Compiled frames keep the caller's frame pointer at `fp` and the
    // return address right above it; the walk stops at the first frame
    // that is not compiled code (the entry's own).
    while fp != 0 && fp < entry_sp && fp.is_multiple_of(std::mem::align_of::<usize>()) {
        // SAFETY: per the contract, `fp` is below the entry and points
        // into a live compiled frame.
        let (caller_fp, return_address) = unsafe { (*(fp as *const usize), *(fp as *const usize).add(1)) };
        if !is_compiled_code(registry, return_address) {
            break;
        }
        // A return address is just past the call: the call is before it.
        pcs.push(return_address - 1);
        fp = caller_fp;
    }
}

const SIGNALS: [libc::c_int; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];

/// The handlers that were installed before ours, to pass other faults on to.
static PREVIOUS: std::sync::OnceLock<[libc::sigaction; 4]> = std::sync::OnceLock::new();

fn install_signal_handlers() {
    PREVIOUS.get_or_init(|| {
        // SAFETY: plain sigaction calls with zero-initialised structs; the
        // handler is async-signal-safe for faults outside wasm (it only
        // reads a thread-local and a lock never held across a fault).
        unsafe {
            let mut previous: [libc::sigaction; 4] = std::mem::zeroed();
            for (i, sig) in SIGNALS.iter().enumerate() {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = handler as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
                libc::sigemptyset(&mut action.sa_mask);
                let rc = libc::sigaction(*sig, &action, &mut previous[i]);
                assert_eq!(rc, 0, "installing the signal handler for traps failed");
            }
            previous
        }
    });
}

/// The program counter and frame pointer of an interrupted context, and a
/// way to continue it in `kiln_vm_resume(point)`.
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod context {
    /// # Safety
    /// `uc` is the context the kernel passed to the signal handler.
    pub(super) unsafe fn pc_fp(uc: *mut libc::ucontext_t) -> (usize, usize) {
        // SAFETY: per the contract.
        unsafe {
            let gregs = &(*uc).uc_mcontext.gregs;
            (gregs[libc::REG_RIP as usize] as usize, gregs[libc::REG_RBP as usize] as usize)
        }
    }
    /// # Safety
    /// As above.
    pub(super) unsafe fn resume_at(uc: *mut libc::ucontext_t, point: usize) {
        // SAFETY: per the contract.
        unsafe {
            let gregs = &mut (*uc).uc_mcontext.gregs;
            gregs[libc::REG_RIP as usize] = super::kiln_vm_resume as *const () as usize as i64;
            gregs[libc::REG_RDI as usize] = point as i64;
        }
    }
}

#[cfg(all(target_os = "linux", target_arch = "aarch64"))]
mod context {
    /// # Safety
    /// `uc` is the context the kernel passed to the signal handler.
    pub(super) unsafe fn pc_fp(uc: *mut libc::ucontext_t) -> (usize, usize) {
        // SAFETY: per the contract.
        unsafe { ((*uc).uc_mcontext.pc as usize, (*uc).uc_mcontext.regs[29] as usize) }
    }
    /// # Safety
    /// As above.
    pub(super) unsafe fn resume_at(uc: *mut libc::ucontext_t, point: usize) {
        // SAFETY: per the contract.
        unsafe {
            (*uc).uc_mcontext.pc = super::kiln_vm_resume as *const () as usize as u64;
            (*uc).uc_mcontext.regs[0] = point as u64;
        }
    }
}

unsafe extern "C" fn handler(sig: libc::c_int, info: *mut libc::siginfo_t, uc: *mut libc::c_void) {
    let uc = uc as *mut libc::ucontext_t;
    // SAFETY: the kernel passes the interrupted context.
    let (pc, fp) = unsafe { context::pc_fp(uc) };
    let activation = CURRENT.get();
    if !activation.is_null() {
        let registry = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
        if let Some(trap) = trap_at(&registry, pc) {
            // The fault is a trap of wasm code (never inside the allocator),
            // so collecting the frames may allocate.
            let mut pcs = FrameCollector::new();
            pcs.push(pc);
            // SAFETY: the activation is live (its entry is on this stack,
            // above the trapping frame), and so are the frames between; the
            // context is rewritten to run `kiln_vm_resume(point)` when the
            // handler returns.
            unsafe {
                caller_pcs(&registry, fp, (*activation).entry_sp(), &mut pcs);
                (*activation).trap.set(Some(TrapAt { trap: Some(trap), pcs }));
                context::resume_at(uc, &(*activation).point as *const ResumePoint as usize);
            }
            return;
        }
    }
    // Not ours: hand it to whoever handled it before.
    let Some(previous) = PREVIOUS.get() else { return };
    let Some(i) = SIGNALS.iter().position(|s| *s == sig) else { return };
    let prev = &previous[i];
    // SAFETY: calling or reinstating the previous handler as the kernel
    // would have; with the default action reinstated, returning re-runs the
    // faulting instruction, which then takes that action.
    unsafe {
        if prev.sa_flags & libc::SA_SIGINFO != 0 {
            let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                std::mem::transmute(prev.sa_sigaction);
            f(sig, info, uc.cast());
        } else if prev.sa_sigaction == libc::SIG_DFL || prev.sa_sigaction == libc::SIG_IGN {
            let mut default: libc::sigaction = std::mem::zeroed();
            default.sa_sigaction = libc::SIG_DFL;
            libc::sigaction(sig, &default, std::ptr::null_mut());
        } else {
            let f: extern "C" fn(libc::c_int) = std::mem::transmute(prev.sa_sigaction);
            f(sig);
        }
    }
}
