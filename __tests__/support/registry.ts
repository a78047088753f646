/** A real registry (Debian's docker-registry, distribution 2.8) on 127.0.0.1 for one test suite. */
import {ChildProcess, execFileSync, spawn} from 'child_process'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import {waitFor} from './ports'

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
  /** every request the registry answered, from its log (a request's line appears just after its answer) */
  requests(): RegistryRequest[]
  /** every request answered before this call, once the log has them all */
  settledRequests(): Promise<RegistryRequest[]>
  /** marks the log now; the function returns every request answered after the mark (settled) */
  since(): Promise<() => Promise<RegistryRequest[]>>
  /** completed blob uploads of one digest (the final PUT, 201) */
  uploadsOf(digest: string): Promise<number>
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

/** Stops a child process and waits for it to exit. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise(r => child.once('exit', r))
  child.kill('SIGTERM')
  await exited
}

/**
 * Starts a registry on a port the kernel picks (addr 127.0.0.1:0; the registry logs the port it
 * bound), so no other process can take the port between choosing and binding it. Nothing is left
 * running when start-up fails.
 */
export async function startRegistry(opts: RegistryOptions = {}): Promise<TestRegistry> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-registry-'))
  const config = path.join(dir, 'config.yml')
  fs.writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: info\n  formatter: json\n  accesslog:\n    disabled: false\n` +
      `storage:\n  filesystem:\n    rootdirectory: ${dir}/data\n  delete:\n    enabled: true\n` +
      `http:\n  addr: 127.0.0.1:0\n  secret: stevedore-test-secret\n  relativeurls: true\n` +
      authSection(dir, opts)
  )
  const logFile = path.join(dir, 'registry.log')
  const out = fs.openSync(logFile, 'a')
  const child: ChildProcess = spawn('docker-registry', ['serve', config], {stdio: ['ignore', out, out]})
  fs.closeSync(out)
  const readLog = () => fs.readFileSync(logFile, 'utf8')
  let host = ''
  try {
    await waitFor('the registry to listen', async () => {
      if (child.exitCode !== null) throw new Error(`registry exited: ${readLog()}`)
      const m = /"msg":"listening on (127\.0\.0\.1:\d+)"/.exec(readLog())
      if (m?.[1] === undefined) return false
      const res = await fetch(`http://${m[1]}/v2/`)
      await res.arrayBuffer()
      host = m[1]
      return res.status === 200 || res.status === 401
    })
  } catch (err) {
    await stopChild(child)
    fs.rmSync(dir, {recursive: true, force: true})
    throw err
  }
  let sentinels = 0
  const requests = () => parseRequests(readLog()).filter(r => !r.uri.startsWith('/v2/stevedore-settle-'))
  const settledRequests = async (): Promise<RegistryRequest[]> => {
    // the registry logs a request after answering it: a request of our own, logged, comes after
    // every request answered before it was sent
    const uri = `/v2/stevedore-settle-${process.pid}-${++sentinels}/tags/list`
    const res = await fetch(`http://${host}${uri}`)
    await res.arrayBuffer()
    await waitFor(
      'the registry log to catch up',
      () => Promise.resolve(readLog().includes(`"http.request.uri":"${uri}"`)),
      5000
    )
    return requests()
  }
  return {
    host,
    dir,
    log: readLog,
    requests,
    settledRequests,
    since: async () => {
      const mark = (await settledRequests()).length
      return async () => (await settledRequests()).slice(mark)
    },
    uploadsOf: async (digest: string) =>
      (await settledRequests()).filter(
        r =>
          r.method === 'PUT' &&
          r.status === 201 &&
          /\/blobs\/uploads\//.test(r.uri) &&
          decodeURIComponent(r.uri).includes(`digest=${digest}`)
      ).length,
    stop: async () => {
      await stopChild(child)
      fs.rmSync(dir, {recursive: true, force: true})
    }
  }
}

/** Starts several registries; when one fails, the ones already started are stopped. */
export async function startRegistries<T extends RegistryOptions[]>(
  all: [...T]
): Promise<{[K in keyof T]: TestRegistry}> {
  const started: TestRegistry[] = []
  try {
    for (const opts of all) started.push(await startRegistry(opts))
    return started as {[K in keyof T]: TestRegistry}
  } catch (err) {
    await Promise.all(started.map(r => r.stop()))
    throw err
  }
}
