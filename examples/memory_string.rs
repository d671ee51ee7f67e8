//! Reading a string out of the guest's memory.
//!
//! The guest calls the host's `log(ptr, len)` with the address and length of
//! a UTF-8 string in its exported `memory`. The host reaches that memory
//! through `Caller::get_export("memory")` and checks everything the guest
//! gave it: a range outside the memory, a range that wraps around the 32-bit
//! address space, and bytes that are not UTF-8 are each an `Err` that names
//! the problem. The error travels back through the guest to the embedder's
//! call; the host never panics and never reads outside the memory.
//!
//! Run with `cargo run -p kiln --example memory_string`.

use anyhow::{anyhow, Result};
use kiln::{Caller, Engine, Extern, Linker, Module, Store};
use std::fmt;

const WAT: &str = r#"
(module
  (import "env" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "Hello, Kiln!")
  (data (i32.const 64) "\ff\fe not UTF-8")

  ;; The good case: 12 bytes at 16.
  (func (export "hello")
    (call $log (i32.const 16) (i32.const 12)))
  ;; Starts inside the 64 KiB memory but runs past its end.
  (func (export "out_of_bounds")
    (call $log (i32.const 65530) (i32.const 100)))
  ;; ptr + len wraps around the 32-bit address space (0xfffffff0 + 0x20).
  (func (export "overflow")
    (call $log (i32.const 0xfffffff0) (i32.const 0x20)))
  ;; In bounds, but the bytes are not UTF-8.
  (func (export "bad_utf8")
    (call $log (i32.const 64) (i32.const 14))))
"#;

/// What can be wrong with a string the guest hands to the host.
#[derive(Debug, Clone, PartialEq, Eq)]
enum GuestStringError {
    /// The caller has no exported memory called `memory`.
    NoMemory,
    /// `ptr + len` does not fit in the 32-bit address space.
    Overflow { ptr: u32, len: u32 },
    /// The range is not inside the memory.
    OutOfBounds { ptr: u32, len: u32, memory_size: usize },
    /// The bytes are not valid UTF-8.
    InvalidUtf8 { ptr: u32, len: u32, valid_up_to: usize },
}

impl fmt::Display for GuestStringError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GuestStringError::NoMemory => write!(f, "the guest does not export a memory named `memory`"),
            GuestStringError::Overflow { ptr, len } => {
                write!(f, "string pointer {ptr:#x} + length {len:#x} overflows the 32-bit address space")
            }
            GuestStringError::OutOfBounds { ptr, len, memory_size } => write!(
                f,
                "string of {len} bytes at {ptr:#x} is out of bounds of the guest memory ({memory_size} bytes)"
            ),
            GuestStringError::InvalidUtf8 { ptr, len, valid_up_to } => {
                write!(f, "string of {len} bytes at {ptr:#x} is not valid UTF-8 (invalid byte at offset {valid_up_to})")
            }
        }
    }
}

impl std::error::Error for GuestStringError {}

/// Copies the guest's string at `ptr..ptr + len` out of its `memory`.
fn read_guest_string<T>(caller: &mut Caller<'_, T>, ptr: i32, len: i32) -> Result<String, GuestStringError> {
    // Wasm passes addresses as i32; they mean unsigned 32-bit values.
    let (ptr, len) = (ptr as u32, len as u32);
    let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
        return Err(GuestStringError::NoMemory);
    };
    let end = ptr.checked_add(len).ok_or(GuestStringError::Overflow { ptr, len })?;
    let data = memory.data(&*caller);
    let bytes = data.get(ptr as usize..end as usize).ok_or(GuestStringError::OutOfBounds {
        ptr,
        len,
        memory_size: data.len(),
    })?;
    let text = std::str::from_utf8(bytes).map_err(|e| GuestStringError::InvalidUtf8 {
        ptr,
        len,
        valid_up_to: e.valid_up_to(),
    })?;
    Ok(text.to_string())
}

fn main() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(&engine, WAT)?;

    let mut linker = Linker::<Vec<String>>::new(&engine);
    linker.func_wrap("env", "log", |mut caller: Caller<'_, Vec<String>>, ptr: i32, len: i32| -> Result<()> {
        let text = read_guest_string(&mut caller, ptr, len)?;
        println!("guest: {text}");
        caller.data_mut().push(text);
        Ok(())
    })?;

    let mut store = Store::new(&engine, Vec::new());
    let instance = linker.instantiate(&mut store, &module)?;

    // The good case.
    instance.get_typed_func::<(), ()>(&mut store, "hello")?.call(&mut store, ())?;
    assert_eq!(store.data(), &["Hello, Kiln!"]);

    // Each bad case is an error from the call, naming the problem.
    let cases = [
        (
            "out_of_bounds",
            GuestStringError::OutOfBounds { ptr: 65530, len: 100, memory_size: 65536 },
            "string of 100 bytes at 0xfffa is out of bounds of the guest memory (65536 bytes)",
        ),
        (
            "overflow",
            GuestStringError::Overflow { ptr: 0xffff_fff0, len: 0x20 },
            "string pointer 0xfffffff0 + length 0x20 overflows the 32-bit address space",
        ),
        (
            "bad_utf8",
            GuestStringError::InvalidUtf8 { ptr: 64, len: 14, valid_up_to: 0 },
            "string of 14 bytes at 0x40 is not valid UTF-8 (invalid byte at offset 0)",
        ),
    ];
    for (export, expected, message) in cases {
        let func = instance.get_typed_func::<(), ()>(&mut store, export)?;
        let err = func.call(&mut store, ()).err().ok_or_else(|| anyhow!("`{export}` should have failed"))?;
        println!("`{export}` failed as it should:\n{err}\n");
        // The host's own error is inside the `anyhow::Error`, untouched...
        assert_eq!(err.downcast_ref::<GuestStringError>(), Some(&expected), "{export}: {err:?}");
        assert_eq!(expected.to_string(), message);
        // ...and its message is what the error displays.
        assert!(err.to_string().contains(message), "{export}: `{err}` does not contain `{message}`");
    }
    // Nothing bad was logged, and the instance still works.
    instance.get_typed_func::<(), ()>(&mut store, "hello")?.call(&mut store, ())?;
    assert_eq!(store.data(), &["Hello, Kiln!", "Hello, Kiln!"]);
    Ok(())
}

#[test]
fn runs() {
    main().unwrap()
}
