'use strict'
// Writes the third-party notices for a bundle: every production dependency
// (name, version, license and its license file). ncc's own --license output
// covers only one chunk once a dependency splits the bundle, so we do this.
const {execFileSync} = require('child_process')
const fs = require('fs')
const path = require('path')

const root = path.resolve(__dirname, '..')
const out = process.argv[2]
const tree = JSON.parse(
  execFileSync('npm', ['ls', '--omit=dev', '--all', '--json', '--long'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'ignore']
  })
)
const seen = new Map()
;(function walk(deps) {
  for (const [name, dep] of Object.entries(deps || {})) {
    if (dep.path && !seen.has(`${name}@${dep.version}`))
      seen.set(`${name}@${dep.version}`, {name, version: dep.version, dir: dep.path})
    walk(dep.dependencies)
  }
})(tree.dependencies)
const parts = [...seen.values()]
  .sort((a, b) => a.name.localeCompare(b.name))
  .map(({name, version, dir}) => {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
    const file = fs.readdirSync(dir).find(f => /^(licen[cs]e|copying)(\.|$)/i.test(f))
    const text = file ? fs.readFileSync(path.join(dir, file), 'utf8').trim() : '(no license file in the package)'
    return `${name}@${version}\n${typeof pkg.license === 'string' ? pkg.license : JSON.stringify(pkg.license ?? 'UNKNOWN')}\n${text}`
  })
fs.writeFileSync(out, `${parts.join('\n\n')}\n`)
