;; The no-op filter on Gojinn's ABI: it continues at once.
(module
  (memory (export "memory") 1)
  (func (export "gojinn_abi_v1"))
  (func (export "gojinn_on_request") (result i32)
    i32.const 0)) ;; continue
