/** A real registry (Debian's docker-registry, distribution 2.8) on 127.0.0.1 for one test suite. */
import {ChildProcess, execFileSync, spawn} from 'child_process'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import {freePort, waitFor} from './ports'

export interface RegistryOptions {
  /** htpasswd users; none = no auth */
  readonly users?: Record<string, string>
  /** token auth: the realm, service, issuer and the PEM bundle that signs tokens */
  readonly token?: {realm: string; service: string; issuer: string; rootCertBundle: string}
}

export interface TestRegistry {
  readonly host: string
  readonly dir: string
  /** the registry's request log (one JSON line per request at info level) */
  log(): string
  stop(): Promise<void>
}

function authSection(dir: string, opts: RegistryOptions): string {
  if (opts.token !== undefined) {
    const t = opts.token
    return `auth:\n  token:\n    realm: ${t.realm}\n    service: ${t.service}\n    issuer: ${t.issuer}\n    rootcertbundle: ${t.rootCertBundle}\n`
  }
  if (opts.users === undefined) return ''
  const file = path.join(dir, 'htpasswd')
  const lines = Object.entries(opts.users).map(([user, password]) =>
    execFileSync('htpasswd', ['-Bbn', user, password], {encoding: 'utf8'}).trim()
  )
  fs.writeFileSync(file, `${lines.join('\n')}\n`)
  return `auth:\n  htpasswd:\n    realm: stevedore-test\n    path: ${file}\n`
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<TestRegistry> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-registry-'))
  const port = await freePort()
  const host = `127.0.0.1:${port}`
  const config = path.join(dir, 'config.yml')
  fs.writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: info\n  formatter: json\n  accesslog:\n    disabled: false\n` +
      `storage:\n  filesystem:\n    rootdirectory: ${dir}/data\n  delete:\n    enabled: true\n` +
      `http:\n  addr: ${host}\n  secret: stevedore-test-secret\n  relativeurls: true\n` +
      authSection(dir, opts)
  )
  const logFile = path.join(dir, 'registry.log')
  const out = fs.openSync(logFile, 'a')
  const child: ChildProcess = spawn('docker-registry', ['serve', config], {stdio: ['ignore', out, out]})
  fs.closeSync(out)
  await waitFor(`registry on ${host}`, async () => {
    if (child.exitCode !== null) throw new Error(`registry exited: ${fs.readFileSync(logFile, 'utf8')}`)
    const res = await fetch(`http://${host}/v2/`)
    await res.arrayBuffer()
    return res.status === 200 || res.status === 401
  })
  return {
    host,
    dir,
    log: () => fs.readFileSync(logFile, 'utf8'),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise(r => child.once('exit', r))
        child.kill('SIGTERM')
        await exited
      }
      fs.rmSync(dir, {recursive: true, force: true})
    }
  }
}
