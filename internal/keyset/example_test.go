package keyset_test

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/gojinn/gojinn/internal/keyset"
)

// The host opens a set once per spec, at configure time, and verifies
// with it on every request.
func Example() {
	r := keyset.NewRegistry(keyset.Options{})
	defer r.Close()
	// RFC 8037 appendix A.4: an Ed25519 key and a JWS signed with it.
	set, err := r.Open([]byte(`{"jwks":{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"ed",
		"x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	jws := "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc." +
		"hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
	dot := strings.LastIndexByte(jws, '.')
	sig, _ := base64.RawURLEncoding.DecodeString(jws[dot+1:])
	msg := []byte(jws[:dot])

	fmt.Println(set.Verify("EdDSA", "ed", msg, sig))
	fmt.Println(set.Verify("EdDSA", "other", msg, sig))
	fmt.Println(set.Verify("HS256", "ed", msg, sig))
	fmt.Println(set.Verify("none", "", msg, nil))
	// Output:
	// <nil>
	// keyset: unknown key id
	// keyset: algorithm not allowed for this key
	// keyset: algorithm not allowed for this key
}
