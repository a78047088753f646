/**
 * Publishing to several registries at once, and mirroring: three real
 * registries (no auth, Basic, Bearer); skopeo reads back identical digests
 * everywhere; the registries' own logs show each blob uploaded at most once
 * per registry.
 */
import {randomBytes} from 'crypto'
import {errors, runAction} from '../support/action'
import {TestRegistry, startRegistry} from '../support/registry'
import {TokenServer, startTokenServer} from '../support/token-server'
import {docker, pullFromRegistry, requireEngine, skopeoDigest} from '../support/tools'

const basic = {username: 'basic-user', password: `b-${randomBytes(8).toString('hex')}`}
const bearer = {username: 'bearer-user', password: `t-${randomBytes(8).toString('hex')}`}
let open: TestRegistry
let withBasic: TestRegistry
let withBearer: TestRegistry
let tokens: TokenServer

beforeAll(async () => {
  await requireEngine()
  tokens = await startTokenServer({[bearer.username]: bearer.password})
  ;[open, withBasic, withBearer] = await Promise.all([
    startRegistry(),
    startRegistry({users: {[basic.username]: basic.password}}),
    startRegistry({token: tokens})
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

async function rawManifest(ref: string, creds?: {username: string; password: string}): Promise<{layers?: Array<{digest: string}>; config?: {digest: string}; manifests?: Array<{digest: string}>}> {
  const {execFile} = await import('child_process')
  const args = ['inspect', '--raw', '--tls-verify=false', ...(creds ? ['--creds', `${creds.username}:${creds.password}`] : ['--no-creds']), `docker://${ref}`]
  const out = await new Promise<string>((resolve, reject) => execFile('skopeo', args, (e, stdout) => (e ? reject(e) : resolve(stdout))))
  return JSON.parse(out)
}

describe('publishing to several registries', () => {
  test('one build to three registries (none, Basic, Bearer) and two repositories in one: one digest everywhere, each blob uploaded once per registry', async () => {
    const images = [`${open.host}/acme/orders`, `${open.host}/mirror/orders`, `${withBasic.host}/acme/orders`, `${withBearer.host}/acme/orders`]
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
    const credsFor = (ref: string) => (ref.startsWith(withBasic.host) ? basic : ref.startsWith(withBearer.host) ? bearer : undefined)
    for (const image of images) {
      for (const tag of ['4.2.0', '4.2', '4', 'latest']) {
        expect(await skopeoDigest(`${image}:${tag}`, credsFor(image))).toBe(digest)
      }
    }
    expect(run.outputs.refs?.split('\n')).toEqual(images.map(i => `${i}@${digest}`))

    const manifest = await rawManifest(`${open.host}/acme/orders@${digest}`)
    const blobs = [manifest.config?.digest ?? '', ...(manifest.layers ?? []).map(l => l.digest)]
    for (const registry of [open, withBasic, withBearer]) {
      for (const blob of blobs) expect(registry.uploadsOf(blob)).toBe(1)
      // four tags, one manifest PUT each
      expect(registry.requests().filter(r => r.method === 'PUT' && /\/manifests\//.test(r.uri) && r.status === 201).length).toBe(registry === open ? 8 : 4)
    }
    // the second repository in the same registry mounted instead of uploading
    const m = meta(run.outputs)
    expect(m.blobs[`${open.host}/mirror/orders`]).toMatchObject({uploaded: 0, mounted: blobs.length})
    expect(m.blobs[`${withBasic.host}/acme/orders`]).toMatchObject({uploaded: blobs.length, mounted: 0})
    expect(run.summary).toMatch(/\d+ uploaded \(.+\), \d+ mounted, \d+ already there/)
    expect(open.requests().some(r => r.userAgent === 'stevedore')).toBe(true)
  })

  test('a blob the registry already has is not uploaded again', async () => {
    const greeting = `again-${Date.now()}`
    const first = await runAction({images: `${withBasic.host}/acme/again`, context: '__tests__/fixtures/multistage', 'build-args': `GREETING=${greeting}`, network: 'none', 'registry-auth': registryAuth(), tags: 'one'})
    expect(first.exitCode).toBe(0)
    const second = await runAction({images: `${withBasic.host}/acme/again`, context: '__tests__/fixtures/multistage', 'build-args': `GREETING=${greeting}`, network: 'none', 'registry-auth': registryAuth(), tags: 'two'})
    expect(second.exitCode).toBe(0)
    // the layers are cached and identical; only the config (new labels: created) is new
    const stats = meta(second.outputs).blobs[`${withBasic.host}/acme/again`]
    expect(stats?.uploaded).toBeLessThanOrEqual(1)
    expect(stats?.uploadedBytes).toBeLessThan(16 * 1024)
    expect(stats?.present).toBeGreaterThanOrEqual(2)
  })

  test('upload-chunk-size sends a large blob in PATCH chunks; the image reads back and runs', async () => {
    const run = await runAction(
      {images: `${withBearer.host}/acme/noise`, context: '__tests__/fixtures/noise', network: 'none', 'registry-auth': registryAuth(), tags: 'chunked', 'upload-chunk-size': '1MiB'},
      {env: {GITHUB_REF: 'refs/heads/main'}}
    )
    expect(errors(run)).toEqual([])
    const patches = withBearer.requests().filter(r => r.method === 'PATCH' && r.uri.includes('/acme/noise/blobs/uploads/') && r.status === 202)
    expect(patches.length).toBeGreaterThanOrEqual(3)
    expect(await skopeoDigest(`${withBearer.host}/acme/noise:chunked`, bearer)).toBe(run.outputs.digest)
    // docker pulls the chunked, multi-member gzip layer from the registry and runs it
    const ref = `${withBearer.host}/acme/noise@${run.outputs.digest}`
    await pullFromRegistry(ref, withBearer.host, bearer, [`${withBearer.host}/acme/noise:chunked`])
    expect(await docker(['run', '--rm', '--network=none', ref])).toMatch(/^[a-f0-9]{64}\s+\/noise$/)
  })
})
