package main

import (
	"bufio"
	"bytes"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"

	"github.com/gojinn/gojinn/internal/wasmbuild"
)

// skeletons are the files gojinn new writes, one folder per language
// and kind (go-filter, ...) and common for the files several share. A
// template's name ends in .tmpl, so that Go does not build the Go ones
// here; @NAME@ and the other markers are replaced as they are written
// (text/template's braces are Rust's and C++'s too).
//
//go:embed skeleton
var skeletons embed.FS

// languages and kinds are what gojinn new writes, in the order its usage
// lists them.
var (
	languages = []string{"go", "c", "rust", "cpp"}
	kinds     = []string{"filter", "function"}
)

// skeletonName is what a skeleton's folder name must be: it names the
// Go module, the crate, the module file and the function's greeting.
var skeletonName = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// skeleton is what one gojinn new writes.
type skeleton struct {
	dir, name  string
	lang, kind string
	// module is the Go module path; clone the Gojinn clone the skeleton
	// builds against (absolute), "" when none was given to a Go one.
	module, clone string
}

func newSkeleton(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("new", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lang := fs.String("lang", "go", "the language: "+strings.Join(languages, ", "))
	kind := fs.String("kind", "filter", "what to write: a filter (for gojinn_chain) or a function (for the gojinn directive)")
	module := fs.String("module", "", "the Go module path (default example.com/<name>)")
	clone := fs.String("clone", "", "a local clone of Gojinn to build against: go.mod gets a replace to it, Cargo.toml a path "+
		"dependency on its hostabi/rust, C and C++ a copy of its headers (default for Rust, C and C++: the clone gojinn was built from)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gojinn new <dir> [--lang go|c|rust|cpp] [--kind filter|function] [--module path] [--clone dir]")
		fs.PrintDefaults()
	}
	// The folder may come before the flags, as the usage writes it.
	if err := fs.Parse(args); err != nil {
		return usageCode(err)
	}
	rest := fs.Args()
	if len(rest) > 0 {
		if err := fs.Parse(rest[1:]); err != nil {
			return usageCode(err)
		}
		rest = append(rest[:1], fs.Args()...)
	}
	if len(rest) != 1 {
		fs.Usage()
		return exitUsage
	}
	usageErr := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "gojinn new: "+format+"\n", args...)
		return exitUsage
	}
	if !slices.Contains(languages, *lang) {
		return usageErr("unknown language %q: want one of %s", *lang, strings.Join(languages, ", "))
	}
	if !slices.Contains(kinds, *kind) {
		return usageErr("unknown kind %q: want filter or function", *kind)
	}
	s := &skeleton{dir: rest[0], lang: *lang, kind: *kind, module: *module}
	abs, err := filepath.Abs(s.dir)
	if err != nil {
		return usageErr("%v", err)
	}
	if s.name = filepath.Base(abs); !skeletonName.MatchString(s.name) {
		return usageErr("%s: the folder's name %q names the module, the crate and the file: "+
			"it must be lower-case letters, digits, - and _, starting with a letter", s.dir, s.name)
	}
	if s.module == "" {
		s.module = "example.com/" + s.name
	}
	if s.clone, err = findClone(*clone, s.lang); err != nil {
		fmt.Fprintf(stderr, "gojinn new: %v\n", err)
		return exitFailure
	}
	if err := s.write(stdout); err != nil {
		fmt.Fprintf(stderr, "gojinn new: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// findClone is the Gojinn clone a skeleton builds against: flag's, or
// for the languages that cannot do without one the clone this binary
// was built from, when it is still there.
func findClone(flag, lang string) (string, error) {
	if flag != "" {
		abs, err := filepath.Abs(flag)
		if err != nil {
			return "", err
		}
		if !isClone(abs) {
			return "", fmt.Errorf("--clone %s: not a clone of Gojinn (no go.mod of module %s)", flag, gojinnModule)
		}
		return abs, nil
	}
	if lang == "go" {
		return "", nil // go.mod says what to do
	}
	built := filepath.Clean(filepath.Join(wasmbuild.HostABIDir(), ".."))
	if !isClone(built) {
		return "", fmt.Errorf("a %s skeleton builds against a local clone of Gojinn (the module is not published yet): "+
			"pass --clone /path/to/gojinn", lang)
	}
	return built, nil
}

// isClone tells whether dir holds this repository's go.mod.
func isClone(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	return err == nil && goModDirective(b, "module") == gojinnModule
}

// goModDirective is the argument of a go.mod's first line starting with
// directive ("module", "go").
func goModDirective(gomod []byte, directive string) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == directive {
			return f[1]
		}
	}
	return ""
}

