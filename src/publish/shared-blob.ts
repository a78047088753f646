/**
 * One read of a source blob for every destination: the first open() starts the download, which is
 * spooled to a file as it arrives; every reader (any registry, any byte range, a retry) follows the
 * file, waiting for bytes not yet written. The source is read once however many registries need it.
 * The file never grows past the blob's declared size: a source that sends more fails the blob,
 * and cancel() stops a download that is still running.
 */
import * as fs from 'fs'
import {Readable} from 'stream'

const READ_SIZE = 1024 * 1024
const BATCH = 256 * 1024

export type OpenBlob = (start?: number, end?: number) => Readable

/** A spooled blob: readers open it; cancel() ends its download and waits for the file to be closed. */
export interface SharedBlob extends OpenBlob {
  cancel(): Promise<void>
}

/** The download spooled to a file, and what readers wait on: bytes written, done, failed. */
class Spool {
  private started = false
  private source: Readable | undefined
  private copying: Promise<void> = Promise.resolve()
  private written = 0
  private done = false
  private failure: Error | undefined
  private wake: Array<() => void> = []

  constructor(
    private readonly download: () => Readable,
    private readonly file: string,
    private readonly size: number
  ) {}

  private notify(): void {
    const w = this.wake
    this.wake = []
    for (const f of w) f()
  }

  private start(): void {
    this.started = true
    const from = this.download()
    this.source = from
    this.copying = this.copy(from)
      .catch((e: unknown) => {
        this.failure = e instanceof Error ? e : new Error(String(e))
      })
      .finally(() => {
        this.done = true
        this.notify()
      })
  }

  private async copy(from: Readable): Promise<void> {
    const out = await fs.promises.open(this.file, 'w')
    try {
      for await (const chunk of from) {
        const buf = chunk as Buffer
        if (this.written + buf.length > this.size)
          throw new Error(`the source sent more than the blob's ${this.size} bytes; refused`)
        // counted once the file holds it: readers never read past what was written
        await out.write(buf, 0, buf.length, this.written)
        this.written += buf.length
        this.notify()
      }
    } finally {
      from.destroy()
      await out.close()
    }
  }

  /** Bytes from..to of the file, each read once the download has written it. */
  async *follow(from: number, to: number): AsyncGenerator<Buffer> {
    let pos = from
    let handle: fs.promises.FileHandle | undefined
    try {
      while (pos < to) {
        // read in pieces of at least BATCH (or what is left), so that a reader right behind the
        // download does not read every chunk
        const ready = this.written - pos
        if (ready > 0 && (ready >= Math.min(BATCH, to - pos) || this.done || this.failure !== undefined)) {
          handle ??= await fs.promises.open(this.file, 'r')
          const want = Math.min(READ_SIZE, this.written - pos, to - pos)
          const buf = Buffer.allocUnsafe(want)
          const {bytesRead} = await handle.read(buf, 0, want, pos)
          pos += bytesRead
          yield buf.subarray(0, bytesRead)
        } else if (this.failure !== undefined) {
          throw this.failure
        } else if (this.done) {
          throw new Error(`the source blob ended after ${this.written} of ${this.size} bytes`)
        } else {
          await new Promise<void>(r => this.wake.push(r))
        }
      }
    } finally {
      await handle?.close()
    }
  }

  open(startAt?: number, end?: number): Readable {
    // a download that failed is started again by the next reader (an upload's retry)
    if (this.started && this.done && this.failure !== undefined) {
      this.started = false
      this.written = 0
      this.done = false
      this.failure = undefined
    }
    if (!this.started) this.start()
    return Readable.from(this.follow(startAt ?? 0, end === undefined ? this.size : end + 1), {objectMode: false})
  }

  async cancel(): Promise<void> {
    this.source?.destroy(new Error('cancelled'))
    await this.copying
  }
}

export function sharedBlob(download: () => Readable, file: string, size: number): SharedBlob {
  const spool = new Spool(download, file, size)
  return Object.assign((startAt?: number, end?: number) => spool.open(startAt, end), {
    cancel: async (): Promise<void> => spool.cancel()
  })
}
