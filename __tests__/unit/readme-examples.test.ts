/**
 * The README's YAML examples, checked as a runner would take them: every
 * `uses: acme/stevedore@v1` step names only inputs of action.yml, every
 * output it reads exists, and its inputs (with `${{ }}` filled in) pass the
 * same parsing, login planning and tag planning as the action. A secret is
 * filled in with a value that unquoted YAML would change, so an example that
 * pastes one without toJSON fails.
 */
import {createHash} from 'crypto'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import {parse} from 'yaml'
import {readGitHubContext} from '../../src/inputs/github-context'
import {parseRegistryAuth} from '../../src/inputs/parsing'
import {getInputs} from '../../src/inputs/inputs'
import {loginRegistries, planLogins} from '../../src/auth/login-plan'
import {makePlan} from '../../src/plan/plan'
import {parseRepository, Repository} from '../../src/registry/reference'
import {outputsOf} from '../../src/report'
import {ROOT, actionDefaults} from '../support/action'

const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
const action = parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, unknown>
  outputs: Record<string, unknown>
}
const INPUTS = new Set(Object.keys(action.inputs))
const OUTPUTS = new Set(Object.keys(action.outputs))

/** A secret that unquoted YAML would cut (' #'), break (': ') or change (quotes). */
const SECRET = `0s#3: "cr'et`
const GUID = '11111111-2222-3333-4444-555555555555'

/** The value a runner would put for one `${{ }}` expression. */
function expressionValue(expr: string): string {
  const json = /^toJSON\((.+)\)$/.exec(expr)
  if (json?.[1] !== undefined) return JSON.stringify(expressionValue(json[1].trim()))
  if (/^secrets\./.test(expr)) return SECRET
  if (expr === 'github.actor') return 'octocat'
  if (expr === 'github.ref_name') return 'v1.2.3'
  if (/^vars\.AZURE_(CLIENT|TENANT)_ID$/.test(expr)) return GUID
  if (/\.outputs\.digest$/.test(expr)) return `sha256:${createHash('sha256').update(expr).digest('hex')}`
  // the matrix recipe's merge: every leg's digest, a line each
  if (expr === 'steps.digests.outputs.list')
    return ['amd64', 'arm64'].map(leg => `sha256:${createHash('sha256').update(leg).digest('hex')}`).join('\n')
  if (/^matrix\.|^strategy\./.test(expr)) return '0'
  throw new Error(`the README uses \${{ ${expr} }}: add a value for it to this test`)
}

const fill = (text: string): string =>
  text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_m, expr: string) => expressionValue(expr))

function dedent(block: string): string {
  const lines = block.split('\n')
  const indent = Math.min(...lines.filter(l => l.trim() !== '').map(l => /^ */.exec(l)?.[0].length ?? 0))
  return lines.map(l => l.slice(indent)).join('\n')
}

const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map(m => parse(dedent(m[1] ?? '')) as unknown)

interface Step {
  readonly id?: string
  readonly uses: string
  readonly with: Record<string, string>
}

function stepsIn(node: unknown): Step[] {
  if (Array.isArray(node)) return node.flatMap(stepsIn)
  if (node === null || typeof node !== 'object') return []
  const map = node as Record<string, unknown>
  if (map.uses === 'acme/stevedore@v1') return [map as unknown as Step]
  return Object.values(map).flatMap(stepsIn)
}

const steps = blocks.flatMap((block, i) =>
  stepsIn(block).map(
    (step, j) =>
      [`block ${i + 1}, step ${j + 1}: ${String(step.with.images ?? '').split('\n')[0]}`, step, block] as const
  )
)
/** Blocks that are only a piece of a step's `with:` (no `uses:`). */
const fragments = blocks.filter(
  b => stepsIn(b).length === 0 && b !== null && typeof b === 'object' && !Array.isArray(b) && !('jobs' in b)
)

let workspace: string
beforeAll(() => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-readme-'))
  fs.writeFileSync(path.join(workspace, 'Dockerfile'), 'FROM scratch\n')
})
// RUNNER_TEMP beside the workspace, as on a runner (a context may not hold it)
const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-runner-temp-'))
afterAll(() => {
  fs.rmSync(workspace, {recursive: true, force: true})
  fs.rmSync(runnerTemp, {recursive: true, force: true})
})

