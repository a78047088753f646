import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import {defaultGitContext, gitTokenSecret, isGitUrl, parseContextInputs} from '../../src/inputs/build-context'
import {InputError} from '../../src/errors'

let checkedOut: string
let empty: string
beforeAll(() => {
  checkedOut = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-ctx-'))
  fs.writeFileSync(path.join(checkedOut, 'Dockerfile'), 'FROM scratch\n')
  empty = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-ctx-'))
})
afterAll(() => {
  fs.rmSync(checkedOut, {recursive: true, force: true})
  fs.rmSync(empty, {recursive: true, force: true})
})

const where = (workspace: string, ref = 'refs/heads/main') => ({
  workspace,
  serverUrl: 'https://github.com',
  repository: 'acme/orders',
  ref
})

describe('isGitUrl (as buildx tells a Git context from others)', () => {
  test.each([
    ['https://github.com/acme/orders.git', true],
    ['https://github.com/acme/orders.git#v1.0.0:services/orders', true],
    ['http://127.0.0.1:8080/acme/orders.git#main', true],
    ['git@github.com:acme/orders.git', true],
    ['git://example.com/acme/orders.git', true],
    ['https://example.com/context.tar.gz', false],
    ['https://github.com/acme/orders', false],
    ['services/orders', false],
    ['.', false]
  ])('%s: %s', (url, git) => expect(isGitUrl(url)).toBe(git))
})

describe("defaultGitContext (build-push-action's)", () => {
  test.each([
    ['refs/heads/main', 'https://github.com/acme/orders.git#refs/heads/main'],
    ['refs/tags/v1.2.3', 'https://github.com/acme/orders.git#refs/tags/v1.2.3'],
    ['refs/pull/42/merge', 'https://github.com/acme/orders.git#refs/pull/42/head']
  ])('%s -> %s', (ref, url) => expect(defaultGitContext(where(empty, ref))).toBe(url))
})

describe('parseContextInputs', () => {
  test('nothing given, the workspace checked out: the workspace and its Dockerfile', () => {
    expect(parseContextInputs('', '', where(checkedOut))).toEqual({
      context: checkedOut,
      gitContext: undefined,
      file: path.join(checkedOut, 'Dockerfile')
    })
  })

  test('nothing given, nothing checked out: the Git context, as build-push-action builds', () => {
    expect(parseContextInputs('', '', where(empty))).toEqual({
      context: 'https://github.com/acme/orders.git#refs/heads/main',
      gitContext: {url: 'https://github.com/acme/orders.git#refs/heads/main', host: 'github.com', subdir: ''},
      file: ''
    })
  })

  test('{{defaultContext}}:subdir, with a Dockerfile named in the repository', () => {
    const c = parseContextInputs('{{defaultContext}}:services/orders', 'docker/Dockerfile.prod', where(checkedOut))
    expect(c.context).toBe('https://github.com/acme/orders.git#refs/heads/main:services/orders')
    expect(c.gitContext).toEqual({url: c.context, host: 'github.com', subdir: 'services/orders'})
    expect(c.file).toBe('docker/Dockerfile.prod')
  })

  test('a Git URL of another server keeps its port in the host', () => {
    const c = parseContextInputs('http://127.0.0.1:8080/acme/orders.git#main', '', where(checkedOut))
    expect(c.gitContext).toEqual({
      url: 'http://127.0.0.1:8080/acme/orders.git#main',
      host: '127.0.0.1:8080',
      subdir: ''
    })
  })

  test.each([
    ['{{defaultContext}}/x', '', /only ':subdir' may follow/],
    ['https://example.com/context.tar.gz', '', /not a Git URL/],
    ['https://github.com/acme/orders.git', '/etc/Dockerfile', /inside the repository/],
    ['../outside', '', /outside the workspace/]
  ])('%s (file %j) is refused', (context, file, message) => {
    expect(() => parseContextInputs(context, file, where(checkedOut))).toThrow(message)
    expect(() => parseContextInputs(context, file, where(checkedOut))).toThrow(InputError)
  })

  test('{{defaultContext}} where the runner names no repository', () => {
    expect(() => parseContextInputs('{{defaultContext}}', '', {...where(checkedOut), repository: ''})).toThrow(
      /GITHUB_SERVER_URL, GITHUB_REPOSITORY or GITHUB_REF is not set/
    )
  })
})

describe("gitTokenSecret (build-push-action's github-token)", () => {
  const git = {url: 'https://github.com/acme/orders.git#main', host: 'github.com', subdir: ''}
  test('the token for the Git context on the workflow server', () => {
    expect(gitTokenSecret(git, 'ghs_abc', 'https://github.com', [])).toEqual({
      id: 'GIT_AUTH_TOKEN.github.com',
      value: 'ghs_abc'
    })
  })
  test('never sent to another host', () => {
    expect(gitTokenSecret({...git, host: 'gitlab.com'}, 'ghs_abc', 'https://github.com', [])).toBeUndefined()
  })
  test("the user's own GIT_AUTH_TOKEN wins", () => {
    expect(
      gitTokenSecret(git, 'ghs_abc', 'https://github.com', [{id: 'GIT_AUTH_TOKEN.github.com', env: 'PAT'}])
    ).toBeUndefined()
  })
  test('no Git context, or no token: nothing', () => {
    expect(gitTokenSecret(undefined, 'ghs_abc', 'https://github.com', [])).toBeUndefined()
    expect(gitTokenSecret(git, '', 'https://github.com', [])).toBeUndefined()
  })
})
