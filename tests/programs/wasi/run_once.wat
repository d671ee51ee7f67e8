;; A preview 1 command whose `_start` runs once per instance, as current
;; wasi-libc's crt1-command.c makes it: a second call traps with
;; `unreachable`. (Debian's 2022 wasi-libc, which builds the C programs here,
;; predates that check, so the guard is written by hand.)
;;
;; Not built ahead of time: the tests parse this text and wrap it in a
;; component with the preview 1 command adapter, whose `wasi:cli/run` export
;; calls `_start`. Each run prints "run\n" to stdout through `fd_write`, so a
;; test sees that the first call ran.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The bytes to print, at offset 16.
  (data (i32.const 16) "run\n")
  ;; "started": 0 until `_start` is first called, then 1 forever.
  (global $started (mut i32) (i32.const 0))
  (func (export "_start")
    ;; A second call on this instance: trap, as wasi-libc does.
    (if (global.get $started) (then unreachable))
    (global.set $started (i32.const 1))
    ;; One iovec at offset 0: { buf = 16, len = 4 }; bytes written at 8.
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 4))
    ;; fd_write(stdout, iovs, 1, &written): errno 0 expected, else trap.
    (if (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))
      (then unreachable)))
)
