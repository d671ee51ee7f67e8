;; The "command per request (host import)" micro-benchmark: a wasi:cli/run
;; command like tests/programs/components/run_twice.wat that also imports
;; one host function, so that linking a host function into each new
;; instance (and one call of it through the canonical ABI) shows in the cost
;; of a request.
;;
;;   import host: func(x: u32) -> u32;   ;; the embedder's x + 1 (wrapping)
;;
;; `run` calls host(41) and returns ok if it got 42, err otherwise: so a
;; run that returns ok has really reached the host and back.
(component
  (import "host" (func $host (param "x" u32) (result u32)))
  (core func $host-lowered (canon lower (func $host)))

  (core module $main
    (import "env" "host" (func $host (param i32) (result i32)))
    ;; How many times `run` has been called on this instance.
    (global $calls (mut i32) (i32.const 0))
    (func (export "run") (result i32)
      (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
      ;; `result` flattens to its tag: 0 = ok, 1 = err.
      (i32.ne (call $host (i32.const 41)) (i32.const 42)))
  )
  (core instance $env (export "host" (func $host-lowered)))
  (core instance $main-inst (instantiate $main (with "env" (instance $env))))

  ;; wasi:cli/run@0.2.3: run: func() -> result;
  (type $run-ty (func (result (result))))
  (func $run (type $run-ty) (canon lift (core func $main-inst "run")))
  (instance $run-inst (export "run" (func $run)))
  (export "wasi:cli/run@0.2.3" (instance $run-inst))
)
