// Package rfcjws holds the published JWS examples that the key set and
// the JWT filter are tested against: RFC 7515 appendices A.1 (HS256), A.2
// (RS256) and A.3 (ES256), and RFC 8037 appendix A.4 (EdDSA), each with
// its key as a JWK (public parts only). One copy serves every test.
package rfcjws

import (
	_ "embed"
	"encoding/json"
)

// Vector is one published example.
type Vector struct {
	// Name says where it is published, such as "RFC 7515 A.2 RS256".
	Name string `json:"name"`
	// JWK is the key that verifies Token.
	JWK json.RawMessage `json:"jwk"`
	// Token is the compact JWS.
	Token string `json:"token"`
}

//go:embed vectors.json
var vectorsJSON []byte

// Vectors returns the examples, in publication order.
func Vectors() []Vector {
	var v []Vector
	if err := json.Unmarshal(vectorsJSON, &v); err != nil {
		// The file is part of the package: a parse error is a broken
		// build, not an input to handle.
		panic("rfcjws: " + err.Error())
	}
	return v
}
