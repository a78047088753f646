/**
 * A hostile registry: a proxy on loopback in front of a real registry, misbehaving the way a test
 * chooses (off-host upload Locations, swapped manifests, endless and dripping bodies, silence,
 * looping tag pages, oversized blobs, 503 forever with Retry-After, bad auth challenges). Beside
 * it, "elsewhere": another origin that forwards to the same registry and records every
 * Authorization header it receives: credentials must never arrive there.
 * Over http, or https with a throwaway CA (`tls`).
 */
import * as http from 'http'
import * as https from 'https'
import type {Tls} from './pki'
import {listenOnLoopback} from './ports'

export type Misbehaviour =
  /** upload sessions (POST …/blobs/uploads/) are placed on "elsewhere" (or at an http URL: `downgrade`) */
  | {readonly kind: 'off-host-location'; readonly downgrade?: boolean}
  /** GET of a manifest by `digest` is answered with the manifest `with` */
  | {readonly kind: 'swap-manifest'; readonly digest: string; readonly with: string}
  /** every manifest GET: 200, then bytes without end */
  | {readonly kind: 'endless-manifest'}
  /** every manifest GET: 200, then a byte a second */
  | {readonly kind: 'drip-manifest'}
  /** every request: never answered */
  | {readonly kind: 'silent'}
  /** tag lists: a Link to the same page, forever */
  | {readonly kind: 'looping-tags'}
  /** blob GETs: the real bytes, then `extra` more */
  | {readonly kind: 'oversized-blob'; readonly extra: number}
  /** every request: 503 with this Retry-After */
  | {readonly kind: 'unavailable'; readonly retryAfter?: string}
  /** 401 with a Bearer challenge whose realm is not a URL */
  | {readonly kind: 'bad-realm'}
  /** 401 with a Bearer challenge whose token service answers 200 with HTML */
  | {readonly kind: 'token-not-json'}
  /** the summary-breaking error: every manifest PUT refused with HTML in the message */
  | {readonly kind: 'html-error'}

export interface Seen {
  readonly where: 'registry' | 'elsewhere'
  readonly method: string
  readonly url: string
  readonly authorization: string | undefined
}

export interface HostileRegistry {
  /** host:port of the hostile registry */
  readonly host: string
  /** host:port of the other origin */
  readonly elsewhere: string
  readonly seen: Seen[]
  misbehave(m: Misbehaviour | undefined): void
  /** requests to "elsewhere" that carried an Authorization header */
  credentialsElsewhere(): Seen[]
  stop(): Promise<void>
}

