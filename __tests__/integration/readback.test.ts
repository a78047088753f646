/**
 * The read-back's failing side: after the push, every tag must resolve to the pushed digest.
 * Here another writer moves a tag between our push and our read-back: a relay in front of a real
 * registry, as soon as our manifest PUT for that tag succeeds, writes another image's manifest to
 * the same tag in the registry. The step must fail naming the tag and both digests.
 */
import * as http from 'http'
import {errors, runAction} from '../support/action'
import {listenOnLoopback} from '../support/ports'
import {TestRegistry, startRegistry} from '../support/registry'
import {requireEngine, skopeoDigest} from '../support/tools'

const ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json'
].join(', ')

let registry: TestRegistry
beforeAll(async () => {
  await requireEngine()
  registry = await startRegistry()
})
afterAll(async () => registry?.stop())

interface TagMover {
  host: string
  moved: number
  stop(): Promise<void>
}

/** A relay that, right after a manifest PUT to `repo:tag` succeeds, PUTs `other` to that tag upstream. */
async function startTagMover(
  upstream: string,
  repo: string,
  tag: string,
  other: {body: Buffer; type: string}
): Promise<TagMover> {
  const target = `/v2/${repo}/manifests/${tag}`
  const mover: TagMover = {host: '', moved: 0, stop: () => Promise.resolve()}
  const server = http.createServer((req, res) => {
    const up = http.request(`http://${upstream}${req.url ?? '/'}`, {method: req.method, headers: req.headers}, r => {
      const chunks: Buffer[] = []
      r.on('data', (c: Buffer) => chunks.push(c))
      r.on('end', () => {
        const answer = () => {
          res.writeHead(r.statusCode ?? 502, r.headers)
          res.end(Buffer.concat(chunks))
        }
        if (req.method !== 'PUT' || req.url !== target || r.statusCode !== 201) return answer()
        // the other writer, between our PUT and our read-back
        fetch(`http://${upstream}${target}`, {method: 'PUT', headers: {'content-type': other.type}, body: other.body})
          .then(moved => {
            if (moved.status === 201) mover.moved++
            return moved.arrayBuffer()
          })
          .finally(answer)
          .catch(() => undefined)
      })
    })
    up.on('error', () => res.destroy())
    req.pipe(up)
  })
  const port = await listenOnLoopback(server)
  mover.host = `127.0.0.1:${port}`
  mover.stop = () => new Promise(r => server.close(() => r()))
  return mover
}

test('a tag that resolves to another digest at read-back fails the step, naming the tag and both digests', async () => {
  const repo = 'readback/orders'
  const build = (images: string, greeting: string, tags: string) =>
    runAction({
      images,
      context: '__tests__/fixtures/multistage',
      'build-args': `GREETING=${greeting}`,
      network: 'none',
      tags
    })
  // the other writer's image, already in the repository
  const first = await build(`${registry.host}/${repo}`, `other-${Date.now()}`, 'other')
  expect(errors(first)).toEqual([])
  const otherDigest = first.outputs.digest ?? ''
  const got = await fetch(`http://${registry.host}/v2/${repo}/manifests/other`, {headers: {accept: ACCEPT}})
  const other = {body: Buffer.from(await got.arrayBuffer()), type: got.headers.get('content-type') ?? ''}

  const mover = await startTagMover(registry.host, repo, 'contested', other)
  try {
    const run = await build(`${mover.host}/${repo}`, `ours-${Date.now()}`, 'contested')
    expect(mover.moved).toBe(1)
    expect(run.exitCode).toBe(1)
    const ours = /manifest (sha256:[a-f0-9]{64})/.exec(run.stdout)?.[1] ?? ''
    expect(ours).toMatch(/^sha256:/)
    expect(ours).not.toBe(otherDigest)
    expect(errors(run)).toContainEqual(
      expect.stringContaining(
        `${mover.host}/${repo}:contested resolves to ${otherDigest} in the registry, but ${ours} was pushed`
      )
    )
    expect(run.outputs.digest ?? '').toBe('')
    // the registry really holds the other writer's image under the tag
    expect(await skopeoDigest(`${registry.host}/${repo}:contested`)).toBe(otherDigest)
  } finally {
    await mover.stop()
  }
})
