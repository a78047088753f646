/**
 * The tree shows the pipeline: one folder per stage, each with a main module
 * that states its job in one line; no two modules import each other (nor
 * through a longer cycle); pure planning imports no effects.
 */
import * as fs from 'fs'
import * as path from 'path'
import {ROOT} from '../support/action'

const SRC = path.join(ROOT, 'src')

function modules(dir: string): string[] {
  return fs.readdirSync(dir, {withFileTypes: true}).flatMap(e => {
    const full = path.join(dir, e.name)
    if (e.isDirectory()) return modules(full)
    return e.name.endsWith('.ts') ? [path.relative(SRC, full)] : []
  })
}

const ALL = modules(SRC).sort()
const source = (m: string): string => fs.readFileSync(path.join(SRC, m), 'utf8')

/** The project modules one module imports, type-only imports included. */
function importsOf(m: string): string[] {
  const specs = [...source(m).matchAll(/(?:from\s+|import\(\s*)'(\.{1,2}\/[^']+)'/g)].map(x => x[1] ?? '')
  // import('./x.js') names the module x.ts (node16 resolution keeps import() for the bundle's chunks)
  const files = specs.map(s => path.relative(SRC, path.resolve(SRC, path.dirname(m), s.replace(/\.js$/, ''))) + '.ts')
  return [...new Set(files)]
}

/** The project modules one module loads when it runs: `import type` is erased, so it does not count. */
function valueImportsOf(m: string): string[] {
  const specs = [...source(m).matchAll(/^import (?!type )[^']*'(\.{1,2}\/[^']+)'/gm)].map(x => x[1] ?? '')
  return specs.map(s => path.relative(SRC, path.resolve(SRC, path.dirname(m), s)) + '.ts')
}

/** The packages and Node modules one module loads when it runs. */
function externalImportsOf(m: string): string[] {
  return [...source(m).matchAll(/^import (?!type )[^']*'([^.][^']*)'/gm)].map(x => x[1] ?? '')
}

/** Each stage's folder and its main module, in the order data flows. */
const STAGES: Record<string, string> = {
  inputs: 'inputs/inputs.ts',
  plan: 'plan/plan.ts',
  auth: 'auth/auth.ts',
  build: 'build/build.ts',
  image: 'image/image-archive.ts',
  publish: 'publish/publish.ts',
  registry: 'registry/client.ts',
  oci: 'oci/oci.ts',
  modes: 'modes/steps.ts'
}

/**
 * What each lower folder may import: the OCI model imports no stage; our registry client and the
 * image stage import only the OCI model (and the shared errors), never the stages above them.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  oci: ['oci', 'errors.ts'],
  registry: ['registry', 'oci', 'errors.ts'],
  image: ['image', 'oci', 'errors.ts']
}
/** What stays at the top: the entry points, the run, the report, the shared helpers. */
const TOP = [
  'cleanup.ts',
  'errors.ts',
  'exec.ts',
  'main.ts',
  'post.ts',
  'report.ts',
  'run.ts',
  'state.ts',
  'work-dirs.ts'
]

/** Planning, parsing and detection: computed from their arguments alone. */
const PURE = [
  'plan/plan.ts',
  'plan/tags.ts',
  'plan/version.ts',
  'plan/labels.ts',
  'plan/floating-tags.ts',
  'plan/tag-rules.ts',
  'plan/tag-rule-syntax.ts',
  'inputs/list-grammar.ts',
  'plan/template.ts',
  'plan/pep440.ts',
  'plan/annotations.ts',
  'inputs/parsing.ts',
  'inputs/build-options.ts',
  'inputs/defaults.ts',
  'inputs/github-context.ts',
  'auth/login-plan.ts',
  'auth/registry-kind.ts',
  'build/builder-choice.ts',
  'build/build-command.ts',
  'build/cache-options.ts',
  'build/build-path.ts',
  'build/build-checks.ts',
  'build/buildx-state.ts',
  'publish/immutable-tags.ts',
  'registry/reference.ts',
  'registry/challenge.ts',
  'registry/intake-routes.ts',
  'registry/pieces.ts',
  'image/legacy-chain.ts',
  'oci/oci.ts',
  'errors.ts'
]
/** Packages that compute without effects. */
const PURE_PACKAGES = ['semver', 'yaml', 'path', 'crypto']

describe('source layout', () => {
  test('every module is in a stage folder, or one of the few at the top', () => {
    const folders = new Set(Object.keys(STAGES))
    for (const m of ALL) {
      const top = m.split(path.sep)[0] ?? ''
      expect([m, m.includes(path.sep) ? folders.has(top) : TOP.includes(m)]).toEqual([m, true])
    }
  })

  test.each(Object.entries(STAGES))('%s/ has a main module (%s) whose first line states its job', (_folder, main) => {
    const first = source(main).split('\n')[0] ?? ''
    expect(first).toMatch(/^\/\*\* \S.{10,} \*\/$/)
  })

  test('no module imports itself back, directly or through others', () => {
    const graph = new Map(ALL.map(m => [m, importsOf(m)]))
    for (const [m, deps] of graph) for (const d of deps) expect([m, d, ALL.includes(d)]).toEqual([m, d, true])
    const cycles: string[] = []
    const state = new Map<string, 'open' | 'done'>()
    const visit = (m: string, trail: string[]): void => {
      if (state.get(m) === 'done') return
      if (state.get(m) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(m)), m].join(' -> '))
        return
      }
      state.set(m, 'open')
      for (const d of graph.get(m) ?? []) visit(d, [...trail, m])
      state.set(m, 'done')
    }
    for (const m of ALL) visit(m, [])
    expect(cycles).toEqual([])
  })

  test.each(PURE)('%s imports only pure modules and no effects', m => {
    for (const d of valueImportsOf(m)) expect([m, d, PURE.includes(d)]).toEqual([m, d, true])
    for (const p of externalImportsOf(m)) expect([m, p, PURE_PACKAGES.includes(p)]).toEqual([m, p, true])
  })

  test.each(Object.entries(MAY_IMPORT))('%s/ imports only %j: dependencies point down', (folder, allowed) => {
    for (const m of ALL.filter(x => x.startsWith(`${folder}${path.sep}`)))
      for (const d of importsOf(m)) {
        const target = d.includes(path.sep) ? (d.split(path.sep)[0] ?? '') : d
        expect([m, d, allowed.includes(target)]).toEqual([m, d, true])
      }
  })

  test('main.ts and post.ts stay thin: each only calls one function', () => {
    for (const entry of ['main.ts', 'post.ts']) expect(source(entry).trim().split('\n').length).toBeLessThanOrEqual(3)
  })
})

describe('test layout', () => {
  const testsDir = path.join(ROOT, '__tests__')
  const testFiles = (dir: string): string[] =>
    fs.readdirSync(dir, {withFileTypes: true}).flatMap(e => {
      const full = path.join(dir, e.name)
      if (e.isDirectory()) return e.name === 'fixtures' ? [] : testFiles(full)
      return e.name.endsWith('.ts') ? [full] : []
    })

  test('every test runs wherever the suite runs: no skip, only, or a skip chosen by the machine', () => {
    const found = testFiles(testsDir).flatMap(f =>
      fs
        .readFileSync(f, 'utf8')
        .split('\n')
        .map((line, i) => ({where: `${path.relative(ROOT, f)}:${i + 1}`, line}))
        .filter(({line}) => /\b(test|it|describe)\.(skip|only|todo)\b|\bx(it|test|describe)\(|\? test\.skip/.test(line))
        .filter(({where}) => !where.startsWith('__tests__/unit/layout.test.ts'))
    )
    expect(found).toEqual([])
  })
})
