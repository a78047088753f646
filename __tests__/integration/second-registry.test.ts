/**
 * Our registry client against a second implementation: go-containerregistry's registry
 * (`crane registry serve`), next to distribution 2.8. Publishing and mirroring are read back with
 * crane as well as skopeo, so neither the server nor the reading client is only distribution's.
 */
import {errors, runAction} from '../support/action'
import {CraneRegistry, craneDigest, startCraneRegistry} from '../support/crane-registry'
import {TestRegistry, startRegistry} from '../support/registry'
import {rawManifest, requireEngine, skopeoDigest} from '../support/tools'

let crane: CraneRegistry
let distribution: TestRegistry
beforeAll(async () => {
  await requireEngine()
  crane = await startCraneRegistry()
  distribution = await startRegistry()
})
afterAll(async () => {
  await crane?.stop()
  await distribution?.stop()
})

interface Meta {
  blobs: Record<string, {uploaded: number; uploadedBytes: number; mounted: number; present: number}>
}
const meta = (outputs: Record<string, string>): Meta => JSON.parse(outputs.metadata ?? '{}') as Meta

const publish = (images: string[], ref: string, greeting: string) =>
  runAction(
    {
      images: images.join('\n'),
      context: '__tests__/fixtures/multistage',
      'build-args': `GREETING=${greeting}`,
      network: 'none'
    },
    {env: {GITHUB_REF: ref}}
  )

test('a release published to both implementations: one digest, read back by crane and skopeo; latest follows the highest release there', async () => {
  const images = [`${crane.host}/acme/orders`, `${distribution.host}/acme/orders`]
  const run = await publish(images, 'refs/tags/v1.2.0', `second-120-${Date.now()}`)
  expect(errors(run)).toEqual([])
  const digest = run.outputs.digest ?? ''
  expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/)
  for (const image of images) {
    for (const tag of ['1.2.0', '1.2', '1', 'latest']) {
      expect(await craneDigest(`${image}:${tag}`)).toBe(digest)
      expect(await skopeoDigest(`${image}:${tag}`)).toBe(digest)
    }
  }

  // an older hotfix: crane's tag list is read for latest, and its blob HEADs find the shared base layer
  const hotfix = await publish(images, 'refs/tags/v1.1.5', `second-115-${Date.now()}`)
  expect(errors(hotfix)).toEqual([])
  expect(hotfix.outputs.tags?.split('\n')).toEqual(images.flatMap(i => [`${i}:1.1.5`, `${i}:1.1`]))
  expect(await craneDigest(`${crane.host}/acme/orders:latest`)).toBe(digest)
  expect(await craneDigest(`${crane.host}/acme/orders:1.1.5`)).toBe(hotfix.outputs.digest)
  expect(meta(hotfix.outputs).blobs[`${crane.host}/acme/orders`]?.present).toBeGreaterThan(0)
})

test('mirror between the implementations, both ways, every tag read back by crane; a repeated mirror moves no bytes', async () => {
  const origin = await publish([`${distribution.host}/upstream/svc`], 'refs/heads/main', `mirror-${Date.now()}`)
  expect(errors(origin)).toEqual([])
  const digest = origin.outputs.digest ?? ''

  const toCrane = await runAction({
    source: `${distribution.host}/upstream/svc@${digest}`,
    images: `${crane.host}/copy/svc`,
    tags: 'mirrored'
  })
  expect(errors(toCrane)).toEqual([])
  expect(toCrane.outputs.digest).toBe(digest)
  expect(await craneDigest(`${crane.host}/copy/svc:mirrored`)).toBe(digest)
  const {json} = await rawManifest(`${crane.host}/copy/svc@${digest}`)
  expect((json as {layers: unknown[]}).layers.length).toBeGreaterThan(0)

  const back = await runAction({
    source: `${crane.host}/copy/svc:mirrored`,
    images: `${distribution.host}/back/svc`,
    tags: 'returned'
  })
  expect(errors(back)).toEqual([])
  expect(await craneDigest(`${distribution.host}/back/svc:returned`)).toBe(digest)

  const again = await runAction({
    source: `${distribution.host}/upstream/svc@${digest}`,
    images: `${crane.host}/copy/svc`,
    tags: 'again'
  })
  expect(errors(again)).toEqual([])
  expect(meta(again.outputs).blobs[`${crane.host}/copy/svc`]).toMatchObject({uploaded: 0, uploadedBytes: 0})
  expect(await craneDigest(`${crane.host}/copy/svc:again`)).toBe(digest)
})

test('a 3 MB layer in 1 MiB chunks (PATCH with Content-Range) is accepted and read back', async () => {
  const image = `${crane.host}/acme/noise`
  const run = await runAction(
    {
      images: image,
      context: '__tests__/fixtures/noise',
      'build-args': `STAMP=chunks-${Date.now()}`,
      network: 'none',
      tags: 'chunked',
      'upload-chunk-size': '1MiB'
    },
    {env: {GITHUB_REF: 'refs/heads/main'}}
  )
  expect(errors(run)).toEqual([])
  expect(await craneDigest(`${image}:chunked`)).toBe(run.outputs.digest)
  expect(meta(run.outputs).blobs[image]?.uploadedBytes).toBeGreaterThan(3_000_000)
})
