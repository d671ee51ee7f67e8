;; A WASI 0.2 command whose `run` may be called only once per instance.
;;
;; Tests use it to check that a runtime creates a fresh instance for each run
;; (or refuses to reuse one): a second call on the same instance traps with
;; `unreachable`. It imports nothing, so it can be instantiated anywhere.
(component
  (core module $main
    ;; "started": 0 until the first call of `run`, then 1 forever.
    (global $started (mut i32) (i32.const 0))
    (func (export "run") (result i32)
      ;; Second call on this instance: trap on purpose.
      (if (global.get $started) (then unreachable))
      (global.set $started (i32.const 1))
      ;; `result` flattens to its tag: 0 = ok.
      (i32.const 0))
  )
  (core instance $main-inst (instantiate $main))

  ;; wasi:cli/run@0.2.3: run: func() -> result;
  (type $run-ty (func (result (result))))
  (func $run (type $run-ty) (canon lift (core func $main-inst "run")))
  (instance $run-inst (export "run" (func $run)))
  (export "wasi:cli/run@0.2.3" (instance $run-inst))
)
