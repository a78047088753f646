// Package config: the stargz snapshotter's configuration, which this build does not read.
package config

// Config takes whatever [stargz] table buildkitd's configuration holds.
type Config struct{}
