/**
 * build-push-action's build options (add-hosts, shm-size, ulimit, build-contexts, no-cache-filters,
 * annotations) reach the builder: each leaves a trace in the published image, read back by running
 * it. Where the builder at hand cannot honour one, the step fails before building, naming it.
 */
import {errors, runAction} from '../support/action'
import {engine} from '../support/engines'
import {TestRegistry, startRegistry} from '../support/registry'
import {docker, pullFromRegistry, rawManifest, requireEngine} from '../support/tools'

let registry: TestRegistry
beforeAll(async () => {
  await requireEngine()
  registry = await startRegistry({})
})
afterAll(async () => registry?.stop())

const OPTIONS = {
  context: '__tests__/fixtures/build-options',
  'add-hosts': 'options-host:127.0.0.9',
  'shm-size': '96m',
  ulimit: 'nofile=4321:4321',
  'build-contexts': 'extra=__tests__/fixtures/build-options/extra',
  'no-cache-filters': 'build',
  network: 'none'
}

describe("build-push-action's build options", () => {
  test('buildx (Docker 28, classic store): every option leaves its trace in the published image', async () => {
    const image = `${registry.host}/options/classic`
    const run = await runAction({...OPTIONS, images: image, tags: 'one'}, {env: engine('d28-classic').env})
    expect(errors(run)).toEqual([])
    await pullFromRegistry(`${image}:one`, registry.host, undefined, [])
    const out = await docker(['run', '--rm', '--network=host', `${image}:one`])
    await docker(['image', 'rm', `${image}:one`])
    // 96m of /dev/shm is 98304 KiB
    expect(out.trim().split('\n')).toEqual([
      expect.stringMatching(/^127\.0\.0\.9\s+options-host$/) as unknown as string,
      '98304',
      '4321',
      'hello from a named build context'
    ])
  })

  test('annotations on the containerd store: BuildKit writes them into the index it builds', async () => {
    const image = `${registry.host}/options/annotated`
    const run = await runAction(
      {
        images: image,
        tags: 'one',
        context: '__tests__/fixtures/multistage',
        target: 'final',
        network: 'none',
        annotations: 'index:org.opencontainers.image.description=Orders service\nmanifest:com.acme.team=payments'
      },
      {env: engine('d28-containerd').env}
    )
    expect(errors(run)).toEqual([])
    const index = (await rawManifest(`${image}:one`)).json as {
      annotations?: Record<string, string>
      manifests: Array<{digest: string; platform?: {architecture: string}}>
    }
    expect(index.annotations?.['org.opencontainers.image.description']).toBe('Orders service')
    const image0 = index.manifests.find(m => m.platform?.architecture !== 'unknown')
    const manifest = (await rawManifest(`${image}@${image0?.digest ?? ''}`)).json as {
      annotations?: Record<string, string>
    }
    expect(manifest.annotations?.['com.acme.team']).toBe('payments')
  })

  test.each([
    ['docker20', 'build-contexts', {'build-contexts': 'extra=__tests__/fixtures/build-options/extra'}, 'needs buildx'],
    ['docker20', 'no-cache-filters', {'no-cache-filters': 'build'}, 'needs buildx'],
    ['docker20', 'allow', {allow: 'network.host'}, 'needs buildx'],
    ['d28-classic', 'annotations', {annotations: 'com.acme.team=payments'}, 'go on an OCI manifest or index']
  ] as const)('%s: %s fails before building', async (name, input, given, why) => {
    const run = await runAction(
      {images: `${registry.host}/options/refused`, context: '__tests__/fixtures/multistage', network: 'none', ...given},
      {env: engine(name).env}
    )
    expect(run.exitCode).toBe(1)
    expect(errors(run)).toEqual([expect.stringContaining(`Input '${input}': ${why}`) as unknown as string])
    expect(run.stdout).toContain('Nothing was built or pushed')
    expect(run.stdout).not.toMatch(/::group::Build/)
  })
})
