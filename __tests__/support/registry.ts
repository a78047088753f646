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

export interface RegistryRequest {
  readonly method: string
  readonly uri: string
  readonly status: number
  readonly userAgent: string
}

export interface TestRegistry {
  readonly host: string
  readonly dir: string
  /** the registry's log */
  log(): string
  /** every request the registry answered, from its log */
  requests(): RegistryRequest[]
  /** completed blob uploads of one digest (the final PUT, 201) */
  uploadsOf(digest: string): number
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

function parseRequests(log: string): RegistryRequest[] {
  return log.split('\n').flatMap(line => {
    if (!line.startsWith('{') || !line.includes('"response completed"')) return []
    const j = JSON.parse(line) as Record<string, unknown>
    return [
      {
        method: String(j['http.request.method']),
        uri: String(j['http.request.uri']),
        status: Number(j['http.response.status']),
        userAgent: typeof j['http.request.useragent'] === 'string' ? j['http.request.useragent'] : ''
      }
    ]
  })
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
    requests: () => parseRequests(fs.readFileSync(logFile, 'utf8')),
    uploadsOf: (digest: string) =>
      parseRequests(fs.readFileSync(logFile, 'utf8')).filter(
        r =>
          r.method === 'PUT' &&
          r.status === 201 &&
          /\/blobs\/uploads\//.test(r.uri) &&
          decodeURIComponent(r.uri).includes(`digest=${digest}`)
      ).length,
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
