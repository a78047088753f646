// Package layer: the kinds of overlay opaque markers the stargz snapshotter knows.
package layer

// OverlayOpaqueType says how an opaque directory is marked.
type OverlayOpaqueType int

const (
	OverlayOpaqueAll OverlayOpaqueType = iota
	OverlayOpaqueTrusted
	OverlayOpaqueUser
)
