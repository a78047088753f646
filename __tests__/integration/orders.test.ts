/**
 * The main job end to end: the example orders service (multi-stage FastAPI,
 * non-root) built once, pushed as 0.1.0 / 0.1 / latest to a real registry,
 * read back with skopeo, pulled back and run.
 */
import {errors, runAction} from '../support/action'
import {freePort, waitFor} from '../support/ports'
import {TestRegistry, startRegistry} from '../support/registry'
import {docker, pullFromRegistry, requireEngine, skopeoDigest, skopeoImage} from '../support/tools'

const creds = {username: 'release-bot', password: 'Orders-Pa55-word'}
let registry: TestRegistry

beforeAll(async () => {
  await requireEngine()
  registry = await startRegistry({users: {[creds.username]: creds.password}})
})
afterAll(async () => registry?.stop())

test('builds the orders service, publishes 0.1.0 and latest, and the pushed image serves /health as non-root', async () => {
  const image = `${registry.host}/acme/orders`
  const run = await runAction(
    {
      images: image,
      context: 'examples/orders',
      'build-args': 'BASE_IMAGE=stevedore-local/python-fastapi:bookworm\nAPP_PACKAGE_NAME=orders\nUID=10001',
      network: 'host',
      username: creds.username,
      password: creds.password
    },
    {env: {GITHUB_REF: 'refs/tags/v0.1.0'}}
  )
  expect(errors(run)).toEqual([])
  expect(run.exitCode).toBe(0)

  // outputs = what the registry holds, read by another client
  const digest = run.outputs.digest ?? ''
  expect(run.outputs.version).toBe('0.1.0')
  expect(run.outputs.tags?.split('\n')).toEqual([`${image}:0.1.0`, `${image}:0.1`, `${image}:latest`])
  for (const ref of run.outputs.tags?.split('\n') ?? []) expect(await skopeoDigest(ref, creds)).toBe(digest)
  expect(run.outputs.refs).toBe(`${image}@${digest}`)
  expect(await skopeoDigest(`${image}@${digest}`, creds)).toBe(digest)
  expect(JSON.parse(run.outputs.digests ?? '')).toEqual({[image]: digest})
  const meta = JSON.parse(run.outputs.metadata ?? '') as {sizes: Record<string, number>}
  expect(meta.sizes[image]).toBeGreaterThan(10 * 1024 * 1024)
  expect(run.summary).toMatch(/\d+\.\d MiB/)
  expect((await skopeoImage(`${image}:latest`, creds)).Labels?.['org.opencontainers.image.version']).toBe('0.1.0')

  // the password never reached a log line unmasked
  expect(run.stdout.split('\n').filter(l => l.includes(creds.password) && !l.startsWith('::add-mask::'))).toEqual([])

  // pull the pushed image back from the registry (not the local build) and run it
  await pullFromRegistry(`${image}@${digest}`, registry.host, creds, run.outputs.tags?.split('\n') ?? [])
  expect(await docker(['image', 'inspect', '--format', '{{.Config.User}}', `${image}@${digest}`])).toBe('app')

  const port = await freePort()
  const name = `stevedore-orders-${port}`
  await docker(['run', '-d', '--rm', '--name', name, '--network=host', '-e', `PORT=${port}`, `${image}@${digest}`])
  try {
    let body: {status?: string; uid?: number; package?: string} = {}
    await waitFor(
      'the orders service',
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/health`)
        body = (await res.json()) as typeof body
        return res.ok
      },
      30000
    )
    expect(body.status).toBe('ok')
    expect(body.package).toBe('orders')
    expect(body.uid).toBe(10001)
    const created = await fetch(`http://127.0.0.1:${port}/orders`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({order: [{product: 'cappuccino', size: 'small', quantity: 1}]})
    })
    expect(created.status).toBe(201)
    expect(await docker(['exec', name, 'id', '-u'])).toBe('10001')
  } finally {
    await docker(['rm', '-f', name]).catch(() => '')
  }
})
