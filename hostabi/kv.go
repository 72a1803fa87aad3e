package hostabi

// Shared state: the key-value functions (docs/ABI.md, "Key-value
// stores"). A filter opens a store by name during configure, among those
// its host configuration grants it, and then calls one atomic operation
// on one key per call: what a remote store does in one round trip.

// Host function names of the key-value stores, in the ABI table after
// the others.
const (
	FuncKVOpen        = "kv_open"
	FuncKVGet         = "kv_get"
	FuncKVSet         = "kv_set"
	FuncKVSetIfAbsent = "kv_set_if_absent"
	FuncKVCAS         = "kv_cas"
	FuncKVIncr        = "kv_incr"
	FuncKVDelete      = "kv_delete"
)

// Limits of the key-value functions. A store may set smaller ones of its
// own; either way an entry over them is ErrTooLarge.
const (
	// MaxKVStores bounds the stores one instance opens.
	MaxKVStores = 16
	// MaxKVNameLen bounds a store's name.
	MaxKVNameLen = 64
	// MaxKVKeyLen bounds a key; a key is never empty.
	MaxKVKeyLen = 1 << 10
	// MaxKVValueLen bounds a value.
	MaxKVValueLen = 64 << 10
	// KVCountLen is the size of the count kv_incr writes: a signed
	// 64-bit integer, little-endian, since every parameter and result
	// of the ABI is an i32.
	KVCountLen = 8
)
