// Package snapshot: the stargz remote snapshotter, refused by this build (see package fs).
package snapshot

import (
	"context"
	"errors"

	"github.com/containerd/containerd/v2/core/snapshots"
)

type config struct{}

// Opt configures the snapshotter.
type Opt func(*config) error

// AsynchronousRemove and NoRestore are accepted and have no effect.
func AsynchronousRemove(*config) error { return nil }
func NoRestore(*config) error          { return nil }

// NewSnapshotter refuses.
func NewSnapshotter(ctx context.Context, root string, targetFs interface{}, opts ...Opt) (snapshots.Snapshotter, error) {
	return nil, errors.New("the stargz snapshotter is not part of this buildkitd (built from Debian's packages)")
}
