/**
 * Merge mode: per-platform images pushed by matrix jobs (by digest) become
 * one index, published to every repository in `images`. Each child is read
 * from a repository that has it and copied where it is missing.
 */
import type {Clients} from '../auth/auth'
import {ActionError} from '../errors'
import {loadNode} from './mirror'
import type {Repository} from '../registry/reference'
import {MAX_CONFIG_BYTES, MEDIA_TYPES, sha256} from '../registry/client'
import type {ManifestNode} from '../image/graph'
import {blobsOf} from '../image/graph'
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
  const entries: Array<{node: ManifestNode; platform: Platform}> = []
  const origins: Origin[] = []
  for (const digest of digests) {
    let found: {node: ManifestNode; platform: Platform} | undefined
    for (const repo of images) {
      const client = clients.get(repo.registry)
      const manifest = await client?.findManifest(repo.path, digest)
      if (client === undefined || manifest === undefined) continue
      const node = await loadNode(client, repo.path, manifest)
      if (node.children.length > 0)
        throw new ActionError(
          `merge: ${digest} in ${repo.name} is an index; give the digests of single-platform images`
        )
      const configDigest = (JSON.parse(manifest.body.toString('utf8')) as {config?: {digest: string}}).config?.digest
      if (configDigest === undefined) throw new ActionError(`merge: ${digest} in ${repo.name} has no image config`)
      const config = JSON.parse(
        (await client.readBlobBytes(repo.path, configDigest, MAX_CONFIG_BYTES)).toString('utf8')
      ) as Partial<Platform>
      const platform: Platform = {
        architecture: config.architecture ?? 'unknown',
        os: config.os ?? 'unknown',
        ...(config.variant ? {variant: config.variant} : {})
      }
      found = {node, platform}
      origins.push({registry: repo.registry, path: repo.path, digests: blobsOf(node).map(b => b.digest)})
      break
    }
    if (found === undefined)
      throw new ActionError(
        `merge: ${digest} is in none of the repositories in images; push each platform's image there first`
      )
    entries.push(found)
  }
  const named = entries.map(e => ({
    platform: `${e.platform.os}/${e.platform.architecture}${e.platform.variant ? `/${e.platform.variant}` : ''}`,
    digest: e.node.digest
  }))
  const seen = new Set(named.map(n => n.platform))
  if (seen.size !== entries.length)
    throw new ActionError(
      `merge: two of the images are for the same platform (${entries.map(e => `${e.platform.os}/${e.platform.architecture}`).join(', ')})`
    )
  const oci = entries.every(e => e.node.mediaType === MEDIA_TYPES.ociManifest)
  const mediaType = oci ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.dockerList
  const body = Buffer.from(
    JSON.stringify(
      {
        schemaVersion: 2,
        mediaType,
        manifests: entries.map(e => ({
          mediaType: e.node.mediaType,
          digest: e.node.digest,
          size: e.node.body.length,
          platform: e.platform
        }))
      },
      null,
      2
    )
  )
  return {
    root: {mediaType, body, digest: sha256(body), blobs: [], children: entries.map(e => e.node)},
    origins,
    platforms: named
  }
}
