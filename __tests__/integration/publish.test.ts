/**
 * Publishing to several registries at once, and mirroring: three real
 * registries (no auth, Basic, Bearer); skopeo reads back identical digests
 * everywhere; the registries' own logs show each blob uploaded at most once
 * per registry.
 */
import {randomBytes} from 'crypto'
import {errors, runAction} from '../support/action'
import {TestRegistry, startRegistries} from '../support/registry'
import {TokenServer, fullAccess, startTokenServer} from '../support/token-server'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import {writeMultiPlatformLayout} from '../support/oci-layout'
import {engine} from '../support/engines'
import {docker, pullFromRegistry, rawManifest, requireEngine, skopeoCopy, skopeoDigest} from '../support/tools'

const basic = {username: 'basic-user', password: `b-${randomBytes(8).toString('hex')}`}
const bearer = {username: 'bearer-user', password: `t-${randomBytes(8).toString('hex')}`}
let open: TestRegistry
let withBasic: TestRegistry
let withBearer: TestRegistry
let tokens: TokenServer

beforeAll(async () => {
  await requireEngine()
  tokens = await startTokenServer({[bearer.username]: fullAccess(bearer.password)})
  ;[open, withBasic, withBearer] = await startRegistries([
    {},
    {users: {[basic.username]: basic.password}},
    {token: tokens}
  ])
})
afterAll(async () => {
  await Promise.all([open?.stop(), withBasic?.stop(), withBearer?.stop()])
  await tokens?.stop()
})

function registryAuth(): string {
  return [
    `- registry: ${withBasic.host}`,
    `  username: ${basic.username}`,
    `  password: ${basic.password}`,
    `- registry: ${withBearer.host}`,
    `  username: ${bearer.username}`,
    `  password: ${bearer.password}`
  ].join('\n')
}

interface Meta {
  digest: string
  blobs: Record<string, {uploaded: number; uploadedBytes: number; mounted: number; present: number}>
}
const meta = (outputs: Record<string, string>): Meta => JSON.parse(outputs.metadata ?? '{}') as Meta

