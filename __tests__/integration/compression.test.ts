/**
 * compression: zstd, end to end: the layers are zstd in the registry under an OCI manifest, on the
 * engine path (our own compression, many frames per layer) and where BuildKit builds (converted by
 * it); Docker 28 pulls each image and runs it. A later release reuses the zstd layers it holds.
 */
import {errors, runAction} from '../support/action'
import {EngineName, engine} from '../support/engines'
import {TestRegistry, startRegistries} from '../support/registry'
import {rawManifest, requireEngine, skopeoDigest} from '../support/tools'

let registry: TestRegistry
beforeAll(async () => {
  await requireEngine()
  ;[registry] = await startRegistries([{}])
})
afterAll(async () => registry?.stop())

interface ImageJson {
  mediaType: string
  config: {mediaType: string}
  layers: Array<{mediaType: string; digest: string}>
}

/** The image manifest a tag names: itself, or the first platform's of an index. */
async function imageOf(ref: string): Promise<ImageJson> {
  const raw = (await rawManifest(ref)).json as unknown as ImageJson & {manifests?: Array<{digest: string}>}
  if (raw.manifests === undefined) return raw
  const repo = ref.replace(/:[^:/]+$/, '')
  return (await rawManifest(`${repo}@${raw.manifests[0]?.digest ?? ''}`)).json as unknown as ImageJson
}

const publish = (name: EngineName, repo: string, ref: string, greeting: string) =>
  runAction(
    {
      images: `${registry.host}/${repo}`,
      context: '__tests__/fixtures/multistage',
      target: 'final',
      network: 'none',
      'build-args': `GREETING=${greeting}`,
      compression: 'zstd'
    },
    {env: {...engine(name).env, GITHUB_REF: ref}}
  )

describe.each<[EngineName, string]>([
  ['d28-classic', 'the engine path: saved and compressed by us, many zstd frames per layer'],
  ['d28-containerd', "BuildKit's push to the intake: converted by BuildKit"]
])('compression: zstd on %s (%s)', name => {
  test('every layer is zstd under an OCI manifest; Docker pulls the image and runs it', async () => {
    const repo = `zstd/${name}`
    const greeting = `zstd-${name}-${Date.now()}`
    const run = await publish(name, repo, 'refs/tags/v1.0.0', greeting)
    expect(errors(run)).toEqual([])
    const ref = `${registry.host}/${repo}:1.0.0`
    expect(await skopeoDigest(ref)).toBe(run.outputs.digest)
    const image = await imageOf(ref)
    expect(image.mediaType).toBe('application/vnd.oci.image.manifest.v1+json')
    expect(image.config.mediaType).toBe('application/vnd.oci.image.config.v1+json')
    expect(image.layers.length).toBeGreaterThan(0)
    for (const l of image.layers) expect(l.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+zstd')
    const e = engine(name)
    await e.docker(['pull', '-q', ref])
    expect(await e.docker(['run', '--rm', '--network=none', ref])).toBe(greeting)
    await e.docker(['image', 'rm', ref])
  })

  test('a later release reuses the zstd layers every repository holds', async () => {
    const repo = `zstd-release/${name}`
    const first = await publish(name, repo, 'refs/tags/v2.0.0', `first-${Date.now()}`)
    expect(errors(first)).toEqual([])
    const mark = await registry.since()
    const next = await publish(name, repo, 'refs/tags/v2.0.1', `next-${Date.now()}`)
    expect(errors(next)).toEqual([])
    const base = (await imageOf(`${registry.host}/${repo}:2.0.0`)).layers[0]?.digest ?? ''
    expect((await imageOf(`${registry.host}/${repo}:2.0.1`)).layers[0]?.digest).toBe(base)
    // the base layer crossed once, with the first release
    expect((await mark()).filter(q => q.method !== 'HEAD' && decodeURIComponent(q.uri).includes(base))).toEqual([])
    if (name === 'd28-classic')
      expect(next.stdout).toMatch(/1 layer\(s\) every registry holds from the previous release reused/)
    else expect(next.stdout).toMatch(/[1-9]\d* held by every repository already \(not sent\)/)
  })
})
