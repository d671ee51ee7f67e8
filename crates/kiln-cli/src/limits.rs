//! Bounds on a guest under `kiln run`: fuel, wall-clock time and wasm
//! stack, from `--fuel`, `--timeout` and `--max-wasm-stack` or from
//! Wasmtime's spellings of them, `-W fuel=N`, `-W timeout=DURATION` and
//! `-W max-wasm-stack=BYTES`. Each limit keeps the words the user gave it,
//! so that the message when a guest hits it names the flag as written.

use anyhow::{anyhow, bail, Result};
use kiln::{Config, Engine, ResourceLimiter, Store, StoreLimits, StoreLimitsBuilder, Trap};
use std::sync::mpsc;
use std::time::Duration;

/// The limits as `-W` keys (also the names of their `--` flags), with the
/// form of their values, in the order help and errors list them. A new
/// limit (`max-memory-size`, `max-table-elements`) gets a row here, a field
/// in [`Limits`] and an arm in [`Limits::set`].
pub const OPTIONS: &[(&str, &str)] = &[
    ("fuel", "N"),
    ("timeout", "DURATION"),
    ("max-wasm-stack", "BYTES"),
    ("max-memory-size", "BYTES"),
    ("max-table-elements", "N"),
];

/// The smallest wasm stack the engine accepts (`Config::max_wasm_stack`).
const MIN_WASM_STACK: usize = 4096;

/// How a limit was given on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spelling {
    /// `--fuel 1000`.
    Flag,
    /// `-W fuel=1000`.
    W,
}

/// One limit: its value and how the user wrote it (`--fuel 1000`,
/// `-W fuel=1000`), for messages.
#[derive(Clone, Debug)]
pub struct Limit<T> {
    /// The value.
    pub value: T,
    /// The flag and value as written.
    pub written: String,
}

/// The limits a run was given; `None` leaves Kiln's default (no fuel or
/// time limit, `Config`'s default wasm stack).
#[derive(Clone, Debug, Default)]
pub struct Limits {
    /// Fuel units the guest may consume (`Config::consume_fuel`).
    pub fuel: Option<Limit<u64>>,
    /// Wall-clock time the guest may run (`Config::epoch_interruption`).
    pub timeout: Option<Limit<Duration>>,
    /// Bytes of stack wasm code may use (`Config::max_wasm_stack`).
    pub max_wasm_stack: Option<Limit<usize>>,
    /// Bytes any one linear memory may have (`StoreLimits::memory_size`).
    pub max_memory_size: Option<Limit<usize>>,
    /// Elements any one table may have (`StoreLimits::table_elements`).
    pub max_table_elements: Option<Limit<usize>>,
}

/// The store's limiter under `kiln run`: the memory and table caps, noting
/// whether it refused a growth, so that a guest that fails afterwards is
/// told why.
#[derive(Debug, Default)]
pub struct GuestLimiter {
    limits: StoreLimits,
    /// The flag (as written) that refused a growth, if one did.
    refused: Option<String>,
    memory_flag: Option<String>,
    table_flag: Option<String>,
}

impl ResourceLimiter for GuestLimiter {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> Result<bool> {
        let allowed = self.limits.memory_growing(current, desired, maximum)?;
        if !allowed {
            self.refused = self.memory_flag.clone();
        }
        Ok(allowed)
    }
    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> Result<bool> {
        let allowed = self.limits.table_growing(current, desired, maximum)?;
        if !allowed {
            self.refused = self.table_flag.clone();
        }
        Ok(allowed)
    }
}

impl GuestLimiter {
    /// The line saying that a growth was refused, if one was.
    pub fn explain(&self) -> Option<String> {
        self.refused.as_ref().map(|flag| format!("a memory or table growth of the guest was refused by {flag}"))
    }
}

/// How long the `--timeout` thread waits, after it has interrupted the
/// guest, for the run to end before it ends the process itself. Epoch
/// checks are in wasm code only, so a guest blocked in a host call (a long
/// `poll_oneoff` sleep, a read) does not see the interrupt; a guest in wasm
/// stops within microseconds, so this only has to cover a busy machine.
const GRACE: Duration = Duration::from_secs(1);

