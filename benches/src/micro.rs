//! Micro-benchmarks that matter to embedders, as small WAT modules.

/// The per-request pattern: a small module with a host function import
/// (`env.host`, as [`HOST_CALL_WAT`]), a one-page memory, a data segment and
/// a global, instantiated in a fresh store from imports resolved once
/// (each engine's `instantiate_pre` or closest), called once, and dropped.
/// `run(n)` stores `host(n)` and reads it back plus the data word.
pub const INSTANTIATE_WAT: &str = r#"
(module
  (import "env" "host" (func $host (param i32) (result i32)))
  (memory (export "memory") 1)
  (global $calls (mut i32) (i32.const 0))
  (data (i32.const 64) "\2a\00\00\00")
  (func (export "run") (param $n i32) (result i64)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (i32.store (i32.const 16) (call $host (local.get $n)))
    (i64.extend_i32_u
      (i32.add (i32.load (i32.const 16)) (i32.load (i32.const 64))))))
"#;

/// `run(n)` calls the imported host function `env.host` `n` times and sums
/// its results: each iteration is one wasm -> host -> wasm round trip.
pub const HOST_CALL_WAT: &str = r#"
(module
  (import "env" "host" (func $host (param i32) (result i32)))
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $acc i64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc
          (i64.add (local.get $acc)
                   (i64.extend_i32_u (call $host (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $acc)))
"#;

/// An empty export, called from the host through a typed function handle.
pub const EMPTY_CALL_WAT: &str = r#"
(module
  (func (export "empty")))
"#;

/// The "command per request" component: a `wasi:cli/run@0.2.3` command
/// with no imports whose `run` returns ok (Kiln's test component).
pub const COMMAND_WAT: &str = include_str!("../../tests/programs/components/run_twice.wat");

/// The same command importing one host function, `host: func(x: u32) ->
/// u32` ([`host_u32`]); `run` returns ok only if `host(41)` gave 42.
pub const COMMAND_HOST_WAT: &str = include_str!("../programs/components/run_host.wat");

/// The instance a command component exports, holding `run: func() -> result`.
pub const RUN_INTERFACE: &str = "wasi:cli/run@0.2.3";

/// The name under which [`COMMAND_HOST_WAT`] imports [`host_u32`].
pub const COMMAND_HOST_IMPORT: &str = "host";

/// The host function every engine links as `env.host`.
#[inline]
pub fn host(x: i32) -> i32 {
    x.wrapping_add(1)
}

/// The host function every engine links into [`COMMAND_HOST_WAT`] as
/// [`COMMAND_HOST_IMPORT`].
#[inline]
pub fn host_u32(x: u32) -> u32 {
    x.wrapping_add(1)
}

/// What `run(n)` of [`HOST_CALL_WAT`] returns when `env.host` is [`host`].
pub fn host_call_checksum(n: i32) -> i64 {
    (1..=n as i64).sum()
}

/// What `run(n)` of [`INSTANTIATE_WAT`] returns when `env.host` is [`host`].
pub fn instantiate_checksum(n: i32) -> i64 {
    host(n) as i64 + 42
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Micro {
    InstantiateCallDrop,
    HostRoundTrip,
    EmptyTypedCall,
    /// A component: one request = a fresh instance of [`COMMAND_WAT`]
    /// from a pre-instantiated component, and one call of its `run`.
    CommandPerRequest,
    /// The same, of [`COMMAND_HOST_WAT`] (one host function linked).
    CommandPerRequestHost,
}

impl Micro {
    pub const ALL: [Micro; 5] = [
        Micro::InstantiateCallDrop,
        Micro::HostRoundTrip,
        Micro::EmptyTypedCall,
        Micro::CommandPerRequest,
        Micro::CommandPerRequestHost,
    ];

    /// Whether the module is a component (engines without the component
    /// model skip it: `unsupported`).
    pub fn is_component(self) -> bool {
        matches!(self, Micro::CommandPerRequest | Micro::CommandPerRequestHost)
    }

    /// Whether the component imports [`host_u32`] as [`COMMAND_HOST_IMPORT`].
    pub fn imports_host(self) -> bool {
        self == Micro::CommandPerRequestHost
    }

    pub fn name(self) -> &'static str {
        match self {
            Micro::InstantiateCallDrop => "instantiate+call+drop",
            Micro::HostRoundTrip => "host round trip",
            Micro::EmptyTypedCall => "empty typed call",
            Micro::CommandPerRequest => "command per request",
            Micro::CommandPerRequestHost => "command per request (host import)",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Micro::InstantiateCallDrop => {
                "new store + instantiate from pre-resolved imports (host function, 1-page memory, data segment, \
                 global) + typed call + drop, per request"
            }
            Micro::HostRoundTrip => "wasm calls an imported host function and uses its result, per call",
            Micro::EmptyTypedCall => "host calls an empty export through a typed function handle, per call",
            Micro::CommandPerRequest => {
                "component: new store + instantiate a wasi:cli/run command (no imports) from an InstancePre + look up \
                 and call run + drop, per request"
            }
            Micro::CommandPerRequestHost => {
                "the same with one host function import (linked once into the InstancePre, called once by run), \
                 per request"
            }
        }
    }

    /// Operations per measured sample.
    pub fn iterations(self, quick: bool) -> u32 {
        let full = match self {
            Micro::InstantiateCallDrop => 20_000,
            Micro::HostRoundTrip => 2_000_000,
            Micro::EmptyTypedCall => 2_000_000,
            // A request costs about 2 µs: 200k keep a sample near half a
            // second (40 ms with --quick) on a shared machine.
            Micro::CommandPerRequest | Micro::CommandPerRequestHost => 200_000,
        };
        if quick {
            full / 10
        } else {
            full
        }
    }

    pub fn wat(self) -> &'static str {
        match self {
            Micro::InstantiateCallDrop => INSTANTIATE_WAT,
            Micro::HostRoundTrip => HOST_CALL_WAT,
            Micro::EmptyTypedCall => EMPTY_CALL_WAT,
            Micro::CommandPerRequest => COMMAND_WAT,
            Micro::CommandPerRequestHost => COMMAND_HOST_WAT,
        }
    }
}
