/**
 * Tags as a release pipeline needs them, against a real engine and a real
 * registry with htpasswd auth; every digest read back with skopeo.
 */
import * as fs from 'fs'
import {errors, runAction} from '../support/action'
import {TestRegistry, startRegistry} from '../support/registry'
import {docker, requireEngine, skopeoDigest, skopeoImage} from '../support/tools'

const creds = {username: 'ci-bot', password: 'Tag-Test-Pa55'}
let registry: TestRegistry
let image: string

beforeAll(async () => {
  await requireEngine()
  registry = await startRegistry({users: {[creds.username]: creds.password}})
  image = `${registry.host}/acme/svc`
})
afterAll(async () => registry?.stop())

/** A distinct build (different content, so a different digest) of the multi-stage fixture. */
function release(greeting: string, env: NodeJS.ProcessEnv, extra: Record<string, string> = {}, repo = image) {
  return runAction(
    {
      images: repo,
      context: '__tests__/fixtures/multistage',
      'build-args': `GREETING=${greeting}`,
      network: 'none',
      target: 'final',
      username: creds.username,
      password: creds.password,
      ...extra
    },
    {env}
  )
}

function pushedTags(outputs: Record<string, string>, repo = image): string[] {
  return (outputs.tags ?? '')
    .split('\n')
    .filter(Boolean)
    .map(ref => ref.slice(repo.length + 1))
}

/** A repository of the calling test's own whose highest release is 1.3.0; its digest. */
async function releasedLine(name: string): Promise<{repo: string; d130: string}> {
  const repo = `${registry.host}/acme/${name}`
  const run = await release(`${name}-130-${Date.now()}`, {GITHUB_REF: 'refs/tags/v1.3.0'}, {}, repo)
  expect(errors(run)).toEqual([])
  return {repo, d130: run.outputs.digest ?? ''}
}

describe('tags against a real registry', () => {
  test('a stable release gets X.Y.Z, X.Y, X and latest; outputs match the registry', async () => {
    const run = await release(`r130-${Date.now()}`, {GITHUB_REF: 'refs/tags/v1.3.0'})
    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(run.outputs.version).toBe('1.3.0')
    expect(pushedTags(run.outputs)).toEqual(['1.3.0', '1.3', '1', 'latest'])
    const d130 = run.outputs.digest ?? ''
    expect(d130).toMatch(/^sha256:[a-f0-9]{64}$/)
    for (const tag of ['1.3.0', '1.3', '1', 'latest']) {
      expect(await skopeoDigest(`${image}:${tag}`, creds)).toBe(d130)
    }
    expect(run.outputs.refs).toBe(`${image}@${d130}`)
    expect(JSON.parse(run.outputs.digests ?? '{}')).toEqual({[image]: d130})
    const meta = JSON.parse(run.outputs.metadata ?? '{}') as Record<string, unknown>
    expect(meta).toMatchObject({digest: d130, version: '1.3.0', imageid: run.outputs.imageid})
    expect(run.summary).toContain(d130)
    expect(run.summary).toMatch(/Compressed size/)

    const inspected = await skopeoImage(`${image}:1.3.0`, creds)
    expect(inspected.Labels).toMatchObject({
      'org.opencontainers.image.version': '1.3.0',
      'org.opencontainers.image.revision': '0123456789abcdef0123456789abcdef01234567',
      'org.opencontainers.image.source': 'https://github.com/acme/orders',
      'org.opencontainers.image.title': 'orders',
      stage: 'final'
    })
    expect(inspected.Labels?.['org.opencontainers.image.created']).toMatch(/^\d{4}-\d\d-\d\dT/)
  })

  test('a hotfix on an older line does not move latest or the major tag', async () => {
    const {repo, d130} = await releasedLine('hotfix')
    const run = await release(`r124-${Date.now()}`, {GITHUB_REF: 'refs/tags/v1.2.4'}, {}, repo)
    expect(run.exitCode).toBe(0)
    expect(pushedTags(run.outputs, repo)).toEqual(['1.2.4', '1.2'])
    expect(run.stdout).toMatch(/not moving 'latest' to 1\.2\.4: a higher release exists \(1\.3\.0 in/)
    expect(run.stdout).toMatch(/not moving '1' to 1\.2\.4/)
    expect(run.summary).toMatch(/not moving 'latest'/)
    expect(await skopeoDigest(`${repo}:latest`, creds)).toBe(d130)
    expect(await skopeoDigest(`${repo}:1`, creds)).toBe(d130)
    expect(await skopeoDigest(`${repo}:1.2`, creds)).toBe(run.outputs.digest)
  })

  test('a prerelease gets only its own tag', async () => {
    const {repo, d130} = await releasedLine('prerelease')
    const run = await release(`rc-${Date.now()}`, {GITHUB_REF: 'refs/tags/v2.0.0-rc.1'}, {}, repo)
    expect(run.exitCode).toBe(0)
    expect(pushedTags(run.outputs, repo)).toEqual(['2.0.0-rc.1'])
    expect(await skopeoDigest(`${repo}:latest`, creds)).toBe(d130)
  })

  test('a branch build gets the branch and sha tags, and no latest', async () => {
    const {repo, d130} = await releasedLine('branch')
    const run = await release(
      `br-${Date.now()}`,
      {
        GITHUB_REF: 'refs/heads/feature/Login-Form',
        GITHUB_SHA: 'abcdef0123456789abcdef0123456789abcdef01'
      },
      {},
      repo
    )
    expect(run.exitCode).toBe(0)
    expect(run.outputs.version).toBe('')
    expect(pushedTags(run.outputs, repo)).toEqual(['feature-Login-Form', 'sha-abcdef0'])
    expect(await skopeoDigest(`${repo}:sha-abcdef0`, creds)).toBe(run.outputs.digest)
    expect(await skopeoDigest(`${repo}:latest`, creds)).toBe(d130)
  })

  test('a pull request gets pr-N', async () => {
    const run = await release(`pr-${Date.now()}`, {GITHUB_REF: 'refs/pull/42/merge', GITHUB_EVENT_NAME: 'pull_request'})
    expect(run.exitCode).toBe(0)
    expect(pushedTags(run.outputs)).toEqual(['pr-42', 'sha-0123456'])
  })

  test('build args, --target and the cache mount reach the image', async () => {
    const greeting = `built-${Date.now()}`
    const run = await release(greeting, {GITHUB_REF: 'refs/heads/main'}, {tags: 'target-check'})
    expect(run.exitCode).toBe(0)
    const ref = `${image}:target-check`
    expect(await docker(['run', '--rm', '--network=none', ref])).toBe(greeting)
    // the debug stage after the target is not in the image
    await expect(docker(['run', '--rm', '--network=none', ref, 'cat', '/debug-marker'])).rejects.toThrow(
      /cat: can't open '\/debug-marker': No such file or directory/
    )
    // the build went through BuildKit (cache mounts need it) with the chosen client
    expect(run.stdout).toMatch(/Building with \S+ \((buildx|buildkit)\)/)
  })

  test('push: false builds and tags locally, asks no registry, pushes nothing', async () => {
    const after = await registry.since()
    const run = await runAction({
      images: image,
      context: '__tests__/fixtures/multistage',
      'build-args': `GREETING=local-${Date.now()}`,
      network: 'none',
      push: 'false',
      tags: 'local-only'
    })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.digest).toBe('')
    expect(run.outputs.imageid).toMatch(/^sha256:/)
    expect(await docker(['image', 'inspect', '--format', '{{.Id}}', `${image}:local-only`])).toBe(run.outputs.imageid)
    // a branch build on main: the branch and commit tags, and the extra one, all tagged in the engine
    const local = ['main', 'sha-0123456', 'local-only'].map(t => `${image}:${t}`)
    expect(run.outputs.tags?.split('\n')).toEqual(local)
    for (const ref of local)
      expect(await docker(['image', 'inspect', '--format', '{{.Id}}', ref])).toBe(run.outputs.imageid)
    expect(run.outputs.refs).toBe('')
    expect(await after()).toEqual([])
  })

  test('the post step removes the docker config that held the login', async () => {
    const run = await release(`post-${Date.now()}`, {GITHUB_REF: 'refs/heads/main'})
    expect(run.exitCode).toBe(0)
    const dir = run.state['docker-config-dir'] ?? ''
    expect(dir.startsWith(run.runnerTemp)).toBe(true)
    expect(run.post?.exitCode).toBe(0)
    expect(fs.existsSync(dir)).toBe(false)
    expect(fs.readdirSync(run.runnerTemp).filter(f => f.startsWith('stevedore-'))).toEqual([])
  })
})
