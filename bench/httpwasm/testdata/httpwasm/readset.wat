;; Read X-In, set X-Out to its first value, on the http-wasm ABI.
(module
  (import "http_handler" "get_header_values"
    (func $get_header_values (param i32 i32 i32 i32 i32) (result i64)))
  (import "http_handler" "set_header_value"
    (func $set_header_value (param i32 i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "X-In")
  (data (i32.const 8) "X-Out")
  (func (export "handle_request") (result i64)
    (local $countLen i64) (local $n i32) (local $i i32)
    ;; The result packs the count of values (high half) and the length
    ;; of the NUL-terminated list (low half).
    (local.set $countLen (call $get_header_values (i32.const 0) (i32.const 0) (i32.const 4)
      (i32.const 1024) (i32.const 2048)))
    (local.set $n (i32.wrap_i64 (local.get $countLen)))
    (if (i64.eqz (i64.shr_u (local.get $countLen) (i64.const 32)))
      (then (return (i64.const 1))))
    (if (i32.gt_u (local.get $n) (i32.const 2048))
      (then (return (i64.const 1))))
    (block $done
      (loop $scan
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (br_if $done (i32.eqz (i32.load8_u (i32.add (i32.const 1024) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    (if (i32.gt_u (local.get $i) (i32.const 0))
      (then (call $set_header_value (i32.const 0) (i32.const 8) (i32.const 5)
        (i32.const 1024) (local.get $i))))
    i64.const 1)
  (func (export "handle_response") (param i32 i32)))