export async function startHostileRegistry(upstream: string, tls?: Tls): Promise<HostileRegistry> {
  let behaviour: Misbehaviour | undefined
  const seen: Seen[] = []
  const open = new Set<http.ServerResponse>()
  const timers = new Set<NodeJS.Timeout>()
  const scheme = tls === undefined ? 'http' : 'https'
  /** elsewhere: the other origin in the registry's scheme; plain: the same over http */
  const hosts = {registry: '', elsewhere: '', plain: ''}

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, path = req.url ?? '/') => {
    const headers = {...req.headers, host: upstream}
    const up = http.request(`http://${upstream}${path}`, {method: req.method, headers}, r => {
      const out = {...r.headers}
      const extra = behaviour?.kind === 'oversized-blob' && req.method === 'GET' && /\/blobs\/sha256:/.test(path)
      if (extra) delete out['content-length']
      const location = r.headers.location
      if (location !== undefined && /\/blobs\/uploads\//.test(location)) {
        const off = behaviour?.kind === 'off-host-location' && req.method === 'POST'
        const target = off
          ? behaviour?.kind === 'off-host-location' && behaviour.downgrade === true
            ? `http://${hosts.plain}`
            : `${scheme}://${hosts.elsewhere}`
          : ''
        out.location = `${target}${new URL(location, `http://${upstream}`).pathname}${new URL(location, `http://${upstream}`).search}`
      }
      res.writeHead(r.statusCode ?? 502, out)
      if (!extra) return void r.pipe(res)
      r.pipe(res, {end: false})
      r.on('end', () => {
        const n = behaviour?.kind === 'oversized-blob' ? behaviour.extra : 0
        let left = n
        const more = () => {
          while (left > 0) {
            const chunk = Buffer.alloc(Math.min(left, 64 * 1024), 0x41)
            left -= chunk.length
            if (!res.write(chunk)) return void res.once('drain', more)
          }
          res.end()
        }
        more()
      })
    })
    up.on('error', () => res.destroy())
    req.pipe(up)
  }

  const challenge = (res: http.ServerResponse, realm: string) => {
    res.writeHead(401, {
      'content-type': 'application/json',
      'www-authenticate': `Bearer realm="${realm}",service="hostile",scope="repository:x:pull"`
    })
    res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}')
  }

  const handle = (where: Seen['where']) => (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = req.url ?? '/'
    seen.push({where, method: req.method ?? '', url, authorization: req.headers.authorization})
    open.add(res)
    res.on('close', () => open.delete(res))
    if (where === 'elsewhere') return forward(req, res)
    const b = behaviour
    const manifestGet = req.method === 'GET' && /\/manifests\//.test(url)
    if (b?.kind === 'silent') return
    if (b?.kind === 'unavailable') {
      req.resume()
      res.writeHead(503, {'content-type': 'application/json', ...(b.retryAfter ? {'retry-after': b.retryAfter} : {})})
      return void res.end('{"errors":[{"code":"UNAVAILABLE","message":"down for maintenance"}]}')
    }
    if (b?.kind === 'bad-realm' && url !== '/token') return challenge(res, 'not a url at all')
    if (b?.kind === 'token-not-json') {
      if (url.startsWith('/token')) {
        res.writeHead(200, {'content-type': 'text/html'})
        return void res.end('<html><body>Sign in to continue</body></html>')
      }
      if (req.headers.authorization === undefined || !req.headers.authorization.startsWith('Bearer '))
        return challenge(res, `${scheme}://${hosts.registry}/token`)
    }
    if (b?.kind === 'endless-manifest' && manifestGet) {
      res.writeHead(200, {'content-type': 'application/vnd.oci.image.manifest.v1+json'})
      const chunk = Buffer.alloc(64 * 1024, 0x20)
      const more = () => {
        while (res.write(chunk));
        res.once('drain', more)
      }
      res.write('{"schemaVersion":2,"padding":"')
      return more()
    }
    if (b?.kind === 'drip-manifest' && manifestGet) {
      res.writeHead(200, {'content-type': 'application/vnd.oci.image.manifest.v1+json'})
      const t = setInterval(() => res.write(' '), 1000)
      timers.add(t)
      res.on('close', () => clearInterval(t))
      return void res.write('{')
    }
    if (b?.kind === 'looping-tags' && req.method === 'GET' && /\/tags\/list/.test(url)) {
      res.writeHead(200, {'content-type': 'application/json', link: `<${url.split('?')[0]}?n=1000&last=a>; rel="next"`})
      return void res.end('{"name":"x","tags":["a"]}')
    }
    if (b?.kind === 'swap-manifest' && manifestGet && url.endsWith(`/manifests/${b.digest}`)) {
      return forward(req, res, url.replace(b.digest, b.with))
    }
    if (b?.kind === 'html-error' && req.method === 'PUT' && /\/manifests\//.test(url)) {
      req.resume()
      res.writeHead(400, {'content-type': 'application/json'})
      return void res.end(
        JSON.stringify({
          errors: [
            {
              code: 'DENIED',
              message:
                '</td></tr></table>\n\n## Injected <a href="https://evil.example">link</a> <img src="https://evil.example/x.png">'
            }
          ]
        })
      )
    }
    forward(req, res)
  }

  const make = (where: Seen['where']) =>
    tls === undefined
      ? http.createServer(handle(where))
      : https.createServer({key: tls.key, cert: tls.cert}, handle(where))
  const server = make('registry')
  // "elsewhere" speaks http when the test asks for a downgrade: it is the http origin then
  const other = http.createServer(handle('elsewhere'))
  const otherTls =
    tls === undefined ? undefined : https.createServer({key: tls.key, cert: tls.cert}, handle('elsewhere'))
  hosts.registry = `127.0.0.1:${await listenOnLoopback(server)}`
  hosts.plain = `127.0.0.1:${await listenOnLoopback(other)}`
  hosts.elsewhere = otherTls === undefined ? hosts.plain : `127.0.0.1:${await listenOnLoopback(otherTls)}`
  return {
    host: hosts.registry,
    elsewhere: hosts.elsewhere,
    seen,
    misbehave: m => void (behaviour = m),
    credentialsElsewhere: () => seen.filter(s => s.where === 'elsewhere' && s.authorization !== undefined),
    stop: async () => {
      for (const t of timers) clearInterval(t)
      for (const res of open) res.destroy()
      const servers = [server, other, ...(otherTls === undefined ? [] : [otherTls])]
      await Promise.all(
        servers.map(
          s =>
            new Promise<void>(r => {
              s.closeAllConnections()
              s.close(() => r())
            })
        )
      )
    }
  }
}