// write writes the skeleton into its folder, which must be empty or not
// there, and tells what to do next.
func (s *skeleton) write(w io.Writer) error {
	entries, err := os.ReadDir(s.dir)
	switch {
	case err == nil && len(entries) > 0:
		return fmt.Errorf("%s: not empty (%s, ...): gojinn new writes into an empty or new folder only", s.dir, entries[0].Name())
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return err
	}
	files, err := s.files()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		p := filepath.Join(s.dir, filepath.FromSlash(f.name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.body, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "wrote a %s %s in %s:\n", s.langName(), s.kind, s.dir)
	for _, f := range files {
		fmt.Fprintf(w, "  %s\n", f.name)
	}
	if s.lang == "go" && s.clone != "" {
		// go mod tidy fills in the requirements of the SDK and of the test
		// (package gojinntest), and go.sum, from the clone's graph.
		cmd := exec.Command("go", "mod", "tidy")
		cmd.Dir = s.dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("the files are written, but go mod tidy in %s failed (run it again there once fixed): %w\n%s", s.dir, err, out)
		}
		fmt.Fprintln(w, "  go.sum (go mod tidy)")
	}
	if s.lang == "go" && s.clone == "" {
		fmt.Fprintf(w, "%s is not published yet: point go.mod at a clone before building:\n"+
			"  cd %s && go mod edit -replace %s=/path/to/gojinn && go mod tidy\n"+
			"(or gojinn new --clone /path/to/gojinn)\n", gojinnModule, s.dir, gojinnModule)
	}
	fmt.Fprintf(w, "next:\n  cd %s && gojinn build && gojinn test %s.wasm cases.json\n", s.dir, s.name)
	return nil
}

func (s *skeleton) langName() string {
	if s.lang == "cpp" {
		return "C++"
	}
	if s.lang == "c" {
		return "C"
	}
	if s.lang == "rust" {
		return "Rust"
	}
	return "Go"
}

// file is one file of a skeleton, its name relative to the folder.
type file struct {
	name string
	body []byte
}

// files is every file of the skeleton, in the order they are listed.
func (s *skeleton) files() ([]file, error) {
	var files []file
	replacer, err := s.replacer()
	if err != nil {
		return nil, err
	}
	own := s.lang + "-" + s.kind
	err = fs.WalkDir(skeletons, path.Join("skeleton", own), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := skeletons.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(strings.TrimPrefix(p, "skeleton/"+own+"/"), ".tmpl")
		files = append(files, file{name, []byte(replacer.Replace(string(b)))})
		return nil
	})
	if err != nil {
		return nil, err
	}
	common := func(tmpl, name string) error {
		b, err := skeletons.ReadFile("skeleton/common/" + tmpl)
		if err != nil {
			return err
		}
		files = append(files, file{name, []byte(replacer.Replace(string(b)))})
		return nil
	}
	if err := common(s.kind+"-cases.json.tmpl", "cases.json"); err != nil {
		return nil, err
	}
	switch s.lang {
	case "go":
		if err := common("wasm_test.go.tmpl", "wasm_test.go"); err != nil {
			return nil, err
		}
		files = append(files, file{"go.mod", s.goMod()})
	case "c", "cpp":
		if s.kind == "filter" {
			headers := []string{"gojinn.h"}
			if s.lang == "cpp" {
				headers = append(headers, "gojinn.hpp")
			}
			for _, h := range headers {
				b, err := os.ReadFile(filepath.Join(s.clone, "hostabi", h))
				if err != nil {
					return nil, fmt.Errorf("the clone's header: %w", err)
				}
				files = append(files, file{h, b})
			}
		}
	}
	ignore := "*.wasm\n"
	if s.lang == "rust" {
		ignore += "/target/\n"
	}
	files = append(files, file{".gitignore", []byte(ignore)}, file{"README.md", []byte(s.readme())})
	return files, nil
}

// replacer replaces the templates' markers.
func (s *skeleton) replacer() (*strings.Replacer, error) {
	kind := s.kind
	sdk := ""
	if s.lang == "rust" && s.kind == "filter" {
		b, err := os.ReadFile(filepath.Join(s.clone, "hostabi", "rust", "Cargo.toml"))
		if err != nil {
			return nil, fmt.Errorf("the clone's Rust SDK: %w", err)
		}
		if sdk = cargoVersion(b); sdk == "" {
			return nil, fmt.Errorf("%s: no version", filepath.Join(s.clone, "hostabi", "rust", "Cargo.toml"))
		}
	}
	return strings.NewReplacer("@NAME@", s.name, "@KIND@", kind, "@CRATE@", s.name,
		"@CLONE@", filepath.ToSlash(s.clone), "@SDKVERSION@", sdk), nil
}

// cargoVersion is the version of a Cargo.toml's package.
func cargoVersion(toml []byte) string {
	m := regexp.MustCompile(`(?m)^version\s*=\s*"([^"]+)"`).FindSubmatch(toml)
	if m == nil {
		return ""
	}
	return string(m[1])
}

