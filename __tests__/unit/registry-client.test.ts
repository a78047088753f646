/**
 * The registry client against a real HTTP server on loopback that misbehaves
 * on purpose: retries, Retry-After, resets, expired tokens, redirects,
 * registry error bodies. Sleep is injected, so nothing waits.
 */
import * as http from 'http'
import type {AddressInfo} from 'net'
import {Readable} from 'stream'
import {RegistryClient, RegistryError, webStream} from '../../src/registry/client'
import {DEFAULT_RETRY, RetryPolicy, isRetryableStatus, retryDelay} from '../../src/registry/retry'

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void

async function serve(
  handler: Handler
): Promise<{host: string; close: () => Promise<void>; seen: http.IncomingMessage[]}> {
  const seen: http.IncomingMessage[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', c => chunks.push(c as Buffer))
    req.on('end', () => {
      seen.push(req)
      handler(req, res, Buffer.concat(chunks))
    })
  })
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r))
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    host,
    seen,
    close: () =>
      new Promise(r => {
        server.closeAllConnections()
        server.close(() => r())
      })
  }
}

function policy(): RetryPolicy & {sleeps: number[]} {
  const sleeps: number[] = []
  return {...DEFAULT_RETRY, sleeps, random: () => 0.5, sleep: ms => Promise.resolve(void sleeps.push(ms))}
}

const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, {'content-type': 'application/json', ...headers})
  res.end(JSON.stringify(body))
}

describe('RegistryClient under faults', () => {
  test('5xx answers are retried with backoff, then the request succeeds', async () => {
    let n = 0
    const s = await serve((req, res) =>
      ++n <= 2 ? json(res, n === 1 ? 503 : 502, {}) : json(res, 200, {name: 'x', tags: ['a']})
    )
    const p = policy()
    const client = new RegistryClient(s.host, undefined, fetch, p)
    expect(await client.listTags('x')).toEqual(['a'])
    expect(p.sleeps).toEqual([125, 250])
    await s.close()
  })

  test('429 waits as long as Retry-After says', async () => {
    let n = 0
    const s = await serve((req, res) =>
      ++n === 1
        ? json(res, 429, {errors: [{code: 'TOOMANYREQUESTS', message: 'slow down'}]}, {'retry-after': '3'})
        : json(res, 200, {tags: []})
    )
    const p = policy()
    await new RegistryClient(s.host, undefined, fetch, p).listTags('x')
    expect(p.sleeps).toEqual([3000])
    await s.close()
  })

  test('a connection reset is retried', async () => {
    let n = 0
    const s = await serve((req, res) => (++n === 1 ? req.socket.destroy() : json(res, 200, {tags: ['ok']})))
    const p = policy()
    expect(await new RegistryClient(s.host, undefined, fetch, p).listTags('x')).toEqual(['ok'])
    expect(p.sleeps).toHaveLength(1)
    await s.close()
  })

  test("retries stop after the policy's attempts, with the registry's error text", async () => {
    const s = await serve((req, res) => json(res, 503, {errors: [{code: 'UNAVAILABLE', message: 'maintenance'}]}))
    const p = policy()
    await expect(new RegistryClient(s.host, undefined, fetch, p).listTags('x')).rejects.toThrow(
      /HTTP 503 UNAVAILABLE: maintenance/
    )
    expect(p.sleeps).toHaveLength(DEFAULT_RETRY.attempts - 1)
    await s.close()
  })

  test('an expired token is refreshed mid-run', async () => {
    let issued = 0
    let current = ''
    let uses = 0
    const tokenRequests: string[] = []
    const s = await serve((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x')
      if (url.pathname === '/token') {
        tokenRequests.push(url.searchParams.getAll('scope').join(' '))
        current = `tok-${++issued}`
        uses = 0
        return json(res, 200, {token: current})
      }
      // a token is good for two requests, then "expires"
      if (req.headers.authorization !== `Bearer ${current}` || ++uses > 2) {
        return json(
          res,
          401,
          {errors: [{code: 'UNAUTHORIZED', message: 'token expired'}]},
          {
            'www-authenticate': `Bearer realm="http://${req.headers.host}/token",service="test",scope="repository:x:pull"`
          }
        )
      }
      json(res, 200, {tags: ['t']})
    })
    const client = new RegistryClient(s.host, {username: 'u', password: 'p'}, fetch, policy())
    for (let i = 0; i < 5; i++) expect(await client.listTags('x')).toEqual(['t'])
    expect(issued).toBe(3)
    expect(tokenRequests.every(t => t === 'repository:x:pull')).toBe(true)
    await s.close()
  })

  test('a storage redirect is followed without the Authorization header', async () => {
    const storage = await serve((req, res) => {
      res.writeHead(200, {'content-type': 'application/octet-stream'})
      res.end('blob-bytes')
    })
    const registry = await serve((req, res) => {
      const authorized = req.headers.authorization === 'Basic dTpw'
      res.writeHead(
        authorized ? 307 : 401,
        authorized ? {location: `http://${storage.host}/bucket/blob?sig=abc`} : {'www-authenticate': 'Basic realm="r"'}
      )
      res.end()
    })
    const res = await new RegistryClient(registry.host, {username: 'u', password: 'p'}, fetch, policy()).getBlob(
      'x',
      `sha256:${'a'.repeat(64)}`
    )
    expect(await res.text()).toBe('blob-bytes')
    expect(storage.seen[0]?.headers.authorization).toBeUndefined()
    expect(storage.seen[0]?.url).toBe('/bucket/blob?sig=abc')
    await Promise.all([storage.close(), registry.close()])
  })

  test('registry JSON errors become the message', async () => {
    const s = await serve((req, res) =>
      json(res, 404, {errors: [{code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: {Tag: 'x'}}]})
    )
    const err = await new RegistryClient(s.host, undefined, fetch, policy())
      .getManifest('x', 'nope')
      .catch(e => e as RegistryError)
    expect(err).toBeInstanceOf(RegistryError)
    expect((err as RegistryError).message).toMatch(/manifest x:nope does not exist/)
    const put = await new RegistryClient(s.host, undefined, fetch, policy())
      .putManifest('x', 't', {mediaType: 'application/json', body: Buffer.from('{}')})
      .catch(e => e as Error)
    expect((put as Error).message).toMatch(/put manifest x:t: HTTP 404 MANIFEST_UNKNOWN: manifest unknown/)
    await s.close()
  })

  test('a failed upload starts a new session; the body is sent again', async () => {
    let puts = 0
    const bodies: string[] = []
    const s = await serve((req, res, body) => {
      if (req.method === 'POST') {
        res.writeHead(202, {location: `/v2/x/blobs/uploads/session-${puts}`})
        res.end()
      } else if (req.method === 'PUT') {
        bodies.push(body.toString())
        if (++puts === 1) json(res, 500, {errors: [{code: 'UNKNOWN', message: 'storage hiccup'}]})
        else res.writeHead(201).end()
      } else {
        res.writeHead(405).end()
      }
    })
    const p = policy()
    await new RegistryClient(s.host, undefined, fetch, p).uploadBlob('x', {
      digest: `sha256:${'b'.repeat(64)}`,
      size: 5,
      open: () => Readable.from([Buffer.from('hello')])
    })
    expect(bodies).toEqual(['hello', 'hello'])
    expect(p.sleeps).toHaveLength(1)
    await s.close()
  })
})

