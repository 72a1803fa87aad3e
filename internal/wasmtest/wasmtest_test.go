package wasmtest

import (
	"context"
	"testing"

	"github.com/tetratelabs/wazero"
)

func TestEncodeCompiles(t *testing.T) {
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	m := ABIGuest(nil, Const(1))
	mod, err := rt.Instantiate(ctx, m.Encode())
	if err != nil {
		t.Fatal(err)
	}
	res, err := mod.ExportedFunction("gojinn_on_request").Call(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res[0] != 1 {
		t.Fatalf("got %d, want 1", res[0])
	}
	for _, v := range []int32{0, 63, 64, -1, -64, -65, 1 << 20, -1 << 30} {
		m := ABIGuest(nil, Const(v))
		mod, err := rt.InstantiateWithConfig(ctx, m.Encode(), wazero.NewModuleConfig().WithName(""))
		if err != nil {
			t.Fatal(err)
		}
		res, err := mod.ExportedFunction("gojinn_on_request").Call(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if int32(uint32(res[0])) != v {
			t.Errorf("const %d came back as %d", v, int32(uint32(res[0])))
		}
	}
}
