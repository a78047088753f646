/**
 * A metadata-action workflow moved to stevedore gives the same tags, version, labels and outputs,
 * through the bundled action on Docker 20.10 (push: false: what would be pushed is tagged in the
 * engine and given as outputs): pull_request_target, a monorepo's tag with a `/`, upper-case image
 * names, DOCKER_METADATA_PR_HEAD_SHA, the sep-* inputs and the DOCKER_METADATA_OUTPUT_* variables.
 */
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import {errors, runAction} from '../support/action'
import {requireEngine} from '../support/tools'

const HEAD = 'feedfacefeedfacefeedfacefeedfacefeedface'
let dir: string

beforeAll(async () => {
  await requireEngine()
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-fidelity-'))
})
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))

function event(name: string, payload: unknown): string {
  const file = path.join(dir, `${name}.json`)
  fs.writeFileSync(file, JSON.stringify(payload))
  return file
}

const build = (inputs: Record<string, string>, env: Record<string, string>) =>
  runAction(
    {
      context: '__tests__/fixtures/multistage',
      network: 'none',
      push: 'false',
      'build-args': `GREETING=fidelity-${Date.now()}-${Math.random()}`,
      ...inputs
    },
    {env}
  )

test('pull_request_target: the pull request ref decides (pr-42), and DOCKER_METADATA_PR_HEAD_SHA gives the head commit', async () => {
  const payload = {
    number: 42,
    pull_request: {head: {sha: HEAD}, base: {ref: 'main'}},
    repository: {default_branch: 'main'}
  }
  const run = await build(
    {images: 'user/app', tags: 'type=ref,event=pr\ntype=ref,event=branch\ntype=sha\ntype=raw,value=base-{{base_ref}}'},
    {
      GITHUB_EVENT_NAME: 'pull_request_target',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_EVENT_PATH: event('target', payload),
      DOCKER_METADATA_PR_HEAD_SHA: 'true'
    }
  )
  expect(errors(run)).toEqual([])
  // named as written, as metadata-action names them (not docker.io/user/app)
  expect(run.outputs.tags?.split('\n')).toEqual(['user/app:pr-42', 'user/app:base-main', 'user/app:sha-feedfac'])
  expect(run.outputs.version).toBe('pr-42')
  expect(run.outputs.labels).toContain(`org.opencontainers.image.revision=${HEAD}`)
})

test('a monorepo tag (orders/v1.2.3) with rules: the rules read it, nothing is refused', async () => {
  const run = await build(
    {
      images: 'ghcr.io/acme/orders',
      tags: 'type=semver,pattern={{version}},match=orders/v(.*)\ntype=semver,pattern={{major}}.{{minor}},match=orders/v(.*)\ntype=match,pattern=orders/(.*),group=1'
    },
    {GITHUB_REF: 'refs/tags/orders/v1.2.3'}
  )
  expect(errors(run)).toEqual([])
  expect(run.outputs.version).toBe('1.2.3')
  expect(run.outputs['tag-names']?.split('\n')).toEqual(['1.2.3', 'v1.2.3', '1.2', 'latest'])
})

test('upper-case image names are lowered with a notice; sep-tags and DOCKER_METADATA_OUTPUT_* as metadata-action gives them', async () => {
  const run = await build(
    {images: 'ghcr.io/MyOrg/MyApp', tags: 'type=ref,event=branch\ntype=sha', 'sep-tags': ','},
    {GITHUB_REF: 'refs/heads/main'}
  )
  expect(errors(run)).toEqual([])
  expect(run.stdout).toMatch(/::notice::images: 'ghcr.io\/MyOrg\/MyApp' is taken as 'ghcr.io\/myorg\/myapp'/)
  expect(run.outputs.tags).toBe('ghcr.io/myorg/myapp:main,ghcr.io/myorg/myapp:sha-0123456')
  expect(run.exported.DOCKER_METADATA_OUTPUT_TAGS).toBe(run.outputs.tags)
  expect(run.exported.DOCKER_METADATA_OUTPUT_TAG_NAMES).toBe('main,sha-0123456')
  expect(JSON.parse(run.exported.DOCKER_METADATA_OUTPUT_JSON ?? '{}')).toMatchObject({
    'tag-names': ['main', 'sha-0123456']
  })

  const quiet = await build(
    {images: 'ghcr.io/acme/orders', tags: 'type=ref,event=branch'},
    {GITHUB_REF: 'refs/heads/main', DOCKER_METADATA_SET_OUTPUT_ENV: 'false'}
  )
  expect(errors(quiet)).toEqual([])
  expect(Object.keys(quiet.exported).filter(k => k.startsWith('DOCKER_METADATA_OUTPUT_'))).toEqual([])
})

test('DOCKER_METADATA_SHORT_SHA_LENGTH that is not a positive number fails, as metadata-action fails', async () => {
  const run = await build(
    {images: 'ghcr.io/acme/orders', tags: 'type=sha'},
    {DOCKER_METADATA_SHORT_SHA_LENGTH: 'twelve'}
  )
  expect(run.exitCode).toBe(1)
  expect(errors(run)).toEqual([
    expect.stringMatching(/^DOCKER_METADATA_SHORT_SHA_LENGTH is not a positive whole number: 'twelve'/)
  ])
  expect(run.stdout).not.toContain('::group::Build')
})
