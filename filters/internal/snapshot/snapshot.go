package snapshot

import (
	"errors"
	"fmt"

	"github.com/tetratelabs/wazero/api"

	"github.com/gojinn/gojinn/filters/internal/memory"
)

// Snapshot is an instance's state at one moment: its memory and the
// values of its mutable globals. It is immutable and safe for concurrent
// use by the instantiations that restore from it.
type Snapshot struct {
	image   *memory.Image
	globals []uint64
	names   []string
}

// Take captures mod's state. mod must be an instance of a module Prepare
// made with plan, and must not be running.
func Take(mod api.Module, plan Plan) (*Snapshot, error) {
	if !plan.Restorable() {
		return nil, errors.New("instances of this module cannot be restored: " + plan.NotRestorable)
	}
	s := &Snapshot{names: plan.Globals, globals: make([]uint64, len(plan.Globals))}
	for i, name := range plan.Globals {
		g := mod.ExportedGlobal(name)
		if g == nil {
			return nil, fmt.Errorf("global %s is not exported", name)
		}
		s.globals[i] = g.Get()
	}
	mem := mod.Memory()
	if mem == nil {
		return nil, errors.New("the instance has no memory")
	}
	b, ok := mem.Read(0, mem.Size())
	if !ok {
		return nil, errors.New("reading the instance's memory")
	}
	img, err := memory.NewImage(b)
	if err != nil {
		return nil, err
	}
	s.image = img
	return s, nil
}

// Allocator returns the allocator that starts an instance's memory as the
// snapshot's, within limit bytes.
func (s *Snapshot) Allocator(limit uint64) *memory.Allocator {
	return memory.NewAllocator(limit, s.image)
}

// SingleUseAllocator is Allocator for an instance that serves one call
// (see memory.NewSingleUseAllocator).
func (s *Snapshot) SingleUseAllocator(limit uint64) *memory.Allocator {
	return memory.NewSingleUseAllocator(limit, s.image)
}

// Restore completes an instance instantiated with s's allocator: it
// grows the memory to the snapshot's size (its pages are already the
// snapshot's) and sets the globals.
func (s *Snapshot) Restore(mod api.Module) error {
	mem := mod.Memory()
	if mem == nil {
		return errors.New("the instance has no memory")
	}
	if have, want := uint64(mem.Size()), s.image.Size(); have < want {
		if _, ok := mem.Grow(uint32((want - have) / memory.PageSize)); !ok {
			return fmt.Errorf("growing the memory to the snapshot's %d bytes", want)
		}
	} else if have > want {
		return fmt.Errorf("the module starts with %d bytes of memory, more than the snapshot's %d", have, want)
	}
	for i, name := range s.names {
		g, ok := mod.ExportedGlobal(name).(api.MutableGlobal)
		if !ok {
			return fmt.Errorf("global %s is not an exported mutable global", name)
		}
		g.Set(s.globals[i])
	}
	return nil
}

// MemorySize is the size of the snapshot's memory, in bytes.
func (s *Snapshot) MemorySize() uint64 { return s.image.Size() }

// Resident is how much of the snapshot the host holds: its memory's
// non-zero pages.
func (s *Snapshot) Resident() uint64 { return s.image.Resident() }

// Close releases the snapshot. Instances restored from it keep working.
func (s *Snapshot) Close() error { return s.image.Close() }
