/**
 * Which tags an image gets: the version, its semver family, `latest`, branch
 * and commit tags, extra tags. Pure: what the registry already holds is passed in.
 */
import * as semver from 'semver'
import {FloatingTag, LATEST, highestRelease, isStableRelease, semverFloatingTags, versionTag} from './version'

export type LatestMode = 'auto' | 'true' | 'false'

export interface TagPlanInput {
  readonly version: string | undefined
  readonly semverTags: boolean
  readonly latest: LatestMode
  readonly extraTags: readonly string[]
  readonly ref: string
  readonly sha: string
  readonly eventName: string
}

export interface TagPlan {
  /** pushed whatever the registry holds */
  readonly fixed: readonly string[]
  /** pushed only where no higher release exists (see decideFloating) */
  readonly floating: readonly FloatingTag[]
}

/** Every run of characters a tag may not hold becomes `-` (metadata-action's sanitizing). */
export function sanitizeTag(tag: string): string {
  return tag.replace(/[^a-zA-Z0-9._-]+/g, '-')
}

/** A branch name as a tag: sanitized, without a leading `.` or `-`, at most 128 characters. */
export function sanitizeRefName(name: string): string {
  return sanitizeTag(name)
    .replace(/^[.-]+/, '')
    .slice(0, 128)
}

function branchTags(ref: string, eventName: string): string[] {
  const pr = /^refs\/pull\/(\d+)\//.exec(ref)
  if (pr && eventName.startsWith('pull_request')) return [`pr-${pr[1]}`]
  const branch = /^refs\/heads\/(.+)$/.exec(ref)?.[1]
  if (branch === undefined) return []
  const tag = sanitizeRefName(branch)
  return tag === '' ? [] : [tag]
}

function unique(tags: readonly string[]): string[] {
  return [...new Set(tags)]
}

export function planTags(p: TagPlanInput): TagPlan {
  const fixed: string[] = []
  const floating: FloatingTag[] = []
  if (p.version !== undefined) {
    fixed.push(versionTag(p.version))
    if (p.semverTags) floating.push(...semverFloatingTags(p.version))
    if (p.latest === 'auto' && isStableRelease(p.version)) floating.push(LATEST)
  } else {
    fixed.push(...branchTags(p.ref, p.eventName))
    if (/^[0-9a-f]{7,}$/i.test(p.sha)) fixed.push(`sha-${p.sha.slice(0, 7).toLowerCase()}`)
  }
  if (p.latest === 'true') fixed.push(LATEST.tag)
  fixed.push(...p.extraTags)
  const fixedSet = new Set(fixed)
  return {
    fixed: unique(fixed),
    floating: floating.filter(f => !fixedSet.has(f.tag))
  }
}

export interface FloatingDecision {
  readonly tag: string
  readonly move: boolean
  /** why it does not move, for the log */
  readonly reason?: string
}

/**
 * A floating tag moves to `version` only if no repository already holds a
 * higher stable release in the tag's range: a hotfix for 1.2 must not take
 * `latest` or `1` away from 1.3.0.
 */
export function decideFloating(
  version: string,
  floating: readonly FloatingTag[],
  existing: ReadonlyMap<string, readonly string[]>
): FloatingDecision[] {
  return floating.map(f => {
    const ahead: string[] = []
    for (const [repo, tags] of existing) {
      const highest = highestRelease(tags, f.range)
      if (highest !== undefined && semver.gt(highest, version)) {
        ahead.push(`${highest} in ${repo}`)
      }
    }
    if (ahead.length === 0) return {tag: f.tag, move: true}
    return {
      tag: f.tag,
      move: false,
      reason: `not moving '${f.tag}' to ${version}: a higher release exists (${ahead.join(', ')})`
    }
  })
}

export function finalTags(plan: TagPlan, decisions: readonly FloatingDecision[]): string[] {
  const moved = decisions.filter(d => d.move).map(d => d.tag)
  return unique([...plan.fixed, ...moved])
}
