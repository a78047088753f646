/**
 * login-action's `logout`: by default the post step removes this run's logins; with
 * `logout: false` a later step of the job (here a plain `docker pull`, with the environment the
 * step exported) still has them, and the post step leaves them to the runner.
 */
import * as fs from 'fs'
import {errors, runAction} from '../support/action'
import {engine} from '../support/engines'
import {TestRegistry, startRegistry} from '../support/registry'
import {requireEngine} from '../support/tools'

const creds = {username: 'release-bot', password: 'L0gout-Pa55'}
let registry: TestRegistry
const d28 = engine('d28-classic')

beforeAll(async () => {
  await requireEngine()
  registry = await startRegistry({users: {[creds.username]: creds.password}})
})
afterAll(async () => registry?.stop())

/** A later step of the job: docker with the environment the step exported. */
async function laterPull(ref: string, exported: Record<string, string>): Promise<string> {
  const config = exported.DOCKER_CONFIG
  const args = [...(config === undefined ? [] : ['--config', config]), 'pull', '-q', ref]
  return d28.docker(args)
}

const build = (image: string, extra: Record<string, string>) =>
  runAction(
    {
      images: image,
      tags: 'one',
      context: '__tests__/fixtures/multistage',
      target: 'final',
      network: 'none',
      ...creds,
      ...extra
    },
    {env: d28.env}
  )

describe('logout', () => {
  test('logout: false - a later step pulls with the logins; the post step leaves them', async () => {
    const image = `${registry.host}/logout/kept`
    const run = await build(image, {logout: 'false'})
    expect(errors(run)).toEqual([])
    const config = run.exported.DOCKER_CONFIG ?? ''
    expect(config.startsWith(run.runnerTemp)).toBe(true)
    expect(run.post?.stdout).toContain(`logout: false - kept ${config}`)
    const auths = (JSON.parse(fs.readFileSync(`${config}/config.json`, 'utf8')) as {auths: Record<string, unknown>})
      .auths
    expect(Object.keys(auths)).toEqual([registry.host])
    await expect(laterPull(`${image}:one`, run.exported)).resolves.toContain(`${image}:one`)
    // the user's buildx plugin and builders stay reachable through the kept config
    expect(fs.realpathSync(`${config}/cli-plugins`)).toBe(fs.realpathSync(`${d28.env.DOCKER_CONFIG ?? ''}/cli-plugins`))
    expect(fs.realpathSync(`${config}/buildx`)).toBe(fs.realpathSync(`${d28.env.DOCKER_CONFIG ?? ''}/buildx`))
    await d28.docker(['image', 'rm', `${image}:one`])
  })

  test('logout: true (the default) - nothing exported, the config removed: a later step has no login', async () => {
    const image = `${registry.host}/logout/removed`
    const run = await build(image, {})
    expect(errors(run)).toEqual([])
    // only metadata-action's DOCKER_METADATA_OUTPUT_* variables: no DOCKER_CONFIG
    expect(Object.keys(run.exported).filter(k => !k.startsWith('DOCKER_METADATA_OUTPUT_'))).toEqual([])
    expect(fs.readdirSync(run.runnerTemp).filter(f => f.startsWith('stevedore-docker-'))).toEqual([])
    await expect(laterPull(`${image}:one`, run.exported)).rejects.toThrow(/no basic auth credentials|unauthorized/)
  })

  test('logout: false in mirror mode - the logins are made with docker for later steps', async () => {
    const image = `${registry.host}/logout/mirrored`
    const run = await runAction(
      {source: `${registry.host}/logout/kept:one`, images: image, tags: 'copy', logout: 'false', ...creds},
      {env: d28.env}
    )
    expect(errors(run)).toEqual([])
    await expect(laterPull(`${image}:copy`, run.exported)).resolves.toContain(`${image}:copy`)
    await d28.docker(['image', 'rm', `${image}:copy`])
  })
})
