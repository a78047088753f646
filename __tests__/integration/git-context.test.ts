/**
 * build-push-action's Git context: no checkout, the builder fetches the repository from the
 * workflow's Git server (here one of ours on loopback, speaking Git's smart HTTP protocol and
 * asking GitHub's token auth), with `github-token` as the builder's GIT_AUTH_TOKEN secret.
 */
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import {errors, runAction} from '../support/action'
import {engine} from '../support/engines'
import {GitServer, startGitServer} from '../support/git-server'
import {TestRegistry, startRegistry} from '../support/registry'
import {docker, pullFromRegistry, requireEngine} from '../support/tools'

const TOKEN = 'ghs_GitContextT0ken'
const DOCKERFILE = 'FROM stevedore-local/busybox:latest\nCOPY hello.txt /hello.txt\nCMD ["cat", "/hello.txt"]\n'
let git: GitServer
let registry: TestRegistry
let emptyWorkspace: string

beforeAll(async () => {
  await requireEngine()
  registry = await startRegistry({})
  git = await startGitServer({token: TOKEN})
  await git.repository('acme/orders', [
    {files: {Dockerfile: DOCKERFILE, 'hello.txt': 'release 1.0.0\n'}, tag: 'v1.0.0'},
    {
      files: {
        'hello.txt': 'main after 1.0.0\n',
        'services/orders/Dockerfile.prod': DOCKERFILE,
        'services/orders/hello.txt': 'orders service on main\n'
      }
    }
  ])
  // a job with no checkout step: the workspace holds nothing
  emptyWorkspace = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-workspace-'))
})
afterAll(async () => {
  await git?.stop()
  await registry?.stop()
  fs.rmSync(emptyWorkspace, {recursive: true, force: true})
})

/** The runner's view of this job: our Git server is the GitHub server, nothing checked out. */
const job = (ref: string, name: Parameters<typeof engine>[0]) => ({
  ...engine(name).env,
  GITHUB_SERVER_URL: git.url,
  GITHUB_REPOSITORY: 'acme/orders',
  GITHUB_REF: ref,
  GITHUB_WORKSPACE: emptyWorkspace
})

async function contentOf(ref: string): Promise<string> {
  await pullFromRegistry(ref, registry.host, undefined, [])
  const out = await docker(['run', '--rm', '--network=host', ref])
  await docker(['image', 'rm', ref])
  return out
}

describe('a Git context', () => {
  test('no checkout, no context: the tag pushed is fetched with the job token and published', async () => {
    const image = `${registry.host}/git/orders`
    const seen = git.requests.length
    const run = await runAction(
      {images: image, network: 'none'},
      {env: job('refs/tags/v1.0.0', 'd28-classic'), githubToken: TOKEN}
    )
    expect(errors(run)).toEqual([])
    expect(run.stdout).toContain(`Context: ${git.url}/acme/orders.git#refs/tags/v1.0.0, fetched by the builder`)
    expect(run.outputs.tags?.split('\n')).toEqual(expect.arrayContaining([`${image}:1.0.0`, `${image}:latest`]))
    expect(await contentOf(`${image}:1.0.0`)).toBe('release 1.0.0')
    // the builder asked with the token, as GitHub's Git server takes it; the token is in no log
    const asked = git.requests.slice(seen).filter(r => r.status === 200)
    expect(asked.length).toBeGreaterThan(0)
    expect(asked.every(r => r.user === 'x-access-token' && r.password === TOKEN)).toBe(true)
    const logged = (run.stdout + run.stderr).split('\n').filter(l => l !== `::add-mask::${TOKEN}`)
    expect(logged.join('\n')).not.toContain(TOKEN)
  })

  test('{{defaultContext}}:subdir on the containerd store, a Dockerfile named in the repository', async () => {
    const image = `${registry.host}/git/orders-service`
    const run = await runAction(
      {
        images: image,
        tags: 'main',
        context: '{{defaultContext}}:services/orders',
        file: 'Dockerfile.prod',
        network: 'none'
      },
      {env: job('refs/heads/main', 'd28-containerd'), githubToken: TOKEN}
    )
    expect(errors(run)).toEqual([])
    expect(await contentOf(`${image}:main`)).toBe('orders service on main')
  })

  test("Docker 20.10's BuildKit: a repository's root, by URL, with the token", async () => {
    const image = `${registry.host}/git/orders-20`
    const run = await runAction(
      {images: image, tags: 'one', context: `${git.url}/acme/orders.git#v1.0.0`, network: 'none'},
      {env: job('refs/heads/main', 'docker20'), githubToken: TOKEN}
    )
    expect(errors(run)).toEqual([])
    expect(await contentOf(`${image}:one`)).toBe('release 1.0.0')
  })

  test("Docker 20.10's BuildKit and a subdirectory: refused before the build", async () => {
    const seen = git.requests.length
    const run = await runAction(
      {images: `${registry.host}/git/never`, tags: 'one', context: '{{defaultContext}}:services/orders'},
      {env: job('refs/heads/main', 'docker20'), githubToken: TOKEN}
    )
    expect(errors(run)).toEqual([
      expect.stringMatching(
        /^Input 'context': a Git context's subdirectory \(#ref:dir\) needs buildx/
      ) as unknown as string
    ])
    expect(git.requests.length).toBe(seen)
  })

  test('a private repository without the token: the builder is refused and the step says so', async () => {
    const run = await runAction(
      {images: `${registry.host}/git/never`, tags: 'one', network: 'none'},
      {env: job('refs/tags/v1.0.0', 'd28-classic'), githubToken: ''}
    )
    expect(run.exitCode).not.toBe(0)
    expect(errors(run).join('\n')).toMatch(/The image build failed[\s\S]*acme\/orders\.git/)
  })
})
