/**
 * The way an image goes from the builder to the registries, per engine and
 * builder: pushed by BuildKit to stevedore's intake on loopback and sent on as
 * it arrives (containerd store), or an OCI layout published as BuildKit wrote it
 * (remote builder), with platforms and attestations; or a refusal before the
 * build where the builder cannot do what the inputs ask.
 */
import {errors, runAction} from '../support/action'
import {engine, remoteBases, remoteBuilder} from '../support/engines'
import {TestRegistry, startRegistries} from '../support/registry'
import {rawManifest, requireEngine, skopeoConfig, skopeoDigest} from '../support/tools'

let registries: TestRegistry[] = []
beforeAll(async () => {
  await requireEngine()
  registries = await startRegistries([{}, {}])
})
afterAll(async () => Promise.all(registries.map(r => r.stop())))

const images = (name: string): string[] => registries.map(r => `${r.host}/paths/${name}`)

interface IndexJson {
  mediaType: string
  manifests: Array<{digest: string; platform?: {architecture: string}; annotations?: Record<string, string>}>
}

async function expectIndexEverywhere(refs: string[], digest: string): Promise<IndexJson> {
  let index: IndexJson | undefined
  for (const ref of refs) {
    const raw = await rawManifest(ref)
    expect(raw.digest).toBe(digest)
    index = raw.json as unknown as IndexJson
  }
  expect(index?.mediaType).toBe('application/vnd.oci.image.index.v1+json')
  return index as IndexJson
}

/** Every blob of an index's manifests (configs and layers), read from the registry. */
async function blobsOfIndex(repo: string, index: IndexJson): Promise<string[]> {
  const all = new Set<string>()
  for (const m of index.manifests) {
    const image = (await rawManifest(`${repo}@${m.digest}`)).json as {
      config: {digest: string}
      layers: Array<{digest: string}>
    }
    all.add(image.config.digest)
    for (const l of image.layers) all.add(l.digest)
  }
  return [...all]
}

