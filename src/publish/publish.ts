/** Publishes to every target, then reads each tag back from its registry to prove what landed. */
import * as core from '@actions/core'
import type {Clients, Session} from '../auth/auth'
import {ActionError} from '../errors'
import {ExistingTag, KeptTag, planImmutableTags} from './immutable-tags'
import {Repository, refWithTag} from '../registry/reference'
import {ManifestNode, blobsOf, compressedSize, configDigest} from '../oci/oci'
import {BlobStats, RepositoryResult, Target, UploadOptions, referencesOf, uploadGraph} from './uploader'

export interface Published {
  readonly repository: Repository
  /** tags that hold this image: pushed, or already there */
  readonly tags: readonly string[]
  readonly digest: string
  /** config + layers as stored, in bytes */
  readonly compressedSize: number | undefined
  readonly kept: readonly KeptTag[]
  /** blobs uploaded, mounted, already there */
  readonly stats: BlobStats
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
  image: {readonly digest: string; readonly id: string},
  byDigest = false
): Promise<Target[]> {
  if (byDigest) return images.map(repository => ({repository, tags: [], kept: [], byDigest: true}))
  const targets: Target[] = []
  const conflicts: string[] = []
  for (const repo of images) {
    if (session.mutability.get(repo.name) !== 'IMMUTABLE') {
      targets.push({repository: repo, tags, kept: []})
      continue
    }
    const client = session.client(repo.registry)
    const existing = new Map<string, ExistingTag>()
    for (const tag of tags) {
      const m = await client.findManifest(repo.path, tag)
      if (m !== undefined) existing.set(tag, {digest: m.digest, config: configDigest(m)})
    }
    const plan = planImmutableTags(repo.name, tags, floating, existing, image)
    for (const k of plan.kept) core.notice(k.reason)
    conflicts.push(...plan.conflicts)
    targets.push({repository: repo, tags: plan.push, kept: plan.kept})
  }
  if (conflicts.length > 0) {
    throw new ActionError(`Nothing was pushed: ${conflicts.join('; ')}. Publish a new version instead.`)
  }
  return targets
}

/** Uploads the graph to every target; returns each repository's digest and what it cost. */
export async function publishGraph(
  root: ManifestNode,
  targets: readonly Target[],
  clients: Clients,
  opts: UploadOptions
): Promise<Map<string, RepositoryResult>> {
  const results = await uploadGraph(root, targets, clients, opts)
  for (const t of targets) {
    const r = results.get(t.repository.name)
    if (r !== undefined && referencesOf(t, root).length > 0) {
      const s = r.stats
      const streamed = opts.streamed?.get(t.repository.registry)
      const during =
        streamed?.repoPath === t.repository.path && streamed.digests.size > 0
          ? ` (${streamed.digests.size} of them streamed while the image was produced)`
          : ''
      core.info(
        `${t.repository.name}: ${t.byDigest === true ? 'by digest' : `${t.tags.length} tag(s)`}; blobs uploaded ${s.uploaded} (${s.uploadedBytes} bytes)${during}, mounted ${s.mounted}, already there ${s.present}; ${r.seconds.toFixed(2)} s in this phase`
      )
    }
  }
  return results
}

/** Every pushed tag must resolve to the pushed digest in its registry (manifest HEAD). */
export async function verifyAll(
  clients: Clients,
  targets: readonly Target[],
  pushed: ReadonlyMap<string, {readonly digest: string; readonly stats: BlobStats}>,
  graph: ManifestNode
): Promise<Published[]> {
  // what we pushed we know byte for byte; only an older manifest an immutable repository kept is asked for
  const graphSize = blobsOf(graph).reduce((n, b) => n + b.size, 0)
  // every repository and tag at once: through a runner's link each read-back is a round trip
  const published = await Promise.all(
    targets.map(async (target): Promise<Published> => {
      const {repository: repo, tags, kept} = target
      const client = clients.get(repo.registry)
      const same = kept.filter(k => k.same)
      const result = pushed.get(repo.name)
      const references = referencesOf(target, graph)
      const digest = (references.length > 0 ? result?.digest : undefined) ?? same[0]?.digest
      if (client === undefined || digest === undefined)
        throw new ActionError(`${repo.name}: nothing was pushed and no tag holds this image`)
      // each tag, or (pushed by digest) the digest itself, must resolve to what was pushed
      const found = await Promise.all(
        references.map(async tag => ({tag, found: await client.manifestDigest(repo.path, tag)}))
      )
      for (const {tag, found: at} of found) {
        if (at !== digest) {
          throw new ActionError(
            `${tag.includes(':') ? `${repo.name}@${tag}` : refWithTag(repo, tag)} resolves to ${at ?? 'nothing'} in the registry, but ${digest} was pushed`
          )
        }
      }
      const size = digest === graph.digest ? graphSize : compressedSize(await client.getManifest(repo.path, digest))
      core.info(
        target.byDigest === true
          ? `${repo.name}: stored under its digest only (push-by-digest), verified at ${digest}`
          : `${repo.name}: ${tags.length} tag(s) verified at ${digest}`
      )
      const stats = result?.stats ?? {uploaded: 0, uploadedBytes: 0, mounted: 0, present: 0}
      return {repository: repo, tags: [...tags, ...same.map(k => k.tag)], digest, compressedSize: size, kept, stats}
    })
  )
  const distinct = new Set(published.map(p => p.digest))
  if (distinct.size > 1) {
    core.warning(
      `The registries hold different digests for the same image: ${published.map(p => `${p.repository.name}@${p.digest}`).join(', ')}`
    )
  }
  return published
}
