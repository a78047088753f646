/**
 * Publishes a manifest graph (an image, or an index and its children) to
 * every target: registries in parallel; in each registry, repositories one
 * after another so that later ones can mount what earlier ones received;
 * each blob uploaded at most once per registry; each further tag one
 * manifest PUT.
 */
import type {Clients} from '../auth/auth'
import {ActionError} from '../errors'
import {BlobSource, ManifestNode, blobsOf} from '../oci/oci'
import type {KeptTag} from './immutable-tags'
import type {Repository} from '../registry/reference'
import type {RegistryClient} from '../registry/client'
import type {StreamedBlobs} from './streaming-upload'

/** What goes to one repository. */
export interface Target {
  readonly repository: Repository
  /** tags to push */
  readonly tags: readonly string[]
  /** tags left as they are (immutable repositories) */
  readonly kept: readonly KeptTag[]
  /** build-push-action's push-by-digest: the manifest is stored under its digest only, with no tag */
  readonly byDigest?: boolean
}

/** The references a target's manifest is stored under: its tags, or its digest alone. */
export function referencesOf(target: Target, root: {readonly digest: string}): readonly string[] {
  if (target.tags.length > 0) return target.tags
  return target.byDigest === true ? [root.digest] : []
}

export interface BlobStats {
  uploaded: number
  uploadedBytes: number
  mounted: number
  present: number
}

/** What one repository received, and how long its registry took for it (blobs and manifests). */
export interface RepositoryResult {
  readonly digest: string
  readonly stats: BlobStats
  readonly seconds: number
}

export interface UploadOptions {
  /** upload in PATCH chunks of this many bytes (default: one request per blob) */
  readonly chunkSize?: number
  /** blobs sent at once to one repository */
  readonly concurrency?: number
  /** repositories known to hold blobs (the mirror source): mount from there */
  readonly origins?: ReadonlyArray<{
    readonly registry: string
    readonly path: string
    readonly digests: readonly string[]
  }>
  /** blobs uploaded while they were compressed (streaming-upload.ts): counted as uploaded, not sent again */
  readonly streamed?: StreamedBlobs
}

/** Blobs known to be in each repository of one registry, this run. */
class RegistryBlobs {
  private readonly byRepo = new Map<string, Set<string>>()
  add(repo: string, digest: string): void {
    let set = this.byRepo.get(repo)
    if (set === undefined) this.byRepo.set(repo, (set = new Set()))
    set.add(digest)
  }
  has(repo: string, digest: string): boolean {
    return this.byRepo.get(repo)?.has(digest) ?? false
  }
  holder(digest: string, except: string): string | undefined {
    for (const [repo, set] of this.byRepo) if (repo !== except && set.has(digest)) return repo
    return undefined
  }
}

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const lanes = Array.from({length: Math.min(limit, items.length)}, async () => {
    while (next < items.length) {
      const item = items[next++] as T
      await work(item)
    }
  })
  await Promise.all(lanes)
}

async function ensureBlob(
  client: RegistryClient,
  repoPath: string,
  blob: BlobSource,
  known: RegistryBlobs,
  stats: BlobStats,
  opts: UploadOptions
): Promise<void> {
  const streamed = opts.streamed?.get(client.registry)
  const size = streamed?.repoPath === repoPath ? streamed.digests.get(blob.digest) : undefined
  if (size !== undefined && !known.has(repoPath, blob.digest)) {
    stats.uploaded++
    stats.uploadedBytes += size
    known.add(repoPath, blob.digest)
    return
  }
  if (known.has(repoPath, blob.digest)) {
    stats.present++
    return
  }
  if (await client.blobExists(repoPath, blob.digest)) {
    stats.present++
  } else {
    const from = known.holder(blob.digest, repoPath)
    const mount = from === undefined ? undefined : await client.mountBlob(repoPath, blob.digest, from)
    if (mount?.mounted === true) {
      stats.mounted++
    } else {
      // a refused mount opened an upload session: the blob goes into it
      await client.uploadBlob(repoPath, blob, opts.chunkSize, mount?.session)
      stats.uploaded++
      stats.uploadedBytes += blob.size
    }
  }
  known.add(repoPath, blob.digest)
}

/** Children first (by digest, at once), then the root under every tag of the target (at once). */
async function putManifests(
  client: RegistryClient,
  repoPath: string,
  root: ManifestNode,
  tags: readonly string[]
): Promise<string> {
  await Promise.all(
    root.children.map(async child => {
      const got = await client.putManifest(repoPath, child.digest, child)
      if (got !== child.digest)
        throw new ActionError(`${client.registry}/${repoPath}: child manifest ${child.digest} was stored as ${got}`)
    })
  )
  // through a runner's link each PUT is a round trip: the tags go up together
  await Promise.all(
    tags.map(async tag => {
      const digest = await client.putManifest(repoPath, tag, root)
      if (digest !== root.digest)
        throw new ActionError(
          `${client.registry}/${repoPath}:${tag} was stored as ${digest}, but the manifest is ${root.digest}`
        )
    })
  )
  return root.digest
}

export async function uploadGraph(
  root: ManifestNode,
  targets: readonly Target[],
  clients: Clients,
  opts: UploadOptions = {}
): Promise<Map<string, RepositoryResult>> {
  const byRegistry = new Map<string, Target[]>()
  for (const t of targets) byRegistry.set(t.repository.registry, [...(byRegistry.get(t.repository.registry) ?? []), t])
  const blobs = blobsOf(root)
  const results = new Map<string, RepositoryResult>()

  const settled = await Promise.allSettled(
    [...byRegistry].map(async ([registry, regTargets]) => {
      const client = clients.get(registry)
      // a bug of ours, not the user's: every registry pushed to was logged in to
      if (client === undefined) throw new Error(`internal: no registry client for ${registry}`)
      const known = new RegistryBlobs()
      for (const o of opts.origins ?? []) if (o.registry === registry) for (const d of o.digests) known.add(o.path, d)
      for (const target of regTargets) {
        const started = Date.now()
        const stats: BlobStats = {uploaded: 0, uploadedBytes: 0, mounted: 0, present: 0}
        const repoPath = target.repository.path
        const references = referencesOf(target, root)
        if (references.length > 0) {
          await inParallel(blobs, opts.concurrency ?? 4, b => ensureBlob(client, repoPath, b, known, stats, opts))
          await putManifests(client, repoPath, root, references)
        }
        results.set(target.repository.name, {digest: root.digest, stats, seconds: (Date.now() - started) / 1000})
      }
    })
  )
  const registries = [...byRegistry.keys()]
  const failed = new Map<string, string>()
  settled.forEach((s, i) => {
    if (s.status === 'rejected')
      failed.set(registries[i] ?? '', s.reason instanceof Error ? s.reason.message : String(s.reason))
  })
  if (failed.size > 0) throw new UploadError(failed, results)
  return results
}

/** Some registries failed; `done` holds what the others received. */
export class UploadError extends ActionError {
  constructor(
    /** registry → why it failed */
    readonly failed: ReadonlyMap<string, string>,
    readonly done: ReadonlyMap<string, RepositoryResult>
  ) {
    super(`Publishing failed for ${[...failed].map(([r, m]) => `${r}: ${m}`).join('; ')}`)
    this.name = 'UploadError'
  }
}
