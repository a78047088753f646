/**
 * The main job end to end, on every engine our users run: the example orders
 * service (multi-stage FastAPI, non-root) built once, published as 0.1.0 /
 * 0.1 / latest to three real registries (anonymous and two with their own
 * htpasswd users), read back with skopeo, pulled back into the same engine
 * and run.
 */
import {errors, runAction} from '../support/action'
import {serveOnFreePort} from '../support/containers'
import {ENGINE_NAMES, Engine, EngineName, engine, localTags, remoteBases, remoteBuilder} from '../support/engines'
import {TestRegistry, startRegistries} from '../support/registry'
import {Creds, pullFromRegistry, requireEngine, skopeoConfig, skopeoDigest, skopeoImage} from '../support/tools'

// builds the Python service from scratch on each engine: more than the suite's three minutes per test
jest.setTimeout(10 * 60 * 1000)

const release = {username: 'release-bot', password: 'Orders-Pa55-word'}
const mirrorBot = {username: 'mirror-bot', password: 'An0ther: "pass" #word'}
let registries: Array<{registry: TestRegistry; creds: Creds | undefined}> = []

beforeAll(async () => {
  await requireEngine()
  const [open, first, second] = await startRegistries([
    {},
    {users: {[release.username]: release.password}},
    {users: {[mirrorBot.username]: mirrorBot.password}}
  ])
  registries = [
    {registry: open, creds: undefined},
    {registry: first, creds: release},
    {registry: second, creds: mirrorBot}
  ]
})
afterAll(async () => Promise.all(registries.map(r => r.registry.stop())))

async function serves(e: Engine, ref: string): Promise<void> {
  const served = await serveOnFreePort(e, 'orders', port => ['-e', `PORT=${port}`, ref])
  const {port, name} = served
  try {
    const body = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as Record<string, unknown>
    expect(body).toEqual({status: 'ok', package: 'orders', uid: 10001})
    const created = await fetch(`http://127.0.0.1:${port}/orders`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({order: [{product: 'cappuccino', size: 'small', quantity: 1}]})
    })
    expect(created.status).toBe(201)
    expect(await e.docker(['exec', name, 'id', '-u'])).toBe('10001')
  } finally {
    await served.stop()
  }
}

/** Each engine with its default builder, and the remote builder (buildkitd), which pulls its base from a registry. */
const CASES: Array<{name: string; engine: EngineName; builder?: string; base: string}> = [
  ...ENGINE_NAMES.map(n => ({name: n, engine: n, base: 'stevedore-local/python-fastapi:bookworm'})),
  {
    name: 'remote-builder',
    engine: 'd28-classic',
    builder: remoteBuilder(),
    base: `${remoteBases()}/python-fastapi:bookworm`
  }
]

describe.each(CASES)('on $name', ({name, engine: engineName, builder, base}) => {
  test('builds the orders service once, publishes 0.1.0, 0.1 and latest to three registries, and the pulled image serves /health as non-root', async () => {
    const e = engine(engineName)
    const images = registries.map(r => `${r.registry.host}/acme/orders-${name}`)
    const auth = registries
      .filter(r => r.creds !== undefined)
      .map(
        r =>
          `- registry: ${r.registry.host}\n  username: ${JSON.stringify(r.creds?.username)}\n  password: ${JSON.stringify(r.creds?.password)}`
      )
      .join('\n')
    const run = await runAction(
      {
        images: images.join('\n'),
        context: 'examples/orders',
        'build-args': `BASE_IMAGE=${base}\nAPP_PACKAGE_NAME=orders\nUID=10001`,
        'registry-auth': auth,
        // our engines have no bridge, so RUN uses the host's network; the remote builder's worker is on it already
        // (and --network host would need the network.host entitlement there)
        ...(builder === undefined ? {network: 'host'} : {builder})
      },
      {env: {GITHUB_REF: 'refs/tags/v0.1.0', ...e.env}}
    )
    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    // the engine and client asked for were the ones used
    expect(run.stdout).toMatch(
      name === 'docker20'
        ? /Building with \S+ \(buildkit\); engine 20\.10/
        : builder === undefined
          ? /Building with \S+ \(buildx\); engine 28\.5.*docker driver/
          : /Building with \S+ \(buildx\); engine 28\.5.*remote driver: OCI layout published as built/
    )

    // outputs = what every registry holds, read by another client
    const digest = run.outputs.digest ?? ''
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(run.outputs.version).toBe('0.1.0')
    expect(run.outputs.tags?.split('\n')).toEqual(images.flatMap(i => ['0.1.0', '0.1', 'latest'].map(t => `${i}:${t}`)))
    for (const [i, image] of images.entries()) {
      const creds = registries[i]?.creds
      for (const tag of ['0.1.0', '0.1', 'latest']) expect(await skopeoDigest(`${image}:${tag}`, creds)).toBe(digest)
      expect((await skopeoImage(`${image}:latest`, creds)).Labels?.['org.opencontainers.image.version']).toBe('0.1.0')
    }
    expect(run.outputs.refs?.split('\n')).toEqual(images.map(i => `${i}@${digest}`))
    expect(JSON.parse(run.outputs.digests ?? '')).toEqual(Object.fromEntries(images.map(i => [i, digest])))
    const meta = JSON.parse(run.outputs.metadata ?? '') as {sizes: Record<string, number>}
    for (const image of images) expect(meta.sizes[image]).toBeGreaterThan(10 * 1024 * 1024)

    // no password reached a log line unmasked
    for (const c of [release, mirrorBot]) {
      expect(run.stdout.split('\n').filter(l => l.includes(c.password) && !l.startsWith('::add-mask::'))).toEqual([])
    }

    // pull the pushed image back from a registry (not the local build) into the same engine and run it
    const [, withLogin] = registries
    const pulled = `${images[1]}@${digest}`
    // the build's local tags: the engine has them where the image went through it, none where BuildKit's OCI layout
    // was published as it is (containerd store, remote builder)
    const local = await localTags(e, images[1] ?? '')
    expect(local.sort()).toEqual(
      e.store === 'containerd' || builder !== undefined
        ? []
        : run.outputs.tags
            ?.split('\n')
            .filter(t => t.startsWith(`${images[1]}:`))
            .sort()
    )
    await pullFromRegistry(pulled, withLogin?.registry.host ?? '', release, local, (a, i) => e.docker(a, i))
    // the user as pushed (the registry's config blob, read by skopeo), then as it runs in this engine; Docker 28's
    // containerd store answers `image inspect` of a pulled image with an empty Config, so the engine is not asked
    expect((await skopeoConfig(pulled, release)).config?.User).toBe('app')
    await serves(e, pulled)
  })
})
