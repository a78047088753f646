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
import {freePort} from './ports'

export interface TokenRequest {
  readonly account: string | undefined
  readonly service: string | null
  readonly scopes: string[]
}

export interface TokenServer {
  readonly realm: string
  readonly service: string
  readonly issuer: string
  readonly rootCertBundle: string
  readonly requests: TokenRequest[]
  stop(): Promise<void>
}

export async function startTokenServer(users: Record<string, string>, ttlSeconds = 300): Promise<TokenServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-token-'))
  const signer = makeSigner(dir, 'stevedore-test-token-issuer')
  const service = 'stevedore-test-registry'
  const issuer = 'stevedore-test-issuer'
  const requests: TokenRequest[] = []

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const auth = req.headers.authorization ?? ''
    let account: string | undefined
    if (auth.startsWith('Basic ')) {
      const [user, ...rest] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':')
      if (user === undefined || users[user] !== rest.join(':')) {
        res.writeHead(401, {'content-type': 'application/json'})
        res.end(JSON.stringify({errors: [{code: 'UNAUTHORIZED', message: 'invalid username or password'}]}))
        return
      }
      account = user
    }
    const scopes = url.searchParams.getAll('scope')
    requests.push({account, service: url.searchParams.get('service'), scopes})
    const access =
      account === undefined
        ? []
        : scopes.flatMap(scope => {
            const [type, name, actions] = scope.split(':')
            return type === 'repository' && name && actions ? [{type, name, actions: actions.split(',')}] : []
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
  const port = await freePort()
  await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve))
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
