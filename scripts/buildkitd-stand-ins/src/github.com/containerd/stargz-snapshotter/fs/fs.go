// Package fs: the stargz filesystem. Debian packages it against containerd 1, and BuildKit 0.25
// uses containerd 2, so the "stargz" snapshotter is refused by this build.
package fs

import (
	"errors"

	"github.com/containerd/stargz-snapshotter/fs/config"
	"github.com/containerd/stargz-snapshotter/fs/layer"
	"github.com/containerd/stargz-snapshotter/fs/source"
	"github.com/sirupsen/logrus"
)

// ErrNotBuilt is what asking for the stargz snapshotter gives.
var ErrNotBuilt = errors.New("the stargz snapshotter is not part of this buildkitd (built from Debian's packages)")

type options struct{}

// Option configures the filesystem.
type Option func(*options)

func WithGetSources(source.GetSources) Option              { return func(*options) {} }
func WithMetricsLogLevel(logrus.Level) Option              { return func(*options) {} }
func WithOverlayOpaqueType(layer.OverlayOpaqueType) Option { return func(*options) {} }

// FileSystem mounts lazily pulled layers.
type FileSystem interface{}

// NewFilesystem refuses.
func NewFilesystem(root string, cfg config.Config, opts ...Option) (FileSystem, error) {
	return nil, ErrNotBuilt
}
