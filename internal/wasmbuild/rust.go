package wasmbuild

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Rust guests are built with Debian's toolchain (rustc 1.63 and the
// wasm32-wasi standard library of libstd-rust-dev-wasm32), never with
// one on PATH: a rustup toolchain there need not have the wasm target, a
// fresh machine has none, and the SDK must build with the oldest rustc a
// guest author may have. RUSTC and CARGO choose others.
const (
	defaultRustc = "/usr/bin/rustc"
	defaultCargo = "/usr/bin/cargo"
	rustTarget   = "wasm32-wasi"
)

// ErrNoRust is the error of Rust when its toolchain is missing.
var ErrNoRust = errors.New("rustc and cargo for wasm32-wasi are not installed: run `make deps` " +
	"(it installs rustc, cargo and libstd-rust-dev-wasm32)")

// rustTools returns the rustc and cargo a Rust build uses.
func rustTools() (rustc, cargo string) {
	rustc, cargo = os.Getenv("RUSTC"), os.Getenv("CARGO")
	if rustc == "" {
		rustc = defaultRustc
	}
	if cargo == "" {
		cargo = defaultCargo
	}
	return rustc, cargo
}

// Rust builds the crate at crateDir (its Cargo.toml's folder) for
// wasm32-wasi in release mode, offline, and returns the path of the .wasm
// file in CacheDir, which callers must not modify. A cdylib crate is a
// reactor (a filter); a crate whose only target is a binary is a WASI
// command (a function in the command form, as `cargo build` makes it). The crate's
// dependencies must be path dependencies (the SDK, hostabi/rust): there
// is no registry to fetch from. The key covers the toolchain's versions
// and every file of the crate and of each path dependency, target
// folders aside. Cargo's own state (CARGO_HOME, the target folder) lives
// in CacheDir, never in ~/.cargo nor in the source tree; Cargo.lock must
// be committed next to Cargo.toml (--locked: a build never writes one).
func Rust(crateDir string) (string, error) {
	abs, err := filepath.Abs(crateDir)
	if err != nil {
		return "", err
	}
	return once("rust "+abs, func() (string, error) {
		p, err := buildRust(abs)
		if err != nil {
			return "", fmt.Errorf("building %s for %s: %w", crateDir, rustTarget, err)
		}
		return p, nil
	})
}

func buildRust(abs string) (string, error) {
	dir, err := CacheDir()
	if err != nil {
		return "", err
	}
	rustc, cargo := rustTools()
	env := rustEnv(dir, rustc)
	if err := checkRust(rustc, cargo, env); err != nil {
		return "", err
	}
	meta, err := cargoMetadata(cargo, abs, env)
	if err != nil {
		return "", err
	}
	lib, err := meta.module(abs)
	if err != nil {
		return "", err
	}
	key, err := rustKey(rustc, cargo, env, meta)
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, lib+"-rust-"+key+".wasm")
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	// One target folder per crate: cargo locks it while it builds, so
	// processes building the same crate take turns, and what one built
	// the next reuses.
	sum := sha256.Sum256([]byte(abs))
	target := filepath.Join(dir, "rust-target", hex.EncodeToString(sum[:8]))
	cmd := exec.Command(cargo, "build", "--offline", "--locked", "--release", "--target", rustTarget,
		"--manifest-path", filepath.Join(abs, "Cargo.toml"), "--target-dir", target)
	cmd.Env = env
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%w\n%s", err, b)
	}
	built := filepath.Join(target, rustTarget, "release", lib+".wasm")
	return out, install(dir, built, out)
}

// rustEnv is the environment of rustc and cargo: Cargo's home in the
// cache, the chosen rustc, and nothing of rustup's choosing.
func rustEnv(cache, rustc string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "CARGO_HOME", "RUSTC", "RUSTUP_TOOLCHAIN", "CARGO_TARGET_DIR", "CARGO_BUILD_TARGET", "RUSTFLAGS",
			"CARGO_ENCODED_RUSTFLAGS", "RUSTC_WRAPPER":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "CARGO_HOME="+filepath.Join(cache, "cargo-home"), "RUSTC="+rustc)
}