const attestations = (i: IndexJson) =>
  i.manifests.filter(m => m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest')
const platformsOf = (i: IndexJson) =>
  i.manifests.filter(m => m.platform?.architecture !== 'unknown').map(m => m.platform?.architecture)

describe('containerd image store (Docker 28, buildx docker driver)', () => {
  const e = () => engine('d28-containerd')

  test("BuildKit pushes to stevedore's intake on loopback: each blob goes on to every registry as it arrives, once; its digest, provenance attached", async () => {
    const to = images('single')
    const marks = await Promise.all(registries.map(r => r.since()))
    const run = await runAction(
      {images: to.join('\n'), context: '__tests__/fixtures/multistage', target: 'final', network: 'none', tags: 'one'},
      {env: {...e().env, GITHUB_RUN_ID: '4242', GITHUB_RUN_ATTEMPT: '1'}}
    )
    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    const digest = run.outputs.digest ?? ''
    expect(run.stdout).toMatch(
      new RegExp(
        `Pushed by the builder to stevedore's intake: an index of 2 manifest\\(s\\), ${digest}; \\d+ blob\\(s\\) received`
      )
    )
    expect(run.stdout).toContain('--output type=image,name=127.0.0.1:')
    expect(run.stdout).not.toMatch(/::group::Compress|OCI layout from the build/)
    const index = await expectIndexEverywhere(
      to.map(i => `${i}:one`),
      digest
    )
    expect(platformsOf(index)).toEqual(['amd64'])
    expect(attestations(index)).toHaveLength(1)
    // every blob of the image and of its attestation, streamed once into each registry (one PATCH each)
    const blobs = await blobsOfIndex(`${to[0]}`, index)
    for (const mark of marks) {
      const requests = await mark()
      const stored = (b: string) =>
        requests.filter(
          q => q.method === 'PUT' && q.status === 201 && decodeURIComponent(q.uri).includes(`digest=${b}`)
        )
      for (const b of blobs) expect(stored(b)).toHaveLength(1)
      const patches = requests.filter(
        q => q.method === 'PATCH' && q.uri.includes('/paths/single/blobs/uploads/') && q.status === 202
      )
      expect(patches).toHaveLength(blobs.length)
    }
    // imageid is BuildKit's image ID, as build-push-action's: with the attestation the image is an index, so its digest
    expect(run.outputs.imageid).toBe(digest)
    // store=false: the engine keeps no image named after the intake
    expect(await e().docker(['images', '--format', '{{.Repository}}'])).not.toContain('stevedore/build-')
  })

  test('the next release: blobs every repository holds are neither read nor sent by the builder', async () => {
    const to = images('next')
    const release = (ref: string, greeting: string) =>
      runAction(
        {
          images: to.join('\n'),
          context: '__tests__/fixtures/multistage',
          target: 'final',
          network: 'none',
          'build-args': `GREETING=${greeting}`
        },
        {env: {...e().env, GITHUB_REF: ref}}
      )
    const first = await release('refs/tags/v1.0.0', `first-${Date.now()}`)
    expect(errors(first)).toEqual([])
    const firstIndex = (await rawManifest(`${to[0]}@${first.outputs.digest ?? ''}`)).json as unknown as IndexJson
    const firstImage = (await rawManifest(`${to[0]}@${firstIndex.manifests[0]?.digest ?? ''}`)).json as {
      layers: Array<{digest: string}>
    }
    const base = firstImage.layers[0]?.digest ?? ''
    const marks = await Promise.all(registries.map(r => r.since()))
    const next = await release('refs/tags/v1.0.1', `next-${Date.now()}`)
    expect(errors(next)).toEqual([])
    expect(next.outputs.digest).not.toBe(first.outputs.digest)
    expect(next.stdout).toMatch(
      /blob\(s\) received and sent on as they came, [1-9]\d* held by every repository already \(not sent\)/
    )
    for (const [i, r] of registries.entries()) {
      // the base layer: asked about, never uploaded again
      const after = await (marks[i] as () => Promise<Array<{method: string; uri: string}>>)()
      expect(after.filter(q => q.method !== 'HEAD' && decodeURIComponent(q.uri).includes(base))).toEqual([])
      expect(await skopeoDigest(`${r.host}/paths/next:1.0.1`)).toBe(next.outputs.digest)
    }
    expect(await e().docker(['run', '--rm', '--network=none', `${to[0]}:1.0.1`])).toMatch(/^next-/)
  })

  test('platforms: one build, one index of both platforms in every repository; digest is the index', async () => {
    const to = images('multi')
    const run = await runAction(
      {
        images: to.join('\n'),
        context: '__tests__/fixtures/multiplatform',
        network: 'none',
        tags: 'both',
        platforms: 'linux/amd64,linux/arm64'
      },
      {env: e().env}
    )
    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    const digest = run.outputs.digest ?? ''
    const index = await expectIndexEverywhere(
      to.map(i => `${i}:both`),
      digest
    )
    expect(platformsOf(index).sort()).toEqual(['amd64', 'arm64'])
    expect(attestations(index)).toHaveLength(2)
    for (const i of to) expect(await skopeoDigest(`${i}:both`)).toBe(digest)
  })

  test('load: the image is in the engine as well', async () => {
    const run = await runAction(
      {
        images: images('loaded')[0] ?? '',
        context: '__tests__/fixtures/multistage',
        target: 'final',
        network: 'none',
        tags: 'l',
        load: 'true'
      },
      {env: e().env}
    )
    expect(errors(run)).toEqual([])
    expect(await e().docker(['run', '--rm', '--network=none', `${images('loaded')[0]}:l`])).toBe('hello')
  })
})

describe('remote builder (buildkitd, as setup-buildx-action gives one)', () => {
  test("builder: two platforms in one index, published from the builder's OCI layout", async () => {
    const to = images('remote')
    const run = await runAction(
      {
        images: to.join('\n'),
        context: '__tests__/fixtures/scratch',
        tags: 'r',
        builder: remoteBuilder(),
        platforms: 'linux/amd64,linux/arm64'
      },
      {env: engine('d28-classic').env}
    )
    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('buildx, remote driver: OCI layout published as built')
    const index = await expectIndexEverywhere(
      to.map(i => `${i}:r`),
      run.outputs.digest ?? ''
    )
    expect(platformsOf(index).sort()).toEqual(['amd64', 'arm64'])
    // the default provenance: one attestation manifest per platform (an SBOM needs the scanner image from Docker Hub)
    expect(attestations(index)).toHaveLength(2)
    expect((await skopeoConfig(`${to[0]}:r`)).architecture).toBe('amd64')
  })

  test('sbom: the SPDX document of a generator image is published with the image, next to the provenance', async () => {
    const to = images('sbom')
    const run = await runAction(
      {
        images: to.join('\n'),
        context: '__tests__/fixtures/scratch',
        tags: 's',
        builder: remoteBuilder(),
        sbom: `generator=${remoteBases()}/sbom-scanner:2`
      },
      {env: engine('d28-classic').env}
    )
    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    const index = await expectIndexEverywhere(
      to.map(i => `${i}:s`),
      run.outputs.digest ?? ''
    )
    const [attestation] = attestations(index)
    const manifest = (await rawManifest(`${to[1]}@${attestation?.digest ?? ''}`)).json as {
      layers: Array<{digest: string; annotations?: Record<string, string>}>
    }
    const types = manifest.layers.map(l => l.annotations?.['in-toto.io/predicate-type'])
    expect(types.sort()).toEqual(['https://slsa.dev/provenance/v0.2', 'https://spdx.dev/Document'])
    // the SPDX statement as the second registry holds it: the scanner's own document
    const spdx = manifest.layers.find(l => l.annotations?.['in-toto.io/predicate-type'] === 'https://spdx.dev/Document')
    const blob = await fetch(`http://${registries[1]?.host}/v2/paths/sbom/blobs/${spdx?.digest ?? ''}`)
    const statement = (await blob.json()) as {predicate?: {name?: string; creationInfo?: {creators?: string[]}}}
    expect(statement.predicate?.name).toBe('stevedore-test-scan')
    // the scanner's document, to which BuildKit adds itself as a creator
    expect(statement.predicate?.creationInfo?.creators?.[0]).toBe('Tool: stevedore-test-scanner')
    expect(statement.predicate?.creationInfo?.creators?.[1]).toMatch(/^Tool: buildkit-v0\.25/)
  })

  test('a builder that does not exist fails before anything is built, naming it', async () => {
    const run = await runAction(
      {images: images('none')[0] ?? '', context: '__tests__/fixtures/scratch', tags: 'x', builder: 'no-such-builder'},
      {env: engine('d28-classic').env}
    )
    expect(run.exitCode).toBe(1)
    expect(errors(run)).toEqual([
      expect.stringMatching(
        /^The buildx builder 'no-such-builder' \(input 'builder'\) cannot be used: .*no-such-builder/
      )
    ])
    expect(run.stdout).not.toMatch(/::group::Build/)
  })
})

describe.each(['d28-classic', 'docker20'] as const)('builders that cannot: %s', name => {
  test('several platforms fail before the build, naming platforms and both ways out; nothing is pushed', async () => {
    const r = registries[0] as TestRegistry
    const after = await r.since()
    const run = await runAction(
      {
        images: `${r.host}/paths/refused-${name}`,
        context: '__tests__/fixtures/multiplatform',
        tags: 'x',
        platforms: 'linux/amd64,linux/arm64'
      },
      {env: engine(name).env}
    )
    expect(run.exitCode).toBe(1)
    expect(errors(run)).toEqual([
      expect.stringMatching(
        /^Input 'platforms': linux\/amd64, linux\/arm64 needs a builder that can build several platforms .*docker\/setup-buildx-action .*containerd image store/
      )
    ])
    expect(run.stdout).not.toMatch(/::group::(Log in|Build)/)
    expect(await after()).toEqual([])
  })

  test('a cache export this builder cannot make fails before anything is built', async () => {
    const run = await runAction(
      {
        images: `${registries[1]?.host ?? ''}/paths/nocache-${name}`,
        context: '__tests__/fixtures/multistage',
        network: 'none',
        'cache-to': 'type=gha,mode=max'
      },
      {env: engine(name).env}
    )
    expect(run.exitCode).not.toBe(0)
    expect(errors(run)).toEqual([
      expect.stringMatching(
        name === 'docker20'
          ? /^Input 'cache-to': cache-to 'type=gha,mode=max' needs buildx; .*Set up buildx \(docker\/setup-buildx-action\)/
          : /^Input 'cache-to': cache-to 'type=gha,mode=max' cannot be exported by buildx's docker driver on the classic image store .*Add docker\/setup-buildx-action/
      )
    ])
    expect(run.stdout).not.toMatch(/::group::(Log in|Build)/)
  })

  test('where the builder cannot attest: the default provenance is left out with a notice; one asked for fails first', async () => {
    const to = `${registries[1]?.host ?? ''}/paths/noattest-${name}`
    const run = await runAction(
      {images: to, context: '__tests__/fixtures/multistage', target: 'final', network: 'none', tags: 'p'},
      {env: engine(name).env}
    )
    expect(errors(run)).toEqual([])
    expect(run.stdout).toMatch(
      /::notice::No provenance attestation: .* cannot attest, so the image is published without one/
    )
    expect((await rawManifest(`${to}:p`)).json.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json')

    for (const [input, value] of [
      ['provenance', 'mode=max'],
      ['sbom', 'true']
    ] as const) {
      const asked = await runAction(
        {
          images: to,
          context: '__tests__/fixtures/multistage',
          target: 'final',
          network: 'none',
          tags: 'q',
          [input]: value
        },
        {env: engine(name).env}
      )
      expect(asked.exitCode).not.toBe(0)
      expect(errors(asked)).toEqual([
        expect.stringMatching(new RegExp(`^Input '${input}': '${value}' asks for an attestation, and .* cannot attest`))
      ])
      expect(asked.stdout).not.toMatch(/::group::(Log in|Build)/)
    }
  })
})