describe('README examples', () => {
  test('there is an example per registry kind, plus mirror and merge', () => {
    const all = steps.map(([, s]) => JSON.stringify(s.with))
    for (const want of [
      /ghcr\.io/,
      /dkr\.ecr\./,
      /azurecr\.io/,
      /"source"/,
      /"merge"/,
      /"push":false|"push":"false"/
    ]) {
      expect(all.some(w => want.test(w))).toBe(true)
    }
  })

  test.each(steps)('%s names only inputs of action.yml', (_name, step) => {
    for (const key of Object.keys(step.with)) expect([key, INPUTS.has(key)]).toEqual([key, true])
  })

  test.each(fragments.map((f, i) => [i + 1, f] as const))(
    'fragment %i names only inputs of action.yml, and its registry-auth parses',
    (_i, fragment) => {
      const map = fragment as Record<string, string>
      for (const key of Object.keys(map)) expect([key, INPUTS.has(key)]).toEqual([key, true])
      if (map['registry-auth'] !== undefined)
        expect(parseRegistryAuth('registry-auth', fill(map['registry-auth'])).length).toBeGreaterThan(0)
    }
  )

  test.each(steps)('%s: the outputs it reads exist', (_name, step, block) => {
    if (step.id === undefined) return
    const used = [...JSON.stringify(block).matchAll(new RegExp(`steps\\.${step.id}\\.outputs\\.([\\w-]+)`, 'g'))].map(
      m => m[1]
    )
    for (const output of used) expect([output, OUTPUTS.has(output ?? '')]).toEqual([output, true])
  })

  test.each(steps)("%s passes the action's input checks and plans its logins and tags", (_name, step) => {
    const given = Object.fromEntries(Object.entries(step.with).map(([k, v]) => [k, fill(String(v))]))
    const all: Record<string, string> = {...actionDefaults(), ...given}
    const env = {
      GITHUB_REF: 'refs/tags/v1.2.3',
      GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
      GITHUB_WORKSPACE: workspace,
      GITHUB_REPOSITORY: 'acme/orders'
    }
    const ctx = readGitHubContext(env, workspace, runnerTemp)
    const masked: string[] = []
    const inputs = getInputs(
      name => all[name] ?? '',
      ctx,
      s => masked.push(s)
    )
    const logins = planLogins(loginRegistries(inputs), inputs)
    for (const m of logins) if (m.method === 'basic') expect([m.registry, m.password]).toEqual([m.registry, SECRET])
    if (inputs['azure-client-id'] !== undefined) expect(logins.some(m => m.method === 'acr')).toBe(true)
    if (inputs['aws-role-to-assume'] !== undefined) expect(logins.some(m => m.method === 'ecr')).toBe(true)
    const plan = makePlan(inputs, ctx, new Date())
    expect(plan.tags.fixed.length + plan.tags.floating.length).toBeGreaterThan(0)
  })

  test('per-platform jobs of the merge example push only their own tag, so they cannot race on the release tags', () => {
    const platformSteps = steps.filter(([, s]) => /-(amd64|arm64)$/.test(s.with.version ?? ''))
    expect(platformSteps).toHaveLength(2)
    for (const [, step] of platformSteps) {
      const env = {GITHUB_REF: 'refs/tags/v1.2.3', GITHUB_WORKSPACE: workspace}
      const ctx = readGitHubContext(env, workspace, runnerTemp)
      const all: Record<string, string> = {
        ...actionDefaults(),
        ...Object.fromEntries(Object.entries(step.with).map(([k, v]) => [k, fill(v)]))
      }
      const plan = makePlan(
        getInputs(
          name => all[name] ?? '',
          ctx,
          () => undefined
        ),
        ctx,
        new Date()
      )
      expect(plan.tags).toEqual({fixed: [`1.2.3-${/(amd64|arm64)$/.exec(step.with.version ?? '')?.[1]}`], floating: []})
    }
  })
})

describe('README examples run on the engines of hosted runners', () => {
  /** The steps lists of every block, with their `uses:`, in order. */
  function stepLists(node: unknown): Array<Array<{uses?: string; with?: Record<string, string>}>> {
    if (Array.isArray(node)) {
      const asSteps = node.every(n => n !== null && typeof n === 'object' && ('uses' in n || 'run' in n))
      return asSteps ? [node as Array<{uses?: string}>] : node.flatMap(stepLists)
    }
    if (node === null || typeof node !== 'object') return []
    return Object.values(node as Record<string, unknown>).flatMap(stepLists)
  }

  test('an IMMUTABLE ECR example pushes no tag that would have to move (latest, X.Y, X)', () => {
    const immutable = steps.filter(([, step]) => /immutable/i.test(step.with['ecr-tag-mutability'] ?? ''))
    expect(immutable.length).toBeGreaterThan(0)
    for (const [name, step] of immutable)
      expect([name, step.with.latest, step.with['semver-tags']]).toEqual([name, false, false])
  })

  test("a cache export beyond inline comes after docker/setup-buildx-action (the runner's default builder cannot)", () => {
    const lists = blocks.flatMap(stepLists)
    const exporting = lists.flatMap(list =>
      list
        .map((step, i) => ({step, i}))
        .filter(({step}) => step.uses === 'acme/stevedore@v1' && /type=(?!inline)/.test(step.with?.['cache-to'] ?? ''))
        .map(({i}) => list.slice(0, i).some(s => (s.uses ?? '').startsWith('docker/setup-buildx-action@')))
    )
    expect(exporting.length).toBeGreaterThan(0)
    expect(exporting.every(Boolean)).toBe(true)
  })
})

describe('README outputs table', () => {
  const row = (name: string): string => new RegExp(`^\\| \`${name}\` \\|.*$`, 'm').exec(readme)?.[0] ?? ''

  test('every input of action.yml has a row', () => {
    for (const input of INPUTS) expect([input, row(input) !== '']).toEqual([input, true])
  })

  test('every output of action.yml has a row', () => {
    for (const output of OUTPUTS) expect([output, row(output) !== '']).toEqual([output, true])
  })

  test('the metadata row names every key the action writes, and every blob counter', () => {
    const repo = parseRepository('ghcr.io/acme/orders') as Repository
    const stats = {uploaded: 1, uploadedBytes: 2, mounted: 3, present: 4}
    const out = outputsOf({
      imageId: 'sha256:1',
      version: '1.0.0',
      tags: ['1.0.0'],
      images: [repo],
      published: [{repository: repo, tags: ['1.0.0'], digest: 'sha256:2', compressedSize: undefined, kept: [], stats}],
      notes: [],
      failed: [{repository: parseRepository('quay.io/acme/orders') as Repository, error: 'x'}],
      labels: {},
      annotations: []
    })
    const metadata = JSON.parse(out.metadata) as Record<string, unknown>
    for (const key of [...Object.keys(metadata), ...Object.keys(stats)])
      expect([key, row('metadata').includes(`\`${key}\``)]).toEqual([key, true])
    expect(metadata.sizes).toEqual({'ghcr.io/acme/orders': null})
    expect(row('metadata')).toContain('`null` when')
  })
})
