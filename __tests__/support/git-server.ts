/**
 * A Git server on loopback speaking Git's smart HTTP protocol: `git http-backend` (Git's own CGI
 * program) behind a Node HTTP server, with GitHub's token auth (Basic, user `x-access-token`,
 * the token as password) for private repositories. It records who asked for what.
 */
import {execFile, spawn} from 'child_process'
import * as fs from 'fs'
import * as http from 'http'
import type {AddressInfo} from 'net'
import * as os from 'os'
import * as path from 'path'
import {promisify} from 'util'

const exec = promisify(execFile)

export interface GitRequest {
  readonly method: string
  readonly path: string
  /** the user and password of a Basic Authorization header, if any */
  readonly user?: string
  readonly password?: string
  readonly status: number
}

export interface GitServer {
  /** http://127.0.0.1:port, as GITHUB_SERVER_URL */
  readonly url: string
  /** host:port */
  readonly host: string
  readonly requests: GitRequest[]
  /** Creates owner/name.git with one commit per entry (files, then the refs pointing at it). */
  repository(
    name: string,
    commits: ReadonlyArray<{files: Record<string, string>; branch?: string; tag?: string}>
  ): Promise<void>
  stop(): Promise<void>
}

function basic(header: string | undefined): {user?: string; password?: string} {
  const m = /^basic\s+(\S+)$/i.exec(header ?? '')
  if (m === null) return {}
  const text = Buffer.from(m[1] ?? '', 'base64').toString('utf8')
  const colon = text.indexOf(':')
  return colon < 0 ? {user: text} : {user: text.slice(0, colon), password: text.slice(colon + 1)}
}

/** `token`: every request needs it (a private repository); none: anyone may read. */
export async function startGitServer(opts: {token?: string} = {}): Promise<GitServer> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-git-'))
  const requests: GitRequest[] = []
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const auth = basic(req.headers.authorization)
    const record = (status: number): void => {
      requests.push({method: req.method ?? '', path: url.pathname + url.search, ...auth, status})
    }
    if (opts.token !== undefined && (auth.user !== 'x-access-token' || auth.password !== opts.token)) {
      record(auth.user === undefined ? 401 : 403)
      res.writeHead(auth.user === undefined ? 401 : 403, {'WWW-Authenticate': 'Basic realm="git"'})
      res.end()
      return
    }
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_USER: auth.user ?? '',
        REMOTE_ADDR: '127.0.0.1'
      }
    })
    req.pipe(cgi.stdin)
    let head = Buffer.alloc(0)
    let started = false
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (started) {
        res.write(chunk)
        return
      }
      head = Buffer.concat([head, chunk])
      const end = head.indexOf('\r\n\r\n')
      if (end < 0) return
      started = true
      let status = 200
      for (const line of head.subarray(0, end).toString('utf8').split('\r\n')) {
        const colon = line.indexOf(':')
        const name = line.slice(0, colon).trim()
        const value = line.slice(colon + 1).trim()
        if (name.toLowerCase() === 'status') status = parseInt(value, 10)
        else res.setHeader(name, value)
      }
      record(status)
      res.writeHead(status)
      res.write(head.subarray(end + 4))
    })
    cgi.stdout.on('end', () => res.end())
    cgi.on('error', () => res.destroy())
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  const git = (cwd: string, args: string[]) =>
    exec('git', ['-c', 'user.name=Release Bot', '-c', 'user.email=bot@example.com', ...args], {cwd})
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    async repository(name, commits) {
      const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-git-work-'))
      try {
        await git(work, ['init', '-q', '-b', 'main'])
        for (const c of commits) {
          for (const [file, text] of Object.entries(c.files)) {
            fs.mkdirSync(path.dirname(path.join(work, file)), {recursive: true})
            fs.writeFileSync(path.join(work, file), text)
          }
          await git(work, ['add', '-A'])
          await git(work, ['commit', '-q', '-m', `commit ${commits.indexOf(c) + 1}`])
          if (c.branch !== undefined) await git(work, ['branch', '-f', c.branch])
          if (c.tag !== undefined) await git(work, ['tag', c.tag])
        }
        const bare = path.join(root, `${name}.git`)
        fs.mkdirSync(path.dirname(bare), {recursive: true})
        await git(work, ['clone', '-q', '--bare', work, bare])
      } finally {
        fs.rmSync(work, {recursive: true, force: true})
      }
    },
    async stop() {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
      fs.rmSync(root, {recursive: true, force: true})
    }
  }
}