describe('publishing to several registries', () => {
  test('one build to three registries (none, Basic, Bearer) and two repositories in one: one digest everywhere, each blob uploaded once per registry', async () => {
    const images = [
      `${open.host}/acme/orders`,
      `${open.host}/mirror/orders`,
      `${withBasic.host}/acme/orders`,
      `${withBearer.host}/acme/orders`
    ]
    const run = await runAction(
      {
        images: images.join('\n'),
        context: '__tests__/fixtures/multistage',
        'build-args': `GREETING=multi-${Date.now()}`,
        network: 'none',
        'registry-auth': registryAuth()
      },
      {env: {GITHUB_REF: 'refs/tags/v4.2.0'}}
    )
    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    const digest = run.outputs.digest ?? ''
    const credsFor = (ref: string) =>
      ref.startsWith(withBasic.host) ? basic : ref.startsWith(withBearer.host) ? bearer : undefined
    for (const image of images) {
      for (const tag of ['4.2.0', '4.2', '4', 'latest']) {
        expect(await skopeoDigest(`${image}:${tag}`, credsFor(image))).toBe(digest)
      }
    }
    expect(run.outputs.refs?.split('\n')).toEqual(images.map(i => `${i}@${digest}`))

    const {json} = await rawManifest(`${open.host}/acme/orders@${digest}`)
    const manifest = json as {config: {digest: string}; layers: Array<{digest: string}>}
    const blobs = [manifest.config.digest, ...manifest.layers.map(l => l.digest)]
    for (const registry of [open, withBasic, withBearer]) {
      for (const blob of blobs) expect(await registry.uploadsOf(blob)).toBe(1)
      // four tags, one manifest PUT each
      expect(
        (await registry.settledRequests()).filter(
          r => r.method === 'PUT' && /\/manifests\//.test(r.uri) && r.status === 201
        ).length
      ).toBe(registry === open ? 8 : 4)
    }
    // the second repository in the same registry mounted instead of uploading
    const m = meta(run.outputs)
    expect(m.blobs[`${open.host}/mirror/orders`]).toMatchObject({uploaded: 0, mounted: blobs.length})
    expect(m.blobs[`${withBasic.host}/acme/orders`]).toMatchObject({uploaded: blobs.length, mounted: 0})
    expect(run.summary).toMatch(/\d+ uploaded \(.+\), \d+ mounted, \d+ already there/)
    expect((await open.settledRequests()).some(r => r.userAgent === 'stevedore')).toBe(true)
  })

  test('a first publish streams each layer to every new repository while it is compressed', async () => {
    const greeting = `streamed-${Date.now()}`
    const images = [`${withBasic.host}/acme/streamed`, `${withBearer.host}/acme/streamed`]
    const publish = (tags: string) =>
      runAction({
        images: images.join('\n'),
        context: '__tests__/fixtures/multistage',
        'build-args': `GREETING=${greeting}`,
        network: 'none',
        'registry-auth': registryAuth(),
        tags
      })
    const patches = async (r: TestRegistry) =>
      (await r.settledRequests()).filter(
        q => q.method === 'PATCH' && q.uri.includes('/acme/streamed/blobs/uploads/') && q.status === 202
      ).length
    const first = await publish('one')
    expect(errors(first)).toEqual([])
    const {json} = await rawManifest(`${withBasic.host}/acme/streamed:one`, basic)
    const layers = (json as {layers: Array<{digest: string}>}).layers.map(l => l.digest)
    for (const [registry, creds] of [
      [withBasic, basic],
      [withBearer, bearer]
    ] as const) {
      // one streamed PATCH per layer (the config is small and goes up whole), each layer stored once
      expect(await patches(registry)).toBe(layers.length)
      const stored = (await registry.settledRequests()).filter(
        q => q.method === 'PUT' && q.status === 201 && q.uri.includes('/acme/streamed/blobs/uploads/')
      )
      for (const layer of layers)
        expect(stored.filter(q => decodeURIComponent(q.uri).includes(`digest=${layer}`))).toHaveLength(1)
      expect(await skopeoDigest(`${registry.host}/acme/streamed:one`, creds)).toBe(first.outputs.digest)
    }
    expect(meta(first.outputs).blobs[images[0] ?? '']).toMatchObject({uploaded: layers.length + 1})
    // the repositories hold an image now: a layer may be there already, so nothing streams blind
    const second = await publish('two')
    expect(errors(second)).toEqual([])
    expect(await patches(withBasic)).toBe(layers.length)
    expect(await patches(withBearer)).toBe(layers.length)
  })

  test('a blob the registry already has is not uploaded again', async () => {
    const greeting = `again-${Date.now()}`
    // the same build twice, under another tag
    const publishAs = (tags: string) =>
      runAction({
        images: `${withBasic.host}/acme/again`,
        context: '__tests__/fixtures/multistage',
        'build-args': `GREETING=${greeting}`,
        network: 'none',
        'registry-auth': registryAuth(),
        tags
      })
    const first = await publishAs('one')
    expect(first.exitCode).toBe(0)
    const second = await publishAs('two')
    expect(second.exitCode).toBe(0)
    // the layers are cached and identical; only the config (new labels: created) is new
    const stats = meta(second.outputs).blobs[`${withBasic.host}/acme/again`]
    expect(stats?.uploaded).toBeLessThanOrEqual(1)
    expect(stats?.uploadedBytes).toBeLessThan(16 * 1024)
    expect(stats?.present).toBeGreaterThanOrEqual(2)
  })

  test.each(['docker20', 'd28-classic'] as const)(
    'the next release reuses the layers every registry holds: not compressed, not uploaded; the image runs (%s)',
    async name => {
      const repo = `acme/release-${name}`
      const images = [`${open.host}/${repo}`, `${withBasic.host}/${repo}`, `${withBearer.host}/${repo}`]
      const release = (ref: string, greeting: string) =>
        runAction(
          {
            images: images.join('\n'),
            context: '__tests__/fixtures/multistage',
            'build-args': `GREETING=${greeting}`,
            network: 'none',
            'registry-auth': registryAuth()
          },
          {env: {...engine(name).env, GITHUB_REF: ref}}
        )
      const first = await release('refs/tags/v1.0.0', `first-${Date.now()}`)
      expect(errors(first)).toEqual([])
      expect(first.stdout).not.toMatch(/reused/)
      const before = (await rawManifest(`${open.host}/${repo}@${first.outputs.digest ?? ''}`)).json as {
        layers: Array<{digest: string}>
      }
      const registries = [open, withBasic, withBearer]
      const sharedBefore = await Promise.all(registries.map(r => r.uploadsOf(before.layers[0]?.digest ?? '')))
      // the layers above the base change with the greeting
      const firstRepository = await open.since()
      const next = await release('refs/tags/v1.0.1', `next-${Date.now()}`)
      expect(errors(next)).toEqual([])
      // the tags listed for latest also name the previous release: one listing
      expect((await firstRepository()).filter(r => r.uri.startsWith(`/v2/${repo}/tags/list`)).length).toBe(1)
      expect(next.stdout).toMatch(/; 1 layer\(s\) every registry holds from the previous release reused;/)
      // the held layer is not even read: Docker 25+ saves an OCI layout, each layer named by its
      // diff ID; Docker 20.10's legacy save gives the bottom layer's place by its json (no parent)
      expect(next.stdout).toMatch(/\n1 layer\(s\) passed over in the save unread/)
      const after = (await rawManifest(`${open.host}/${repo}@${next.outputs.digest ?? ''}`)).json as {
        config: {digest: string}
        layers: Array<{digest: string; size: number}>
      }
      expect(after.layers[0]?.digest).toBe(before.layers[0]?.digest)
      const changed = after.layers.slice(1).map(l => l.digest)
      // the log counts what this run compressed: the changed layers, not the reused one
      const compressedNow = after.layers.slice(1).reduce((n, l) => n + l.size, 0)
      expect(next.stdout).toMatch(new RegExp(` bytes read, ${compressedNow} compressed \\(`))
      expect(changed.filter(d => before.layers.some(l => l.digest === d))).toEqual([])
      for (const [i, registry] of registries.entries()) {
        // the shared layer did not cross again; the new layer and config once each
        expect(await registry.uploadsOf(before.layers[0]?.digest ?? '')).toBe(sharedBefore[i])
        for (const d of [...changed, after.config.digest]) expect(await registry.uploadsOf(d)).toBe(1)
        expect(meta(next.outputs).blobs[images[i] ?? '']).toMatchObject({uploaded: changed.length + 1, present: 1})
      }
      const ref = `${withBasic.host}/${repo}@${next.outputs.digest ?? ''}`
      await pullFromRegistry(ref, withBasic.host, basic, [])
      expect(await docker(['run', '--rm', '--network=none', ref])).toMatch(/^next-/)
    }
  )

  test('upload-chunk-size sends a large blob in PATCH chunks; the image reads back and runs', async () => {
    const run = await runAction(
      {
        images: `${withBearer.host}/acme/noise`,
        context: '__tests__/fixtures/noise',
        network: 'none',
        'registry-auth': registryAuth(),
        tags: 'chunked',
        'upload-chunk-size': '1MiB'
      },
      {env: {GITHUB_REF: 'refs/heads/main'}}
    )
    expect(errors(run)).toEqual([])
    const patches = (await withBearer.settledRequests()).filter(
      r => r.method === 'PATCH' && r.uri.includes('/acme/noise/blobs/uploads/') && r.status === 202
    )
    expect(patches.length).toBeGreaterThanOrEqual(3)
    expect(await skopeoDigest(`${withBearer.host}/acme/noise:chunked`, bearer)).toBe(run.outputs.digest)
    // docker pulls the chunked, multi-member gzip layer from the registry and runs it
    const ref = `${withBearer.host}/acme/noise@${run.outputs.digest}`
    await pullFromRegistry(ref, withBearer.host, bearer, [`${withBearer.host}/acme/noise:chunked`])
    expect(await docker(['run', '--rm', '--network=none', ref])).toMatch(/^[a-f0-9]{64}\s+\/noise$/)
  })
})

describe('mirror mode', () => {
  let source = ''
  let index = ''
  let children: string[] = []
  const blobs: string[] = []

  beforeAll(async () => {
    const layout = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-oci-'))
    try {
      await writeMultiPlatformLayout(
        layout,
        '1.0',
        [
          {os: 'linux', architecture: 'amd64'},
          {os: 'linux', architecture: 'arm64'}
        ],
        randomBytes(4).toString('hex')
      )
      source = `${open.host}/upstream/multi:1.0`
      await skopeoCopy(`oci:${layout}:1.0`, `docker://${source}`)
    } finally {
      fs.rmSync(layout, {recursive: true, force: true})
    }
    const raw = await rawManifest(source)
    index = raw.digest
    children = (raw.json.manifests as Array<{digest: string}>).map(m => m.digest)
    for (const child of children) {
      const c = (await rawManifest(`${open.host}/upstream/multi@${child}`)).json as {
        config: {digest: string}
        layers: Array<{digest: string}>
      }
      blobs.push(c.config.digest, ...c.layers.map(l => l.digest))
    }
  })

  const targets = () => [
    `${withBasic.host}/mirror/multi`,
    `${withBearer.host}/mirror/multi`,
    `${open.host}/mirror/multi`
  ]
  const credsFor = (ref: string) =>
    ref.startsWith(withBasic.host) ? basic : ref.startsWith(withBearer.host) ? bearer : undefined

  test('an index for two platforms is copied whole, children first, with its digest; each source blob read once', async () => {
    const uploadsBefore = await Promise.all(blobs.map(b => open.uploadsOf(b)))
    const sourceRequests = await open.since()
    const run = await runAction(
      {source, images: targets().join('\n'), 'registry-auth': registryAuth(), version: '1.0.0'},
      {env: {GITHUB_REF: 'refs/tags/v1.0.0'}}
    )
    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(run.outputs.digest).toBe(index)
    expect(run.outputs.imageid).toBe('')
    expect(run.stdout).not.toMatch(/::group::(Docker|Build)/)
    for (const image of targets()) {
      for (const tag of ['1.0.0', '1.0', '1', 'latest']) {
        expect((await rawManifest(`${image}:${tag}`, credsFor(image))).digest).toBe(index)
      }
      for (const child of children) expect((await rawManifest(`${image}@${child}`, credsFor(image))).digest).toBe(child)
    }
    // each blob crossed to each other registry once; in the source registry it was mounted, not uploaded
    for (const b of blobs) {
      expect(await withBasic.uploadsOf(b)).toBe(1)
      expect(await withBearer.uploadsOf(b)).toBe(1)
    }
    expect(await Promise.all(blobs.map(b => open.uploadsOf(b)))).toEqual(uploadsBefore)
    // two registries needed every blob: the source gave each one once
    const reads = (await sourceRequests())
      .filter(r => r.method === 'GET' && r.uri.startsWith('/v2/upstream/multi/blobs/'))
      .map(r => r.uri.split('/').pop())
    expect(reads.sort()).toEqual([...blobs].sort())
    expect(meta(run.outputs).blobs[`${open.host}/mirror/multi`]).toMatchObject({uploaded: 0, mounted: blobs.length})
  })

  test('a repeated mirror moves no blob bytes', async () => {
    const blobPuts = async (r: TestRegistry) =>
      (await r.settledRequests()).filter(q => q.method === 'PUT' && q.uri.includes('/blobs/uploads/')).length
    const before = await Promise.all([withBasic, withBearer, open].map(blobPuts))
    const run = await runAction({source, images: targets().join('\n'), 'registry-auth': registryAuth(), tags: 'again'})
    expect(errors(run)).toEqual([])
    for (const image of targets())
      expect(meta(run.outputs).blobs[image]).toMatchObject({
        uploaded: 0,
        uploadedBytes: 0,
        mounted: 0,
        present: blobs.length
      })
    const after = await Promise.all([withBasic, withBearer, open].map(blobPuts))
    expect(after).toEqual(before)
  })

  test('a single platform image by digest keeps its digest; imageid is its config', async () => {
    const child = children[1] ?? ''
    const run = await runAction({
      source: `${open.host}/upstream/multi@${child}`,
      images: `${withBasic.host}/mirror/arm64`,
      'registry-auth': registryAuth(),
      tags: 'arm64'
    })
    expect(errors(run)).toEqual([])
    expect(run.outputs.digest).toBe(child)
    expect(await skopeoDigest(`${withBasic.host}/mirror/arm64@${child}`, basic)).toBe(child)
    expect(run.outputs.imageid).toMatch(/^sha256:[a-f0-9]{64}$/)
  })

  test('merge: per-platform digests become one index in every repository, children copied where missing', async () => {
    const images = [`${open.host}/upstream/multi`, `${withBasic.host}/merged/multi`]
    const run = await runAction(
      {merge: children.join('\n'), images: images.join('\n'), 'registry-auth': registryAuth()},
      {env: {GITHUB_REF: 'refs/tags/v3.0.0'}}
    )
    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    const digest = run.outputs.digest ?? ''
    for (const image of images) {
      const index = await rawManifest(`${image}:3.0.0`, credsFor(image))
      expect(index.digest).toBe(digest)
      const listed = index.json.manifests as Array<{digest: string; platform: {architecture: string; os: string}}>
      expect(listed.map(m => m.digest)).toEqual(children)
      expect(listed.map(m => `${m.platform.os}/${m.platform.architecture}`)).toEqual(['linux/amd64', 'linux/arm64'])
      for (const child of children) expect((await rawManifest(`${image}@${child}`, credsFor(image))).digest).toBe(child)
    }
    expect(meta(run.outputs).blobs[`${withBasic.host}/merged/multi`]?.uploaded).toBe(blobs.length)
  })
})
