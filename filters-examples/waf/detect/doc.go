// Package detect is the detection engine of Gojinn's WAF filter: plain Go,
// so that it runs natively (tests, benchmarks, evaluation) exactly as it
// runs inside the wasm filter.
//
// An Engine is built once per configuration (New) and scores requests
// (Inspect) by anomaly: each rule that matches adds its score, weighted
// by its class, and a request whose score reaches the threshold is an
// attack. A rule scores once per request.
//
// A request is split into values (path, argument names and values,
// headers, cookies, file names, body fields per content type). Each value
// is decoded once into views (see forms); one Aho-Corasick pass over it
// finds which rules' literal keywords it holds, and only those rules run
// their regexp or check. Rule tables live in rules_*.go, one file per
// attack class; protocol checks, which look at the request as a whole,
// in protocol.go.
package detect
