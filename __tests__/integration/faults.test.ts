/**
 * Under faults: three real registries behind proxies that fail 20% of
 * requests (5xx, 429 with Retry-After, resets, slow answers). Publishing and
 * mirroring succeed with identical digests, read back from the registries
 * directly. A registry down for good fails the step, and the outputs and
 * summary say exactly what was published where.
 */
import {randomBytes} from 'crypto'
import {errors, runAction} from '../support/action'
import {FaultProxy, startFaultProxy} from '../support/fault-proxy'
import {TestRegistry, startRegistries} from '../support/registry'
import {TokenServer, fullAccess, startTokenServer} from '../support/token-server'
import {requireEngine, skopeoDigest} from '../support/tools'
import {engine} from '../support/engines'

const basic = {username: 'basic-user', password: `b-${randomBytes(8).toString('hex')}`}
const bearer = {username: 'bearer-user', password: `t-${randomBytes(8).toString('hex')}`}
let tokens: TokenServer
let registries: TestRegistry[] = []
let proxies: FaultProxy[] = []

beforeAll(async () => {
  await requireEngine()
  tokens = await startTokenServer({[bearer.username]: fullAccess(bearer.password)})
  registries = await startRegistries([{}, {users: {[basic.username]: basic.password}}, {token: tokens}])
  proxies = await Promise.all(registries.map((r, i) => startFaultProxy(r.host, 0.2, 1000 + i)))
})
afterAll(async () => {
  await Promise.all(proxies.map(p => p.stop()))
  await Promise.all(registries.map(r => r.stop()))
  await tokens?.stop()
})

const credsOf = (i: number) => (i === 1 ? basic : i === 2 ? bearer : undefined)
function registryAuth(hosts: string[]): string {
  return [
    `- registry: ${hosts[1]}`,
    `  username: ${basic.username}`,
    `  password: ${basic.password}`,
    `- registry: ${hosts[2]}`,
    `  username: ${bearer.username}`,
    `  password: ${bearer.password}`
  ].join('\n')
}

// d28-containerd: BuildKit pushes to our intake, which streams on to the registries; a stream cut by a fault
// leaves that blob to the upload from its file
test.each(['docker20', 'd28-containerd'] as const)(
  '20%% of registry requests fail: publishing to three registries succeeds with one digest everywhere (%s)',
  async name => {
    const hosts = proxies.map(p => p.host)
    const before = proxies.map(p => Object.values(p.injected).reduce((a, b) => a + b, 0))
    const run = await runAction(
      {
        images: hosts.map(h => `${h}/acme/faulty-${name}`).join('\n'),
        context: '__tests__/fixtures/multistage',
        'build-args': `GREETING=faults-${Date.now()}`,
        network: 'none',
        'registry-auth': registryAuth(hosts)
      },
      {env: {...engine(name).env, GITHUB_REF: 'refs/tags/v5.0.0'}}
    )
    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    if (name === 'd28-containerd') expect(run.stdout).toContain("Pushed by the builder to stevedore's intake")
    const digest = run.outputs.digest ?? ''
    for (const [i, r] of registries.entries()) {
      for (const tag of ['5.0.0', '5.0', '5', 'latest'])
        expect(await skopeoDigest(`${r.host}/acme/faulty-${name}:${tag}`, credsOf(i))).toBe(digest)
    }
    const injected = proxies.map((p, i) => Object.values(p.injected).reduce((a, b) => a + b, 0) - (before[i] ?? 0))
    expect(injected.reduce((a, b) => a + b, 0)).toBeGreaterThan(5)
    const kinds = new Set(
      proxies.flatMap(p =>
        Object.entries(p.injected)
          .filter(([, n]) => n > 0)
          .map(([k]) => k)
      )
    )
    expect(kinds.size).toBeGreaterThanOrEqual(4)
  }
)

