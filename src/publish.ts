/** Pushes every tag of every target, then reads each one back from its registry to prove what landed. */
import * as core from '@actions/core'
import type {Clients, Session} from './auth'
import type {Docker} from './docker'
import {ActionError} from './errors'
import {ExistingTag, KeptTag, planImmutableTags} from './immutable-tags'
import {Repository, refWithTag} from './reference'
import {compressedSize, configDigest} from './registry/client'

/** What goes to one repository. */
export interface Target {
  readonly repository: Repository
  /** tags to push */
  readonly tags: readonly string[]
  /** tags left as they are (immutable repositories) */
  readonly kept: readonly KeptTag[]
}

export interface Published {
  readonly repository: Repository
  /** tags that hold this image: pushed, or already there */
  readonly tags: readonly string[]
  readonly digest: string
  /** config + layers as stored, in bytes */
  readonly compressedSize: number | undefined
  readonly kept: readonly KeptTag[]
}

/**
 * One target per repository. On immutable repositories the tags already
 * there are read first; a conflicting tag fails the publish before anything
 * is pushed anywhere.
 */
export async function planTargets(
  session: Session,
  images: readonly Repository[],
  tags: readonly string[],
  floating: ReadonlySet<string>,
  imageId: string
): Promise<Target[]> {
  const targets: Target[] = []
  const conflicts: string[] = []
  for (const repo of images) {
    if (session.mutability.get(repo.name) !== 'IMMUTABLE') {
      targets.push({repository: repo, tags, kept: []})
      continue
    }
    const client = session.clients.get(repo.registry)
    const existing = new Map<string, ExistingTag>()
    for (const tag of tags) {
      const m = await client?.findManifest(repo.path, tag)
      if (m !== undefined) existing.set(tag, {digest: m.digest, config: configDigest(m)})
    }
    const plan = planImmutableTags(repo.name, tags, floating, existing, imageId)
    for (const k of plan.kept) core.notice(k.reason)
    conflicts.push(...plan.conflicts)
    targets.push({repository: repo, tags: plan.push, kept: plan.kept})
  }
  if (conflicts.length > 0) {
    throw new ActionError(`Nothing was pushed: ${conflicts.join('; ')}. Publish a new version instead.`)
  }
  return targets
}

export async function pushAll(docker: Docker, targets: readonly Target[]): Promise<Map<string, string>> {
  const digests = new Map<string, string>()
  for (const {repository: repo, tags} of targets) {
    for (const tag of tags) {
      const digest = await docker.push(refWithTag(repo, tag))
      const earlier = digests.get(repo.name)
      if (earlier !== undefined && earlier !== digest) {
        throw new ActionError(`${repo.name}: tag ${tag} was pushed as ${digest} but earlier tags as ${earlier}`)
      }
      digests.set(repo.name, digest)
    }
  }
  return digests
}

/** Every pushed tag must resolve to the pushed digest in its registry (manifest HEAD). */
export async function verifyAll(clients: Clients, targets: readonly Target[], pushed: ReadonlyMap<string, string>): Promise<Published[]> {
  const published: Published[] = []
  for (const {repository: repo, tags, kept} of targets) {
    const client = clients.get(repo.registry)
    const same = kept.filter(k => k.same)
    const digest = pushed.get(repo.name) ?? same[0]?.digest
    if (client === undefined || digest === undefined) throw new ActionError(`${repo.name}: nothing was pushed and no tag holds this image`)
    for (const tag of tags) {
      const found = await client.manifestDigest(repo.path, tag)
      if (found !== digest) {
        throw new ActionError(`${refWithTag(repo, tag)} resolves to ${found ?? 'nothing'} in the registry, but ${digest} was pushed`)
      }
    }
    const size = compressedSize(await client.getManifest(repo.path, digest))
    core.info(`${repo.name}: ${tags.length} tag(s) verified at ${digest}`)
    published.push({repository: repo, tags: [...tags, ...same.map(k => k.tag)], digest, compressedSize: size, kept})
  }
  const distinct = new Set(published.map(p => p.digest))
  if (distinct.size > 1) {
    core.warning(`The registries hold different digests for the same image: ${published.map(p => `${p.repository.name}@${p.digest}`).join(', ')}`)
  }
  return published
}