// goMod is a Go skeleton's go.mod: the SDK required at Go's version for
// a module known by its replacement, and the replacement when there is a
// clone.
func (s *skeleton) goMod() []byte {
	version := ""
	if s.clone != "" {
		if b, err := os.ReadFile(filepath.Join(s.clone, "go.mod")); err == nil {
			version = goModDirective(b, "go")
		}
	}
	if version == "" {
		version = strings.TrimPrefix(runtime.Version(), "go")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "module %s\n\ngo %s\n\nrequire %s v0.0.0-00010101000000-000000000000\n", s.module, version, gojinnModule)
	if s.clone != "" {
		fmt.Fprintf(&b, "\n// Gojinn is not published yet: Go finds it in a local clone.\nreplace %s => %s\n", gojinnModule, s.clone)
	}
	return []byte(b.String())
}

// readme is a skeleton's README: what it is, how to build and test it
// with gojinn and without, how Caddy loads it, and which clone it builds
// against.
func (s *skeleton) readme() string {
	var b strings.Builder
	what := "It greets the upstream with an `X-Hello` header (`hello, <X-Name>`) and answers requests under `/private` with a 403."
	if s.kind == "function" {
		what = "It answers every request with `200 hello from " + s.name + "`; the request comes as JSON on stdin and the response goes as JSON on stdout (docs/ABI.md, \"Function modules\")."
		if s.lang == "go" {
			what = "It is a reactor (the Go SDK `hostabi/function`): it starts once and each request is a call of its handler, which answers `200 hello from " + s.name + "`."
		}
	}
	fmt.Fprintf(&b, "# %s\n\nA Gojinn %s in %s, written by `gojinn new`. %s\n\n", s.name, s.kind, s.langName(), what)
	b.WriteString("## Build and test\n\n```sh\n")
	fmt.Fprintf(&b, "gojinn build                        # writes %s.wasm and checks it as Caddy's loader does\n", s.name)
	fmt.Fprintf(&b, "gojinn test %s.wasm cases.json\n", s.name)
	if s.lang == "go" {
		b.WriteString("go test ./...                       # the same cases inside go test (package gojinntest)\n")
	}
	b.WriteString("```\n\n`cases.json` holds request/expectation pairs (docs/CLI.md, `gojinn test`); add a case for each behaviour.\n")
	b.WriteString("Without the tool, the build is:\n\n```sh\n")
	switch s.lang + "-" + s.kind {
	case "go-filter", "go-function":
		fmt.Fprintf(&b, "GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o %s.wasm .\n", s.name)
	case "rust-filter", "rust-function":
		b.WriteString("RUSTC=/usr/bin/rustc /usr/bin/cargo build --offline --locked --release --target wasm32-wasi\n")
	case "c-filter":
		fmt.Fprintf(&b, "clang --target=wasm32-wasi -O2 -mexec-model=reactor -o %s.wasm filter.c\n", s.name)
	case "c-function":
		fmt.Fprintf(&b, "clang --target=wasm32-wasi -O2 -o %s.wasm function.c\n", s.name)
	case "cpp-filter":
		fmt.Fprintf(&b, "clang++ --target=wasm32-wasi -std=c++17 -O2 -fno-exceptions -mexec-model=reactor -o %s.wasm filter.cpp\n", s.name)
	case "cpp-function":
		fmt.Fprintf(&b, "clang++ --target=wasm32-wasi -std=c++17 -O2 -fno-exceptions -o %s.wasm function.cpp\n", s.name)
	}
	b.WriteString("```\n\n## In Caddy\n\n```caddyfile\n")
	if s.kind == "filter" {
		fmt.Fprintf(&b, "gojinn_chain {\n\tfilter %s %s.wasm\n}\n", s.name, s.name)
	} else {
		fmt.Fprintf(&b, "gojinn %s.wasm\n", s.name)
	}
	b.WriteString("```\n\n## Gojinn is not published yet\n\n")
	switch {
	case s.lang == "go" && s.clone == "":
		fmt.Fprintf(&b, "`go.mod` requires `%s`, which the Go module proxy does not serve yet: point it at a clone of the repository, then let Go fill in the rest:\n\n"+
			"```sh\ngo mod edit -replace %s=/path/to/gojinn\ngo mod tidy\n```\n", gojinnModule, gojinnModule)
	case s.lang == "go":
		fmt.Fprintf(&b, "`go.mod` points Go at the clone in `%s` with a `replace`. Elsewhere, change it to your clone's path "+
			"(`go mod edit -replace %s=/path/to/gojinn`) and run `go mod tidy`.\n", s.clone, gojinnModule)
	case s.lang == "rust" && s.kind == "filter":
		fmt.Fprintf(&b, "`Cargo.toml` depends on the SDK crate by path, `%s/hostabi/rust`: the build is offline (`--offline --locked`, Debian's rustc 1.63). Elsewhere, change the path to your clone's.\n", s.clone)
	case s.kind == "filter":
		fmt.Fprintf(&b, "The headers here are copies of the clone's (`%s/hostabi`), made by `gojinn new`: the module builds with clang alone. "+
			"Copy them again from a newer clone to use host functions added since.\n", s.clone)
	default:
		b.WriteString("A function imports nothing of Gojinn: it builds and runs without a clone.\n")
	}
	return b.String()
}
