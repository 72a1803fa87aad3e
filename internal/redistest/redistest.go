// Package redistest runs a real redis-server on a loopback port for a
// test: the Makefile's deps install it, and a test that needs Redis fails
// (never skips) without it.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gojinn/gojinn/internal/loopback"
)

// Server is one redis-server, stopped when its test ends. Stop and Start
// kill and restart it on the same port and folder, for tests of a server
// that goes away and comes back.
type Server struct {
	Port int
	dir  string
	args []string
	cmd  *exec.Cmd
}

// Start starts redis-server with no persistence and waits until it
// answers PING. args are more of redis-server's arguments: a config file
// first (Sentinel's), then options, which override the defaults.
func Start(tb testing.TB, args ...string) *Server {
	tb.Helper()
	s, err := Run(tb.TempDir(), args...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Stop)
	return s
}

// Run is Start for a program that is not a test (a benchmark command):
// the server keeps its files in dir, and the caller stops it.
func Run(dir string, args ...string) (*Server, error) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		return nil, fmt.Errorf("redis-server is not installed: run `make deps`")
	}
	port, err := loopback.FreePort()
	if err != nil {
		return nil, err
	}
	s := &Server{Port: port, dir: dir, args: args}
	if err := s.start(); err != nil {
		return nil, err
	}
	return s, nil
}

// Start starts the server again after Stop.
func (s *Server) Start(tb testing.TB) {
	tb.Helper()
	if err := s.start(); err != nil {
		tb.Fatal(err)
	}
}

// Restart is Start for a program that is not a test.
func (s *Server) Restart() error { return s.start() }

func (s *Server) start() error {
	var args, opts []string
	for i, a := range s.args {
		if i == 0 && !strings.HasPrefix(a, "--") {
			args = append(args, a)
			continue
		}
		opts = append(opts, a)
	}
	args = append(args, "--port", fmt.Sprint(s.Port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir)
	s.cmd = exec.Command("redis-server", append(args, opts...)...)
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("redis-server: %w", err)
	}
	// A guard that only fires on a hang, never a timed assertion.
	for deadline := time.Now().Add(30 * time.Second); !s.ping(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			s.Stop()
			return fmt.Errorf("redis-server did not answer within 30 s")
		}
	}
	return nil
}

func (s *Server) ping() bool {
	c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}

// Stop kills the server (SIGKILL: no shutdown save).
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		s.cmd = nil
	}
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.Port) }

// URL is a redis:// URL of its database 0.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }
