/**
 * The intake as a builder meets it, against a real docker-registry as the target: what BuildKit
 * cannot be made to do on demand (go away in the middle of a blob) is done here by a plain HTTP
 * client speaking the same requests (POST, then one PUT ?digest= with the body, as containerd's
 * pusher sends them). The whole way through BuildKit is in build-paths.test.ts.
 */
import {createHash} from 'crypto'
import * as fs from 'fs'
import * as http from 'http'
import * as os from 'os'
import * as path from 'path'
import {Readable} from 'stream'
import {BuildIntake} from '../../src/publish/build-intake'
import {RegistryClient} from '../../src/registry/client'
import {TestRegistry, startRegistries} from '../support/registry'

let registry: TestRegistry
let dir: string
beforeAll(async () => {
  ;[registry] = await startRegistries([{}])
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-intake-test-'))
})
afterAll(async () => {
  await registry?.stop()
  fs.rmSync(dir, {recursive: true, force: true})
})

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`

/** One request to the intake; `body` chunks are written as given, `abortAfter` destroys the request after that many. */
function send(
  ref: string,
  method: string,
  pathAndQuery: string,
  body: Buffer[] = [],
  abortAfter?: number
): Promise<{status: number; headers: http.IncomingHttpHeaders}> {
  const host = ref.split('/')[0] ?? ''
  const [hostname, port] = host.split(':')
  return new Promise((resolve, reject) => {
    const req = http.request({hostname, port: Number(port), method, path: pathAndQuery}, res => {
      res.resume()
      res.on('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers}))
    })
    req.on('error', reject)
    body.forEach((chunk, i) => {
      if (abortAfter !== undefined && i === abortAfter) {
        setTimeout(() => req.destroy(), 50)
        return
      }
      req.write(chunk)
    })
    if (abortAfter === undefined) req.end()
  })
}

const repoOf = (ref: string) => ref.slice(ref.indexOf('/'), ref.lastIndexOf(':'))

describe('BuildIntake against a real registry', () => {
  test('a blob goes on to the registry as it arrives; a manifest under a tag becomes the graph, read from the kept file', async () => {
    const client = new RegistryClient(registry.host, undefined)
    const intake = await BuildIntake.start(path.join(dir, 'one'), [{client, repoPath: 'intake/one'}])
    try {
      const ref = intake.ref('built')
      const repo = `/v2${repoOf(ref)}`
      const blob = Buffer.concat(Array.from({length: 3}, (_, i) => Buffer.alloc(700 * 1024, i + 1)))
      const digest = digestOf(blob)
      const start = await send(ref, 'POST', `${repo}/blobs/uploads/`)
      expect(start.status).toBe(202)
      const put = await send(ref, 'PUT', `${start.headers.location ?? ''}?digest=${encodeURIComponent(digest)}`, [
        blob.subarray(0, 1 << 20),
        blob.subarray(1 << 20)
      ])
      expect(put.status).toBe(201)
      const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}')
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: {
            mediaType: 'application/vnd.oci.image.config.v1+json',
            digest: digestOf(config),
            size: config.length
          },
          layers: [{mediaType: 'application/vnd.oci.image.layer.v1.tar', digest, size: blob.length}]
        })
      )
      // the config is one every repository holds already: answered as present, never sent
      await client.uploadBlob('intake/one', {
        digest: digestOf(config),
        size: config.length,
        open: () => Readable.from([config])
      })
      expect((await send(ref, 'HEAD', `${repo}/blobs/${digestOf(config)}`)).status).toBe(200)
      const mounted = await send(ref, 'POST', `${repo}/blobs/uploads/?mount=${digestOf(config)}&from=elsewhere/x`)
      expect(mounted.status).toBe(201)
      expect((await send(ref, 'PUT', `${repo}/manifests/built`, [manifest])).status).toBe(201)
      const graph = await intake.graph('built')
      expect(graph.digest).toBe(digestOf(manifest))
      const [configBlob, layer] = graph.blobs
      expect(() => configBlob?.open()).toThrow(/every registry held it/)
      const chunks: Buffer[] = []
      for await (const c of layer?.open() ?? []) chunks.push(c as Buffer)
      expect(Buffer.concat(chunks).equals(blob)).toBe(true)
      // streamed once into the registry as it came: one PATCH, the blob stored, counted as streamed
      expect(await client.blobExists('intake/one', digest)).toBe(true)
      const patches = (await registry.settledRequests()).filter(
        q => q.method === 'PATCH' && q.uri.startsWith('/v2/intake/one/blobs/uploads/')
      )
      expect(patches).toHaveLength(1)
      expect(intake.streamed().get(registry.host)?.digests.get(digest)).toBe(blob.length)
      expect(intake.counts()).toEqual({received: 1, held: 1})
    } finally {
      await intake.close()
    }
  })

  test('a builder that goes away mid-blob: the stream to the registry ends, the registry keeps nothing, close() does not wait forever', async () => {
    const client = new RegistryClient(registry.host, undefined)
    const intake = await BuildIntake.start(path.join(dir, 'two'), [{client, repoPath: 'intake/two'}])
    const blob = Buffer.alloc(3 << 20, 9)
    const digest = digestOf(blob)
    const ref = intake.ref('built')
    const start = await send(ref, 'POST', `/v2${repoOf(ref)}/blobs/uploads/`)
    const chunks = [blob.subarray(0, 1 << 20), blob.subarray(1 << 20, 2 << 20), blob.subarray(2 << 20)]
    await expect(
      send(ref, 'PUT', `${start.headers.location ?? ''}?digest=${encodeURIComponent(digest)}`, chunks, 2)
    ).rejects.toThrow()
    const closed = Date.now()
    await intake.close()
    expect(Date.now() - closed).toBeLessThan(5000)
    expect(await client.blobExists('intake/two', digest)).toBe(false)
    // the streamed request was ended (a body left open would keep the step's process alive); the
    // registry refused the short blob for its digest (not held, above)
    const requests = await registry.settledRequests()
    const mine = requests.filter(q => q.uri.startsWith('/v2/intake/two/blobs/uploads/'))
    expect(mine.filter(q => q.method === 'PATCH' && q.status === 202)).toHaveLength(1)
    expect(intake.streamed().get(registry.host)?.digests.has(digest) ?? false).toBe(false)
  })
})