impl Limits {
    /// Sets the limit whose `-W` key is `key` from the text `value`.
    /// `Ok(false)` means `key` is not a limit (it may be a proposal). A
    /// limit given twice, in either spelling, is an error rather than a
    /// silent choice between two bounds.
    pub fn set(&mut self, key: &str, value: &str, spelling: Spelling) -> Result<bool> {
        let (name, written) = match spelling {
            Spelling::Flag => (format!("--{key}"), format!("--{key} {value}")),
            Spelling::W => (format!("-W {key}"), format!("-W {key}={value}")),
        };
        let bad = |expected: &str| anyhow!("invalid value `{value}` for {name}: expected {expected}");
        match key {
            "fuel" => {
                let fuel = value.parse::<u64>().map_err(|_| bad("a whole number of fuel units"))?;
                put(&mut self.fuel, fuel, written)?;
            }
            "timeout" => {
                let timeout = parse_duration(value)
                    .ok_or_else(|| bad("a duration such as `500ms`, `2s` or `1m` (a plain number is seconds)"))?;
                put(&mut self.timeout, timeout, written)?;
            }
            "max-wasm-stack" => {
                let bytes = parse_bytes(value).ok_or_else(|| bad("a size in bytes, optionally with K, M or G"))?;
                // The engine refuses less, in the words of its API
                // (`max_wasm_stack`); said here in the flag's.
                if bytes < MIN_WASM_STACK {
                    return Err(bad("at least 4096 bytes (4K)"));
                }
                put(&mut self.max_wasm_stack, bytes, written)?;
            }
            "max-memory-size" => {
                let bytes = parse_bytes(value).ok_or_else(|| bad("a size in bytes, optionally with K, M or G"))?;
                put(&mut self.max_memory_size, bytes, written)?;
            }
            "max-table-elements" => {
                let n = value.parse::<usize>().map_err(|_| bad("a whole number of table elements"))?;
                put(&mut self.max_table_elements, n, written)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Whether any limit needs the tier to charge fuel or check epochs.
    pub fn needs_interrupts(&self) -> bool {
        self.fuel.is_some() || self.timeout.is_some()
    }

    /// Turns on what the limits need in the engine's configuration. Fuel
    /// and epoch checks cost run time, so each is on only when asked for.
    pub fn configure(&self, config: &mut Config) {
        if self.fuel.is_some() {
            config.consume_fuel(true);
        }
        if self.timeout.is_some() {
            config.epoch_interruption(true);
        }
        if let Some(stack) = &self.max_wasm_stack {
            config.max_wasm_stack(stack.value);
        }
    }

    /// Gives the store its fuel and epoch deadline. With epoch checks on, a
    /// store's deadline starts at the current epoch, so it must be set even
    /// before the clock starts: one tick from now, the one the `--timeout`
    /// thread makes.
    pub fn limit_store<T>(&self, store: &mut Store<T>) -> Result<()> {
        if let Some(fuel) = &self.fuel {
            store.set_fuel(fuel.value)?;
        }
        if self.timeout.is_some() {
            store.set_epoch_deadline(1);
        }
        Ok(())
    }

    /// The store limiter for `--max-memory-size` and `--max-table-elements`,
    /// if either was given.
    pub fn guest_limiter(&self) -> Option<GuestLimiter> {
        if self.max_memory_size.is_none() && self.max_table_elements.is_none() {
            return None;
        }
        let mut builder = StoreLimitsBuilder::new();
        if let Some(l) = &self.max_memory_size {
            builder = builder.memory_size(l.value);
        }
        if let Some(l) = &self.max_table_elements {
            builder = builder.table_elements(l.value);
        }
        Some(GuestLimiter {
            limits: builder.build(),
            refused: None,
            memory_flag: self.max_memory_size.as_ref().map(|l| l.written.clone()),
            table_flag: self.max_table_elements.as_ref().map(|l| l.written.clone()),
        })
    }

    /// Starts the `--timeout` clock, if there is a timeout: a thread that
    /// ticks the engine's epoch once the time is up, which traps the guest
    /// at its next function entry or loop iteration. Dropping the returned
    /// [`Timer`] (the run is over) stops the thread without a tick. The
    /// thread is never joined: it neither keeps the process alive nor
    /// delays its exit.
    ///
    /// If the run has not ended [`GRACE`] after the tick, the guest is
    /// blocked in a host call, where no epoch check runs; the thread then
    /// prints the timeout message and ends the process with `exit_status`,
    /// so that a timeout bounds every guest.
    pub fn start_timer(&self, engine: &Engine, exit_status: i32) -> Result<Option<Timer>> {
        let Some(timeout) = &self.timeout else { return Ok(None) };
        let (stop, stopped) = mpsc::channel::<()>();
        let engine = engine.clone();
        let duration = timeout.value;
        let message = self.explain(Trap::Interrupt).unwrap_or_default();
        std::thread::Builder::new().name("kiln-timeout".into()).spawn(move || {
            // Only the sender's drop (the run ended) wakes this early.
            if stopped.recv_timeout(duration) != Err(mpsc::RecvTimeoutError::Timeout) {
                return;
            }
            engine.increment_epoch();
            if stopped.recv_timeout(GRACE) == Err(mpsc::RecvTimeoutError::Timeout) {
                crate::output::eprintln(format_args!(
                    "error: {message} while blocked in a call to the host; kiln ended it"
                ));
                std::process::exit(exit_status);
            }
        })?;
        Ok(Some(Timer { _stop: stop }))
    }

    /// The line that explains a trap caused by one of these limits, naming
    /// the flag as the user wrote it; `None` for other traps.
    pub fn explain(&self, trap: Trap) -> Option<String> {
        match trap {
            Trap::OutOfFuel => self.fuel.as_ref().map(|l| format!("the guest ran out of fuel ({})", l.written)),
            Trap::Interrupt => self.timeout.as_ref().map(|l| format!("the guest exceeded {}", l.written)),
            Trap::StackOverflow => Some(match &self.max_wasm_stack {
                Some(l) => format!("the guest exhausted its wasm stack ({})", l.written),
                None => "the guest exhausted its wasm stack (the default size; --max-wasm-stack sets it)".to_string(),
            }),
            _ => None,
        }
    }
}

/// Stores a limit unless it was already given.
fn put<T>(slot: &mut Option<Limit<T>>, value: T, written: String) -> Result<()> {
    if let Some(old) = slot {
        bail!("`{}` and `{written}` both given: give each limit once", old.written);
    }
    *slot = Some(Limit { value, written });
    Ok(())
}

/// The running `--timeout` clock; dropping it stops the clock.
pub struct Timer {
    // Never sent on: its drop is the signal.
    _stop: mpsc::Sender<()>,
}

/// Parses a duration: a number (fractions allowed) and a unit, `ns`, `us`,
/// `ms`, `s`, `m` or `h`; a plain number is seconds, as in Wasmtime.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let nanos_per_unit: u64 = match unit {
        "ns" => 1,
        "us" | "µs" => 1_000,
        "ms" => 1_000_000,
        "" | "s" => 1_000_000_000,
        "m" => 60 * 1_000_000_000,
        "h" => 3600 * 1_000_000_000,
        _ => return None,
    };
    if !number.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    // Whole numbers exactly; fractions through f64, precise enough here.
    match number.parse::<u64>() {
        Ok(n) => n.checked_mul(nanos_per_unit).map(Duration::from_nanos),
        Err(_) => {
            let n = number.parse::<f64>().ok()?;
            Duration::try_from_secs_f64(n * nanos_per_unit as f64 / 1e9).ok()
        }
    }
}

/// Parses a size in bytes: a whole number, optionally with `K`, `M` or `G`
/// (case-insensitive, powers of 1024, `KiB` etc. also accepted).
pub fn parse_bytes(text: &str) -> Option<usize> {
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let unit = unit.to_ascii_lowercase();
    let scale: usize = match unit.trim_end_matches("ib").trim_end_matches('b') {
        "" if unit.is_empty() || unit == "b" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        _ => return None,
    };
    number.parse::<usize>().ok()?.checked_mul(scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("2s"), Some(Duration::from_secs(2)));
        assert_eq!(parse_duration("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_duration("1m"), Some(Duration::from_secs(60)));
        assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("0.25"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("10us"), Some(Duration::from_micros(10)));
        for bad in ["", "s", "-1s", "1x", "1 s", "inf", "NaN", ".5s", "1.2.3s", "99999999999999999999h"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_bytes("65536"), Some(65536));
        assert_eq!(parse_bytes("64K"), Some(64 << 10));
        assert_eq!(parse_bytes("64kib"), Some(64 << 10));
        assert_eq!(parse_bytes("8M"), Some(8 << 20));
        assert_eq!(parse_bytes("1G"), Some(1 << 30));
        assert_eq!(parse_bytes("100B"), Some(100));
        for bad in ["", "K", "-1", "1T", "1.5M", "1 K", "1ib"] {
            assert_eq!(parse_bytes(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_limit_given_twice_is_an_error_naming_both() {
        let mut limits = Limits::default();
        assert!(limits.set("fuel", "10", Spelling::Flag).unwrap());
        let err = limits.set("fuel", "20", Spelling::W).unwrap_err().to_string();
        assert!(err.contains("--fuel 10") && err.contains("-W fuel=20"), "{err}");
        assert!(!limits.set("multi-value", "n", Spelling::W).unwrap());
    }
}
