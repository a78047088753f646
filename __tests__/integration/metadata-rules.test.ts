/**
 * A workflow built from docker/metadata-action, docker/login-action and docker/build-push-action,
 * moved to one stevedore step: the three steps' inputs side by side in one `with:`. The tags, the
 * labels and metadata-action's outputs are checked against what those actions document, on a real
 * registry (skopeo reads every tag back); the one difference by design (latest and the semver
 * family follow the highest release) is shown with an older hotfix.
 */
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import {errors, runAction} from '../support/action'
import {TestRegistry, startRegistry} from '../support/registry'
import {engine} from '../support/engines'
import {rawManifest, requireEngine, skopeoDigest, skopeoImage} from '../support/tools'

const creds = {username: 'release-bot', password: 'Meta-Rules-Pa55'}
const SHA = '0123456789abcdef0123456789abcdef01234567'
let registry: TestRegistry
let eventDir: string

/** The event payload a push writes (GITHUB_EVENT_PATH): the repository's facts metadata-action reads. */
function eventPayload(name: string): string {
  const file = path.join(eventDir, `${name}.json`)
  fs.writeFileSync(
    file,
    JSON.stringify({
      repository: {
        name: 'orders',
        description: 'Orders service',
        html_url: 'https://github.com/acme/orders',
        license: {spdx_id: 'Apache-2.0'},
        default_branch: 'main'
      },
      head_commit: {timestamp: '2026-11-20T10:00:00Z'}
    })
  )
  return file
}

beforeAll(async () => {
  await requireEngine()
  registry = await startRegistry({users: {[creds.username]: creds.password}})
  eventDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-event-'))
})
afterAll(async () => {
  await registry?.stop()
  fs.rmSync(eventDir, {recursive: true, force: true})
})

// the three steps of the workflow being converted, as their `with:` blocks
const metadataAction = (image: string) => ({
  images: image,
  tags: [
    'type=ref,event=branch',
    'type=ref,event=pr',
    'type=semver,pattern={{version}}',
    'type=semver,pattern={{major}}.{{minor}}',
    'type=sha'
  ].join('\n'),
  labels: 'org.opencontainers.image.vendor=Acme'
})
const loginAction = {username: creds.username, password: creds.password}
const buildPushAction = {
  context: '__tests__/fixtures/multistage',
  target: 'final',
  'build-args': 'GREETING=hello',
  network: 'none',
  push: 'true'
}

async function step(image: string, ref: string, greeting: string) {
  const withInputs = {
    ...metadataAction(image),
    ...loginAction,
    ...buildPushAction,
    'build-args': `GREETING=${greeting}`
  }
  return runAction(withInputs, {env: {GITHUB_REF: ref, GITHUB_SHA: SHA, GITHUB_EVENT_PATH: eventPayload(greeting)}})
}

async function registryTags(repo: string): Promise<string[]> {
  const auth = Buffer.from(`${creds.username}:${creds.password}`).toString('base64')
  const res = await fetch(`http://${registry.host}/v2/${repo}/tags/list`, {headers: {authorization: `Basic ${auth}`}})
  return ((await res.json()) as {tags: string[]}).tags.sort()
}

describe('a metadata-action + login-action + build-push-action workflow as one step', () => {
  test('a release: the tags and labels those actions document, and their outputs', async () => {
    const image = `${registry.host}/acme/orders`
    const run = await step(image, 'refs/tags/v2.1.0', `meta-${Date.now()}`)
    expect(errors(run)).toEqual([])
    // metadata-action's README (Semver example, plus type=sha): 2.1.0, 2.1, sha-<7>, latest
    expect(run.outputs['tag-names']?.split('\n').sort()).toEqual(['2.1', '2.1.0', 'latest', 'sha-0123456'])
    expect(await registryTags('acme/orders')).toEqual(['2.1', '2.1.0', 'latest', 'sha-0123456'])
    const digest = run.outputs.digest ?? ''
    for (const tag of ['2.1.0', '2.1', 'sha-0123456', 'latest'])
      expect(await skopeoDigest(`${image}:${tag}`, creds)).toBe(digest)
    expect(run.outputs.version).toBe('2.1.0')

    // metadata-action's labels: from the run and the event payload's repository, plus the workflow's own
    const labels = (await skopeoImage(`${image}:2.1.0`, creds)).Labels ?? {}
    expect(labels).toMatchObject({
      'org.opencontainers.image.title': 'orders',
      'org.opencontainers.image.description': 'Orders service',
      'org.opencontainers.image.url': 'https://github.com/acme/orders',
      'org.opencontainers.image.source': 'https://github.com/acme/orders',
      'org.opencontainers.image.version': '2.1.0',
      'org.opencontainers.image.revision': SHA,
      'org.opencontainers.image.licenses': 'Apache-2.0',
      'org.opencontainers.image.vendor': 'Acme'
    })
    // the labels and json outputs hold what the image holds
    const json = JSON.parse(run.outputs.json ?? '{}') as {tags: string[]; labels: Record<string, string>}
    expect(json.tags.sort()).toEqual(['2.1', '2.1.0', 'latest', 'sha-0123456'].map(t => `${image}:${t}`))
    for (const [k, v] of Object.entries(json.labels)) expect([k, labels[k]]).toEqual([k, v])
    expect(run.outputs.labels).toContain('org.opencontainers.image.licenses=Apache-2.0')
  })

  test('an older hotfix: metadata-action would move latest to it; stevedore leaves it on 2.1.0', async () => {
    const image = `${registry.host}/acme/hotfix`
    const first = await step(image, 'refs/tags/v2.1.0', `first-${Date.now()}`)
    expect(errors(first)).toEqual([])
    const hotfix = await step(image, 'refs/tags/v2.0.5', `hotfix-${Date.now()}`)
    expect(errors(hotfix)).toEqual([])
    expect(hotfix.outputs['tag-names']?.split('\n').sort()).toEqual(['2.0', '2.0.5', 'sha-0123456'])
    expect(await skopeoDigest(`${image}:latest`, creds)).toBe(first.outputs.digest)
    expect(await skopeoDigest(`${image}:2.0`, creds)).toBe(hotfix.outputs.digest)
    expect(hotfix.stdout).toContain("not moving 'latest' to 2.0.5: a higher release exists (2.1.0 in")
  })

  test('the default branch: type=edge and latest by {{is_default_branch}}, with a flavor suffix', async () => {
    const image = `${registry.host}/acme/edge`
    const run = await runAction(
      {
        images: image,
        ...loginAction,
        ...buildPushAction,
        tags: 'type=edge\ntype=raw,value=latest,enable={{is_default_branch}}\ntype=sha,format=long',
        flavor: 'suffix=-slim,onlatest=true'
      },
      {env: {GITHUB_REF: 'refs/heads/main', GITHUB_SHA: SHA, GITHUB_EVENT_PATH: eventPayload('edge')}}
    )
    expect(errors(run)).toEqual([])
    expect(await registryTags('acme/edge')).toEqual([`edge-slim`, 'latest-slim', `sha-${SHA}-slim`].sort())
  })

  test("metadata-action's annotations, on the manifest and, as DOCKER_METADATA_ANNOTATIONS_LEVELS says, the index", async () => {
    const image = `${registry.host}/acme/annotated`
    const env = {
      ...engine('d28-containerd').env,
      GITHUB_REF: 'refs/tags/v2.1.0',
      GITHUB_SHA: SHA,
      GITHUB_EVENT_PATH: eventPayload('annotated'),
      DOCKER_METADATA_ANNOTATIONS_LEVELS: 'manifest,index'
    }
    const run = await runAction(
      {
        ...metadataAction(image),
        // metadata-action's images with attributes: the disabled one is not pushed to
        images: `name=${image}\nname=${registry.host}/acme/disabled,enable=false`,
        annotations: 'index:com.acme.release={{tag}}',
        ...loginAction,
        ...buildPushAction
      },
      {env}
    )
    expect(errors(run)).toEqual([])
    expect(await registryTags('acme/disabled').catch(() => [])).toEqual([])
    const expected = {
      'org.opencontainers.image.title': 'orders',
      'org.opencontainers.image.description': 'Orders service',
      'org.opencontainers.image.url': 'https://github.com/acme/orders',
      'org.opencontainers.image.source': 'https://github.com/acme/orders',
      'org.opencontainers.image.version': '2.1.0',
      'org.opencontainers.image.revision': SHA,
      'org.opencontainers.image.licenses': 'Apache-2.0'
    }
    // the output in metadata-action's shape: every key once per level
    const output = run.outputs.annotations?.split('\n') ?? []
    for (const level of ['manifest', 'index'])
      for (const [k, v] of Object.entries(expected)) expect(output).toContain(`${level}:${k}=${v}`)
    // and what the registry holds: the index (BuildKit's, with the provenance) and the image's manifest
    const index = (await rawManifest(`${image}:2.1.0`, creds)).json as {
      annotations?: Record<string, string>
      manifests: Array<{digest: string; platform?: {architecture: string}}>
    }
    expect(index.annotations).toMatchObject({...expected, 'com.acme.release': 'v2.1.0'})
    const child = index.manifests.find(m => m.platform?.architecture !== 'unknown')
    const manifest = (await rawManifest(`${image}@${child?.digest ?? ''}`, creds)).json as {
      annotations?: Record<string, string>
    }
    expect(manifest.annotations).toMatchObject(expected)
    expect(manifest.annotations?.['org.opencontainers.image.created']).toBe(
      index.annotations?.['org.opencontainers.image.created']
    )
  })

  test('the classic store: the labels carry the metadata, and no annotation is claimed', async () => {
    const image = `${registry.host}/acme/classic`
    const env = {...engine('d28-classic').env, GITHUB_REF: 'refs/tags/v2.1.0', GITHUB_SHA: SHA}
    const run = await runAction({...metadataAction(image), ...loginAction, ...buildPushAction}, {env})
    expect(errors(run)).toEqual([])
    expect(run.outputs.annotations).toBe('')
    expect(run.stdout).toContain('Annotations: none written, buildx, docker driver, classic image store keeps none')
    expect((await skopeoImage(`${image}:2.1.0`, creds)).Labels).toMatchObject({
      'org.opencontainers.image.version': '2.1.0'
    })
  })
})
