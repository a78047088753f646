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

export function sharedBlob(download: () => Readable, file: string, size: number): SharedBlob {
  let started = false
  let source: Readable | undefined
  let copying: Promise<void> = Promise.resolve()
  let written = 0
  let done = false
  let failure: Error | undefined
  let wake: Array<() => void> = []
  const notify = (): void => {
    const w = wake
    wake = []
    for (const f of w) f()
  }

  const start = (): void => {
    started = true
    const from = download()
    source = from
    const copy = async (): Promise<void> => {
      const out = await fs.promises.open(file, 'w')
      try {
        for await (const chunk of from) {
          const buf = chunk as Buffer
          if (written + buf.length > size)
            throw new Error(`the source sent more than the blob's ${size} bytes; refused`)
          // counted once the file holds it: readers never read past what was written
          await out.write(buf, 0, buf.length, written)
          written += buf.length
          notify()
        }
      } finally {
        from.destroy()
        await out.close()
      }
    }
    copying = copy()
      .catch((e: unknown) => {
        failure = e instanceof Error ? e : new Error(String(e))
      })
      .finally(() => {
        done = true
        notify()
      })
  }

  async function* follow(from: number, to: number): AsyncGenerator<Buffer> {
    let pos = from
    let handle: fs.promises.FileHandle | undefined
    try {
      while (pos < to) {
        // read in pieces of at least BATCH
        // (or what is left), so that a reader right behind the download does not read every chunk
        const ready = written - pos
        if (ready > 0 && (ready >= Math.min(BATCH, to - pos) || done || failure !== undefined)) {
          handle ??= await fs.promises.open(file, 'r')
          const want = Math.min(READ_SIZE, written - pos, to - pos)
          const buf = Buffer.allocUnsafe(want)
          const {bytesRead} = await handle.read(buf, 0, want, pos)
          pos += bytesRead
          yield buf.subarray(0, bytesRead)
        } else if (failure !== undefined) {
          throw failure
        } else if (done) {
          throw new Error(`the source blob ended after ${written} of ${size} bytes`)
        } else {
          await new Promise<void>(r => wake.push(r))
        }
      }
    } finally {
      await handle?.close()
    }
  }

  const open = (startAt?: number, end?: number): Readable => {
    // a download that failed is started again by the next reader (an upload's retry)
    if (started && done && failure !== undefined) {
      started = false
      written = 0
      done = false
      failure = undefined
    }
    if (!started) start()
    return Readable.from(follow(startAt ?? 0, end === undefined ? size : end + 1), {objectMode: false})
  }
  return Object.assign(open, {
    cancel: async (): Promise<void> => {
      source?.destroy(new Error('cancelled'))
      await copying
    }
  })
}
