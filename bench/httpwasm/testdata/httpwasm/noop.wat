;; The no-op handler on the http-wasm ABI: it passes the request on.
(module
  (memory (export "memory") 1)
  (func (export "handle_request") (result i64)
    i64.const 1) ;; next = 1, ctx = 0
  (func (export "handle_response") (param i32 i32)))
