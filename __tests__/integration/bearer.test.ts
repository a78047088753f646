/**
 * Bearer token auth: a real registry with `auth: token`, a token service that
 * checks the credentials; docker and our registry client both go through it.
 */
import {errors, runAction} from '../support/action'
import {TestRegistry, startRegistry} from '../support/registry'
import {TokenServer, fullAccess, startTokenServer} from '../support/token-server'
import {requireEngine, skopeoDigest} from '../support/tools'

const creds = {username: 'robot$ci', password: 'Bearer-Pa55:with-colon'}
const reader = {username: 'reader', password: 'Read-0nly-Pa55'}
let tokens: TokenServer
let registry: TestRegistry

beforeAll(async () => {
  await requireEngine()
  tokens = await startTokenServer({
    [creds.username]: fullAccess(creds.password),
    // may read team/*, write nowhere
    [reader.username]: {password: reader.password, access: {'team/*': ['pull']}}
  })
  registry = await startRegistry({token: tokens})
})
afterAll(async () => {
  await registry?.stop()
  await tokens?.stop()
})

test('publishes through a Bearer token registry and reads every tag back', async () => {
  const image = `${registry.host}/team/api`
  const run = await runAction(
    {
      images: image,
      context: '__tests__/fixtures/multistage',
      'build-args': `GREETING=bearer-${Date.now()}`,
      network: 'none',
      'registry-auth': `- registry: ${registry.host}\n  username: ${creds.username}\n  password: "${creds.password}"`
    },
    {env: {GITHUB_REF: 'refs/tags/v3.1.0'}}
  )
  expect(errors(run)).toEqual([])
  expect(run.exitCode).toBe(0)
  const digest = run.outputs.digest ?? ''
  for (const tag of ['3.1.0', '3.1', '3', 'latest']) {
    expect(await skopeoDigest(`${image}:${tag}`, creds)).toBe(digest)
  }
  // our client asked for pull tokens for the tag list and the read-back, as the user
  const ours = tokens.requests.filter(r => r.scopes.includes('repository:team/api:pull'))
  expect(ours.length).toBeGreaterThan(0)
  expect(ours.every(r => r.account === creds.username && r.service === tokens.service)).toBe(true)
  // docker pushed with a push token
  expect(tokens.requests.some(r => r.scopes.some(s => /^repository:team\/api:.*push/.test(s)))).toBe(true)
})

test('a wrong password is refused by the token service before the build', async () => {
  const run = await runAction({
    images: `${registry.host}/team/api`,
    context: '__tests__/fixtures/multistage',
    network: 'none',
    username: creds.username,
    password: 'not-it'
  })
  expect(run.exitCode).toBe(1)
  expect(errors(run)[0]).toMatch(/^Login to 127\.0\.0\.1:\d+ as 'robot\$ci' was refused/)
  expect(run.stdout).not.toMatch(/::group::Build/)
})

test('a user who may pull but not push: the token service grants pull only; the push check fails naming the repository before the build, and no tag is written', async () => {
  const image = `${registry.host}/team/api`
  const run = await runAction({
    images: image,
    context: '__tests__/fixtures/multistage',
    network: 'none',
    tags: 'from-reader',
    username: reader.username,
    password: reader.password
  })
  expect(run.exitCode).toBe(1)
  expect(errors(run).at(-1)).toBe(
    `${image}: pushing is not possible: ${registry.host}: start an upload to team/api: HTTP 401 UNAUTHORIZED: authentication required (check the credentials for ${registry.host} and that they may push to this repository). Nothing was built or pushed`
  )
  expect(run.stdout).not.toMatch(/::group::Build/)
  // the reader asked for push and was given pull only
  const asked = tokens.requests.filter(
    r => r.account === reader.username && r.scopes.some(x => x.endsWith(':pull,push'))
  )
  expect(asked.length).toBeGreaterThan(0)
  await expect(skopeoDigest(`${image}:from-reader`, creds)).rejects.toThrow(/manifest unknown/)
  // the same user reads what the release user pushed
  expect(await skopeoDigest(`${image}:3.1.0`, reader)).toMatch(/^sha256:/)
  expect(tokens.requests.filter(r => r.account === reader.username).length).toBeGreaterThan(0)
})
