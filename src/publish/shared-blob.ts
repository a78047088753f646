/**
 * One read of a source blob for every destination: the first open() starts the download, which is
 * spooled to a file as it arrives; every reader (any registry, any byte range, a retry) follows the
 * file, waiting for bytes not yet written. The source is read once however many registries need it.
 */
import {once} from 'events'
import * as fs from 'fs'
import {Readable} from 'stream'

const READ_SIZE = 1024 * 1024

export type OpenBlob = (start?: number, end?: number) => Readable

export function sharedBlob(download: () => Readable, file: string, size: number): OpenBlob {
  let started = false
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
    const out = fs.createWriteStream(file)
    const source = download()
    const copy = async (): Promise<void> => {
      for await (const chunk of source) {
        const buf = chunk as Buffer
        if (!out.write(buf)) await once(out, 'drain')
        written += buf.length
        notify()
      }
      out.end()
      await once(out, 'finish')
    }
    copy()
      .catch((e: unknown) => {
        failure = e instanceof Error ? e : new Error(String(e))
        out.destroy()
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
        // bytes reach the file before `written` counts them
        if (pos < written) {
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

  return (startAt?: number, end?: number) => {
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
}