test('20% of registry requests fail: mirroring to two registries succeeds with the source digest', async () => {
  const hosts = proxies.map(p => p.host)
  // its own source image, published straight to the first registry (no faults on the way)
  const published = await runAction({
    images: `${registries[0]?.host ?? ''}/acme/mirror-source`,
    context: '__tests__/fixtures/multistage',
    'build-args': `GREETING=mirror-source-${Date.now()}`,
    network: 'none',
    tags: 'src'
  })
  expect(errors(published)).toEqual([])
  const sourceDigest = published.outputs.digest ?? ''
  const source = `${hosts[0]}/acme/mirror-source:src`
  const run = await runAction({
    source,
    images: [`${hosts[1]}/mirror/faulty`, `${hosts[2]}/mirror/faulty`].join('\n'),
    'registry-auth': registryAuth(hosts),
    tags: 'copied'
  })
  expect(errors(run)).toEqual([])
  expect(run.outputs.digest).toBe(sourceDigest)
  expect(await skopeoDigest(`${registries[1]?.host}/mirror/faulty:copied`, basic)).toBe(sourceDigest)
  expect(await skopeoDigest(`${registries[2]?.host}/mirror/faulty:copied`, bearer)).toBe(sourceDigest)
})

test('a registry that is down is found before anything is built', async () => {
  const gone = await startFaultProxy(registries[0]?.host ?? '', 0)
  try {
    gone.down()
    const hosts = [gone.host, proxies[1]?.host ?? '', proxies[2]?.host ?? '']
    const started = Date.now()
    const run = await runAction({
      images: hosts.map(h => `${h}/acme/down-first`).join('\n'),
      context: '__tests__/fixtures/multistage',
      network: 'none',
      'registry-auth': registryAuth(hosts)
    })
    expect(run.exitCode).toBe(1)
    expect(errors(run)).toEqual([
      expect.stringMatching(
        new RegExp(`^${gone.host}/acme/down-first: pushing is not possible: .*Nothing was built or pushed`)
      )
    ])
    expect(run.stdout).not.toContain('::group::Build')
    expect((Date.now() - started) / 1000).toBeLessThan(90)
  } finally {
    await gone.stop()
  }
}, 120_000)

test('a registry that dies after the push check: the step fails, and outputs and summary say exactly what went where', async () => {
  const gone = await startFaultProxy(registries[0]?.host ?? '', 0)
  try {
    // the push check before the build (an upload started, then cancelled) is the last it answers
    gone.downAfter(2)
    const hosts = [gone.host, proxies[1]?.host ?? '', proxies[2]?.host ?? '']
    const images = hosts.map(h => `${h}/acme/partial`)
    // a branch build: no tag listing, so the dead registry is first met when publishing
    const run = await runAction(
      {
        images: images.join('\n'),
        context: '__tests__/fixtures/multistage',
        'build-args': `GREETING=partial-${Date.now()}`,
        network: 'none',
        'registry-auth': registryAuth(hosts)
      },
      {env: {GITHUB_REF: 'refs/heads/main'}}
    )
    expect(run.exitCode).toBe(1)
    const [err] = errors(run).slice(-1)
    expect(err).toMatch(
      new RegExp(
        `^Published to 2 of 3 repositories \\(${images[1]}, ${images[2]}\\); not published: ${images[0]} \\(`.replace(
          /\./g,
          '\\.'
        )
      )
    )
    const digest = JSON.parse(run.outputs.digests ?? '{}') as Record<string, string>
    expect(Object.keys(digest)).toEqual([images[1], images[2]])
    const meta = JSON.parse(run.outputs.metadata ?? '{}') as {failed: Record<string, string>}
    expect(Object.keys(meta.failed)).toEqual([images[0]])
    expect(run.outputs.tags?.split('\n')).toEqual([
      `${images[1]}:main`,
      `${images[1]}:sha-0123456`,
      `${images[2]}:main`,
      `${images[2]}:sha-0123456`
    ])
    expect(run.summary).toMatch(/NOT published everywhere/)
    expect(run.summary).toContain(`<td>${images[0]}</td>`)
    expect(await skopeoDigest(`${registries[1]?.host}/acme/partial:main`, basic)).toBe(digest[images[1] ?? ''])
    expect(await skopeoDigest(`${registries[2]?.host}/acme/partial:main`, bearer)).toBe(digest[images[2] ?? ''])
  } finally {
    await gone.stop()
  }
})
