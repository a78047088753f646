import * as http from 'http'
import type {AddressInfo} from 'net'
import * as zlib from 'zlib'
import {httpFetch} from '../../src/registry/http-fetch'

/** A server on 127.0.0.1 whose answers the test writes. */
let server: http.Server
let base: string
let handler: (req: http.IncomingMessage, res: http.ServerResponse) => void = () => undefined

beforeAll(async () => {
  server = http.createServer((req, res) => handler(req, res))
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise(resolve => server.close(resolve))
})

async function bodyOf(req: http.IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const c of req) parts.push(c as Buffer)
  return Buffer.concat(parts)
}

describe('httpFetch: fetch on node:http, as the registry transport uses it', () => {
  test('status, headers and a streamed body, as fetch gives them', async () => {
    const data = Buffer.alloc(3 << 20, 7)
    handler = (req, res) => {
      res.writeHead(200, {'docker-content-digest': 'sha256:abc', 'content-length': String(data.length)})
      res.end(req.method === 'HEAD' ? undefined : data)
    }
    const res = await httpFetch(`${base}/v2/x/blobs/sha256:abc`)
    expect([res.status, res.headers.get('docker-content-digest')]).toEqual([200, 'sha256:abc'])
    expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true)
    const head = await httpFetch(`${base}/v2/x/blobs/sha256:abc`, {method: 'HEAD'})
    expect([head.status, head.body, head.headers.get('content-length')]).toEqual([200, null, String(data.length)])
  })

  test('a redirect is answered, not followed', async () => {
    handler = (_req, res) => {
      res.writeHead(307, {location: 'http://127.0.0.2:9/elsewhere'})
      res.end()
    }
    const res = await httpFetch(`${base}/v2/x/blobs/sha256:abc`)
    expect([res.status, res.headers.get('location')]).toEqual([307, 'http://127.0.0.2:9/elsewhere'])
  })

  test('a streamed request body arrives whole; a Buffer body carries its length', async () => {
    const got: Array<{method: string; length: string | undefined; body: Buffer}> = []
    handler = (req, res) => {
      void bodyOf(req).then(body => {
        got.push({method: req.method ?? '', length: req.headers['content-length'], body})
        res.writeHead(201)
        res.end()
      })
    }
    const pieces = [Buffer.alloc(1 << 20, 1), Buffer.alloc(1 << 20, 2), Buffer.from('end')]
    let i = 0
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        const next = pieces[i++]
        if (next === undefined) c.close()
        else c.enqueue(next)
      }
    })
    const size = String(pieces.reduce((n, p) => n + p.length, 0))
    const put = await httpFetch(`${base}/upload`, {method: 'PUT', headers: {'content-length': size}, body})
    const post = await httpFetch(`${base}/token`, {method: 'POST', body: Buffer.from('grant_type=refresh_token')})
    expect([put.status, post.status]).toEqual([201, 201])
    expect(got.map(g => [g.method, g.length])).toEqual([
      ['PUT', size],
      ['POST', '24']
    ])
    expect(got[0]?.body.equals(Buffer.concat(pieces))).toBe(true)
  })

  test('an answer compressed although no Accept-Encoding was sent is decompressed', async () => {
    let asked: string | undefined
    handler = (req, res) => {
      asked = req.headers['accept-encoding']
      res.writeHead(200, {'content-encoding': 'gzip', 'content-type': 'application/json'})
      res.end(zlib.gzipSync(JSON.stringify({token: 't'})))
    }
    const res = await httpFetch(`${base}/token`)
    expect([asked, await res.json()]).toEqual([undefined, {token: 't'}])
  })

  test("an abort mid-body ends the body with the signal's reason", async () => {
    handler = (_req, res) => {
      res.writeHead(200, {'content-length': '1000000'})
      res.write(Buffer.alloc(1000))
    }
    const ac = new AbortController()
    const res = await httpFetch(`${base}/drip`, {signal: ac.signal})
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    await reader.read()
    const why = new Error('no bytes for 30 s')
    ac.abort(why)
    await expect(reader.read()).rejects.toBe(why)
  })

  test('a refused connection fails as fetch does: a TypeError whose cause has the code', async () => {
    const err = (await httpFetch('http://127.0.0.1:9/v2/').catch((e: unknown) => e)) as TypeError & {
      cause?: {code?: string}
    }
    expect([err instanceof TypeError, err.message, err.cause?.code]).toEqual([true, 'fetch failed', 'ECONNREFUSED'])
  })

  test("a request body that fails on our side is the failure's cause", async () => {
    handler = req => {
      req.resume()
    }
    const ours = new Error('the source sent more than the blob holds')
    let sent = false
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent) c.error(ours)
        else c.enqueue(Buffer.alloc(1024))
        sent = true
      }
    })
    const err = (await httpFetch(`${base}/upload`, {method: 'PUT', body}).catch((e: unknown) => e)) as Error & {
      cause?: unknown
    }
    expect([err.message, err.cause]).toEqual(['fetch failed', ours])
  })
})
