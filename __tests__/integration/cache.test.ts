/**
 * Build cache with Docker 20.10's built-in BuildKit (the docker20 engine: a PATH whose only docker
 * is 20.10, a docker config without plugins): the published image carries the inline cache; after
 * the test's own cache records are gone, a build with cache-from pulls it from the registry and
 * skips the RUN step. The fixture writes random bytes in its RUN step, so equal contents prove the
 * cache hit.
 */
import {randomBytes} from 'crypto'
import {errors, runAction} from '../support/action'
import {engine} from '../support/engines'
import {TestRegistry, startRegistry} from '../support/registry'
import {requireEngine} from '../support/tools'

const docker20 = engine('docker20')
const creds = {username: 'cache-user', password: 'Cache-Pa55'}
let registry: TestRegistry
beforeAll(async () => {
  await requireEngine()
  registry = await startRegistry({users: {[creds.username]: creds.password}})
})
afterAll(async () => registry?.stop())

interface CacheRecord {
  ID: string
  Description: string
}

async function cacheRecords(): Promise<CacheRecord[]> {
  const out = await docker20.docker(['system', 'df', '--verbose', '--format', '{{json .BuildCache}}'])
  return JSON.parse(out) as CacheRecord[]
}

/** Removes the cache records of the fixture's RUN step that appeared after `before`: only what this test made. */
async function pruneNewRunSteps(before: CacheRecord[]): Promise<string[]> {
  const known = new Set(before.map(r => r.ID))
  const ours = (await cacheRecords()).filter(r => !known.has(r.ID) && r.Description.includes('/dev/urandom > /noise'))
  if (ours.length === 0) return []
  await docker20.docker(['builder', 'prune', '--all', '--force', ...ours.flatMap(r => ['--filter', `id=${r.ID}`])])
  return ours.map(r => r.ID)
}

test('inline cache published with the image is used by the next build through cache-from', async () => {
  const stamp = `cache-${randomBytes(6).toString('hex')}`
  const image = `${registry.host}/acme/cached`
  const base = {
    images: image,
    context: '__tests__/fixtures/noise',
    'build-args': `STAMP=${stamp}`,
    network: 'none',
    username: creds.username,
    password: creds.password
  }
  const before = await cacheRecords()
  const first = await runAction({...base, tags: 'cache', 'cache-to': 'type=inline'}, {env: docker20.env})
  expect(errors(first)).toEqual([])
  expect(first.stdout).toMatch(/Building with \S+ \(buildkit\); engine 20\.10/)
  const firstNoise = await docker20.docker(['run', '--rm', '--network=none', `${image}:cache`])

  // forget what this build made locally: the image and its RUN step's cache record (the stamp made it new)
  await docker20.docker(['image', 'rm', `${image}:cache`, `${image}:main`, `${image}:sha-0123456`])
  const pruned = await pruneNewRunSteps(before)
  expect(pruned).toHaveLength(1)
  expect((await cacheRecords()).map(r => r.ID)).not.toContain(pruned[0])

  const second = await runAction(
    {...base, tags: 'second', 'cache-from': `type=registry,ref=${image}:cache`},
    {env: docker20.env}
  )
  expect(errors(second)).toEqual([])
  expect(second.stdout).toMatch(/importing cache manifest from/)
  expect(second.stdout).toMatch(/CACHED/)
  expect(await docker20.docker(['run', '--rm', '--network=none', `${image}:second`])).toBe(firstNoise)
})

test('a cache type the engine cannot do fails before the build, naming buildx', async () => {
  const run = await runAction(
    {
      images: `${registry.host}/acme/cached`,
      context: '__tests__/fixtures/noise',
      network: 'none',
      'cache-to': 'type=registry,ref=x.io/a:cache,mode=max',
      push: 'false'
    },
    {env: docker20.env}
  )
  expect(run.exitCode).toBe(1)
  expect(errors(run)[0]).toMatch(
    /^Input 'cache-to': cache-to 'type=registry,ref=x\.io\/a:cache,mode=max' needs buildx; .*Set up buildx/
  )
  expect(run.stdout).not.toMatch(/\[command\]\S*docker (buildx )?build /)
})
