/**
 * `source: docker-daemon:NAME`: an image a `docker build` (or Compose) of an earlier step left in
 * the engine, published as a build's result would be: its tags, every registry, the read-back and
 * the outputs. On Docker 20.10 (a legacy save) and on the containerd image store (an OCI save).
 */
import {execFile} from 'child_process'
import {promisify} from 'util'
import {errors, runAction} from '../support/action'
import {Engine, engine} from '../support/engines'

/** docker on an engine, with BuildKit asked for as Docker 20.10 needs it (RUN --mount) */
async function dockerWithBuildKit(e: Engine, args: string[]): Promise<void> {
  await promisify(execFile)('docker', args, {env: {...process.env, ...e.env, DOCKER_BUILDKIT: '1'}})
}
import {TestRegistry, startRegistry} from '../support/registry'
import {rawManifest, requireEngine, skopeoConfig, skopeoDigest} from '../support/tools'

const bot = {username: 'local-bot', password: 'L0cal-Pa55'}
let open: TestRegistry
let locked: TestRegistry

beforeAll(async () => {
  await requireEngine()
  ;[open, locked] = await Promise.all([startRegistry(), startRegistry({users: {[bot.username]: bot.password}})])
}, 60_000)
afterAll(async () => {
  await Promise.all([open, locked].map(r => r?.stop()))
})

test.each(['docker20', 'd28-containerd'] as const)(
  'an image built by docker build in an earlier step is published to two registries (%s)',
  async name => {
    const e = engine(name)
    const stamp = `local-${name}-${Date.now()}`
    // the earlier step: a plain docker build, as a Compose or Makefile workflow has (BuildKit on 20.10)
    await dockerWithBuildKit(e, [
      'build',
      '-q',
      '--network',
      'none',
      '--build-arg',
      `GREETING=${stamp}`,
      '--label',
      `com.acme.stamp=${stamp}`,
      '-t',
      `stevedore-test/local:${stamp}`,
      '__tests__/fixtures/multistage'
    ])
    const images = [`${open.host}/acme/local`, `${locked.host}/acme/local`]
    const run = await runAction(
      {
        source: `docker-daemon:stevedore-test/local:${stamp}`,
        images: images.join('\n'),
        'registry-auth': `- registry: ${locked.host}\n  username: ${bot.username}\n  password: ${bot.password}`
      },
      {env: {...e.env, GITHUB_REF: 'refs/tags/v3.4.5'}}
    )
    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    const digest = run.outputs.digest ?? ''
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/)
    expect(run.outputs.version).toBe('3.4.5')
    expect(run.outputs.refs?.split('\n')).toEqual(images.map(i => `${i}@${digest}`))
    for (const image of images) {
      const creds = image.startsWith(locked.host) ? bot : undefined
      for (const tag of ['3.4.5', '3.4', '3', 'latest'])
        expect(await skopeoDigest(`${image}:${tag}`, creds)).toBe(digest)
    }
    // the engine's image as it was: its label, and its config is the image ID given as output
    const config = (await skopeoConfig(`${open.host}/acme/local:3.4.5`)) as {config?: {Labels?: Record<string, string>}}
    expect(config.config?.Labels?.['com.acme.stamp']).toBe(stamp)
    const manifest = (await rawManifest(`${open.host}/acme/local:3.4.5`)).json as {config: {digest: string}}
    expect(run.outputs.imageid).toBe(manifest.config.digest)
    expect(run.stdout).not.toContain('::group::Build')
    expect(run.stdout).toContain('::group::Compress')
  },
  120_000
)

test('an image the engine does not hold fails before logging in, naming it', async () => {
  const run = await runAction({source: 'docker-daemon:stevedore-test/no-such:image', images: `${open.host}/acme/none`})
  expect(run.exitCode).toBe(1)
  expect(errors(run)).toEqual([
    expect.stringMatching(
      /^Input 'source': docker-daemon:stevedore-test\/no-such:image: the engine holds no such image/
    )
  ])
  expect(run.stdout).not.toContain('::group::Log in')
})
