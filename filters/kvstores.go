package filters

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gojinn/gojinn/hostabi/host"
)

// kvGrants is the names of the granted stores, sorted and joined: part of
// a snapshot's key, since a guest's configure may open what it is granted
// and nothing else.
func kvGrants(stores host.KVStores) string {
	names := make([]string, 0, len(stores))
	for name := range stores {
		names = append(names, name)
	}
	slices.Sort(names)
	return strings.Join(names, "\x00")
}

// reopenKVStores finds, among a filter's granted stores, those another
// filter's configure opened, by name and in the same order, so that the
// handles in the snapshot's memory find the same stores.
func reopenKVStores(stores host.KVStores, names []string) ([]*host.KVStore, error) {
	out := make([]*host.KVStore, len(names))
	for i, name := range names {
		s := stores[name]
		if s == nil {
			return nil, fmt.Errorf("store %q, opened by a restored instance's configure, is not granted", name)
		}
		out[i] = s
	}
	return out, nil
}
