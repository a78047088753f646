import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import {ACTION_DEFAULTS, givenByUser} from '../../src/inputs/defaults'
import {readGitHubContext} from '../../src/inputs/github-context'
import {InputError} from '../../src/errors'
import {getInputs} from '../../src/inputs/inputs'
import {anyMode} from '../support/any-mode'
import {DEFAULT_COMPRESSION_LEVEL} from '../../src/oci/oci'
import {ROOT, actionDefaults} from '../support/action'

const DIGEST = `sha256:${'a'.repeat(64)}`

/** getInputs as a runner calls it: every action.yml default, then the step's inputs. */
function read(values: Record<string, string>): (name: string) => string {
  const all: Record<string, string> = {...actionDefaults(), ...values}
  return name => all[name] ?? ''
}

const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-defaults-'))
fs.writeFileSync(path.join(workspace, 'Dockerfile'), 'FROM scratch\n')
// RUNNER_TEMP beside the workspace, as on a runner (a context may not hold it)
const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-runner-temp-'))
afterAll(() => {
  fs.rmSync(workspace, {recursive: true, force: true})
  fs.rmSync(runnerTemp, {recursive: true, force: true})
})
const ctx = {
  workspace,
  ref: 'refs/tags/v1.2.3',
  awsRegion: undefined,
  serverUrl: 'https://github.com',
  repository: 'acme/orders'
}

describe('action.yml defaults', () => {
  test('the code knows exactly the defaults that action.yml declares', () => {
    expect(ACTION_DEFAULTS).toEqual(actionDefaults())
    expect(String(DEFAULT_COMPRESSION_LEVEL)).toBe(ACTION_DEFAULTS['compression-level'])
  })

  // a runner evaluates expressions everywhere in action.yml, descriptions included, and
  // fails to load the action on a context it lacks there (secrets, vars, env)
  test("action.yml's one expression is github-token's default, the job's token (as build-push-action's)", () => {
    const text = fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')
    expect(text.match(/.*\$\{\{.*/g)).toEqual(['    default: ${{ github.token }}'])
    expect(actionDefaults()['github-token']).toBe('${{ github.token }}')
  })

  test.each<[string, string, boolean]>([
    ['no-cache', 'false', false],
    ['no-cache', ' FALSE ', false],
    ['no-cache', '', false],
    ['no-cache', 'true', true],
    ['compression-level', '3', false],
    ['compression-level', '5', true],
    ['context', '', false],
    ['context', '.', true],
    ['context', 'app', true],
    ['target', 'runtime', true],
    ['target', '', false]
  ])('%s = %j given by the user: %s', (name, raw, given) => {
    expect(givenByUser(name, raw)).toBe(given)
  })
})

describe('mirror and merge with every default a runner sends', () => {
  test('source is a mirror', () => {
    const i = anyMode(
      getInputs(read({source: 'ghcr.io/acme/orders:1.0', images: 'ghcr.io/acme/copy'}), ctx, () => undefined)
    )
    expect(i.source?.repository.name).toBe('ghcr.io/acme/orders')
    // a mirror carries no build inputs at all
    expect([i.mode, 'no-cache' in i]).toEqual(['mirror', false])
  })

  test('merge joins digests', () => {
    const other = `sha256:${'b'.repeat(64)}`
    const i = anyMode(
      getInputs(read({merge: `${DIGEST}\n${other}`, images: 'ghcr.io/acme/orders'}), ctx, () => undefined)
    )
    expect(i.merge).toEqual([DIGEST, other])
  })

  test('merge of one digest (a platform job whose output did not arrive) is refused', () => {
    expect(() =>
      getInputs(read({merge: `${DIGEST}\n\n`, images: 'ghcr.io/acme/orders'}), ctx, () => undefined)
    ).toThrow(/^Input 'merge': gives 1 digest; an index of one platform would be published as the release/)
  })

  test('a default written in another case is still the default', () => {
    const i = anyMode(
      getInputs(
        read({source: 'ghcr.io/acme/orders:1.0', images: 'ghcr.io/acme/copy', 'no-cache': 'False', pull: 'FALSE'}),
        ctx,
        () => undefined
      )
    )
    expect(i.source).toBeDefined()
  })

  test.each<[string, Record<string, string>, RegExp]>([
    [
      'source',
      {source: 'ghcr.io/acme/orders:1.0', 'no-cache': 'true'},
      /does not go with 'no-cache'; remove it or remove 'source'/
    ],
    [
      'source',
      {source: 'ghcr.io/acme/orders:1.0', 'compression-level': '9', pull: 'true'},
      /does not go with 'pull', 'compression-level'; remove them/
    ],
    ['merge', {merge: DIGEST, context: 'somewhere'}, /does not go with 'context'/],
    ['source', {source: 'ghcr.io/acme/orders:1.0', secrets: 'a=b'}, /does not go with 'secrets'/]
  ])('%s with a build input that differs from its default fails', (input, values, message) => {
    let error: unknown
    try {
      getInputs(read({images: 'ghcr.io/acme/copy', ...values}), ctx, () => undefined)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InputError)
    expect((error as InputError).input).toBe(input)
    expect((error as InputError).message).toMatch(message)
  })
})

describe('aws-region default (as the README says)', () => {
  test.each<[Record<string, string>, string | undefined]>([
    [{AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'us-east-2'}, 'eu-west-1'],
    [{AWS_DEFAULT_REGION: 'us-east-2'}, 'us-east-2'],
    [{}, undefined]
  ])('%j gives %s', (env, region) => {
    const ctx = readGitHubContext(env, workspace, runnerTemp)
    expect(getInputs(read({images: 'ghcr.io/acme/orders', context: '.'}), ctx, () => undefined)['aws-region']).toBe(
      region
    )
  })
})
