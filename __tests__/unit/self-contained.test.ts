/**
 * Everything the project runs lives in the repository: a user's clone has nothing beside it.
 * No script, CI file, benchmark or test names a path outside the clone, whether the folder
 * beside it or a relative path that climbs out.
 */
import * as fs from 'fs'
import * as path from 'path'
import {ROOT} from '../support/action'

/** The files whose paths are run: scripts, CI, benchmarks, tests and the package's own commands. */
function filesUnder(dir: string): string[] {
  const full = path.join(ROOT, dir)
  if (!fs.existsSync(full)) return []
  if (fs.statSync(full).isFile()) return [dir]
  return fs.readdirSync(full, {withFileTypes: true}).flatMap(e => {
    if (e.name === 'node_modules' || e.name.startsWith('.tmp')) return []
    const rel = path.join(dir, e.name)
    if (e.isSymbolicLink()) return []
    return e.isDirectory()
      ? filesUnder(rel)
      : /\.(sh|ts|js|mjs|json|go|ya?ml|toml|md)$|^run$|Dockerfile/.test(e.name)
        ? [rel]
        : []
  })
}

const FILES = ['scripts', '.ci', 'bench', '__tests__', 'package.json', 'jest.config.js'].flatMap(filesUnder)

// written in pieces, so this file does not name what it looks for
const BESIDE = ['..', 'shared'].join('/')
const SIBLING = new RegExp(`${BESIDE.replace(/\./g, '\\.')}\\b|/${'shared'}/tools\\b|/work/${'shared'}\\b`)

test('the files are found', () => {
  expect(FILES).toContain(path.join('.ci', 'run'))
  expect(FILES).toContain(path.join('scripts', 'setup-engines.sh'))
  expect(FILES.length).toBeGreaterThan(50)
})

test.each(FILES)('%s names no folder beside the clone', file => {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8')
  const lines = text.split('\n').flatMap((l, i) => (SIBLING.test(l) ? [`${i + 1}: ${l.trim()}`] : []))
  expect(lines).toEqual([])
})

test.each(FILES)('%s: every relative path stays inside the clone', file => {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8')
  const climbing = [...text.matchAll(/(?<![\w.])((?:\.\.\/)+[\w.-]*)/g)].map(m => m[1] ?? '')
  const outside = climbing.filter(p => {
    const resolved = path.resolve(ROOT, path.dirname(file), p)
    return path.relative(ROOT, resolved).startsWith('..')
  })
  // a shell `cd ..` that leaves the folder the script set out from
  const cdUp = text.split('\n').filter(l => /\bcd \.\.(?:\s|$|;|&|\))/.test(l))
  expect([...outside, ...cdUp]).toEqual([])
})
