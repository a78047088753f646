/** The built image out of the engine once (`docker save`), each layer compressed as it streams past, checked against the config's diff IDs. */
import {createHash} from 'crypto'
import {once} from 'events'
import * as fs from 'fs'
import * as path from 'path'
import {Readable} from 'stream'
import * as tar from 'tar-stream'
import {ActionError} from '../errors'
import {imageManifest, mediaTypesOf} from './image-manifest'
import {CompressOptions, CompressedLayer, LayerSink, compressLayer} from './layer-compression'
import {BlobSource, DEFAULT_COMPRESSION_LEVEL, sha256} from '../oci/oci'
import {KnownLayer, fileBlob, heldBlob} from './graph'
import {LegacyChain, legacyEntry, parentOf} from './legacy-chain'

export interface PreparedImage {
  readonly config: BlobSource
  readonly layers: readonly BlobSource[]
  readonly manifest: {readonly mediaType: string; readonly body: Buffer; readonly digest: string}
  /** uncompressed bytes read from the engine (entries passed over unread not counted) */
  readonly tarBytes: number
  /** compressed bytes of the layers compressed in this run (layers reused not counted) */
  readonly compressedBytes: number
  /** layers the registries held already: not compressed */
  readonly skipped: number
  /** of those, layers not even read (an OCI-layout save names them by diff ID; a legacy one places them by their parents) */
  readonly passedOver: number
}

/** Entries this small are kept in memory until manifest.json says what they are. */
const SMALL = 1024 * 1024

interface SaveManifestEntry {
  Config: string
  Layers: string[]
}

/** 1 MiB members, up to 8 in flight: both cores busy while docker save streams (docs/benchmarks.md). */
export const DEFAULT_COMPRESSION: CompressOptions = {
  algorithm: 'gzip',
  level: DEFAULT_COMPRESSION_LEVEL,
  chunkSize: 1024 * 1024,
  concurrency: 8
}

/** A large entry kept uncompressed until manifest.json says which layer it is. */
interface RawEntry {
  readonly file: string
  readonly diffId: string
}

/** `sha256:<hex>` for an OCI layout's `blobs/sha256/<hex>`; undefined for other names (a legacy save's `<id>/layer.tar`). */
function blobName(name: string): string | undefined {
  const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name)
  return m === null ? undefined : `sha256:${m[1] ?? ''}`
}

/** The diff ID of a legacy save's layer, where its chain of parents gives its place; else undefined. */
async function legacyDiffId(
  chain: LegacyChain,
  id: string,
  layerDiffIds: Promise<readonly string[] | undefined> | undefined
): Promise<string | undefined> {
  const position = chain.position(id)
  if (position === undefined || layerDiffIds === undefined) return undefined
  return (await layerDiffIds)?.[position]
}

