;; Every WIT type family across the component boundary, in both directions.
;;
;; Imports `kiln:test/host`, whose functions the host is expected to
;; implement as echoes (return the argument), plus a host resource `counter`.
;; Exports:
;; - `kiln:test/echo`: the same functions, echoed by core wasm over linear
;;   memory (what the runtime lifts must come back unchanged);
;; - `kiln:test/via-host`: the same functions again, each forwarding its
;;   arguments to the host import and returning what the host returned (the
;;   runtime's lowerings, then its liftings), plus `counter-roundtrip`, which
;;   drives the resource: constructor, a method on a `borrow`, and a static
;;   function consuming the `own` handle.
;;
;; The WIT this corresponds to:
;;   interface host {
;;     record rec { a: u8, b: u64, c: string }
;;     variant shape { none, circle(f32), label(string) }
;;     enum color { red, green, blue }
;;     flags perms { read, write, exec, list, create, delete, rename, link,
;;                   chmod, chown }           // 10 members: > 8, so 16 bits
;;     resource counter {
;;       constructor(init: u32);
;;       get: func() -> u32;
;;       consume: static func(c: counter) -> u32;
;;     }
;;     echo-bool: func(x: bool) -> bool;
;;     echo-ints: func(a: s8, b: u8, c: s16, d: u16, e: s32, f: u32, g: s64,
;;                     h: u64) -> tuple<s8, u8, s16, u16, s32, u32, s64, u64>;
;;     echo-floats: func(a: f32, b: f64) -> tuple<f32, f64>;
;;     echo-char: func(x: char) -> char;
;;     echo-string: func(x: string) -> string;
;;     echo-bytes: func(x: list<u8>) -> list<u8>;
;;     echo-strings: func(x: list<string>) -> list<string>;
;;     echo-record: func(x: rec) -> rec;
;;     echo-tuple: func(x: tuple<u32, string>) -> tuple<u32, string>;
;;     echo-variant: func(x: shape) -> shape;
;;     echo-enum: func(x: color) -> color;
;;     echo-option: func(x: option<u32>) -> option<u32>;
;;     echo-result: func(x: result<u32, string>) -> result<u32, string>;
;;     echo-unit-result: func(x: result) -> result;
;;     echo-flags: func(x: perms) -> perms;
;;   }
;;   interface echo { use host.{...}; /* the echo-* functions */ }
;;   interface via-host { use host.{...}; /* the echo-* functions */
;;                        counter-roundtrip: func(init: u32) -> tuple<u32, u32>; }
;;
;; Canonical ABI layouts used below (offsets in bytes):
;;   tuple<s8,u8,s16,u16,s32,u32,s64,u64>: 0,1,2,4,8,12,16,24; size 32 align 8
;;   tuple<f32,f64>: 0,8; size 16 align 8
;;   string / list<T>: ptr 0, len 4; size 8 align 4
;;   rec: a 0, b 8, c.ptr 16, c.len 20; size 24 align 8
;;   tuple<u32,string>: 0, ptr 4, len 8; size 12 align 4
;;   shape, result<u32,string>: tag u8 0, payload at 4 (f32/u32 at 4, or
;;     string ptr 4 len 8); size 12 align 4
;;   option<u32>: tag u8 0, value 4; size 8 align 4
;;   tuple<u32,u32>: 0, 4; size 8 align 4
(component
  (import "kiln:test/host" (instance $host
    (type $rec-def (record (field "a" u8) (field "b" u64) (field "c" string)))
    (export "rec" (type $rec (eq $rec-def)))
    (type $shape-def (variant (case "none") (case "circle" f32) (case "label" string)))
    (export "shape" (type $shape (eq $shape-def)))
    (type $color-def (enum "red" "green" "blue"))
    (export "color" (type $color (eq $color-def)))
    (type $perms-def (flags "read" "write" "exec" "list" "create" "delete"
                            "rename" "link" "chmod" "chown"))
    (export "perms" (type $perms (eq $perms-def)))
    (export "counter" (type $counter (sub resource)))
    (export "[constructor]counter" (func (param "init" u32) (result (own $counter))))
    (export "[method]counter.get" (func (param "self" (borrow $counter)) (result u32)))
    (export "[static]counter.consume" (func (param "c" (own $counter)) (result u32)))
    (export "echo-bool" (func (param "x" bool) (result bool)))
    (export "echo-ints" (func
      (param "a" s8) (param "b" u8) (param "c" s16) (param "d" u16)
      (param "e" s32) (param "f" u32) (param "g" s64) (param "h" u64)
      (result (tuple s8 u8 s16 u16 s32 u32 s64 u64))))
    (export "echo-floats" (func (param "a" f32) (param "b" f64) (result (tuple f32 f64))))
    (export "echo-char" (func (param "x" char) (result char)))
    (export "echo-string" (func (param "x" string) (result string)))
    (export "echo-bytes" (func (param "x" (list u8)) (result (list u8))))
    (export "echo-strings" (func (param "x" (list string)) (result (list string))))
    (export "echo-record" (func (param "x" $rec) (result $rec)))
    (export "echo-tuple" (func (param "x" (tuple u32 string)) (result (tuple u32 string))))
    (export "echo-variant" (func (param "x" $shape) (result $shape)))
    (export "echo-enum" (func (param "x" $color) (result $color)))
    (export "echo-option" (func (param "x" (option u32)) (result (option u32))))
    (export "echo-result" (func (param "x" (result u32 (error string)))
                                (result (result u32 (error string)))))
    (export "echo-unit-result" (func (param "x" (result)) (result (result))))
    (export "echo-flags" (func (param "x" $perms) (result $perms)))
  ))
  ;; The host's named types, reused by our exports (as `use host.{...}`).
  (alias export $host "rec" (type $rec))
  (alias export $host "shape" (type $shape))
  (alias export $host "color" (type $color))
  (alias export $host "perms" (type $perms))

  ;; Memory and allocator, in their own core module instantiated first, so
  ;; the host lowerings (which need `memory` and `realloc`) can be made
  ;; before the main module that imports them: no shim needed here (hello.wat
  ;; shows the shim/fixup pattern for a memory defined by the main module).
  (core module $libc
    (memory (export "memory") 1)
    ;; Allocations start at 8: address 0 is never handed out.
    (global $heap-base i32 (i32.const 8))
    (global $bump (mut i32) (i32.const 8))
    ;; Bump allocation of `size` bytes aligned to `align` (a power of two),
    ;; growing the memory when needed.
    (func $alloc (export "alloc") (param $align i32) (param $size i32) (result i32)
      (local $ptr i32)
      (local $end i32)
      (local $have i32)
      (local.set $ptr
        (i32.and (i32.add (global.get $bump) (i32.sub (local.get $align) (i32.const 1)))
                 (i32.sub (i32.const 0) (local.get $align))))
      (local.set $end (i32.add (local.get $ptr) (local.get $size)))
      (local.set $have (i32.shl (memory.size) (i32.const 16)))
      (if (i32.gt_u (local.get $end) (local.get $have))
        (then
          (if (i32.eq (i32.const -1)
                (memory.grow (i32.shr_u
                  (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 0xffff))
                  (i32.const 16))))
            (then unreachable))))
      (global.set $bump (local.get $end))
      (local.get $ptr))
    ;; The canonical ABI's allocator: the runtime calls it with old = 0 to
    ;; place strings and lists it passes in. A real realloc copies the old
    ;; bytes; bump allocation never frees, `reset` reclaims everything.
    (func (export "cabi_realloc")
      (param $old i32) (param $old-size i32) (param $align i32) (param $new-size i32)
      (result i32)
      (local $new i32)
      (local.set $new (call $alloc (local.get $align) (local.get $new-size)))
      (if (local.get $old)
        (then
          (memory.copy (local.get $new) (local.get $old)
            (select (local.get $old-size) (local.get $new-size)
                    (i32.lt_u (local.get $old-size) (local.get $new-size))))))
      (local.get $new))
    ;; Frees every allocation: called by post-return, once the runtime has
    ;; read a result (nothing outlives a call in this program).
    (func (export "reset") (global.set $bump (global.get $heap-base)))
  )
  (core instance $libc-inst (instantiate $libc))
  (alias core export $libc-inst "memory" (core memory $memory))
  (alias core export $libc-inst "cabi_realloc" (core func $realloc))

  ;; Host functions lowered into core functions. Results that flatten to more
  ;; than one value are written by the runtime to a return pointer passed as
  ;; the last argument; strings and lists it returns are placed with realloc.
  (core func $h-bool (canon lower (func $host "echo-bool")))
  (core func $h-ints (canon lower (func $host "echo-ints") (memory $memory)))
  (core func $h-floats (canon lower (func $host "echo-floats") (memory $memory)))
  (core func $h-char (canon lower (func $host "echo-char")))
  (core func $h-string (canon lower (func $host "echo-string") (memory $memory) (realloc $realloc)))
  (core func $h-bytes (canon lower (func $host "echo-bytes") (memory $memory) (realloc $realloc)))
  (core func $h-strings (canon lower (func $host "echo-strings") (memory $memory) (realloc $realloc)))
  (core func $h-record (canon lower (func $host "echo-record") (memory $memory) (realloc $realloc)))
  (core func $h-tuple (canon lower (func $host "echo-tuple") (memory $memory) (realloc $realloc)))
  (core func $h-variant (canon lower (func $host "echo-variant") (memory $memory) (realloc $realloc)))
  (core func $h-enum (canon lower (func $host "echo-enum")))
  (core func $h-option (canon lower (func $host "echo-option") (memory $memory)))
  (core func $h-result (canon lower (func $host "echo-result") (memory $memory) (realloc $realloc)))
  (core func $h-unit-result (canon lower (func $host "echo-unit-result")))
  (core func $h-flags (canon lower (func $host "echo-flags")))
  (core func $h-new (canon lower (func $host "[constructor]counter")))
  (core func $h-get (canon lower (func $host "[method]counter.get")))
  (core func $h-consume (canon lower (func $host "[static]counter.consume")))

  (core module $main
    (type $i-i (func (param i32) (result i32)))
    (type $ii-i (func (param i32 i32) (result i32)))
    (type $iii-i (func (param i32 i32 i32) (result i32)))
    (type $iii (func (param i32 i32 i32)))
    (type $iiii (func (param i32 i32 i32 i32)))

    (import "libc" "memory" (memory 1))
    (import "libc" "alloc" (func $alloc (param i32 i32) (result i32)))
    (import "libc" "cabi_realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
    (import "libc" "reset" (func $reset))

    (import "kiln:test/host" "echo-bool" (func $h-bool (type $i-i)))
    (import "kiln:test/host" "echo-ints"
      (func $h-ints (param i32 i32 i32 i32 i32 i32 i64 i64 i32)))
    (import "kiln:test/host" "echo-floats" (func $h-floats (param f32 f64 i32)))
    (import "kiln:test/host" "echo-char" (func $h-char (type $i-i)))
    (import "kiln:test/host" "echo-string" (func $h-string (type $iii)))
    (import "kiln:test/host" "echo-bytes" (func $h-bytes (type $iii)))
    (import "kiln:test/host" "echo-strings" (func $h-strings (type $iii)))
    (import "kiln:test/host" "echo-record" (func $h-record (param i32 i64 i32 i32 i32)))
    (import "kiln:test/host" "echo-tuple" (func $h-tuple (type $iiii)))
    (import "kiln:test/host" "echo-variant" (func $h-variant (type $iiii)))
    (import "kiln:test/host" "echo-enum" (func $h-enum (type $i-i)))
    (import "kiln:test/host" "echo-option" (func $h-option (type $iii)))
    (import "kiln:test/host" "echo-result" (func $h-result (type $iiii)))
    (import "kiln:test/host" "echo-unit-result" (func $h-unit-result (type $i-i)))
    (import "kiln:test/host" "echo-flags" (func $h-flags (type $i-i)))
    (import "kiln:test/host" "[constructor]counter" (func $h-new (type $i-i)))
    (import "kiln:test/host" "[method]counter.get" (func $h-get (type $i-i)))
    (import "kiln:test/host" "[static]counter.consume" (func $h-consume (type $i-i)))

    ;; The usual exports of a component's main module.
    (export "memory" (memory 0))
    (export "cabi_realloc" (func $realloc))
    ;; Post-return for every function returning through memory: its only
    ;; argument is the returned pointer; the result has been read, so free.
    (func (export "cabi_post_return") (param i32) (call $reset))

    ;; ---- kiln:test/echo: results rebuilt from the flat arguments ----

    ;; bool, char, enum, flags (10 flags fit one i32) and a payload-less
    ;; result all flatten to one i32 each way: return the argument.
    (func $echo-i32 (export "echo#i32") (type $i-i) (local.get 0))

    (func (export "echo#echo-ints")
      (param $a i32) (param $b i32) (param $c i32) (param $d i32)
      (param $e i32) (param $f i32) (param $g i64) (param $h i64) (result i32)
      (local $p i32)
      (local.set $p (call $alloc (i32.const 8) (i32.const 32)))
      (i32.store8 offset=0 (local.get $p) (local.get $a))
      (i32.store8 offset=1 (local.get $p) (local.get $b))
      (i32.store16 offset=2 (local.get $p) (local.get $c))
      (i32.store16 offset=4 (local.get $p) (local.get $d))
      (i32.store offset=8 (local.get $p) (local.get $e))
      (i32.store offset=12 (local.get $p) (local.get $f))
      (i64.store offset=16 (local.get $p) (local.get $g))
      (i64.store offset=24 (local.get $p) (local.get $h))
      (local.get $p))

    (func (export "echo#echo-floats") (param $a f32) (param $b f64) (result i32)
      (local $p i32)
      (local.set $p (call $alloc (i32.const 8) (i32.const 16)))
      (f32.store offset=0 (local.get $p) (local.get $a))
      (f64.store offset=8 (local.get $p) (local.get $b))
      (local.get $p))

    ;; string, list<u8>, list<string> and option<u32> flatten to two i32s
    ;; stored at 0 and 4. The strings/lists were copied into our memory by
    ;; the runtime (cabi_realloc): we hand back the same pointer and length.
    ;; For option the tag is stored as an i32, which writes the u8 tag and
    ;; zeroes the padding bytes.
    (func $echo-pair (export "echo#pair") (type $ii-i)
      (local $p i32)
      (local.set $p (call $alloc (i32.const 4) (i32.const 8)))
      (i32.store offset=0 (local.get $p) (local.get 0))
      (i32.store offset=4 (local.get $p) (local.get 1))
      (local.get $p))

    (func (export "echo#echo-record")
      (param $a i32) (param $b i64) (param $ptr i32) (param $len i32) (result i32)
      (local $p i32)
      (local.set $p (call $alloc (i32.const 8) (i32.const 24)))
      (i32.store8 offset=0 (local.get $p) (local.get $a))
      (i64.store offset=8 (local.get $p) (local.get $b))
      (i32.store offset=16 (local.get $p) (local.get $ptr))
      (i32.store offset=20 (local.get $p) (local.get $len))
      (local.get $p))

    ;; tuple<u32,string>, shape and result<u32,string> flatten to three i32s
    ;; stored at 0, 4 and 8. For the variants the first is the tag (stored as
    ;; an i32: the u8 tag plus zeroed padding) and the payload is
    ;; reinterpreted as i32s: an f32 `circle` arrives as its bit pattern in
    ;; an i32, so storing it at 4 writes the f32. Cases with a shorter (or no)
    ;; payload leave the rest of the flat values unused; storing them only
    ;; touches bytes of the payload area that the case does not read.
    (func $echo-triple (export "echo#triple") (type $iii-i)
      (local $p i32)
      (local.set $p (call $alloc (i32.const 4) (i32.const 12)))
      (i32.store offset=0 (local.get $p) (local.get 0))
      (i32.store offset=4 (local.get $p) (local.get 1))
      (i32.store offset=8 (local.get $p) (local.get 2))
      (local.get $p))

    ;; ---- kiln:test/via-host: same arguments to the host, its result back ----
    ;; For results through memory we allocate the return area the host writes
    ;; to, and return that pointer: the layouts are the same both ways.

    (func (export "via#echo-bool") (type $i-i) (call $h-bool (local.get 0)))
    (func (export "via#echo-ints")
      (param i32 i32 i32 i32 i32 i32 i64 i64) (result i32)
      (local $p i32)
      (local.set $p (call $alloc (i32.const 8) (i32.const 32)))
      (call $h-ints (local.get 0) (local.get 1) (local.get 2) (local.get 3)
                    (local.get 4) (local.get 5) (local.get 6) (local.get 7)
                    (local.get $p))
      (local.get $p))
    (func (export "via#echo-floats") (param f32 f64) (result i32)
      (local $p i32)
      (local.set $p (call $alloc (i32.const 8) (i32.const 16)))
      (call $h-floats (local.get 0) (local.get 1) (local.get $p))
      (local.get $p))
    (func (export "via#echo-char") (type $i-i) (call $h-char (local.get 0)))
    (func (export "via#echo-string") (type $ii-i)
      (local $p i32)
      (local.set $p (call $alloc (i32.const 4) (i32.const 8)))
      (call $h-string (local.get 0) (local.get 1) (local.get $p))
      (local.get $p))
    (func (export "via#echo-bytes") (type $ii-i)
      (local $p i32)
      (local.set $p (call $alloc (i32.const 4) (i32.const 8)))
      (call $h-bytes (local.get 0) (local.get 1) (local.get $p))
      (local.get $p))
    (func (export "via#echo-strings") (type $ii-i)
      (local $p i32)
      (local.set $p (call $alloc (i32.const 4) (i32.const 8)))
      (call $h-strings (local.get 0) (local.get 1) (local.get $p))
      (local.get $p))
    (func (export "via#echo-record") (param i32 i64 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (call $alloc (i32.const 8) (i32.const 24)))
      (call $h-record (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get $p))
      (local.get $p))
    (func (export "via#echo-tuple") (type $iii-i)
      (local $p i32)
      (local.set $p (call $alloc (i32.const 4) (i32.const 12)))
      (call $h-tuple (local.get 0) (local.get 1) (local.get 2) (local.get $p))
      (local.get $p))
    (func (export "via#echo-variant") (type $iii-i)
      (local $p i32)
      (local.set $p (call $alloc (i32.const 4) (i32.const 12)))
      (call $h-variant (local.get 0) (local.get 1) (local.get 2) (local.get $p))
      (local.get $p))
    (func (export "via#echo-enum") (type $i-i) (call $h-enum (local.get 0)))
    (func (export "via#echo-option") (type $ii-i)
      (local $p i32)
      (local.set $p (call $alloc (i32.const 4) (i32.const 8)))
      (call $h-option (local.get 0) (local.get 1) (local.get $p))
      (local.get $p))
    (func (export "via#echo-result") (type $iii-i)
      (local $p i32)
      (local.set $p (call $alloc (i32.const 4) (i32.const 12)))
      (call $h-result (local.get 0) (local.get 1) (local.get 2) (local.get $p))
      (local.get $p))
    (func (export "via#echo-unit-result") (type $i-i) (call $h-unit-result (local.get 0)))
    (func (export "via#echo-flags") (type $i-i) (call $h-flags (local.get 0)))

    ;; counter-roundtrip(init) -> tuple<u32, u32>: (get(c), consume(c)) for
    ;; c = counter(init). `get` borrows the handle (it stays ours); `consume`
    ;; takes ownership, so no resource.drop is needed afterwards.
    (func (export "via#counter-roundtrip") (type $i-i)
      (local $handle i32)
      (local $p i32)
      (local.set $handle (call $h-new (local.get 0)))
      (local.set $p (call $alloc (i32.const 4) (i32.const 8)))
      (i32.store offset=0 (local.get $p) (call $h-get (local.get $handle)))
      (i32.store offset=4 (local.get $p) (call $h-consume (local.get $handle)))
      (local.get $p))
  )

  (core instance $main-inst (instantiate $main
    (with "libc" (instance $libc-inst))
    (with "kiln:test/host" (instance
      (export "echo-bool" (func $h-bool))
      (export "echo-ints" (func $h-ints))
      (export "echo-floats" (func $h-floats))
      (export "echo-char" (func $h-char))
      (export "echo-string" (func $h-string))
      (export "echo-bytes" (func $h-bytes))
      (export "echo-strings" (func $h-strings))
      (export "echo-record" (func $h-record))
      (export "echo-tuple" (func $h-tuple))
      (export "echo-variant" (func $h-variant))
      (export "echo-enum" (func $h-enum))
      (export "echo-option" (func $h-option))
      (export "echo-result" (func $h-result))
      (export "echo-unit-result" (func $h-unit-result))
      (export "echo-flags" (func $h-flags))
      (export "[constructor]counter" (func $h-new))
      (export "[method]counter.get" (func $h-get))
      (export "[static]counter.consume" (func $h-consume))))
  ))
  (alias core export $main-inst "cabi_post_return" (core func $post-return))

  ;; Component-level function types, shared by both exported interfaces.
  (type $t-bool (func (param "x" bool) (result bool)))
  (type $t-ints (func
    (param "a" s8) (param "b" u8) (param "c" s16) (param "d" u16)
    (param "e" s32) (param "f" u32) (param "g" s64) (param "h" u64)
    (result (tuple s8 u8 s16 u16 s32 u32 s64 u64))))
  (type $t-floats (func (param "a" f32) (param "b" f64) (result (tuple f32 f64))))
  (type $t-char (func (param "x" char) (result char)))
  (type $t-string (func (param "x" string) (result string)))
  (type $t-bytes (func (param "x" (list u8)) (result (list u8))))
  (type $t-strings (func (param "x" (list string)) (result (list string))))
  (type $t-record (func (param "x" $rec) (result $rec)))
  (type $t-tuple (func (param "x" (tuple u32 string)) (result (tuple u32 string))))
  (type $t-variant (func (param "x" $shape) (result $shape)))
  (type $t-enum (func (param "x" $color) (result $color)))
  (type $t-option (func (param "x" (option u32)) (result (option u32))))
  (type $t-result (func (param "x" (result u32 (error string)))
                        (result (result u32 (error string)))))
  (type $t-unit-result (func (param "x" (result)) (result (result))))
  (type $t-flags (func (param "x" $perms) (result $perms)))
  (type $t-roundtrip (func (param "init" u32) (result (tuple u32 u32))))

  ;; kiln:test/echo. One-i32 functions need no options; the rest read
  ;; their strings/lists from (and return through) memory, receive them via
  ;; realloc, and free with post-return.
  (func $e-bool (type $t-bool) (canon lift (core func $main-inst "echo#i32")))
  (func $e-ints (type $t-ints) (canon lift (core func $main-inst "echo#echo-ints")
    (memory $memory) (post-return $post-return)))
  (func $e-floats (type $t-floats) (canon lift (core func $main-inst "echo#echo-floats")
    (memory $memory) (post-return $post-return)))
  (func $e-char (type $t-char) (canon lift (core func $main-inst "echo#i32")))
  (func $e-string (type $t-string) (canon lift (core func $main-inst "echo#pair")
    (memory $memory) (realloc $realloc) (post-return $post-return)))
  (func $e-bytes (type $t-bytes) (canon lift (core func $main-inst "echo#pair")
    (memory $memory) (realloc $realloc) (post-return $post-return)))
  (func $e-strings (type $t-strings) (canon lift (core func $main-inst "echo#pair")
    (memory $memory) (realloc $realloc) (post-return $post-return)))
  (func $e-record (type $t-record) (canon lift (core func $main-inst "echo#echo-record")
    (memory $memory) (realloc $realloc) (post-return $post-return)))
  (func $e-tuple (type $t-tuple) (canon lift (core func $main-inst "echo#triple")
    (memory $memory) (realloc $realloc) (post-return $post-return)))
  (func $e-variant (type $t-variant) (canon lift (core func $main-inst "echo#triple")
    (memory $memory) (realloc $realloc) (post-return $post-return)))
  (func $e-enum (type $t-enum) (canon lift (core func $main-inst "echo#i32")))
  (func $e-option (type $t-option) (canon lift (core func $main-inst "echo#pair")
    (memory $memory) (post-return $post-return)))
  (func $e-result (type $t-result) (canon lift (core func $main-inst "echo#triple")
    (memory $memory) (realloc $realloc) (post-return $post-return)))
  (func $e-unit-result (type $t-unit-result) (canon lift (core func $main-inst "echo#i32")))
  (func $e-flags (type $t-flags) (canon lift (core func $main-inst "echo#i32")))
  (instance $echo
    (export "echo-bool" (func $e-bool))
    (export "echo-ints" (func $e-ints))
    (export "echo-floats" (func $e-floats))
    (export "echo-char" (func $e-char))
    (export "echo-string" (func $e-string))
    (export "echo-bytes" (func $e-bytes))
    (export "echo-strings" (func $e-strings))
    (export "echo-record" (func $e-record))
    (export "echo-tuple" (func $e-tuple))
    (export "echo-variant" (func $e-variant))
    (export "echo-enum" (func $e-enum))
    (export "echo-option" (func $e-option))
    (export "echo-result" (func $e-result))
    (export "echo-unit-result" (func $e-unit-result))
    (export "echo-flags" (func $e-flags))
  )
  (export "kiln:test/echo" (instance $echo))

  ;; kiln:test/via-host: same types, forwarding to the host.
  (func $v-bool (type $t-bool) (canon lift (core func $main-inst "via#echo-bool")))
  (func $v-ints (type $t-ints) (canon lift (core func $main-inst "via#echo-ints")
    (memory $memory) (post-return $post-return)))
  (func $v-floats (type $t-floats) (canon lift (core func $main-inst "via#echo-floats")
    (memory $memory) (post-return $post-return)))
  (func $v-char (type $t-char) (canon lift (core func $main-inst "via#echo-char")))
  (func $v-string (type $t-string) (canon lift (core func $main-inst "via#echo-string")
    (memory $memory) (realloc $realloc) (post-return $post-return)))
  (func $v-bytes (type $t-bytes) (canon lift (core func $main-inst "via#echo-bytes")
    (memory $memory) (realloc $realloc) (post-return $post-return)))
  (func $v-strings (type $t-strings) (canon lift (core func $main-inst "via#echo-strings")
    (memory $memory) (realloc $realloc) (post-return $post-return)))
  (func $v-record (type $t-record) (canon lift (core func $main-inst "via#echo-record")
    (memory $memory) (realloc $realloc) (post-return $post-return)))
  (func $v-tuple (type $t-tuple) (canon lift (core func $main-inst "via#echo-tuple")
    (memory $memory) (realloc $realloc) (post-return $post-return)))
  (func $v-variant (type $t-variant) (canon lift (core func $main-inst "via#echo-variant")
    (memory $memory) (realloc $realloc) (post-return $post-return)))
  (func $v-enum (type $t-enum) (canon lift (core func $main-inst "via#echo-enum")))
  (func $v-option (type $t-option) (canon lift (core func $main-inst "via#echo-option")
    (memory $memory) (post-return $post-return)))
  (func $v-result (type $t-result) (canon lift (core func $main-inst "via#echo-result")
    (memory $memory) (realloc $realloc) (post-return $post-return)))
  (func $v-unit-result (type $t-unit-result) (canon lift (core func $main-inst "via#echo-unit-result")))
  (func $v-flags (type $t-flags) (canon lift (core func $main-inst "via#echo-flags")))
  (func $v-roundtrip (type $t-roundtrip) (canon lift (core func $main-inst "via#counter-roundtrip")
    (memory $memory) (post-return $post-return)))
  (instance $via-host
    (export "echo-bool" (func $v-bool))
    (export "echo-ints" (func $v-ints))
    (export "echo-floats" (func $v-floats))
    (export "echo-char" (func $v-char))
    (export "echo-string" (func $v-string))
    (export "echo-bytes" (func $v-bytes))
    (export "echo-strings" (func $v-strings))
    (export "echo-record" (func $v-record))
    (export "echo-tuple" (func $v-tuple))
    (export "echo-variant" (func $v-variant))
    (export "echo-enum" (func $v-enum))
    (export "echo-option" (func $v-option))
    (export "echo-result" (func $v-result))
    (export "echo-unit-result" (func $v-unit-result))
    (export "echo-flags" (func $v-flags))
    (export "counter-roundtrip" (func $v-roundtrip))
  )
  (export "kiln:test/via-host" (instance $via-host))
)
