/**
 * What a workflow author written from README and action.yml alone trips on, through the bundled
 * action on Docker 20.10 and real registries: a nightly mirror keeps the upstream tag, an input we
 * do not take fails, a per-platform push by digest and its merge, credentials and registries
 * checked before building, a fork's pull request, the log and the job summary.
 */
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import {errors, runAction} from '../support/action'
import {writeMultiPlatformLayout} from '../support/oci-layout'
import {TestRegistry, startRegistry} from '../support/registry'
import {rawManifest, requireEngine, skopeoCopy} from '../support/tools'
import {engine} from '../support/engines'

const bot = {username: 'release-bot', password: 'W0rkflow-Pa55'}
let dir: string
let open: TestRegistry
let locked: TestRegistry
let children: string[] = []

/** The tags of a repository, read directly (none when it does not exist). */
async function tagsOf(registry: TestRegistry, repo: string, auth?: typeof bot): Promise<string[]> {
  const headers: Record<string, string> =
    auth === undefined
      ? {}
      : {authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`}
  const res = await fetch(`http://${registry.host}/v2/${repo}/tags/list`, {headers})
  if (res.status !== 200) return []
  return (((await res.json()) as {tags?: string[] | null}).tags ?? []).sort()
}

beforeAll(async () => {
  await requireEngine()
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-author-'))
  ;[open, locked] = await Promise.all([startRegistry(), startRegistry({users: {[bot.username]: bot.password}})])
  const layout = path.join(dir, 'layout')
  await writeMultiPlatformLayout(
    layout,
    '3.12-slim',
    [
      {os: 'linux', architecture: 'amd64'},
      {os: 'linux', architecture: 'arm64'}
    ],
    `author-${Date.now()}`
  )
  for (const tag of ['3.12-slim', '3.13-slim'])
    await skopeoCopy(`oci:${layout}:3.12-slim`, `docker://${open.host}/library/python:${tag}`)
  const raw = await rawManifest(`${open.host}/library/python:3.12-slim`)
  children = (raw.json.manifests as Array<{digest: string}>).map(m => m.digest)
}, 60_000)

afterAll(async () => {
  await Promise.all([open, locked].map(r => r?.stop()))
  fs.rmSync(dir, {recursive: true, force: true})
})

test("a nightly mirror matrix: each leg keeps its upstream tag, and none makes one up from the schedule's branch", async () => {
  const legs = await Promise.all(
    ['3.12-slim', '3.13-slim'].map(tag =>
      runAction(
        {source: `${open.host}/library/python:${tag}`, images: `${locked.host}/mirror/python`, ...bot},
        {env: {GITHUB_EVENT_NAME: 'schedule', GITHUB_REF: 'refs/heads/main'}}
      )
    )
  )
  for (const leg of legs) expect(errors(leg)).toEqual([])
  expect(await tagsOf(locked, 'mirror/python', bot)).toEqual(['3.12-slim', '3.13-slim'])
  expect(legs[0]?.stdout).toContain("Tag mode: a mirror, keeping its source's tag")
  // a public source read anonymously is the usual case: no notice
  expect(legs[0]?.stdout).not.toMatch(/::notice::.*reading from it anonymously/)
})

test("an input stevedore does not take fails before anything is built, naming the nearest one; the runner's warning is there too", async () => {
  const typo = await runAction({
    images: `${open.host}/acme/typo`,
    context: '__tests__/fixtures/multistage',
    'build-arg': 'GREETING=hello'
  })
  expect(typo.exitCode).toBe(1)
  expect(errors(typo)).toEqual([
    "Input 'build-arg': is not an input of stevedore; did you mean 'build-args'? Nothing was built or pushed"
  ])
  expect(typo.stdout).toMatch(/^##\[warning\]Unexpected input\(s\) 'build-arg', valid inputs are \['images'/)
  expect(typo.stdout).not.toContain('::group::')

  const outputs = await runAction({
    images: `${open.host}/acme/typo`,
    outputs: 'type=image,push=true'
  })
  expect(errors(outputs)).toEqual([
    expect.stringMatching(
      /^Input 'outputs': is not an input of stevedore: build-push-action's outputs is not taken: stevedore publishes itself/
    )
  ])
})

test('push-by-digest leaves no tag; merge joins it with another platform, names each, and refuses one digest', async () => {
  const repo = 'library/python'
  const before = await tagsOf(open, repo)
  // the containerd store builds OCI manifests, as the other platform's image is
  const leg = await runAction(
    {
      images: `${open.host}/${repo}`,
      context: '__tests__/fixtures/multistage',
      'build-args': `GREETING=by-digest-${Date.now()}`,
      network: 'none',
      provenance: 'false',
      'push-by-digest': 'true'
    },
    {env: {...engine('d28-containerd').env, GITHUB_REF: 'refs/tags/v7.0.0'}}
  )
  expect(errors(leg)).toEqual([])
  const digest = leg.outputs.digest ?? ''
  expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/)
  expect(leg.outputs.refs).toBe(`${open.host}/${repo}@${digest}`)
  expect(leg.outputs.tags).toBe('')
  expect(await tagsOf(open, repo)).toEqual(before)
  expect((await rawManifest(`${open.host}/${repo}@${digest}`)).digest).toBe(digest)

  const arm64 = children[1] ?? ''
  const merged = await runAction(
    {merge: `${digest}\n${arm64}`, images: `${open.host}/${repo}\n${locked.host}/merged/python`, ...bot},
    {env: {GITHUB_REF: 'refs/tags/v7.0.0'}}
  )
  // two registries in images could take the top-level credentials: 'registry' says which
  expect(errors(merged)).toEqual([
    expect.stringMatching(/^Input 'username': 'username' and 'password' would go to 2 registries .*set 'registry'/)
  ])
  const scoped = await runAction(
    {
      merge: `${digest}\n${arm64}`,
      images: `${open.host}/${repo}\n${locked.host}/merged/python`,
      registry: locked.host,
      ...bot
    },
    {env: {GITHUB_REF: 'refs/tags/v7.0.0'}}
  )
  expect(errors(scoped)).toEqual([])
  expect(scoped.stdout).toMatch(
    new RegExp(`index of 2 image\\(s\\): sha256:[a-f0-9]{64}; linux/amd64 ${digest}, linux/arm64 ${arm64}`)
  )
  expect(scoped.summary).toContain('<b>Platforms</b> linux/amd64, linux/arm64')
  expect(scoped.summary).toContain(`<code>docker pull ${locked.host}/merged/python@${scoped.outputs.digest}</code>`)
  expect(await tagsOf(locked, 'merged/python', bot)).toEqual(['7', '7.0', '7.0.0', 'latest'])

  const single = await runAction({merge: `${digest}\n`, images: `${open.host}/${repo}`})
  expect(errors(single)).toEqual([
    expect.stringMatching(/^Input 'merge': gives 1 digest; an index of one platform would be published as the release/)
  ])
})

test('a registry that refuses the credentials is found before anything is built', async () => {
  const run = await runAction({
    images: `${locked.host}/acme/refused`,
    context: '__tests__/fixtures/multistage',
    network: 'none',
    username: bot.username,
    password: 'not-the-password'
  })
  expect(run.exitCode).toBe(1)
  expect(errors(run).join('\n')).toMatch(/Login to .* was refused|pushing is not possible: .*HTTP 401/)
  expect(run.stdout).not.toContain('::group::Build')
})

test("a fork's pull request: push false with an empty password builds, with a notice instead of a failure", async () => {
  const run = await runAction(
    {
      images: `${open.host}/acme/fork`,
      context: '__tests__/fixtures/multistage',
      network: 'none',
      'build-args': `GREETING=fork-${Date.now()}`,
      push: 'false',
      username: 'octocat',
      password: ''
    },
    {env: {GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/7/merge'}}
  )
  expect(errors(run)).toEqual([])
  expect(run.stdout).toMatch(
    /::notice::'username' and 'password': password is empty \(a fork's pull request gets no secrets\)/
  )
  expect(run.summary).toMatch(/stevedore: built .*not pushed/)
  expect(run.summary).not.toMatch(/published/)
})

test('the log echoes the build command once; the summary has one header line and a pull command per repository', async () => {
  const run = await runAction(
    {
      images: `${open.host}/acme/summary\n${locked.host}/acme/summary`,
      'registry-auth': `- registry: ${locked.host}\n  username: ${bot.username}\n  password: ${bot.password}`,
      context: '__tests__/fixtures/multistage',
      network: 'none',
      'build-args': `GREETING=summary-${Date.now()}\nFROM_ENV`
    },
    {env: {GITHUB_REF: 'refs/tags/v2.1.0', FROM_ENV: 'from the environment'}}
  )
  expect(errors(run)).toEqual([])
  const echoes = run.stdout.split('\n').filter(l => / build .*--build-arg GREETING=summary-/.test(l))
  expect(echoes).toHaveLength(1)
  expect(echoes[0]).toMatch(/^\[command\]\S*docker build /)
  expect(echoes[0]).toContain('--build-arg FROM_ENV ')
  expect(run.stdout).toContain("Tag mode: stevedore's defaults for the release 2.1.0")
  const digest = run.outputs.digest ?? ''
  expect(run.summary).toMatch(/<h3>stevedore: 2\.1\.0 published to 2 repositories<\/h3>/)
  expect(run.summary).toContain(
    `<b>Version</b> <code>2.1.0</code> · <b>Commit</b> <code>0123456789ab</code> · <b>Digest</b> <code>${digest}</code>`
  )
  expect(run.summary).toContain('<b>Tags</b> <code>2.1.0</code> <code>2.1</code> <code>2</code> <code>latest</code>')
  for (const r of [open, locked])
    expect(run.summary).toContain(`<code>docker pull ${r.host}/acme/summary@${digest}</code>`)
  expect(run.summary).toMatch(/<details><summary>Phase timings<\/summary>Docker \d+\.\d\d s · Log in/)
})

test('ecr-create-repository with no ECR repository, and a missing Dockerfile, fail before anything is built', async () => {
  const ecr = await runAction({images: `${open.host}/acme/x`, 'ecr-create-repository': 'true'})
  expect(errors(ecr)).toEqual([
    expect.stringMatching(
      /^Input 'ecr-create-repository': applies to ECR repositories it creates, and no repository in images is on ECR/
    )
  ])
  const missing = await runAction({
    images: `${open.host}/acme/x`,
    context: '__tests__/fixtures',
    file: 'Nope.Dockerfile'
  })
  expect(errors(missing)).toEqual([
    expect.stringMatching(
      /^Input 'file': 'Nope\.Dockerfile' does not exist; .*Did the job check out the repository \(actions\/checkout\)/
    )
  ])
})

test('username and password pasted through toJSON, as registry-auth takes them, log in the same', async () => {
  const run = await runAction({
    source: `${open.host}/library/python:3.12-slim`,
    images: `${locked.host}/mirror/tojson`,
    username: JSON.stringify(bot.username),
    password: JSON.stringify(bot.password)
  })
  expect(errors(run)).toEqual([])
  expect(await tagsOf(locked, 'mirror/tojson', bot)).toEqual(['3.12-slim'])
})
