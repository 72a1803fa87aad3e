package filters

import (
	"fmt"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/gojinn/gojinn/hostabi"
)

// check verifies a compiled module against ABI v1 before any instance is
// made, so that a wrong module fails at load with a reason a person can
// act on, not at the first request.
func check(mod wazero.CompiledModule, wasiFuncs map[string]bool, memoryLimit uint64) error {
	if err := checkImports(mod, &gojinnHost, wasiFuncs); err != nil {
		return err
	}
	if err := checkMemory(mod, hostabi.ExportMemory, memoryLimit); err != nil {
		return err
	}
	exports := mod.ExportedFunctions()
	if _, ok := exports[hostabi.ExportABIVersion]; !ok {
		for _, entry := range []string{hostabi.ExportStart, hostabi.ExportFunction} {
			if _, ok := exports[entry]; ok {
				return fmt.Errorf("is a function, not a filter (it exports %q): serve it with a function handler "+
					"(Caddy's gojinn directive)", entry)
			}
		}
		return fmt.Errorf("does not export %q: not built for Gojinn ABI v%d (the Go SDK hostabi/guest exports it)",
			hostabi.ExportABIVersion, hostabi.Version)
	}
	action := []api.ValueType{api.ValueTypeI32}
	return checkExports(exports, []export{
		{hostabi.ExportOnRequest, true, nil, action},
		{hostabi.ExportOnResponse, false, nil, action},
		{hostabi.ExportConfigure, false, nil, action},
		{hostabi.ExportInitialize, false, nil, nil},
	}, "a Gojinn filter")
}

func equalTypes(a, b []api.ValueType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func signatureOf(params, results []api.ValueType) string {
	names := func(ts []api.ValueType) string {
		s := make([]string, len(ts))
		for i, t := range ts {
			s[i] = api.ValueTypeName(t)
		}
		return "(" + strings.Join(s, ", ") + ")"
	}
	return names(params) + " -> " + names(results)
}

func hostNames() string {
	fs := hostabi.HostFuncs()
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = f.Name
	}
	return strings.Join(s, ", ")
}

// checkMemory holds a module to what either dialect asks of its memory:
// its own, exported as name, and no larger at the start than the limit.
func checkMemory(mod wazero.CompiledModule, name string, memoryLimit uint64) error {
	for _, m := range mod.ImportedMemories() {
		module, imported, _ := m.Import()
		return fmt.Errorf("imports memory %s.%s: a filter must define and export its own memory", module, imported)
	}
	mem, ok := mod.ExportedMemories()[name]
	if !ok {
		return fmt.Errorf("does not export %q", name)
	}
	if need := uint64(mem.Min()) * wasmPage; need > memoryLimit {
		return fmt.Errorf("needs %d bytes of memory to start, over its memory limit of %d", need, memoryLimit)
	}
	return nil
}