/** Writes an entry to `file` as it is, hashing it on the way. */
async function keepRaw(input: AsyncIterable<Buffer>, file: string): Promise<RawEntry> {
  const hash = createHash('sha256')
  const out = fs.createWriteStream(file)
  for await (const chunk of input) {
    hash.update(chunk)
    if (!out.write(chunk)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
  return {file, diffId: `sha256:${hash.digest('hex')}`}
}

/** Compresses layers into the work folder, each also streamed where uploads are under way. */
class LayerWriter {
  private readonly finishing: Array<Promise<void>> = []
  private n = 0

  constructor(
    private readonly workDir: string,
    private readonly opts: CompressOptions,
    private readonly streaming: {layer(): LayerSink} | undefined
  ) {}

  /** A fresh file in the work folder. */
  file(ext: string): string {
    return path.join(this.workDir, `layer-${this.n++}.${ext}`)
  }

  async compress(input: AsyncIterable<Buffer>): Promise<CompressedLayer> {
    const sink = this.streaming?.layer()
    const layer = await compressLayer(
      input,
      this.file('gz'),
      this.opts,
      sink === undefined ? undefined : data => sink.write(data)
    )
    if (sink !== undefined) this.finishing.push(sink.finish(layer.digest, layer.size))
    return layer
  }

  /** Waits for every streamed layer's upload to finish. */
  async finished(): Promise<void> {
    await Promise.all(this.finishing)
  }
}

/** What one pass over the archive left: small entries in memory, large ones compressed or kept raw, known ones passed over. */
interface ScannedArchive {
  readonly small: Map<string, Buffer>
  readonly compressed: Map<string, CompressedLayer>
  readonly raw: Map<string, RawEntry>
  /** entry name → diff ID, of layers the registries hold that were not read */
  readonly passedOver: Map<string, string>
  readonly tarBytes: number
}

async function readSmall(entry: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of entry) chunks.push(c)
  return Buffer.concat(chunks)
}

/**
 * One pass over the archive. An OCI-layout save (Docker 25+) names each layer by its diff ID, a
 * legacy one by its place in the chain of parents: a known one is passed over unread.
 */
async function scanArchive(
  archive: Readable,
  known: ReadonlyMap<string, KnownLayer>,
  layerDiffIds: Promise<readonly string[] | undefined> | undefined,
  writer: LayerWriter
): Promise<ScannedArchive> {
  const scanned = {
    small: new Map<string, Buffer>(),
    compressed: new Map<string, CompressedLayer>(),
    raw: new Map<string, RawEntry>(),
    passedOver: new Map<string, string>(),
    tarBytes: 0
  }
  const chain = new LegacyChain()
  const extract = tar.extract()
  archive.on('error', e => extract.destroy(e))
  archive.pipe(extract)
  for await (const entry of extract) {
    const name = entry.header.name.replace(/^\.\//, '')
    const size = entry.header.size ?? 0
    if (entry.header.type !== 'file') {
      entry.resume()
      continue
    }
    const legacy = legacyEntry(name)
    const diffId =
      legacy?.file === 'layer.tar' && known.size > 0
        ? await legacyDiffId(chain, legacy.id, layerDiffIds)
        : blobName(name)
    if (diffId !== undefined && known.has(diffId)) {
      entry.resume()
      await once(entry, 'end')
      scanned.passedOver.set(name, diffId)
      continue
    }
    scanned.tarBytes += size
    const body = entry as AsyncIterable<Buffer>
    if (size < SMALL) {
      const bytes = await readSmall(body)
      scanned.small.set(name, bytes)
      const parent = legacy?.file === 'json' ? parentOf(bytes) : null
      if (legacy !== undefined && parent !== null) chain.add(legacy.id, parent)
    } else if (known.size > 0) {
      scanned.raw.set(name, await keepRaw(body, writer.file('tar')))
    } else {
      scanned.compressed.set(name, await writer.compress(body))
    }
  }
  return scanned
}

/** The one image of the save: its config's bytes, its layers' entry names and its diff IDs. */
function savedImage(small: ReadonlyMap<string, Buffer>): {
  configBytes: Buffer
  layerPaths: readonly string[]
  diffIds: readonly string[]
} {
  const index = small.get('manifest.json')
  if (index === undefined) throw new ActionError('docker save produced no manifest.json')
  const entries = JSON.parse(index.toString('utf8')) as SaveManifestEntry[]
  const entry = entries[0]
  if (entries.length !== 1 || entry === undefined)
    throw new ActionError(`docker save produced ${entries.length} images, expected 1`)
  const configBytes = small.get(entry.Config)
  if (configBytes === undefined) throw new ActionError(`docker save has no config ${entry.Config}`)
  const diffIds = (JSON.parse(configBytes.toString('utf8')) as {rootfs?: {diff_ids?: string[]}}).rootfs?.diff_ids ?? []
  return {configBytes, layerPaths: entry.Layers, diffIds}
}

/** The diff ID an entry was read (or passed over) as. */
function readDiffId(scanned: ScannedArchive, layerPath: string): string | undefined {
  const inMemory = scanned.small.get(layerPath)
  return (
    scanned.passedOver.get(layerPath) ??
    scanned.raw.get(layerPath)?.diffId ??
    (inMemory === undefined ? undefined : sha256(inMemory))
  )
}

/** Layer i compressed: while the archive streamed, else now from its raw file or memory; its diff ID checked. */
async function compressedLayer(
  scanned: ScannedArchive,
  layerPath: string,
  i: number,
  expected: string | undefined,
  writer: LayerWriter
): Promise<CompressedLayer> {
  const kept = scanned.raw.get(layerPath)
  const inMemory = scanned.small.get(layerPath)
  let layer = scanned.compressed.get(layerPath)
  if (layer === undefined && kept !== undefined) {
    layer = await writer.compress(fs.createReadStream(kept.file))
    fs.rmSync(kept.file, {force: true})
  }
  if (layer === undefined) {
    if (inMemory === undefined) throw new ActionError(`docker save has no layer ${layerPath}`)
    layer = await writer.compress(Readable.from([inMemory]))
  }
  if (layer.diffId !== '' && layer.diffId !== expected) {
    throw new ActionError(
      `layer ${i + 1} of the saved image has diff ID ${layer.diffId}, but the image config says ${expected ?? 'nothing'}`
    )
  }
  return layer
}

/**
 * Reads a `docker save` archive (legacy or OCI layout) for one image. Each layer is compressed as
 * it streams past, unless `known` names layers the registries hold already (by diff ID): then an
 * OCI layout's known layers (named by diff ID) are passed over unread, and so is a legacy save's
 * layer whose position its chain of parents gives (legacy-chain.ts) when `layerDiffIds` (the
 * image's, from the engine) says it is a known one. Other large entries are kept as they are until
 * manifest.json (last in the archive) says which layer each is, and only the layers not known are
 * compressed.
 */
export async function prepareImage(
  archive: Readable,
  workDir: string,
  opts: CompressOptions = DEFAULT_COMPRESSION,
  known: ReadonlyMap<string, KnownLayer> = new Map(),
  /** where each compressed layer also streams while it is compressed (uploads under way) */
  streaming?: {layer(): LayerSink},
  /** the image's diff IDs, bottom first (`docker image inspect`); undefined where unknown */
  layerDiffIds?: Promise<readonly string[] | undefined>
): Promise<PreparedImage> {
  const writer = new LayerWriter(workDir, opts, streaming)
  const scanned = await scanArchive(archive, known, layerDiffIds, writer)
  const {configBytes, layerPaths, diffIds} = savedImage(scanned.small)
  // gzip: Docker's media types, as docker push writes them; zstd: OCI's, the only ones that name it
  const format = opts.algorithm === 'zstd' ? 'oci' : 'docker'
  const types = mediaTypesOf(format)
  const layers: BlobSource[] = []
  let skipped = 0
  let compressedBytes = 0
  for (const [i, layerPath] of layerPaths.entries()) {
    const expected = diffIds[i]
    const rawDiffId = readDiffId(scanned, layerPath)
    const reuse = rawDiffId === expected && expected !== undefined ? known.get(expected) : undefined
    if (reuse !== undefined) {
      const kept = scanned.raw.get(layerPath)
      if (kept !== undefined) fs.rmSync(kept.file, {force: true})
      // a known layer is one of this compression (known-layers.ts)
      layers.push(heldBlob({mediaType: types[opts.algorithm], digest: reuse.digest, size: reuse.size}))
      skipped++
    } else if (scanned.passedOver.has(layerPath)) {
      throw new ActionError(
        `layer ${i + 1} of the saved image was passed over as ${rawDiffId ?? ''}, but the image config says ${expected ?? 'nothing'}`
      )
    } else {
      const layer = await compressedLayer(scanned, layerPath, i, expected, writer)
      layers.push(fileBlob({mediaType: types[layer.compression], digest: layer.digest, size: layer.size}, layer.file))
      compressedBytes += layer.size
    }
  }
  const config: BlobSource = {
    mediaType: types.config,
    digest: sha256(configBytes),
    size: configBytes.length,
    open: (start?: number, end?: number) =>
      Readable.from([configBytes.subarray(start ?? 0, end === undefined ? undefined : end + 1)])
  }
  await writer.finished()
  return {
    config,
    layers,
    manifest: imageManifest(config, layers, format),
    tarBytes: scanned.tarBytes,
    compressedBytes,
    skipped,
    passedOver: scanned.passedOver.size
  }
}
