// Package keyset holds the signature keys behind Gojinn's keyset_open and
// signature_verify host functions, so that guests verify JWS signatures
// with native crypto instead of doing RSA or ECDSA inside wasm.
//
// A Registry turns a spec (JSON, below) into a Set. Identical spec bytes
// share one Set, so a filter's instances share keys and one JWKS poller.
// Keys are parsed once, when a Set is opened or a JWKS is fetched; Verify
// only looks keys up and runs the primitive.
//
// # Spec
//
// A spec is a JSON object with one or more key sources. Unknown members are
// an error, so that a typo does not silently drop a source.
//
//	{
//	  "jwks":                 {"keys": [...]},   inline JWK Set (RFC 7517), or a single JWK
//	  "jwks_file":            "path",            JWK Set read once, at open
//	  "jwks_url":             "https://...",     JWK Set fetched and kept fresh by the host
//	  "refresh":              "15m",             jwks_url refresh interval (default 15m, min 1s)
//	  "min_refetch_interval": "30s",             least time between two fetches caused by an
//	                                             unknown kid or a failed fetch (default 30s)
//	  "fetch_timeout":        "5s",              bound on one jwks_url fetch (default 5s)
//	  "pem":                  ["-----BEGIN PUBLIC KEY-----..."],  PEM public keys or certificates
//	  "pem_files":            ["path"],          the same, read once, at open
//	  "hmac_env":             "NAME",            environment variable holding an HMAC secret (raw bytes)
//	  "hmac_alg":             "HS256"            the one algorithm that secret may verify (default HS256)
//	}
//
// Durations use Go syntax (time.ParseDuration). A jwks_url must be https,
// except on a loopback host (localhost, 127.0.0.0/8, ::1); the default
// HTTP client follows redirects only under the same rule.
//
// # Keys and algorithms
//
// Supported algorithms (RFC 7518, RFC 8037): HS256, HS384, HS512, RS256,
// RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512 and EdDSA
// (Ed25519). "none" and any other name are refused.
//
// Every key is bound to the algorithms of its type, so a public key can
// never be used as an HMAC secret (algorithm confusion):
//   - oct (HMAC secrets): HS*; only from jwks, jwks_file or hmac_env,
//     never from a jwks_url, since a published secret is no secret. A
//     secret must be at least as long as the hash output (32, 48 or 64
//     bytes; RFC 7518 section 3.2).
//   - RSA: RS* and PS*, modulus of 2048 bits or more. PS* uses a salt the
//     length of the hash, as RFC 7518 section 3.5 requires.
//   - EC: ES256 with P-256, ES384 with P-384, ES512 with P-521. ECDSA
//     signatures are the JWS form, r||s of fixed length, not ASN.1.
//   - OKP: EdDSA with Ed25519.
//
// A JWK's "alg" narrows its key to that one algorithm. JWKs with use
// "enc", with key_ops lacking "verify", with a kty or alg this package does
// not know are skipped, as RFC 7517 section 5 suggests. A JWK that holds
// private key material ("d") is refused: only public keys belong here.
// Inline and file sources are strict (a malformed key fails the open); a
// jwks_url is lenient (a malformed key is logged and skipped) so that one
// bad key published by an identity provider does not lock everyone out.
//
// # Key selection
//
// With a kid, only the keys with that kid are tried. When there is none,
// a jwks_url is refetched (at most once per min_refetch_interval; Verify
// waits for it at most Options.MaxVerifyWait) and then keys without a kid
// (pem, pem_files, hmac_env), which the operator configured explicitly,
// are tried. Without a kid, every key that fits the algorithm is tried.
//
// # Remote key sets
//
// Open never waits for a jwks_url: the first fetch runs in the
// background, bounded by fetch_timeout, so a slow or unreachable identity
// provider cannot fail or time out the caller (for Gojinn, the guest's
// configure call, which runs under the filter's time limit). Until a
// fetch succeeds, Verify answers ErrUnavailable for the keys the URL
// would bring, at once and without waiting for the provider; failures
// are logged, and the refresher retries every min_refetch_interval (at
// least 1s) until then, and every refresh interval after. Later fetches
// that fail keep the last good keys.
package keyset
