/**
 * prepareImage on legacy saves (Docker before 25) built here byte for byte: the layer a chain of
 * parents places is passed over unread when every registry holds it, and a place that the image
 * config contradicts fails the publish instead of reusing the wrong blob.
 */
import {createHash} from 'crypto'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import {Readable} from 'stream'
import * as tar from 'tar-stream'
import {prepareImage} from '../../src/image/image-archive'

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`
const v1 = (c: string) => c.repeat(64)

/** A layer tar holding one file. */
async function layerTar(file: string, content: string): Promise<Buffer> {
  return packed([[file, Buffer.from(content)]])
}

async function packed(entries: Array<[string, Buffer]>): Promise<Buffer> {
  const pack = tar.pack()
  for (const [name, body] of entries) pack.entry({name}, body)
  pack.finalize()
  const chunks: Buffer[] = []
  for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c)
  return Buffer.concat(chunks)
}

/** A legacy save of two layers, bottom A (v1 id 'a...') and top B ('b...'), in name order as docker writes it. */
async function legacySave(): Promise<{archive: Buffer; a: Buffer; b: Buffer; config: Buffer}> {
  const a = await layerTar('base.txt', 'the base layer')
  const b = await layerTar('app.txt', 'the application')
  const config = Buffer.from(JSON.stringify({rootfs: {type: 'layers', diff_ids: [sha(a), sha(b)]}}))
  const configName = `${sha(config).slice(7)}.json`
  const entries: Array<[string, Buffer]> = [
    [`${v1('a')}/VERSION`, Buffer.from('1.0')],
    [`${v1('a')}/json`, Buffer.from(JSON.stringify({id: v1('a'), created: '1970-01-01T00:00:00Z'}))],
    [`${v1('a')}/layer.tar`, a],
    [`${v1('b')}/VERSION`, Buffer.from('1.0')],
    [`${v1('b')}/json`, Buffer.from(JSON.stringify({id: v1('b'), parent: v1('a')}))],
    [`${v1('b')}/layer.tar`, b],
    [configName, config],
    [
      'manifest.json',
      Buffer.from(JSON.stringify([{Config: configName, Layers: [`${v1('a')}/layer.tar`, `${v1('b')}/layer.tar`]}]))
    ]
  ]
  return {archive: await packed(entries), a, b, config}
}

describe('prepareImage: a legacy save', () => {
  let dir: string
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-archive-'))
  })
  afterEach(() => fs.rmSync(dir, {recursive: true, force: true}))

  test('the bottom layer every registry holds is passed over unread; the other is compressed', async () => {
    const {archive, a, b} = await legacySave()
    const held = new Map([[sha(a), {digest: `sha256:${'9'.repeat(64)}`, size: 123}]])
    const prepared = await prepareImage(
      Readable.from([archive]),
      dir,
      undefined,
      held,
      undefined,
      Promise.resolve([sha(a), sha(b)])
    )
    expect(prepared.passedOver).toBe(1)
    expect(prepared.skipped).toBe(1)
    expect(prepared.layers[0]).toMatchObject({digest: `sha256:${'9'.repeat(64)}`, size: 123})
    // read: B's tar and the small files, not A's tar
    expect(prepared.tarBytes).toBeLessThan(archive.length - a.length)
    expect(prepared.compressedBytes).toBe(prepared.layers[1]?.size)
  })

  test('without the diff IDs from the engine, the held layer is read and still reused', async () => {
    const {archive, a} = await legacySave()
    const held = new Map([[sha(a), {digest: `sha256:${'9'.repeat(64)}`, size: 123}]])
    const prepared = await prepareImage(Readable.from([archive]), dir, undefined, held, undefined, undefined)
    expect(prepared.passedOver).toBe(0)
    expect(prepared.skipped).toBe(1)
    expect(prepared.layers[0]).toMatchObject({digest: `sha256:${'9'.repeat(64)}`})
  })

  test('diff IDs that contradict the image config fail the publish, naming the layer', async () => {
    const {archive, a, b} = await legacySave()
    // the engine's answer in the wrong order: the bottom layer would be taken for B
    const held = new Map([[sha(b), {digest: `sha256:${'8'.repeat(64)}`, size: 45}]])
    await expect(
      prepareImage(Readable.from([archive]), dir, undefined, held, undefined, Promise.resolve([sha(b), sha(a)]))
    ).rejects.toThrow(`layer 1 of the saved image was passed over as ${sha(b)}, but the image config says ${sha(a)}`)
  })
})
