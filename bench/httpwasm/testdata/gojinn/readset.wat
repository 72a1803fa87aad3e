;; Read X-In, set X-Out to its first value, on Gojinn's ABI.
(module
  (import "gojinn" "header_get"
    (func $header_get (param i32 i32 i32 i32 i32) (result i32)))
  (import "gojinn" "header_set"
    (func $header_set (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "X-In")
  (data (i32.const 8) "X-Out")
  ;; values are read into 1024..3072
  (func (export "gojinn_abi_v1"))
  (func (export "gojinn_on_request") (result i32)
    (local $n i32) (local $i i32)
    ;; n = header_get(request, "X-In", buf, 2048): the values' length,
    ;; NUL-separated; negative when absent.
    (local.set $n (call $header_get (i32.const 0) (i32.const 0) (i32.const 4)
      (i32.const 1024) (i32.const 2048)))
    (if (i32.or (i32.le_s (local.get $n) (i32.const 0))
                (i32.gt_s (local.get $n) (i32.const 2048)))
      (then (return (i32.const 0))))
    ;; The first value ends at the first NUL.
    (block $done
      (loop $scan
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (br_if $done (i32.eqz (i32.load8_u (i32.add (i32.const 1024) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    (if (i32.gt_u (local.get $i) (i32.const 0))
      (then (drop (call $header_set (i32.const 0) (i32.const 8) (i32.const 5)
        (i32.const 1024) (local.get $i)))))
    i32.const 0))
