package filters

import (
	"fmt"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/gojinn/gojinn/hostabi"
	"github.com/gojinn/gojinn/hostabi/host"
)

// check verifies a compiled module against ABI v1 before any instance is
// made, so that a wrong module fails at load with a reason a person can
// act on, not at the first request.
func check(mod wazero.CompiledModule, wasiFuncs map[string]bool, memoryLimit uint64) error {
	for _, f := range mod.ImportedFunctions() {
		module, name, _ := f.Import()
		switch module {
		case hostabi.ModuleName:
			fn, ok := hostabi.LookupHostFunc(name)
			if !ok {
				return fmt.Errorf("imports unknown host function %s.%s (ABI v%d has: %s)",
					module, name, hostabi.Version, hostNames())
			}
			params, results := host.ParamTypes(fn), host.ResultTypes(fn)
			if !equalTypes(f.ParamTypes(), params) || !equalTypes(f.ResultTypes(), results) {
				return fmt.Errorf("imports %s.%s with signature %s, ABI v%d has %s",
					module, name, signatureOf(f.ParamTypes(), f.ResultTypes()), hostabi.Version,
					signatureOf(params, results))
			}
		case hostabi.WASIModuleName:
			if !wasiFuncs[name] {
				return fmt.Errorf("imports unknown WASI function %s.%s", module, name)
			}
		default:
			return fmt.Errorf("imports %s.%s from module %q: only %q and %q are provided",
				module, name, module, hostabi.ModuleName, hostabi.WASIModuleName)
		}
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
	actionSig := []api.ValueType{api.ValueTypeI32}
	for _, e := range []struct {
		name     string
		required bool
	}{
		{hostabi.ExportOnRequest, true},
		{hostabi.ExportOnResponse, false},
		{hostabi.ExportConfigure, false},
	} {
		f, ok := exports[e.name]
		if !ok {
			if e.required {
				return fmt.Errorf("does not export %q", e.name)
			}
			continue
		}
		if len(f.ParamTypes()) != 0 || !equalTypes(f.ResultTypes(), actionSig) {
			return fmt.Errorf("exports %q with signature %s, want () -> (i32)",
				e.name, signatureOf(f.ParamTypes(), f.ResultTypes()))
		}
	}
	if f, ok := exports[hostabi.ExportInitialize]; ok && (len(f.ParamTypes()) != 0 || len(f.ResultTypes()) != 0) {
		return fmt.Errorf("exports %q with signature %s, want () -> ()",
			hostabi.ExportInitialize, signatureOf(f.ParamTypes(), f.ResultTypes()))
	}
	return nil
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
