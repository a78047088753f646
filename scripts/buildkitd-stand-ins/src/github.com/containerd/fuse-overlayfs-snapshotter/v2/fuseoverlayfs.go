// Package fuseoverlayfs: the fuse-overlayfs snapshotter is not packaged by Debian; buildkitd's
// "auto" snapshotter then chooses overlayfs or native.
package fuseoverlayfs

import (
	"errors"

	"github.com/containerd/containerd/v2/core/snapshots"
)

var errNotBuilt = errors.New("the fuse-overlayfs snapshotter is not part of this buildkitd (built from Debian's packages)")

// Supported always says no.
func Supported(root string) error { return errNotBuilt }

// NewSnapshotter refuses.
func NewSnapshotter(root string, opts ...interface{}) (snapshots.Snapshotter, error) {
	return nil, errNotBuilt
}
