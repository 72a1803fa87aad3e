//go:build wasip1

package guest

import "unsafe"

// The host functions, exactly as docs/ABI.md declares them. Only integers
// and (pointer, length) pairs cross the boundary.

//go:wasmimport gojinn method_get
func methodGet(buf unsafe.Pointer, limit uint32) int32

//go:wasmimport gojinn method_set
func methodSet(method unsafe.Pointer, methodLen uint32) int32

//go:wasmimport gojinn uri_get
func uriGet(buf unsafe.Pointer, limit uint32) int32

//go:wasmimport gojinn uri_set
func uriSet(uri unsafe.Pointer, uriLen uint32) int32

//go:wasmimport gojinn proto_get
func protoGet(buf unsafe.Pointer, limit uint32) int32

//go:wasmimport gojinn client_addr_get
func clientAddrGet(buf unsafe.Pointer, limit uint32) int32

//go:wasmimport gojinn header_get
func headerGet(kind uint32, name unsafe.Pointer, nameLen uint32, buf unsafe.Pointer, limit uint32) int32

//go:wasmimport gojinn header_names
func headerNames(kind uint32, buf unsafe.Pointer, limit uint32) int32

//go:wasmimport gojinn header_set
func headerSet(kind uint32, name unsafe.Pointer, nameLen uint32, value unsafe.Pointer, valueLen uint32) int32

//go:wasmimport gojinn header_add
func headerAdd(kind uint32, name unsafe.Pointer, nameLen uint32, value unsafe.Pointer, valueLen uint32) int32

//go:wasmimport gojinn header_remove
func headerRemove(kind uint32, name unsafe.Pointer, nameLen uint32) int32

//go:wasmimport gojinn body_read
func bodyRead(kind uint32, buf unsafe.Pointer, limit uint32) int32

//go:wasmimport gojinn body_write
func bodyWrite(kind uint32, body unsafe.Pointer, bodyLen uint32) int32

//go:wasmimport gojinn body_size
func bodySize(kind uint32) int32

//go:wasmimport gojinn status_get
func statusGet() int32

//go:wasmimport gojinn status_set
func statusSet(status uint32) int32

//go:wasmimport gojinn var_get
func varGet(name unsafe.Pointer, nameLen uint32, buf unsafe.Pointer, limit uint32) int32

//go:wasmimport gojinn var_set
func varSet(name unsafe.Pointer, nameLen uint32, value unsafe.Pointer, valueLen uint32) int32

//go:wasmimport gojinn config_get
func configGet(buf unsafe.Pointer, limit uint32) int32

//go:wasmimport gojinn features_set
func featuresSet(flags uint32) int32

//go:wasmimport gojinn log
func logWrite(level int32, msg unsafe.Pointer, msgLen uint32)

//go:wasmimport gojinn log_enabled
func logEnabled(level int32) int32

//go:wasmimport gojinn keyset_open
func keysetOpen(spec unsafe.Pointer, specLen uint32) int32

//go:wasmimport gojinn signature_verify
func signatureVerify(keyset int32, alg unsafe.Pointer, algLen uint32, kid unsafe.Pointer, kidLen uint32,
	msg unsafe.Pointer, msgLen uint32, sig unsafe.Pointer, sigLen uint32) int32

//go:wasmimport gojinn json_get
func jsonGet(kind uint32, path unsafe.Pointer, pathLen uint32, buf unsafe.Pointer, limit uint32) int32

//go:wasmimport gojinn json_leaves
func jsonLeaves(kind uint32, cursor uint32, buf unsafe.Pointer, limit uint32) int32

//go:wasmimport gojinn regex_compile
func regexCompile(patterns unsafe.Pointer, patternsLen uint32) int32

//go:wasmimport gojinn regex_match
func regexMatch(regex int32, target uint32, kind uint32, data unsafe.Pointer, dataLen uint32, buf unsafe.Pointer, limit uint32) int32

//go:wasmimport gojinn regex_find
func regexFind(regex int32, target uint32, kind uint32, data unsafe.Pointer, dataLen uint32, buf unsafe.Pointer, limit uint32) int32

//go:wasmimport gojinn patterns_compile
func patternsCompile(patterns unsafe.Pointer, patternsLen uint32, flags uint32) int32

//go:wasmimport gojinn patterns_scan
func patternsScan(set int32, target uint32, kind uint32, data unsafe.Pointer, dataLen uint32, buf unsafe.Pointer, limit uint32) int32

//go:wasmimport gojinn sqli_check
func sqliCheck(target uint32, kind uint32, data unsafe.Pointer, dataLen uint32, buf unsafe.Pointer, limit uint32) int32

//go:wasmimport gojinn xss_check
func xssCheck(target uint32, kind uint32, data unsafe.Pointer, dataLen uint32) int32

//go:wasmimport gojinn trace_context_get
func traceContextGet(buf unsafe.Pointer, limit uint32) int32

//go:wasmimport gojinn kv_open
func kvOpen(name unsafe.Pointer, nameLen uint32) int32

//go:wasmimport gojinn kv_get
func kvGet(store int32, key unsafe.Pointer, keyLen uint32, buf unsafe.Pointer, limit uint32) int32

//go:wasmimport gojinn kv_set
func kvSet(store int32, key unsafe.Pointer, keyLen uint32, value unsafe.Pointer, valueLen uint32, ttlMs int32) int32

//go:wasmimport gojinn kv_set_if_absent
func kvSetIfAbsent(store int32, key unsafe.Pointer, keyLen uint32, value unsafe.Pointer, valueLen uint32, ttlMs int32) int32

//go:wasmimport gojinn kv_cas
func kvCAS(store int32, key unsafe.Pointer, keyLen uint32, old unsafe.Pointer, oldLen uint32, value unsafe.Pointer, valueLen uint32, ttlMs int32) int32

//go:wasmimport gojinn kv_incr
func kvIncr(store int32, key unsafe.Pointer, keyLen uint32, delta int32, ttlMs int32, count unsafe.Pointer, countLen uint32) int32

//go:wasmimport gojinn kv_delete
func kvDelete(store int32, key unsafe.Pointer, keyLen uint32) int32
