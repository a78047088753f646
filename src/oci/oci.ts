/** The OCI model every stage shares: media types, digests, descriptors, manifests, the manifest graph. */
// Manifests and indexes are parsed (and checked) from their bytes; layer compression is named here;
// the graph is built from a manifest by whoever knows how to read its children and blobs (a
// registry, an OCI layout, our intake). Pure, apart from the caller's readers; imports no stage.
import {createHash} from 'crypto'
import type {Readable} from 'stream'
import {ActionError} from '../errors'

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd'
} as const

export const MANIFEST_MEDIA_TYPES = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.dockerList,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerManifest
] as const

/** Docker image manifest schema 1, signed or not: no registry takes new ones. */
export const SCHEMA1_MEDIA_TYPES: readonly string[] = [
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws'
]

export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPES.ociIndex || mediaType === MEDIA_TYPES.dockerList
}

/** A digest as the distribution spec writes it: `algorithm:encoded`. */
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/

export function isDigest(text: string): boolean {
  return DIGEST.test(text)
}

export function sha256(body: Buffer): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`
}

/** How layers are compressed: gzip, or zstd (Docker 23+ and containerd 1.5+ read it). */
export type Compression = 'gzip' | 'zstd'

/** gzip level 3: fast, for layers a little larger than level 6 (docs/benchmarks.md says by how much). */
export const DEFAULT_COMPRESSION_LEVEL = 3

/** The highest level each compression takes (zstd's 20-22 need far more memory and time). */
export const MAX_COMPRESSION_LEVEL: Readonly<Record<Compression, number>> = {gzip: 9, zstd: 19}

export interface Descriptor {
  readonly mediaType: string
  readonly digest: string
  readonly size: number
}

/** A manifest or index as stored: its media type, its exact bytes and their digest. */
export interface Manifest {
  readonly digest: string
  readonly mediaType: string
  readonly body: Buffer
}

/** What a manifest or index holds, each descriptor checked (a digest, and a whole size). */
export interface ManifestContent {
  readonly mediaType: string | undefined
  /** an index's images */
  readonly manifests: readonly Descriptor[] | undefined
  /** an image's config */
  readonly config: Descriptor | undefined
  readonly layers: readonly Descriptor[]
}

function descriptor(where: string, d: unknown): Descriptor {
  const x = (d ?? {}) as {mediaType?: unknown; digest?: unknown; size?: unknown}
  if (
    typeof x.digest !== 'string' ||
    !isDigest(x.digest) ||
    typeof x.size !== 'number' ||
    !Number.isSafeInteger(x.size) ||
    x.size < 0
  )
    throw new ActionError(
      `${where} lists a descriptor without a valid digest and size (${JSON.stringify(d).slice(0, 200)})`
    )
  return {mediaType: typeof x.mediaType === 'string' ? x.mediaType : '', digest: x.digest, size: x.size}
}

/** The content of a manifest or index: `where` names it in a message when the bytes are no such thing. */
export function parseManifest(body: Buffer, where: string): ManifestContent {
  let json: {mediaType?: unknown; manifests?: unknown; config?: unknown; layers?: unknown}
  try {
    json = JSON.parse(body.toString('utf8')) as typeof json
  } catch {
    throw new ActionError(`${where} is not JSON; it is no image manifest or index`)
  }
  if (json === null || typeof json !== 'object') throw new ActionError(`${where} is no image manifest or index`)
  const list = (v: unknown): unknown[] | undefined => (Array.isArray(v) ? v : undefined)
  return {
    mediaType: typeof json.mediaType === 'string' ? json.mediaType : undefined,
    manifests: list(json.manifests)?.map(d => descriptor(where, d)),
    config: json.config === undefined ? undefined : descriptor(where, json.config),
    layers: (list(json.layers) ?? []).map(d => descriptor(where, d))
  }
}

/** The image config digest (the image ID) of an image manifest; undefined for an index. */
export function configDigest(manifest: Manifest): string | undefined {
  return parseManifest(manifest.body, manifest.digest).config?.digest
}

/** Compressed size of an image manifest: config plus layers, as pulled; undefined for an index. */
export function compressedSize(manifest: Manifest): number | undefined {
  const m = parseManifest(manifest.body, manifest.digest)
  if (m.manifests !== undefined || m.config === undefined) return undefined
  return m.config.size + m.layers.reduce((sum, l) => sum + l.size, 0)
}

/** A blob of the graph: its descriptor, and how to read it (whole, or a byte range for chunks). */
export interface BlobSource extends Descriptor {
  open(start?: number, end?: number): Readable
}

/** The manifest graph we publish: an image (manifest, config, layers), or an index and its images. */
export interface ManifestNode extends Manifest {
  /** config and layers of an image; none for an index */
  readonly blobs: readonly BlobSource[]
  /** the images of an index */
  readonly children: readonly ManifestNode[]
}

/** How one place (a registry, an OCI layout, our intake) gives a graph's manifests and blobs. */
export interface GraphReader {
  /** where the graph comes from, for messages */
  readonly where: string
  /** a child manifest an index names, checked against its descriptor */
  child(d: Descriptor): Promise<Manifest>
  /** a blob an image names */
  blob(d: Descriptor): BlobSource
}

/** The graph below a manifest: an image and its blobs, or an index and its images (nested at most twice). */
export async function manifestGraph(m: Manifest, reader: GraphReader, depth = 0): Promise<ManifestNode> {
  const where = `${reader.where}@${m.digest}`
  if (SCHEMA1_MEDIA_TYPES.includes(m.mediaType))
    throw new ActionError(`${where} is a Docker schema 1 manifest, which registries no longer accept; rebuild it`)
  const content = parseManifest(m.body, where)
  const mediaType = m.mediaType || content.mediaType || ''
  if (isIndexMediaType(mediaType) || content.manifests !== undefined) {
    if (depth > 2) throw new ActionError(`${where}: indexes nested deeper than 2 are not copied`)
    const children: ManifestNode[] = []
    for (const d of content.manifests ?? []) {
      const child = await reader.child(d)
      if (child.digest !== d.digest)
        throw new ActionError(`${reader.where}: child ${d.digest} was served as ${child.digest}`)
      children.push(await manifestGraph(child, reader, depth + 1))
    }
    return {...m, mediaType, blobs: [], children}
  }
  if (content.config === undefined) throw new ActionError(`${where} is neither an index nor an image manifest`)
  return {...m, mediaType, blobs: [content.config, ...content.layers].map(d => reader.blob(d)), children: []}
}

/** Every blob of a graph, once. */
export function blobsOf(node: ManifestNode): BlobSource[] {
  const seen = new Map<string, BlobSource>()
  const walk = (n: ManifestNode): void => {
    for (const b of n.blobs) seen.set(b.digest, b)
    for (const c of n.children) walk(c)
  }
  walk(node)
  return [...seen.values()]
}
