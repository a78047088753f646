/**
 * Expected failures end as one clear error, before anything is built, with
 * no stack trace.
 */
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import {errors, runAction} from '../support/action'
import {TestRegistry, startRegistry} from '../support/registry'
import {engine} from '../support/engines'
import {requireEngine} from '../support/tools'

let registry: TestRegistry
beforeAll(async () => {
  await requireEngine()
  registry = await startRegistry({users: {alice: 'right-password'}})
})
afterAll(async () => registry?.stop())

const fixture = '__tests__/fixtures/multistage'

function expectCleanFailure(run: {exitCode: number; stdout: string; stderr: string}, message: RegExp): void {
  expect(run.exitCode).toBe(1)
  const errs = errors(run)
  expect(errs).toHaveLength(1)
  expect(errs[0]).toMatch(message)
  expect(`${run.stdout}\n${run.stderr}`).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
}

describe('bad input fails before any build', () => {
  test.each<[string, Record<string, string>, RegExp]>([
    ['invalid repository', {images: 'ghcr.io/acme/orders!'}, /^Input 'images': .*lowercase/],
    ['invalid tag', {tags: 'ok\n.bad'}, /^Input 'tags': '\.bad' is not a valid tag/],
    [
      'malformed build-args',
      {'build-args': 'PYTHON_VERSION 3.12'},
      /^Input 'build-args': 'PYTHON_VERSION 3.12' is not KEY=VALUE/
    ],
    ['unknown latest', {latest: 'maybe'}, /^Input 'latest': 'maybe' is not accepted; use one of: auto, true, false/],
    ['missing Dockerfile', {context: '__tests__'}, /^Input 'file': .*does not exist/],
    ['context outside the workspace', {context: '../..'}, /^Input 'context': .*outside the workspace/],
    ['push without images', {images: ''}, /^Input 'images': is required when push is true/],
    [
      'malformed registry-auth',
      {'registry-auth': '- registry: ghcr.io\n  user: x'},
      /^Input 'registry-auth': entry 1 has unknown key 'user'/
    ]
  ])('%s', async (_name, bad, message) => {
    const run = await runAction({images: `${registry.host}/acme/bad`, context: fixture, network: 'none', ...bad})
    expectCleanFailure(run, message)
    expect(run.stdout).not.toMatch(/::group::(Docker|Build|Log in)/)
  })
})

describe('failures of the environment', () => {
  test('a wrong password fails at login, before the build, naming the registry', async () => {
    const run = await runAction({
      images: `${registry.host}/acme/x`,
      context: fixture,
      network: 'none',
      username: 'alice',
      password: 'wrong-password'
    })
    expectCleanFailure(
      run,
      new RegExp(
        `^Login to ${registry.host.replace(/\./g, '\\.')} as 'alice' was refused: .*401 Unauthorized.*Check the username and password`
      )
    )
    expect(run.stdout).not.toMatch(/::group::Build/)
  })

  test('a failing build reports its last lines, not a stack', async () => {
    const dir = fs.mkdtempSync(path.join(__dirname, '..', 'fixtures', 'tmp-broken-'))
    try {
      fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM stevedore-local/busybox:latest\nRUN exit 7\n')
      const run = await runAction({
        images: `${registry.host}/acme/x`,
        context: path.relative(path.resolve(__dirname, '..', '..'), dir),
        network: 'none',
        push: 'false'
      })
      expectCleanFailure(run, /^The image build failed \(exit 1\)\. Last lines:\n[\s\S]*exit code: 7/)
    } finally {
      fs.rmSync(dir, {recursive: true, force: true})
    }
  })

  /** A PATH holding exactly the given docker clients (none: an empty folder), and a docker config without plugins. */
  async function withClients(docker: string | undefined, work: (env: Record<string, string>) => Promise<void>) {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-path-'))
    const config = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-noplugins-'))
    try {
      if (docker !== undefined) fs.symlinkSync(docker, path.join(bin, 'docker'))
      await work({PATH: bin, DOCKER_CONFIG: config})
    } finally {
      fs.rmSync(bin, {recursive: true, force: true})
      fs.rmSync(config, {recursive: true, force: true})
    }
  }
  const inputs = () => ({images: `${registry.host}/acme/x`, context: fixture, network: 'none', push: 'false'})

  test('no docker client on PATH: a clear error', async () => {
    await withClients(undefined, async env => {
      const run = await runAction(inputs(), {env})
      expectCleanFailure(run, /^No docker client found on PATH\. Install Docker \(with the buildx plugin\)/)
    })
  })

  test('only a docker client from 23.0 on without buildx: the error names it, its version and the way out', async () => {
    // Docker 28.5.2's client from the d28 engines, without their docker config (where buildx is)
    const modern = (engine('d28-classic').env.PATH ?? '').split(':')[0] ?? ''
    await withClients(path.join(modern, 'docker'), async env => {
      const run = await runAction(inputs(), {env})
      expectCleanFailure(
        run,
        /^No docker client here can build with BuildKit: \S+\/docker \(28\.5\.2\+dfsg4, no buildx plugin, no built-in BuildKit\)\. Install the buildx plugin/
      )
    })
  })
})