describe('retryDelay', () => {
  const p = {baseMs: 100, capMs: 1000, random: () => 0.999}
  test.each([
    [1, null, 99],
    [2, null, 199],
    [5, null, 999],
    [9, null, 999],
    [1, '2', 2000],
    [1, '600', 60000]
  ])('attempt %i, Retry-After %j → %i ms', (attempt, header, ms) => expect(retryDelay(attempt, p, header, 0)).toBe(ms))
  test('Retry-After as an HTTP date', () => {
    expect(retryDelay(1, p, new Date(5000).toUTCString(), 1000)).toBe(4000)
  })
})

describe('isRetryableStatus (as the README says: 429, 500, 502, 503, 504)', () => {
  test.each([
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [400, false],
    [401, false],
    [404, false],
    [501, false],
    [505, false],
    [507, false]
  ])('%i: %s', (status, retried) => {
    expect(isRetryableStatus(status)).toBe(retried)
  })
})

describe('webStream: a Node stream as a request body', () => {
  test('every byte, in order, each chunk passed on without a copy', async () => {
    const chunks = [Buffer.from('abc'), Buffer.alloc(1 << 20, 7), Buffer.from('z')]
    const seen: Uint8Array[] = []
    const reader = webStream(Readable.from(chunks)).getReader()
    for (;;) {
      const next = await reader.read()
      if (next.done) break
      seen.push(next.value)
    }
    expect(Buffer.concat(seen).equals(Buffer.concat(chunks))).toBe(true)
    expect(seen.map(c => c.buffer)).toEqual(chunks.map(c => c.buffer))
  })

  test("the source's error ends the body with it", async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('disk gone'))
      }
    })
    await expect(webStream(failing).getReader().read()).rejects.toThrow('disk gone')
  })

  test('cancelling the body destroys the source', async () => {
    const source = Readable.from([Buffer.from('a'), Buffer.from('b')])
    await webStream(source).cancel()
    expect(source.destroyed).toBe(true)
  })
})
