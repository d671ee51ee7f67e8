;; A WASI 0.2 command whose `run` may be called any number of times on the
;; same instance: the counterpart of run_once.wat without the guard.
;;
;; It still keeps a call counter in a core global, so a test (or a debugger)
;; can see that state carries over between calls on one instance.
(component
  (core module $main
    ;; How many times `run` has been called on this instance.
    (global $calls (mut i32) (i32.const 0))
    (func (export "run") (result i32)
      (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
      ;; `result` flattens to its tag: 0 = ok, every time.
      (i32.const 0))
  )
  (core instance $main-inst (instantiate $main))

  ;; wasi:cli/run@0.2.3: run: func() -> result;
  (type $run-ty (func (result (result))))
  (func $run (type $run-ty) (canon lift (core func $main-inst "run")))
  (instance $run-inst (export "run" (func $run)))
  (export "wasi:cli/run@0.2.3" (instance $run-inst))
)
