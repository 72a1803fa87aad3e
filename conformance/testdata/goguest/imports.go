package main

// The host functions with every pointer as a plain uint32, so that a step
// can hand the host any address at all.

//go:wasmimport gojinn method_get
func hostMethodGet(buf, limit uint32) int32

//go:wasmimport gojinn method_set
func hostMethodSet(ptr, n uint32) int32

//go:wasmimport gojinn uri_get
func hostURIGet(buf, limit uint32) int32

//go:wasmimport gojinn uri_set
func hostURISet(ptr, n uint32) int32

//go:wasmimport gojinn proto_get
func hostProtoGet(buf, limit uint32) int32

//go:wasmimport gojinn client_addr_get
func hostClientAddrGet(buf, limit uint32) int32

//go:wasmimport gojinn header_get
func hostHeaderGet(kind, name, nameLen, buf, limit uint32) int32

//go:wasmimport gojinn header_names
func hostHeaderNames(kind, buf, limit uint32) int32

//go:wasmimport gojinn header_set
func hostHeaderSet(kind, name, nameLen, val, valLen uint32) int32

//go:wasmimport gojinn header_add
func hostHeaderAdd(kind, name, nameLen, val, valLen uint32) int32

//go:wasmimport gojinn header_remove
func hostHeaderRemove(kind, name, nameLen uint32) int32

//go:wasmimport gojinn body_read
func hostBodyRead(kind, buf, limit uint32) int32

//go:wasmimport gojinn body_write
func hostBodyWrite(kind, ptr, n uint32) int32

//go:wasmimport gojinn body_size
func hostBodySize(kind uint32) int32

//go:wasmimport gojinn status_get
func hostStatusGet() int32

//go:wasmimport gojinn status_set
func hostStatusSet(code uint32) int32

//go:wasmimport gojinn var_get
func hostVarGet(name, nameLen, buf, limit uint32) int32

//go:wasmimport gojinn var_set
func hostVarSet(name, nameLen, val, valLen uint32) int32

//go:wasmimport gojinn config_get
func hostConfigGet(buf, limit uint32) int32

//go:wasmimport gojinn features_set
func hostFeaturesSet(flags uint32) int32

//go:wasmimport gojinn log
func hostLog(level int32, ptr, n uint32)

//go:wasmimport gojinn log_enabled
func hostLogEnabled(level int32) int32

//go:wasmimport gojinn keyset_open
func hostKeysetOpen(spec, n uint32) int32

//go:wasmimport gojinn signature_verify
func hostSignatureVerify(keyset int32, alg, algLen, kid, kidLen, msg, msgLen, sig, sigLen uint32) int32

//go:wasmimport gojinn json_get
func hostJSONGet(kind, path, pathLen, buf, limit uint32) int32

//go:wasmimport gojinn json_leaves
func hostJSONLeaves(kind, cursor, buf, limit uint32) int32

//go:wasmimport gojinn regex_compile
func hostRegexCompile(patterns, n uint32) int32

//go:wasmimport gojinn regex_match
func hostRegexMatch(regex int32, target, kind, data, dataLen, buf, limit uint32) int32

//go:wasmimport gojinn regex_find
func hostRegexFind(regex int32, target, kind, data, dataLen, buf, limit uint32) int32

//go:wasmimport gojinn patterns_compile
func hostPatternsCompile(patterns, n, flags uint32) int32

//go:wasmimport gojinn patterns_scan
func hostPatternsScan(set int32, target, kind, data, dataLen, buf, limit uint32) int32

//go:wasmimport gojinn sqli_check
func hostSQLiCheck(target, kind, data, dataLen, buf, limit uint32) int32

//go:wasmimport gojinn xss_check
func hostXSSCheck(target, kind, data, dataLen uint32) int32

//go:wasmimport gojinn trace_context_get
func hostTraceContextGet(buf, limit uint32) int32

//go:wasmimport gojinn kv_open
func hostKVOpen(name, n uint32) int32

//go:wasmimport gojinn kv_get
func hostKVGet(store int32, key, keyLen, buf, limit uint32) int32

//go:wasmimport gojinn kv_set
func hostKVSet(store int32, key, keyLen, value, valueLen uint32, ttlMs int32) int32

//go:wasmimport gojinn kv_set_if_absent
func hostKVSetIfAbsent(store int32, key, keyLen, value, valueLen uint32, ttlMs int32) int32

//go:wasmimport gojinn kv_cas
func hostKVCAS(store int32, key, keyLen, old, oldLen, value, valueLen uint32, ttlMs int32) int32

//go:wasmimport gojinn kv_incr
func hostKVIncr(store int32, key, keyLen uint32, delta, ttlMs int32, count, countLen uint32) int32

//go:wasmimport gojinn kv_delete
func hostKVDelete(store int32, key, keyLen uint32) int32
