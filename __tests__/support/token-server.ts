/**
 * A registry token service (the Docker token auth spec): checks Basic
 * credentials and issues RS256 JWTs that docker-registry's `auth: token`
 * verifies against a throwaway self-signed certificate.
 */
import {randomUUID} from 'crypto'
import * as fs from 'fs'
import * as http from 'http'
import * as os from 'os'
import * as path from 'path'
import {makeSigner} from './pki'
import {listenOnLoopback} from './ports'

export interface TokenRequest {
  readonly account: string | undefined
  readonly service: string | null
  readonly scopes: string[]
}

/** A user of the token service and what it may do, per repository, as a registry's ACL says. */
export interface TokenUser {
  readonly password: string
  /** repository name, or a prefix ending in `*` (`acme/*`, `*`), → the actions granted there */
  readonly access: Record<string, ReadonlyArray<'pull' | 'push'>>
}

/** A user who may pull and push everywhere. */
export const fullAccess = (password: string): TokenUser => ({password, access: {'*': ['pull', 'push']}})

/** The actions `user` holds on `repository`: the most specific matching entry wins. */
function granted(user: TokenUser, repository: string): ReadonlyArray<string> {
  const matches = Object.keys(user.access)
    .filter(k => k === repository || (k.endsWith('*') && repository.startsWith(k.slice(0, -1))))
    .sort((a, b) => b.length - a.length)
  return matches[0] === undefined ? [] : (user.access[matches[0]] ?? [])
}

export interface TokenServer {
  readonly realm: string
  readonly service: string
  readonly issuer: string
  readonly rootCertBundle: string
  readonly requests: TokenRequest[]
  stop(): Promise<void>
}

export async function startTokenServer(users: Record<string, TokenUser>, ttlSeconds = 300): Promise<TokenServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-token-'))
  const signer = makeSigner(dir, 'stevedore-test-token-issuer')
  const service = 'stevedore-test-registry'
  const issuer = 'stevedore-test-issuer'
  const requests: TokenRequest[] = []

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const auth = req.headers.authorization ?? ''
    let account: string | undefined
    if (url.searchParams.get('service') !== service) {
      res.writeHead(400, {'content-type': 'application/json'})
      res.end(
        JSON.stringify({errors: [{code: 'DENIED', message: `unknown service ${url.searchParams.get('service')}`}]})
      )
      return
    }
    if (auth.startsWith('Basic ')) {
      const [user, ...rest] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':')
      if (user === undefined || users[user]?.password !== rest.join(':')) {
        res.writeHead(401, {'content-type': 'application/json'})
        res.end(JSON.stringify({errors: [{code: 'UNAUTHORIZED', message: 'invalid username or password'}]}))
        return
      }
      account = user
    }
    const scopes = url.searchParams.getAll('scope')
    requests.push({account, service: url.searchParams.get('service'), scopes})
    // each scope is granted the intersection of what was asked and what the ACL allows (none anonymously)
    const user = account === undefined ? undefined : users[account]
    const access = scopes.flatMap(scope => {
      const [type, name, actions] = scope.split(':')
      if (user === undefined || type !== 'repository' || !name || !actions) return []
      const allowed = granted(user, name)
      const given = actions.split(',').filter(a => allowed.includes(a))
      return given.length > 0 ? [{type, name, actions: given}] : []
    })
    const now = Math.floor(Date.now() / 1000)
    const token = signer.sign({
      iss: issuer,
      sub: account ?? '',
      aud: service,
      exp: now + ttlSeconds,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access
    })
    res.writeHead(200, {'content-type': 'application/json'})
    res.end(JSON.stringify({token, access_token: token, expires_in: ttlSeconds, issued_at: new Date().toISOString()}))
  })
  const port = await listenOnLoopback(server)
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    rootCertBundle: signer.certFile,
    requests,
    stop: async () => {
      await new Promise(r => server.close(r))
      fs.rmSync(dir, {recursive: true, force: true})
    }
  }
}
