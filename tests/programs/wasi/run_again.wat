;; `run_once.wat` without the guard: a preview 1 command whose `_start` may
;; be called any number of times on one instance. Each call prints
;; "run N\n" (N = 1..9, then it stays at 9) to stdout through `fd_write`, so
;; a test sees that the second call ran on the same instance.
;;
;; Not built ahead of time: the tests wrap it in a component with the
;; preview 1 command adapter, like `run_once.wat`.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; "run N\n" at offset 16; N is the byte at offset 20.
  (data (i32.const 16) "run 0\n")
  ;; How many times `_start` ran on this instance.
  (global $runs (mut i32) (i32.const 0))
  (func (export "_start")
    (if (i32.lt_u (global.get $runs) (i32.const 9))
      (then (global.set $runs (i32.add (global.get $runs) (i32.const 1)))))
    (i32.store8 (i32.const 20) (i32.add (i32.const 48) (global.get $runs)))
    ;; One iovec at offset 0: { buf = 16, len = 6 }; bytes written at 8.
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 6))
    (if (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))
      (then unreachable)))
)
