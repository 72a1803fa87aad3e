package conformance

import (
	"strings"

	"github.com/gojinn/gojinn/hostabi"
)

// Variables, config, features, logs, keys and signatures.
func stateCases() []Case {
	maxValue := strings.Repeat("x", hostabi.MaxVarValueLen)
	return []Case{
		{Func: hostabi.FuncVarGet, Name: "missing", Script: "var_get k 16", Want: "-1"},
		{Func: hostabi.FuncVarGet, Name: "normal", Script: Script("var_set k v", "var_get k 16"), Want: Report("0", Data("v"))},
		{Func: hostabi.FuncVarGet, Name: "case-sensitive", Script: Script("var_set K v", "var_get k 16"), Want: Report("0", "-1")},
		{Func: hostabi.FuncVarGet, Name: "too small, then retried", Script: Script("var_set k hello", "var_get k 2", "var_get k 5"),
			Want: Report("0", "5", Data("hello"))},
		{Func: hostabi.FuncVarGet, Name: "from an earlier filter", Script: Script("var_set k chain", "continue"),
			Then: "var_get k 16", Want: Data("chain")},
		{Func: hostabi.FuncVarGet, Name: "empty name", Script: "var_get '' 16", Want: "-2"},
		{Func: hostabi.FuncVarGet, Name: "over maximum name length", Script: "var_get n*1025 16", Want: "-2"},
		{Func: hostabi.FuncVarGet, Name: "configure phase", Script: "configure var_get k 16", Want: "-4"},

		{Func: hostabi.FuncVarSet, Name: "replace", Script: Script("var_set k v", "var_set k w", "var_get k 16"),
			Want: Report("0", "0", Data("w"))},
		{Func: hostabi.FuncVarSet, Name: "empty value", Script: Script("var_set k ''", "var_get k 16"), Want: Report("0", "0")},
		{Func: hostabi.FuncVarSet, Name: "bytes, NUL included", Script: Script("var_set k a%00b%FF", "var_get k 16"),
			Want: Report("0", Data("a\x00b\xff"))},
		{Func: hostabi.FuncVarSet, Name: "empty name", Script: "var_set '' v", Want: "-2"},
		{Func: hostabi.FuncVarSet, Name: "maximum name length", Script: Script("var_set n*1024 v", "var_get n*1024 16"),
			Want: Report("0", Data("v"))},
		{Func: hostabi.FuncVarSet, Name: "over maximum name length", Script: "var_set n*1025 v", Want: "-2"},
		{Func: hostabi.FuncVarSet, Name: "maximum value length", Script: Script("var_set k x*65536", "var_get k 65536"),
			Want: Report("0", Data(maxValue))},
		{Func: hostabi.FuncVarSet, Name: "over maximum value length", Script: "var_set k x*65537", Want: "-3"},
		{Func: hostabi.FuncVarSet, Name: "10 MiB value", Script: "var_set k x*10485760", Want: "-3"},
		{Func: hostabi.FuncVarSet, Name: "maximum count", Script: Script("fill_vars 256", "var_set extra x", "var_set v0 y", "var_get v0 4"),
			Want: Report("256 0", "-3", "0", Data("y"))},
		{Func: hostabi.FuncVarSet, Name: "over maximum count", Script: Script("fill_vars 257", "var_set v0 z"),
			Want: Report("256 -3", "0")},
		{Func: hostabi.FuncVarSet, Name: "configure phase", Script: "configure var_set k v", Want: "-4"},

		{Func: hostabi.FuncConfigGet, Name: "normal", Script: "config_get 64", Want: Data("config_get 64")},
		{Func: hostabi.FuncConfigGet, Name: "too small, then retried", Script: Script("config_get 3", "config_get 26"),
			Want: Report("26", Data("config_get 3\nconfig_get 26"))},
		{Func: hostabi.FuncConfigGet, Name: "zero limit", Script: "config_get 0", Want: "12"},
		{Func: hostabi.FuncConfigGet, Name: "configure phase", Script: "configure config_get 64", Want: Data("configure config_get 64")},
		configCase(),

		{Func: hostabi.FuncFeaturesSet, Name: "request phase", Script: "features_set 1", Want: "-4"},
		{Func: hostabi.FuncFeaturesSet, Name: "none", Script: "configure features_set 0", Want: "0"},
		{Func: hostabi.FuncFeaturesSet, Name: "every known flag", Script: "configure features_set 15", Want: "0"},
		{Func: hostabi.FuncFeaturesSet, Name: "unknown flag", Script: "configure features_set 16", Want: "-2"},
		{Func: hostabi.FuncFeaturesSet, Name: "every bit", Script: "configure features_set 0xFFFFFFFF", Want: "-2"},

		{Func: hostabi.FuncLog, Name: "normal", Script: "log 1 hello", Want: "-"},
		{Func: hostabi.FuncLog, Name: "below the level", Script: "log 0 hidden", Want: "-"},
		{Func: hostabi.FuncLog, Name: "unknown level", Script: "log 99 x", Want: "-"},
		{Func: hostabi.FuncLog, Name: "empty", Script: "log 2 ''", Want: "-"},
		{Func: hostabi.FuncLog, Name: "over maximum length", Script: "log 1 m*100000", Want: "-"},
		{Func: hostabi.FuncLog, Name: "configure phase", Script: "configure log 1 hi", Want: "-"},
		{Func: hostabi.FuncLog, Name: "reason of a refused config", Script: Script("configure log 3 first", "configure refuse"),
			LoadError: "refused by script"},

		{Func: hostabi.FuncLogEnabled, Name: "debug", Script: "log_enabled 0", Want: "0"},
		{Func: hostabi.FuncLogEnabled, Name: "info, warn, error", Script: Script("log_enabled 1", "log_enabled 2", "log_enabled 3"),
			Want: Report("1", "1", "1")},
		{Func: hostabi.FuncLogEnabled, Name: "unknown levels", Script: Script("log_enabled 4", "log_enabled -1"), Want: Report("0", "0")},
		{Func: hostabi.FuncLogEnabled, Name: "configure phase", Script: "configure log_enabled 1", Want: "1"},

		{Func: hostabi.FuncKeysetOpen, Name: "no key source", Script: `configure keyset_open {"jwks":{"keys":[]}}`, Want: "-6"},
		{Func: hostabi.FuncKeysetOpen, Name: "empty spec, no key source", Script: "configure keyset_open ''", Want: "-6"},
		{Func: hostabi.FuncKeysetOpen, Name: "request phase", Script: "keyset_open {}", Want: "-4"},

		{Func: hostabi.FuncSignatureVerify, Name: "no such key set", Script: "signature_verify 0 RS256 '' msg sig", Want: "-1"},
		{Func: hostabi.FuncSignatureVerify, Name: "negative handle", Script: "signature_verify -1 RS256 kid msg sig", Want: "-1"},
		{Func: hostabi.FuncSignatureVerify, Name: "largest handle", Script: "signature_verify 0x7FFFFFFF HS256 '' '' ''", Want: "-1"},
		{Func: hostabi.FuncSignatureVerify, Name: "configure phase", Script: "configure signature_verify 0 ES256 '' m s", Want: "-1"},
	}
}

// configCase is the config_get case for a config near the size of a
// header value, read with a buffer that fits.
func configCase() Case {
	script := Script("config_get 70000", "# "+strings.Repeat("c", hostabi.MaxHeaderValueLen))
	return Case{Func: hostabi.FuncConfigGet, Name: "large", Script: script, Want: Report(Data(script), "unknown-op #")}
}
