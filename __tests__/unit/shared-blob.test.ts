import {randomBytes} from 'crypto'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import {Readable} from 'stream'
import {sharedBlob} from '../../src/publish/shared-blob'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-shared-'))
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))

/** A download that yields `data` in pieces, with a pause between them; fails at `failAt` bytes if given. */
function slowSource(data: Buffer, piece: number, failAt?: number): () => Readable {
  return () =>
    Readable.from(
      (async function* () {
        for (let i = 0; i < data.length; i += piece) {
          if (failAt !== undefined && i >= failAt) throw new Error('connection reset')
          await new Promise(r => setTimeout(r, 2))
          yield data.subarray(i, i + piece)
        }
      })()
    )
}

async function all(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of r) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}

test('one download serves every reader, whole or by range, early or late', async () => {
  const data = randomBytes(3 * 1024 * 1024 + 17)
  let downloads = 0
  const source = slowSource(data, 256 * 1024)
  const open = sharedBlob(() => (downloads++, source()), path.join(dir, 'a'), data.length)
  const early = all(open())
  const ranged = all(open(1024 * 1024, 2 * 1024 * 1024 - 1))
  await new Promise(r => setTimeout(r, 30))
  const late = all(open())
  expect((await early).equals(data)).toBe(true)
  expect((await ranged).equals(data.subarray(1024 * 1024, 2 * 1024 * 1024))).toBe(true)
  expect((await late).equals(data)).toBe(true)
  // after the end, from the file
  expect((await all(open(data.length - 10))).equals(data.subarray(data.length - 10))).toBe(true)
  expect(downloads).toBe(1)
})

test('a failed download fails its readers; the next reader (a retry) downloads again', async () => {
  const data = randomBytes(1024 * 1024)
  let downloads = 0
  const open = sharedBlob(
    () => (downloads++ === 0 ? slowSource(data, 64 * 1024, 512 * 1024) : slowSource(data, 64 * 1024))(),
    path.join(dir, 'b'),
    data.length
  )
  await expect(all(open())).rejects.toThrow('connection reset')
  expect((await all(open())).equals(data)).toBe(true)
  expect(downloads).toBe(2)
})

test('a download shorter than the blob fails its readers', async () => {
  const data = randomBytes(1000)
  const open = sharedBlob(slowSource(data.subarray(0, 600), 100), path.join(dir, 'c'), data.length)
  await expect(all(open())).rejects.toThrow('the source blob ended after 600 of 1000 bytes')
})
