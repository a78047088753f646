/**
 * Expected failures end as one clear error, before anything is built, with
 * no stack trace.
 */
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import {errors, runAction} from '../support/action'
import {TestRegistry, startRegistry} from '../support/registry'
import {docker, requireEngine} from '../support/tools'

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
    ['uppercase repository', {images: 'ghcr.io/Acme/orders'}, /^Input 'images': .*lowercase/],
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

  test('no docker client that can build: a clear error naming what was found', async () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-path-'))
    try {
      const modern = '/usr/local/bin/docker'
      const version = fs.existsSync(modern)
        ? await docker(['version', '--format', '{{.Client.Version}}']).catch(() => '')
        : ''
      const linked = Number.parseInt(version, 10) >= 23
      if (linked) fs.symlinkSync(modern, path.join(bin, 'docker'))
      const run = await runAction(
        {images: `${registry.host}/acme/x`, context: fixture, network: 'none', push: 'false'},
        {env: {PATH: bin}}
      )
      expectCleanFailure(
        run,
        linked
          ? /^No docker client here can build with BuildKit: .*docker \(\d+\.\d+\.\d+, no buildx plugin, no built-in BuildKit\)\. Install the buildx plugin/
          : /^No docker client found on PATH/
      )
    } finally {
      fs.rmSync(bin, {recursive: true, force: true})
    }
  })
})
