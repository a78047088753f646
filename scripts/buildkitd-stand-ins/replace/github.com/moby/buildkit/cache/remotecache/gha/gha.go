// Package gha: the GitHub Actions cache backend needs tonistiigi/go-actions-cache, which Debian
// does not package. Asking for a type=gha cache fails with that reason.
package gha

import (
	"context"
	"errors"

	"github.com/moby/buildkit/cache/remotecache"
	"github.com/moby/buildkit/session"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

var errNotBuilt = errors.New("the GitHub Actions cache (type=gha) is not part of this buildkitd: Debian does not package its client")

// ResolveCacheExporterFunc refuses every gha cache export.
func ResolveCacheExporterFunc() remotecache.ResolveCacheExporterFunc {
	return func(context.Context, session.Group, map[string]string) (remotecache.Exporter, error) {
		return nil, errNotBuilt
	}
}

// ResolveCacheImporterFunc refuses every gha cache import.
func ResolveCacheImporterFunc() remotecache.ResolveCacheImporterFunc {
	return func(context.Context, session.Group, map[string]string) (remotecache.Importer, ocispecs.Descriptor, error) {
		return nil, ocispecs.Descriptor{}, errNotBuilt
	}
}
