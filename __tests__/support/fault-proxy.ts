/**
 * A reverse proxy on loopback in front of a registry that fails a chosen
 * share of requests: 500, 502, 503, 429 with Retry-After, a reset
 * connection, or a slow answer. Seeded, so a failing run can be replayed.
 * `down()` makes every request fail from then on.
 */
import * as http from 'http'
import {listenOnLoopback} from './ports'

export type Fault = '500' | '502' | '503' | '429' | 'reset' | 'slow'
const ALL: readonly Fault[] = ['500', '502', '503', '429', 'reset', 'slow']

export interface FaultProxy {
  readonly host: string
  readonly injected: Record<Fault, number>
  passed: number
  /** every request fails (503 or reset) from now on */
  down(): void
  /** every request after the next `n` fails (a registry that dies mid-run) */
  downAfter(n: number): void
  stop(): Promise<void>
}

/** mulberry32: a small seeded PRNG */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export async function startFaultProxy(
  upstream: string,
  rate: number,
  seed = 42,
  faults: readonly Fault[] = ALL
): Promise<FaultProxy> {
  const random = prng(seed)
  const injected = Object.fromEntries(ALL.map(f => [f, 0])) as Record<Fault, number>
  let isDown = false
  let downAt = Infinity
  const [upHost, upPort] = upstream.split(':')
  const proxy: FaultProxy = {
    host: '',
    injected,
    passed: 0,
    down: () => void (isDown = true),
    downAfter: (n: number) => void (downAt = proxy.passed + n),
    stop: () => Promise.resolve()
  }

  const forward = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const up = http.request(
      {host: upHost, port: Number(upPort), method: req.method, path: req.url, headers: req.headers},
      r => {
        res.writeHead(r.statusCode ?? 502, r.headers)
        r.pipe(res)
      }
    )
    up.on('error', () => res.destroy())
    req.pipe(up)
  }

  const server = http.createServer((req, res) => {
    if (proxy.passed >= downAt) isDown = true
    const fault: Fault | undefined = isDown
      ? random() < 0.5
        ? '503'
        : 'reset'
      : random() < rate
        ? faults[Math.floor(random() * faults.length)]
        : undefined
    if (fault === undefined) {
      proxy.passed++
      forward(req, res)
      return
    }
    injected[fault]++
    if (fault === 'reset') {
      req.socket.destroy()
      return
    }
    if (fault === 'slow') {
      setTimeout(() => forward(req, res), 1500)
      return
    }
    req.resume()
    req.on('end', () => {
      res.writeHead(Number(fault), {
        'content-type': 'application/json',
        ...(fault === '429' ? {'retry-after': '1'} : {})
      })
      res.end(
        JSON.stringify({
          errors: [{code: fault === '429' ? 'TOOMANYREQUESTS' : 'UNAVAILABLE', message: `injected ${fault}`}]
        })
      )
    })
  })
  const port = await listenOnLoopback(server)
  return Object.assign(proxy, {
    host: `127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>(r => {
        server.closeAllConnections()
        server.close(() => r())
      })
  })
}
