/**
 * Logging in as docker/login-action does: every registry-auth entry is logged
 * in to, also one that is only pulled from (a private base image) and also
 * with push: false. A registry without credentials is named in a notice.
 */
import {execFile} from 'child_process'
import {promisify} from 'util'
import {errors, runAction} from '../support/action'
import {waitFor} from '../support/ports'
import {TestRegistry, startRegistries} from '../support/registry'
import {requireEngine} from '../support/tools'

const run = promisify(execFile)
// a leading zero, ' #', ': ' and both quotes: each would be changed or cut by unquoted YAML
const puller = {username: 'puller', password: `0#x: "it's" #1`}
let privateBase: TestRegistry
let open: TestRegistry
let base: string

beforeAll(async () => {
  await requireEngine()
  ;[privateBase, open] = await startRegistries([{users: {[puller.username]: puller.password}}, {}])
  base = `${privateBase.host}/base/busybox:1`
  await run('skopeo', [
    'copy',
    '--quiet',
    '--dest-tls-verify=false',
    '--dest-creds',
    `${puller.username}:${puller.password}`,
    'docker-daemon:stevedore-local/busybox:latest',
    `docker://${base}`
  ])
})
afterAll(async () => Promise.all([privateBase?.stop(), open?.stop()]))

function buildOnPrivateBase(extra: Record<string, string>) {
  return runAction({
    context: '__tests__/fixtures/multistage',
    target: 'final',
    network: 'none',
    'build-args': `BASE=${base}\nGREETING=login-${Date.now()}`,
    push: 'false',
    ...extra
  })
}

/** A registry-auth entry in the form the README recommends: every value through toJSON. */
const authEntry = (registry: string, c: {username: string; password: string}) =>
  `- registry: ${JSON.stringify(registry)}\n  username: ${JSON.stringify(c.username)}\n  password: ${JSON.stringify(c.password)}\n`

describe('registry-auth logins', () => {
  test('a private base image is pulled with a registry-auth login, with push: false', async () => {
    const result = await buildOnPrivateBase({'registry-auth': authEntry(privateBase.host, puller)})
    expect(errors(result)).toEqual([])
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain(`${privateBase.host}: logged in as puller`)
    // the registry writes its log line after the response: wait for it, with a bound
    const pulled = () => privateBase.requests().some(r => r.uri === '/v2/base/busybox/manifests/1' && r.status === 200)
    await waitFor('the authenticated manifest request in the registry log', () => Promise.resolve(pulled()), 5000)
  })

  test('without that entry the same build cannot pull its base', async () => {
    const result = await buildOnPrivateBase({})
    expect(result.exitCode).toBe(1)
    expect(result.stdout).not.toContain('logged in as')
    expect(errors(result)).toHaveLength(1)
    expect(errors(result)[0]).toMatch(
      new RegExp(`^The image build failed[\\s\\S]*${privateBase.host.replace(/\./g, '\\.')}[\\s\\S]*401 Unauthorized`)
    )
  })

  test('a registry pushed to without credentials is named in a notice', async () => {
    const result = await runAction({
      images: `${open.host}/acme/anon`,
      context: '__tests__/fixtures/multistage',
      target: 'final',
      network: 'none',
      tags: 'anon'
    })
    expect(errors(result)).toEqual([])
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain(
      `::notice::${open.host}: no credentials given, so pushing to it anonymously. If it needs a login, add it to 'registry-auth' or give 'username' and 'password'.`
    )
  })
})
