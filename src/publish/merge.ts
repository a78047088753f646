/**
 * Merge mode: per-platform images pushed by matrix jobs (by digest) become
 * one index, published to every repository in `images`. Each child is read
 * from a repository that has it and copied where it is missing.
 */
import type {Clients} from '../auth/auth'
import {ActionError} from '../errors'
import {registryReader} from './mirror'
import type {Repository} from '../registry/reference'
import {MAX_CONFIG_BYTES} from '../registry/client'
import {MEDIA_TYPES, ManifestNode, blobsOf, configDigest, manifestGraph, sha256} from '../oci/oci'
import type {UploadOptions} from './uploader'

type Origin = NonNullable<UploadOptions['origins']>[number]

interface Platform {
  architecture: string
  os: string
  variant?: string
}

export async function mergeGraph(
  digests: readonly string[],
  images: readonly Repository[],
  clients: Clients
): Promise<{
  root: ManifestNode
  origins: Origin[]
  /** each image's platform (`os/arch[/variant]`) and digest, in the index's order */
  platforms: Array<{platform: string; digest: string}>
}> {
  const entries: PlatformImage[] = []
  for (const digest of digests) entries.push(await platformImage(digest, images, clients))
  const named = entries.map(e => ({platform: platformName(e.platform), digest: e.node.digest}))
  if (new Set(named.map(n => n.platform)).size !== entries.length)
    throw new ActionError(
      `merge: two of the images are for the same platform (${named.map(n => n.platform).join(', ')})`
    )
  return {root: indexOf(entries), origins: entries.map(e => e.origin), platforms: named}
}

interface PlatformImage {
  readonly node: ManifestNode
  readonly platform: Platform
  /** the repository it was read from (its blobs mount from there) */
  readonly origin: Origin
}

const platformName = (p: Platform): string => `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`

/** One platform's image, from the first repository of `images` that holds it, with its config's platform. */
async function platformImage(digest: string, images: readonly Repository[], clients: Clients): Promise<PlatformImage> {
  for (const repo of images) {
    const client = clients.get(repo.registry)
    const manifest = await client?.findManifest(repo.path, digest)
    if (client === undefined || manifest === undefined) continue
    const node = await manifestGraph(manifest, registryReader(client, repo.path))
    if (node.children.length > 0)
      throw new ActionError(`merge: ${digest} in ${repo.name} is an index; give the digests of single-platform images`)
    const config = JSON.parse(
      (await client.readBlobBytes(repo.path, configDigest(manifest) ?? '', MAX_CONFIG_BYTES)).toString('utf8')
    ) as Partial<Platform>
    const platform: Platform = {
      architecture: config.architecture ?? 'unknown',
      os: config.os ?? 'unknown',
      ...(config.variant ? {variant: config.variant} : {})
    }
    return {
      node,
      platform,
      origin: {registry: repo.registry, path: repo.path, digests: blobsOf(node).map(b => b.digest)}
    }
  }
  throw new ActionError(
    `merge: ${digest} is in none of the repositories in images; push each platform's image there first`
  )
}

/** The index of the images: OCI where every image is, else a Docker manifest list. */
function indexOf(entries: readonly PlatformImage[]): ManifestNode {
  const oci = entries.every(e => e.node.mediaType === MEDIA_TYPES.ociManifest)
  const mediaType = oci ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.dockerList
  const manifests = entries.map(e => ({
    mediaType: e.node.mediaType,
    digest: e.node.digest,
    size: e.node.body.length,
    platform: e.platform
  }))
  const body = Buffer.from(JSON.stringify({schemaVersion: 2, mediaType, manifests}, null, 2))
  return {mediaType, body, digest: sha256(body), blobs: [], children: entries.map(e => e.node)}
}
