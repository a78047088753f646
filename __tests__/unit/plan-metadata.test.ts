import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import {InputError} from '../../src/errors'
import {readGitHubContext} from '../../src/inputs/github-context'
import {getInputs} from '../../src/inputs/inputs'
import {makePlan} from '../../src/plan/plan'
import {actionDefaults} from '../support/action'

let workspace: string
beforeAll(() => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-plan-'))
  fs.writeFileSync(path.join(workspace, 'Dockerfile'), 'FROM scratch\n')
})
// RUNNER_TEMP beside the workspace, as on a runner (a context may not hold it)
const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-runner-temp-'))
afterAll(() => {
  fs.rmSync(workspace, {recursive: true, force: true})
  fs.rmSync(runnerTemp, {recursive: true, force: true})
})

const NOW = new Date('2026-11-29T10:30:00Z')

function plan(values: Record<string, string>, env: Record<string, string> = {}) {
  const ctx = readGitHubContext(
    {
      GITHUB_REF: 'refs/heads/main',
      GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
      GITHUB_REPOSITORY: 'acme/orders',
      ...env
    },
    workspace,
    runnerTemp,
    {repository: {default_branch: 'main'}}
  )
  const all: Record<string, string> = {
    ...actionDefaults(),
    'github-token': '',
    images: 'ghcr.io/acme/orders',
    ...values
  }
  return makePlan(
    getInputs(
      name => all[name] ?? '',
      ctx,
      () => undefined
    ),
    ctx,
    NOW
  )
}

describe("metadata-action's expressions in labels and annotations", () => {
  test('labels: {{branch}}, {{sha}} and {{date}} are expanded; the OCI labels stay', () => {
    const p = plan({labels: "com.acme.branch={{branch}}\ncom.acme.build=b-{{sha}}-{{date 'YYYYMMDD'}}"})
    expect(p.labels).toMatchObject({
      'com.acme.branch': 'main',
      'com.acme.build': 'b-0123456-20261129',
      'org.opencontainers.image.revision': '0123456789abcdef0123456789abcdef01234567'
    })
  })

  test('annotations: expanded, and they win over the automatic one of the same key and level', () => {
    const p = plan({annotations: 'manifest:org.opencontainers.image.title=orders-{{is_default_branch}}'})
    expect(p.userAnnotations).toEqual(['manifest:org.opencontainers.image.title=orders-true'])
    expect(p.annotations.some(a => a.startsWith('manifest:org.opencontainers.image.title='))).toBe(false)
    expect(p.annotations).toContain('manifest:org.opencontainers.image.source=https://github.com/acme/orders')
  })

  test('an unknown expression names the input', () => {
    let caught: unknown
    try {
      plan({labels: 'com.acme.x={{nope}}'})
    } catch (e) {
      caught = e
    }
    expect(caught).toBeInstanceOf(InputError)
    expect((caught as InputError).input).toBe('labels')
  })

  test('DOCKER_METADATA_ANNOTATIONS_LEVELS=index: the automatic annotations on the index only', () => {
    const p = plan({}, {DOCKER_METADATA_ANNOTATIONS_LEVELS: 'index'})
    expect(p.annotations.length).toBeGreaterThan(0)
    expect(p.annotations.every(a => a.startsWith('index:org.opencontainers.image.'))).toBe(true)
  })
})

describe('a mirror keeps its source tag', () => {
  const schedule = {GITHUB_EVENT_NAME: 'schedule', GITHUB_REF: 'refs/heads/main'}
  const source = 'docker.io/library/python:3.12-slim'

  test('on a nightly schedule: the upstream tag, nothing from the branch or commit', () => {
    expect(plan({source}, schedule).tags).toEqual({fixed: ['3.12-slim'], floating: []})
  })

  test('on a tag push too: the ref names no version for a mirror', () => {
    expect(plan({source}, {GITHUB_REF: 'refs/tags/v2.0.0'}).tags).toEqual({fixed: ['3.12-slim'], floating: []})
  })

  test("'tags' replaces the source tag; 'version' gives the release tags", () => {
    expect(plan({source, tags: 'py312'}, schedule).tags).toEqual({fixed: ['py312'], floating: []})
    expect(plan({source, version: '1.2.3'}, schedule).tags.fixed).toEqual(['1.2.3'])
    expect(plan({source, version: '1.2.3'}, schedule).tags.floating.map(f => f.tag)).toEqual(['1.2', '1', 'latest'])
  })

  test('a source by digest has no tag to keep: tags or version is asked for', () => {
    expect(() => plan({source: `docker.io/library/python@sha256:${'a'.repeat(64)}`}, schedule)).toThrow(
      /^Input 'tags': the source docker.io\/library\/python@sha256:a+ is named by digest, so it has no tag to keep; give 'tags' \(or 'version'\)/
    )
  })
})

describe('the run as metadata-action reads it', () => {
  const payload = {
    number: 42,
    pull_request: {head: {sha: 'feedfacefeedfacefeedfacefeedfacefeedface'}, base: {ref: 'main'}}
  }
  const env = {GITHUB_REF: 'refs/heads/main', GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567'}

  test('pull_request_target: the pull request merge ref, not the base branch the runner gives', () => {
    const ctx = readGitHubContext({...env, GITHUB_EVENT_NAME: 'pull_request_target'}, '/w', '/t', payload)
    expect(ctx.ref).toBe('refs/pull/42/merge')
    expect(readGitHubContext({...env, GITHUB_EVENT_NAME: 'push'}, '/w', '/t', payload).ref).toBe('refs/heads/main')
  })

  test('DOCKER_METADATA_PR_HEAD_SHA=true: the head commit on pull request events only', () => {
    const on = {...env, DOCKER_METADATA_PR_HEAD_SHA: 'true'}
    expect(readGitHubContext({...on, GITHUB_EVENT_NAME: 'pull_request'}, '/w', '/t', payload).sha).toBe(
      'feedfacefeedfacefeedfacefeedfacefeedface'
    )
    expect(readGitHubContext({...on, GITHUB_EVENT_NAME: 'push'}, '/w', '/t', payload).sha).toBe(env.GITHUB_SHA)
    expect(readGitHubContext({...env, GITHUB_EVENT_NAME: 'pull_request'}, '/w', '/t', payload).sha).toBe(env.GITHUB_SHA)
  })

  test.each(['abc', '0', '-3', '7.5'])('DOCKER_METADATA_SHORT_SHA_LENGTH=%s fails, as metadata-action fails', raw => {
    expect(() => readGitHubContext({...env, DOCKER_METADATA_SHORT_SHA_LENGTH: raw}, '/w', '/t')).toThrow(
      /^DOCKER_METADATA_SHORT_SHA_LENGTH is not a positive whole number/
    )
  })

  test('a monorepo tag with type= rules: the rules read it, no version of ours is asked of it', () => {
    const p = plan(
      {tags: 'type=semver,pattern={{version}},match=orders/v(.*)\ntype=match,pattern=orders/(v\\d+),group=1'},
      {GITHUB_REF: 'refs/tags/orders/v1.2.3'}
    )
    expect(p.tags.fixed).toEqual(['1.2.3', 'v1'])
    expect(p.versionName).toBe('1.2.3')
  })
})
