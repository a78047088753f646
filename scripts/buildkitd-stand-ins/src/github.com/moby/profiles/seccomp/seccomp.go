// Package seccomp gives BuildKit the default seccomp profile of containerd 2, which Debian
// packages, in place of moby/profiles, which it does not.
package seccomp

import (
	cdseccomp "github.com/containerd/containerd/v2/contrib/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// GetDefaultProfile returns the default profile for the spec's platform.
func GetDefaultProfile(rs *specs.Spec) (*specs.LinuxSeccomp, error) {
	return cdseccomp.DefaultProfile(rs), nil
}
