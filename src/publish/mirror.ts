/**
 * Mirror mode: the graph of an existing image read from its registry. Blobs
 * are not fetched here; each one is read from the source when the first
 * destination needs it and, with a spool folder, shared by every destination
 * (shared-blob.ts): the source is read once.
 */
import * as path from 'path'
import {ActionError} from '../errors'
import type {ImageReference} from '../registry/reference'
import {isValidDigest} from '../registry/reference'
import {Manifest, RegistryClient, isIndexMediaType} from '../registry/client'
import type {ManifestNode} from '../image/graph'
import {SharedBlob, sharedBlob} from './shared-blob'

/** Where shared source blobs are spooled, one reader per digest. */
export interface Spool {
  readonly dir: string
  readonly blobs: Map<string, SharedBlob>
}

/** Ends every download of the spool (before its folder is removed). */
export async function cancelSpool(spool: Spool): Promise<void> {
  await Promise.all([...spool.blobs.values()].map(b => b.cancel()))
}

interface ManifestJson {
  mediaType?: string
  config?: {mediaType: string; digest: string; size: number}
  layers?: Array<{mediaType: string; digest: string; size: number}>
  manifests?: Array<{mediaType: string; digest: string; size: number}>
}

/** Docker image manifest schema 1, signed or not: no registry takes new ones. */
const SCHEMA1 = [
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws'
]

/** A registry's manifest as JSON, each descriptor checked: a digest, and a size that is a whole number. */
function parseManifestJson(repoPath: string, m: Manifest): ManifestJson {
  let json: ManifestJson
  try {
    json = JSON.parse(m.body.toString('utf8')) as ManifestJson
  } catch {
    throw new ActionError(`${repoPath}@${m.digest} is not JSON; it is no image manifest or index`)
  }
  const descriptors = [...(json.config ? [json.config] : []), ...(json.layers ?? []), ...(json.manifests ?? [])]
  for (const d of descriptors) {
    if (typeof d?.digest !== 'string' || !isValidDigest(d.digest) || !Number.isSafeInteger(d.size) || d.size < 0)
      throw new ActionError(
        `${repoPath}@${m.digest} lists a descriptor without a valid digest and size (${JSON.stringify(d).slice(0, 200)})`
      )
  }
  return json
}

/** The graph below a manifest: an image and its blobs, or an index and its images. */
export async function loadNode(
  client: RegistryClient,
  repoPath: string,
  m: Manifest,
  depth = 0,
  spool?: Spool
): Promise<ManifestNode> {
  if (SCHEMA1.includes(m.mediaType))
    throw new ActionError(
      `${repoPath}@${m.digest} is a Docker schema 1 manifest, which registries no longer accept; rebuild it`
    )
  const json = parseManifestJson(repoPath, m)
  if (isIndexMediaType(m.mediaType) || Array.isArray(json.manifests)) {
    if (depth > 2) throw new ActionError(`${repoPath}@${m.digest}: indexes nested deeper than 2 are not copied`)
    const children: ManifestNode[] = []
    for (const d of json.manifests ?? []) {
      const child = await client.getManifest(repoPath, d.digest)
      if (child.digest !== d.digest)
        throw new ActionError(`${repoPath}: child ${d.digest} was served as ${child.digest}`)
      children.push(await loadNode(client, repoPath, child, depth + 1, spool))
    }
    return {...m, blobs: [], children}
  }
  const blobs = [...(json.config ? [json.config] : []), ...(json.layers ?? [])].map(d => ({
    ...d,
    open:
      spool === undefined
        ? () => client.readBlob(repoPath, d.digest, d.size)
        : shared(spool, d.digest, () =>
            sharedBlob(
              () => client.readBlob(repoPath, d.digest, d.size),
              path.join(spool.dir, d.digest.replace(/[^a-z0-9]/gi, '_')),
              d.size
            )
          )
  }))
  return {...m, blobs, children: []}
}

function shared(spool: Spool, digest: string, make: () => SharedBlob): SharedBlob {
  let open = spool.blobs.get(digest)
  if (open === undefined) {
    open = make()
    spool.blobs.set(digest, open)
  }
  return open
}

export async function loadSourceGraph(
  client: RegistryClient,
  source: ImageReference,
  spool?: Spool
): Promise<ManifestNode> {
  const reference = source.digest ?? source.tag ?? 'latest'
  const root = await client.findManifest(source.repository.path, reference)
  if (root === undefined) throw new ActionError(`source ${source.repository.name}:${reference} does not exist`)
  if (source.digest !== undefined && root.digest !== source.digest) {
    throw new ActionError(`source ${source.repository.name}@${source.digest} was served with digest ${root.digest}`)
  }
  return loadNode(client, source.repository.path, root, 0, spool)
}

/** The image ID of a single image (its config digest); empty for an index. */
export function imageIdOf(root: ManifestNode): string {
  if (root.children.length > 0) return ''
  const json = JSON.parse(root.body.toString('utf8')) as ManifestJson
  return json.config?.digest ?? ''
}
