/**
 * The second example, in the style `docker init` writes for Python (our
 * users' Django material): cache-mounted pip, bind-mounted requirements.txt,
 * a non-root appuser, and .dockerignore honoured. Published, pulled back and
 * run on every engine.
 */
import * as fs from 'fs'
import * as path from 'path'
import {ROOT, errors, runAction} from '../support/action'
import {ENGINE_NAMES, engine, localTags} from '../support/engines'
import {serveOnFreePort} from '../support/containers'
import {TestRegistry, startRegistry} from '../support/registry'
import {pullFromRegistry, requireEngine, skopeoConfig} from '../support/tools'

// builds the Python service from scratch on each engine: more than the suite's three minutes per test
jest.setTimeout(10 * 60 * 1000)

const context = path.join(ROOT, 'examples', 'inventory')
// files .dockerignore keeps out of the context, made for the test and removed afterwards
const ignored = ['.env', 'notes.local', 'secrets.dev.yaml']
let registry: TestRegistry

beforeAll(async () => {
  await requireEngine()
  registry = await startRegistry()
  for (const f of ignored) fs.writeFileSync(path.join(context, f), 'LOCAL_ONLY=1\n')
})
afterAll(async () => {
  for (const f of ignored) fs.rmSync(path.join(context, f), {force: true})
  await registry?.stop()
})

describe.each(ENGINE_NAMES)('on %s', name => {
  test('builds, publishes, and the pulled image runs as appuser without the ignored files', async () => {
    const e = engine(name)
    const image = `${registry.host}/acme/inventory-${name}`
    const run = await runAction(
      {
        images: image,
        context: 'examples/inventory',
        'build-args':
          'BASE_IMAGE=stevedore-local/python-fastapi:bookworm\nUID=10001\nPIP_INSTALL_ARGS=--no-index --no-deps',
        network: 'host',
        tags: 'init'
      },
      {env: e.env}
    )
    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    const pulled = `${image}@${run.outputs.digest ?? ''}`
    expect((await skopeoConfig(pulled)).config?.User).toBe('appuser')

    await pullFromRegistry(pulled, registry.host, undefined, await localTags(e, image), (a, i) => e.docker(a, i))
    const files = (await e.docker(['run', '--rm', '--network=none', pulled, 'ls', '-a', '/app'])).split('\n')
    expect(files).toEqual(expect.arrayContaining(['inventory', 'requirements.txt']))
    for (const f of [...ignored, 'Dockerfile', 'README.md']) expect([f, files.includes(f)]).toEqual([f, false])

    const served = await serveOnFreePort(e, 'inventory', port => [
      pulled,
      'python3',
      '-m',
      'uvicorn',
      'inventory.app:app',
      '--host',
      '127.0.0.1',
      '--port',
      String(port)
    ])
    const port = served.port
    try {
      const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as {status?: string; uid?: number}
      expect(health).toEqual({status: 'ok', uid: 10001})
      const stock = await (await fetch(`http://127.0.0.1:${port}/stock/oat-milk`)).json()
      expect(stock).toEqual({item: 'oat-milk', count: 30})
    } finally {
      await served.stop()
    }
  })
})
