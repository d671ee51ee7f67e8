;; WASI 0.2 "hello world", written by hand in the component text format.
;;
;; It imports exactly the slices of the real WASI 0.2.3 interfaces it uses
;; (a component may import a subset of an interface: instance imports are
;; checked by subtyping), prints "Hello, world!\n" to stdout and exports
;; `wasi:cli/run@0.2.3` so any WASI 0.2 command runner can call it.
;;
;; The memory is defined (and exported) by the main core module, which also
;; imports the lowered `blocking-write-and-flush`. That lowering needs the
;; `memory` option, so it can only be created after the main instance exists:
;; this is the shim/fixup pattern that `wit-component` generates.
(component
  ;; wasi:io/error@0.2.3: `resource error`. Only needed because the
  ;; `stream-error` variant carries an `own<error>`.
  (import "wasi:io/error@0.2.3" (instance $error
    (export "error" (type (sub resource)))
  ))
  (alias export $error "error" (type $error-res))

  ;; wasi:io/streams@0.2.3, the part we use:
  ;;   use error.{error};
  ;;   variant stream-error { last-operation-failed(error), closed }
  ;;   resource output-stream {
  ;;     blocking-write-and-flush: func(contents: list<u8>) -> result<_, stream-error>;
  ;;   }
  (import "wasi:io/streams@0.2.3" (instance $streams
    ;; The error resource comes from wasi:io/error, hence an outer alias.
    (alias outer 1 $error-res (type $error-outer))
    (export "error" (type $error (eq $error-outer)))
    (type $stream-error-def (variant
      (case "last-operation-failed" (own $error))
      (case "closed")))
    (export "stream-error" (type $stream-error (eq $stream-error-def)))
    (export "output-stream" (type $output-stream (sub resource)))
    (export "[method]output-stream.blocking-write-and-flush" (func
      (param "self" (borrow $output-stream))
      (param "contents" (list u8))
      (result (result (error $stream-error)))))
  ))
  (alias export $streams "output-stream" (type $output-stream-res))

  ;; wasi:cli/stdout@0.2.3:
  ;;   use wasi:io/streams.{output-stream};
  ;;   get-stdout: func() -> output-stream;
  (import "wasi:cli/stdout@0.2.3" (instance $stdout
    (alias outer 1 $output-stream-res (type $output-stream-outer))
    (export "output-stream" (type $output-stream (eq $output-stream-outer)))
    (export "get-stdout" (func (result (own $output-stream))))
  ))

  ;; The program. Core signatures follow the canonical ABI:
  ;; - get-stdout: () -> i32 (the own handle);
  ;; - blocking-write-and-flush: (self, ptr, len, retptr) -> (), because its
  ;;   result flattens to 3 values (result tag, stream-error tag, handle),
  ;;   more than the 1 a lowered import may return directly;
  ;; - resource drops: (handle) -> ();
  ;; - run: () -> i32, the `result` tag (0 = ok, 1 = err).
  (core module $main
    (import "wasi:cli/stdout@0.2.3" "get-stdout" (func $get-stdout (result i32)))
    (import "wasi:io/streams@0.2.3" "[method]output-stream.blocking-write-and-flush"
      (func $write (param i32 i32 i32 i32)))
    (import "wasi:io/streams@0.2.3" "[resource-drop]output-stream"
      (func $drop-output-stream (param i32)))
    (import "wasi:io/error@0.2.3" "[resource-drop]error"
      (func $drop-error (param i32)))

    ;; One page, exported so the lowered write can read the bytes.
    (memory (export "memory") 1)
    ;; The message lives at offset 100; bytes 0..12 are the return area of
    ;; the write (result<_, stream-error>: tag u8 @0, stream-error tag u8 @4,
    ;; error handle i32 @8; size 12, align 4).
    (data (i32.const 100) "Hello, world!\n")

    (func (export "run") (result i32)
      (local $out i32)
      (local $tag i32)
      (local.set $out (call $get-stdout))
      ;; 14 = length of "Hello, world!\n"; return area at 0.
      (call $write (local.get $out) (i32.const 100) (i32.const 14) (i32.const 0))
      ;; We own the stream: drop it rather than leak it to the host.
      (call $drop-output-stream (local.get $out))
      (local.set $tag (i32.load8_u (i32.const 0)))
      ;; On err(last-operation-failed(e)) we also own `e`: drop it.
      (if (i32.and (local.get $tag)
                   (i32.eqz (i32.load8_u (i32.const 4))))
        (then (call $drop-error (i32.load (i32.const 8)))))
      ;; run's `result` flattens to its tag: report the write's outcome.
      (local.get $tag))
  )

  ;; The shim: provides the write import before the memory exists, by
  ;; forwarding through slot 0 of a funcref table that the fixup fills later.
  (core module $shim
    (type $write-ty (func (param i32 i32 i32 i32)))
    (table (export "$imports") 1 1 funcref)
    (func (export "0") (type $write-ty) (param i32 i32 i32 i32)
      (call_indirect (type $write-ty)
        (local.get 0) (local.get 1) (local.get 2) (local.get 3)
        (i32.const 0)))
  )

  ;; The fixup: writes the real lowered function into the shim's table.
  (core module $fixup
    (type $write-ty (func (param i32 i32 i32 i32)))
    (import "" "0" (func (type $write-ty)))
    (import "" "$imports" (table 1 1 funcref))
    (elem (i32.const 0) func 0)
  )

  (core instance $shim-inst (instantiate $shim))

  ;; Lowerings that need no memory can be made up front.
  (core func $get-stdout (canon lower (func $stdout "get-stdout")))
  (core func $drop-output-stream (canon resource.drop $output-stream-res))
  (core func $drop-error (canon resource.drop $error-res))

  (core instance $main-inst (instantiate $main
    (with "wasi:cli/stdout@0.2.3" (instance
      (export "get-stdout" (func $get-stdout))))
    (with "wasi:io/streams@0.2.3" (instance
      (export "[method]output-stream.blocking-write-and-flush" (func $shim-inst "0"))
      (export "[resource-drop]output-stream" (func $drop-output-stream))))
    (with "wasi:io/error@0.2.3" (instance
      (export "[resource-drop]error" (func $drop-error))))
  ))

  ;; Now the memory exists: lower the write against it and patch the shim.
  (alias core export $main-inst "memory" (core memory $memory))
  (core func $write (canon lower
    (func $streams "[method]output-stream.blocking-write-and-flush")
    (memory $memory)))
  (core instance (instantiate $fixup
    (with "" (instance
      (export "0" (func $write))
      (export "$imports" (table $shim-inst "$imports"))))
  ))

  ;; wasi:cli/run@0.2.3: run: func() -> result;
  (type $run-ty (func (result (result))))
  (func $run (type $run-ty) (canon lift (core func $main-inst "run")))
  (instance $run-inst (export "run" (func $run)))
  (export "wasi:cli/run@0.2.3" (instance $run-inst))
)
