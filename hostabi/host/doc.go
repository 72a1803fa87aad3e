// Package host implements Gojinn's host functions: the module "gojinn"
// that guests import, acting on a request's Exchange. Names, numbers and
// limits come from package hostabi; docs/ABI.md specifies each function.
package host
