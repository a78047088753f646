/**
 * The release version and the tags it gives. Pure.
 */
import * as semver from 'semver'

/** `1.2.3` from `v1.2.3` (a leading `v` is dropped only before a semver version). */
export function cleanVersion(raw: string): string {
  const v = raw.trim()
  if (/^[vV]/.test(v) && semver.valid(v.slice(1), {loose: false}) !== null) {
    return v.slice(1)
  }
  return v
}

/** The version a tag push stands for: `refs/tags/v1.2.3` → `1.2.3`; none on branches. */
export function versionFromRef(ref: string): string | undefined {
  const m = /^refs\/tags\/(.+)$/.exec(ref)
  return m?.[1] === undefined ? undefined : cleanVersion(m[1])
}

/** A version that can be released as `latest`: semver with no prerelease and no build metadata. */
export function isStableRelease(v: string): boolean {
  const p = semver.parse(v)
  return p !== null && p.prerelease.length === 0 && p.build.length === 0
}

/** The tag a version is published under (`+` is not allowed in tags, so build metadata uses `_`). */
export function versionTag(version: string): string {
  return version.replace(/\+/g, '_')
}

/**
 * A tag that moves from release to release: `latest`, `X.Y`, `X`. It may move
 * to `version` only if no higher stable release within `range` exists.
 */
export interface FloatingTag {
  readonly tag: string
  /** semver range of the releases this tag follows */
  readonly range: string
}

/** `X.Y` and `X` for a stable `X.Y.Z` (never a bare `0`); none for prereleases. */
export function semverFloatingTags(version: string): FloatingTag[] {
  if (!isStableRelease(version)) return []
  const p = semver.parse(version)
  if (p === null) return []
  const minor: FloatingTag = {tag: `${p.major}.${p.minor}`, range: `${p.major}.${p.minor}.x`}
  if (p.major === 0) return [minor]
  return [minor, {tag: `${p.major}`, range: `${p.major}.x`}]
}

export const LATEST: FloatingTag = {tag: 'latest', range: '*'}

/** The highest stable release among registry tags (`v` prefixes allowed) within a range. */
export function highestRelease(tags: readonly string[], range: string): string | undefined {
  const releases = tags.map(t => cleanVersion(t)).filter(t => isStableRelease(t) && semver.satisfies(t, range))
  return semver.maxSatisfying(releases, range) ?? undefined
}