// checkRust tells a missing toolchain, or one without the wasm target,
// from a crate that does not build.
func checkRust(rustc, cargo string, env []string) error {
	for _, tool := range []string{rustc, cargo} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s: %w", tool, ErrNoRust)
		}
	}
	cmd := exec.Command(rustc, "--print", "target-libdir", "--target", rustTarget)
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("%s has no %s target: %v: %w", rustc, rustTarget, commandError(err), ErrNoRust)
	}
	libdir := strings.TrimSpace(string(out))
	if fi, err := os.Stat(libdir); err != nil || !fi.IsDir() {
		return fmt.Errorf("%s has no standard library for %s (%s): %w", rustc, rustTarget, libdir, ErrNoRust)
	}
	return nil
}

// metadata is what the builder reads of `cargo metadata`.
type metadata struct {
	Packages []struct {
		Name         string
		Source       *string
		ManifestPath string `json:"manifest_path"`
		Targets      []struct {
			Name string
			Kind []string
		}
	}
}

func cargoMetadata(cargo, abs string, env []string) (*metadata, error) {
	cmd := exec.Command(cargo, "metadata", "--offline", "--locked", "--format-version", "1",
		"--manifest-path", filepath.Join(abs, "Cargo.toml"))
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("cargo metadata: %w", commandError(err))
	}
	var m metadata
	if err := json.Unmarshal(out, &m); err != nil {
		return nil, fmt.Errorf("reading cargo metadata: %w", err)
	}
	return &m, nil
}

// module is the name of the module file the crate at abs builds: its
// cdylib's, as rustc names it ('-' turned '_'), or else its one binary's.
func (m *metadata) module(abs string) (string, error) {
	manifest := filepath.Join(abs, "Cargo.toml")
	for _, p := range m.Packages {
		if filepath.Clean(p.ManifestPath) != manifest {
			continue
		}
		var bins []string
		for _, t := range p.Targets {
			for _, k := range t.Kind {
				switch k {
				case "cdylib":
					return strings.ReplaceAll(t.Name, "-", "_"), nil
				case "bin":
					bins = append(bins, t.Name)
				}
			}
		}
		if len(bins) == 1 {
			return bins[0], nil
		}
		return "", fmt.Errorf("package %s has no cdylib target and %d binaries: a filter is a cdylib "+
			"(crate-type = [\"cdylib\"]), a function one binary", p.Name, len(bins))
	}
	return "", fmt.Errorf("cargo metadata does not list %s", manifest)
}

// rustKey covers the toolchain and the files of every package that is a
// folder (the crate and its path dependencies). A package from a
// registry cannot occur: the build is offline and the cache has none.
func rustKey(rustc, cargo string, env []string, m *metadata) (string, error) {
	h := sha256.New()
	fmt.Fprintln(h, keyVersion, "rust", rustTarget, "--release --locked")
	for _, tool := range [][]string{{rustc, "-vV"}, {cargo, "-V"}} {
		cmd := exec.Command(tool[0], tool[1:]...)
		cmd.Env = env
		out, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("%s: %w", tool[0], commandError(err))
		}
		fmt.Fprintf(h, "tool %s\n%s", tool[0], out)
	}
	var dirs []string
	for _, p := range m.Packages {
		if p.Source != nil {
			return "", fmt.Errorf("package %s comes from %s: a guest may only depend on crates in folders", p.Name, *p.Source)
		}
		dirs = append(dirs, filepath.Dir(p.ManifestPath))
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		fmt.Fprintln(h, "package", d)
		if err := hashTree(h, d); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashTree writes every file under root to h, by name relative to root,
// skipping target folders and hidden entries (a build's or an editor's,
// never a source).
func hashTree(h io.Writer, root string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if path != root && (strings.HasPrefix(name, ".") || (d.IsDir() && name == "target")) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		return hashFile(h, filepath.ToSlash(rel), path)
	})
}

// install copies a built module into the cache entry out: to a
// temporary name in dir first, synced, then renamed, so that no process
// reads half of one.
func install(dir, built, out string) error {
	b, err := os.ReadFile(built)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".build-*.wasm")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// CreateTemp makes the file private; a cache entry is readable, as
	// the go command's output is.
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
}
