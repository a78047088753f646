/**
 * Compresses a layer once: the tar stream is cut into chunks, each chunk is
 * compressed on the thread pool in parallel, and the members (gzip) or frames
 * (zstd) are written in order. Both formats allow several in one stream, and
 * their readers read them all. Node's gzip writes no timestamp or name, so the
 * same layer gives the same bytes, and the same digest, every time.
 */
import {createHash} from 'crypto'
import * as fs from 'fs'
import {promisify} from 'util'
import * as zlib from 'zlib'
import {ActionError} from '../errors'
import type {Compression} from '../inputs/inputs'

const gzip = promisify(zlib.gzip)

export interface CompressOptions {
  readonly algorithm: Compression
  /** gzip 1 (fast) to 9 (small); zstd 1 to 19 */
  readonly level: number
  /** bytes of uncompressed input per gzip member */
  readonly chunkSize: number
  /** members compressed at once */
  readonly concurrency: number
}

export interface CompressedLayer {
  /** sha256 of the compressed bytes: the blob digest */
  readonly digest: string
  readonly size: number
  /** sha256 of the uncompressed tar: the diff ID in the image config */
  readonly diffId: string
  readonly file: string
  /** what the file holds: an input compressed already is stored as it came */
  readonly compression: Compression
}

/** Where one layer's compressed bytes also go as they are written: every chunk in order, then its digest. */
export interface LayerSink {
  write(data: Buffer): Promise<void>
  finish(digest: string, size: number): Promise<void>
}

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b])
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd])

/**
 * zlib's output buffer: one per member or frame. The default (16 KiB) gives a member of a 1 MiB chunk
 * some 25 round trips between the thread pool and JavaScript, and a concatenation; measured on 100 MB
 * of a base layer in 1 MiB members, gzip level 3, 8 in flight: 1 MiB took 10% less CPU (docs/benchmarks.md).
 */
const OUTPUT_BUFFER = 1 << 20

/** One member (gzip) or frame (zstd) of a layer: zstd needs Node 22.15+ (the action runs on Node 24). */
export function compressor(opts: Pick<CompressOptions, 'algorithm' | 'level'>): (chunk: Buffer) => Promise<Buffer> {
  if (opts.algorithm === 'gzip') return async chunk => gzip(chunk, {level: opts.level, chunkSize: OUTPUT_BUFFER})
  const zstd = (zlib as {zstdCompress?: typeof zlib.gzip}).zstdCompress
  if (zstd === undefined)
    throw new ActionError(`compression: zstd needs Node.js 22.15 or later, and this is ${process.version}`)
  const params = {[zlib.constants.ZSTD_c_compressionLevel]: opts.level}
  return async chunk =>
    new Promise<Buffer>((resolve, reject) =>
      zstd(chunk, {params, chunkSize: OUTPUT_BUFFER} as zlib.ZlibOptions, (err, out) =>
        err ? reject(err) : resolve(out)
      )
    )
}

/** Writes the compressed layer to `file`; an input that is gzip or zstd already is stored as it is. */
export async function compressLayer(
  input: AsyncIterable<Buffer>,
  file: string,
  opts: CompressOptions,
  /** also given every compressed chunk as it is written (an upload under way); awaited, for backpressure */
  sink?: (data: Buffer) => Promise<void>
): Promise<CompressedLayer> {
  const out = fs.createWriteStream(file)
  const blobHash = createHash('sha256')
  const tarHash = createHash('sha256')
  let size = 0
  let first = true
  let passThrough: Compression | undefined
  const compress = compressor(opts)
  const pending: Array<Promise<Buffer>> = []
  // each chunk is copied into a buffer of its own, taken back once its member is written: a layer
  // needs at most `concurrency` of them however long it is (fewer allocations, less garbage)
  const spare: Buffer[] = []
  let buffer: Buffer | undefined
  let bufferedBytes = 0

  const write = async (data: Buffer): Promise<void> => {
    blobHash.update(data)
    size += data.length
    const written = out.write(data)
      ? Promise.resolve()
      : new Promise<void>(resolve => out.once('drain', () => resolve()))
    await Promise.all([written, sink?.(data)])
  }
  const flushOldest = async (): Promise<void> => {
    const next = pending.shift()
    if (next !== undefined) await write(await next)
  }
  const cut = async (): Promise<void> => {
    if (buffer === undefined || bufferedBytes === 0) return
    const whole = buffer
    const chunk = whole.subarray(0, bufferedBytes)
    buffer = undefined
    bufferedBytes = 0
    pending.push(
      compress(chunk).then(member => {
        spare.push(whole)
        return member
      })
    )
    while (pending.length >= opts.concurrency) await flushOldest()
  }

  for await (const data of input) {
    if (first) {
      passThrough = data.subarray(0, 2).equals(GZIP_MAGIC)
        ? 'gzip'
        : data.subarray(0, 4).equals(ZSTD_MAGIC)
          ? 'zstd'
          : undefined
      first = false
    }
    if (passThrough !== undefined) {
      await write(data)
      continue
    }
    tarHash.update(data)
    let rest = data
    while (rest.length > 0) {
      const take = Math.min(rest.length, opts.chunkSize - bufferedBytes)
      buffer ??= spare.pop() ?? Buffer.allocUnsafeSlow(opts.chunkSize)
      rest.copy(buffer, bufferedBytes, 0, take)
      bufferedBytes += take
      rest = rest.subarray(take)
      if (bufferedBytes === opts.chunkSize) await cut()
    }
  }
  await cut()
  while (pending.length > 0) await flushOldest()
  if (size === 0) await write(await compress(Buffer.alloc(0)))
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())))
  const digest = `sha256:${blobHash.digest('hex')}`
  return {
    digest,
    size,
    diffId: passThrough !== undefined ? '' : `sha256:${tarHash.digest('hex')}`,
    file,
    compression: passThrough ?? opts.algorithm
  }
}
