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
import type {Compression} from '../oci/oci'

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
 * zlib's output buffer: one per member or frame, so that a member comes back from the thread pool
 * in one piece rather than some 25 of the default 16 KiB (docs/benchmarks.md has the measurement).
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

/** What a layer's first bytes say it is compressed with already, if anything. */
function compressedAlready(data: Buffer): Compression | undefined {
  if (data.subarray(0, 2).equals(GZIP_MAGIC)) return 'gzip'
  if (data.subarray(0, 4).equals(ZSTD_MAGIC)) return 'zstd'
  return undefined
}

/**
 * One layer on its way to the file: input cut into chunks, up to `concurrency` chunks compressed
 * at once, members written in order. Each chunk is copied into a buffer of its own, taken back once
 * its member is written: a layer needs at most `concurrency` of them however long it is.
 */
class LayerWriter {
  private readonly out: fs.WriteStream
  private readonly blobHash = createHash('sha256')
  private readonly tarHash = createHash('sha256')
  private readonly compress: (chunk: Buffer) => Promise<Buffer>
  private readonly pending: Array<Promise<Buffer>> = []
  private readonly spare: Buffer[] = []
  private buffer: Buffer | undefined
  private bufferedBytes = 0
  private size = 0
  private first = true
  private passThrough: Compression | undefined

  constructor(
    private readonly file: string,
    private readonly opts: CompressOptions,
    private readonly sink: ((data: Buffer) => Promise<void>) | undefined
  ) {
    this.out = fs.createWriteStream(file)
    this.compress = compressor(opts)
  }

  /** Compressed bytes to the file (and the sink), hashed as the blob. */
  private async write(data: Buffer): Promise<void> {
    this.blobHash.update(data)
    this.size += data.length
    const written = this.out.write(data)
      ? Promise.resolve()
      : new Promise<void>(resolve => this.out.once('drain', () => resolve()))
    await Promise.all([written, this.sink?.(data)])
  }

  private async flushOldest(): Promise<void> {
    const next = this.pending.shift()
    if (next !== undefined) await this.write(await next)
  }

  /** The buffered chunk sent to compression; waits while `concurrency` are under way. */
  private async cut(): Promise<void> {
    if (this.buffer === undefined || this.bufferedBytes === 0) return
    const whole = this.buffer
    const chunk = whole.subarray(0, this.bufferedBytes)
    this.buffer = undefined
    this.bufferedBytes = 0
    this.pending.push(
      this.compress(chunk).then(member => {
        this.spare.push(whole)
        return member
      })
    )
    while (this.pending.length >= this.opts.concurrency) await this.flushOldest()
  }

  async add(data: Buffer): Promise<void> {
    if (this.first) {
      this.passThrough = compressedAlready(data)
      this.first = false
    }
    if (this.passThrough !== undefined) return this.write(data)
    this.tarHash.update(data)
    let rest = data
    while (rest.length > 0) {
      const take = Math.min(rest.length, this.opts.chunkSize - this.bufferedBytes)
      this.buffer ??= this.spare.pop() ?? Buffer.allocUnsafeSlow(this.opts.chunkSize)
      rest.copy(this.buffer, this.bufferedBytes, 0, take)
      this.bufferedBytes += take
      rest = rest.subarray(take)
      if (this.bufferedBytes === this.opts.chunkSize) await this.cut()
    }
  }

  async finish(): Promise<CompressedLayer> {
    await this.cut()
    while (this.pending.length > 0) await this.flushOldest()
    if (this.size === 0) await this.write(await this.compress(Buffer.alloc(0)))
    await new Promise<void>((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())))
    return {
      digest: `sha256:${this.blobHash.digest('hex')}`,
      size: this.size,
      diffId: this.passThrough !== undefined ? '' : `sha256:${this.tarHash.digest('hex')}`,
      file: this.file,
      compression: this.passThrough ?? this.opts.algorithm
    }
  }
}

/** Writes the compressed layer to `file`; an input that is gzip or zstd already is stored as it is. */
export async function compressLayer(
  input: AsyncIterable<Buffer>,
  file: string,
  opts: CompressOptions,
  /** also given every compressed chunk as it is written (an upload under way); awaited, for backpressure */
  sink?: (data: Buffer) => Promise<void>
): Promise<CompressedLayer> {
  const writer = new LayerWriter(file, opts, sink)
  for await (const data of input) await writer.add(data)
  return writer.finish()
}
