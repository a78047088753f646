/** The runner's OIDC token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN), as core.getIDToken calls it. */
import {randomBytes} from 'crypto'
import * as http from 'http'
import {listenOnLoopback} from './ports'

export interface OidcServer {
  readonly env: Record<string, string>
  /** the audiences tokens were asked for, in order */
  readonly audiences: string[]
  /** the token handed out for an audience */
  tokenFor(audience: string): string
  stop(): Promise<void>
}

export async function startOidcServer(subject = 'repo:acme/orders:ref:refs/tags/v1.0.0'): Promise<OidcServer> {
  const requestToken = randomBytes(12).toString('hex')
  const audiences: string[] = []
  const tokenFor = (aud: string): string =>
    `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify({iss: 'https://token.actions.githubusercontent.com', sub: subject, aud})).toString('base64url')}.`
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (req.headers.authorization !== `Bearer ${requestToken}`) {
      res.writeHead(401)
      res.end('bad runner token')
      return
    }
    const aud = url.searchParams.get('audience') ?? ''
    audiences.push(aud)
    res.writeHead(200, {'content-type': 'application/json'})
    res.end(JSON.stringify({value: tokenFor(aud)}))
  })
  const port = await listenOnLoopback(server)
  return {
    env: {
      ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/token?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken
    },
    audiences,
    tokenFor,
    stop: () => new Promise(r => server.close(() => r()))
  }
}
