/**
 * Build cache with the engine's built-in BuildKit: the published image
 * carries the inline cache; after the local cache is gone, a build with
 * cache-from pulls it from the registry and skips the RUN step. The fixture
 * writes random bytes in its RUN step, so equal contents prove the cache hit.
 */
import {execFileSync} from 'child_process'
import {errors, runAction} from '../support/action'
import {TestRegistry, startRegistry} from '../support/registry'
import {docker, requireEngine} from '../support/tools'

const creds = {username: 'cache-user', password: 'Cache-Pa55'}
let registry: TestRegistry
beforeAll(async () => {
  await requireEngine()
  registry = await startRegistry({users: {[creds.username]: creds.password}})
})
afterAll(async () => registry?.stop())

test('inline cache published with the image is used by the next build through cache-from', async () => {
  const image = `${registry.host}/acme/cached`
  const base = {
    images: image,
    context: '__tests__/fixtures/noise',
    network: 'none',
    username: creds.username,
    password: creds.password
  }
  const first = await runAction({...base, tags: 'cache', 'cache-to': 'type=inline'})
  expect(errors(first)).toEqual([])
  const firstNoise = await docker(['run', '--rm', '--network=none', `${image}:cache`])

  // forget everything local: the image and the build cache
  await docker(['image', 'rm', `${image}:cache`, `${image}:main`, `${image}:sha-0123456`])
  await docker(['builder', 'prune', '--all', '--force'])

  const second = await runAction({...base, tags: 'second', 'cache-from': `type=registry,ref=${image}:cache`})
  expect(errors(second)).toEqual([])
  expect(second.stdout).toMatch(/importing cache manifest from/)
  expect(second.stdout).toMatch(/CACHED/)
  expect(await docker(['run', '--rm', '--network=none', `${image}:second`])).toBe(firstNoise)
})

/** Where some docker on PATH has buildx, the registry cache is possible and this case does not apply. */
const hasBuildx = (() => {
  try {
    execFileSync('docker', ['buildx', 'version'], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
})()

;(hasBuildx ? test.skip : test)('a cache type the engine cannot do fails before the build, naming buildx', async () => {
  const run = await runAction({
    images: `${registry.host}/acme/cached`,
    context: '__tests__/fixtures/noise',
    network: 'none',
    'cache-to': 'type=registry,ref=x.io/a:cache,mode=max',
    push: 'false'
  })
  expect(run.exitCode).toBe(1)
  expect(errors(run)[0]).toMatch(/^cache-to 'type=registry,ref=x\.io\/a:cache,mode=max' needs buildx; .*Set up buildx/)
  expect(run.stdout).not.toMatch(/\[command\]\S*docker (buildx )?build /)
})
