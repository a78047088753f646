/**
 * The registry client against a real HTTP server on loopback that misbehaves
 * on purpose: retries, Retry-After, resets, expired tokens, redirects,
 * registry error bodies. Sleep is injected, so nothing waits.
 */
import * as http from 'http'
import type {AddressInfo} from 'net'
import {Readable} from 'stream'
import {createHash} from 'crypto'
import {MAX_TAG_PAGES, RegistryClient, RegistryError, webStream} from '../../src/registry/client'
import {DEFAULT_RETRY, RetryBudget, RetryPolicy, isRetryableStatus, retryDelay} from '../../src/registry/retry'
import {DEFAULT_LIMITS, Limits} from '../../src/registry/transport'

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
    const chunks: Buffer[] = []
    for await (const c of new RegistryClient(registry.host, {username: 'u', password: 'p'}, fetch, policy()).readBlob(
      'x',
      `sha256:${'a'.repeat(64)}`
    ))
      chunks.push(c as Buffer)
    expect(Buffer.concat(chunks).toString()).toBe('blob-bytes')
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

  test('a manifest refused for a blob another push is still linking is put again; a blob truly missing fails after 3', async () => {
    const blobUnknown = {
      errors: [
        {code: 'DIGEST_INVALID', message: 'provided digest did not match uploaded content'},
        {code: 'MANIFEST_BLOB_UNKNOWN', message: 'blob unknown to registry', detail: 'sha256:ab'}
      ]
    }
    let puts = 0
    const racing = await serve((req, res) =>
      ++puts === 1
        ? json(res, 400, blobUnknown)
        : (res.writeHead(201, {'docker-content-digest': 'sha256:x'}), res.end())
    )
    const p = policy()
    const manifest = {mediaType: 'application/json', body: Buffer.from('{}')}
    expect(await new RegistryClient(racing.host, undefined, fetch, p).putManifest('x', 't', manifest)).toBe('sha256:x')
    expect(puts).toBe(2)
    expect(p.sleeps).toHaveLength(1)
    let missing = 0
    const broken = await serve((req, res) => (missing++, json(res, 400, blobUnknown)))
    await expect(
      new RegistryClient(broken.host, undefined, fetch, policy()).putManifest('x', 't', manifest)
    ).rejects.toThrow(/put manifest x:t: HTTP 400 .*MANIFEST_BLOB_UNKNOWN/)
    expect(missing).toBe(3)
    // any other refusal is not asked again
    let invalid = 0
    const refusing = await serve(
      (req, res) => (invalid++, json(res, 400, {errors: [{code: 'MANIFEST_INVALID', message: 'bad'}]}))
    )
    await expect(
      new RegistryClient(refusing.host, undefined, fetch, policy()).putManifest('x', 't', manifest)
    ).rejects.toThrow(/MANIFEST_INVALID/)
    expect(invalid).toBe(1)
    await Promise.all([racing.close(), broken.close(), refusing.close()])
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
    [1, '600', 20000]
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

describe('RegistryClient against a hostile registry', () => {
  const quick: Limits = {
    headersMs: 300,
    headersAfterStreamMs: 300,
    smallBodyMs: 400,
    stallMs: 300,
    stallBytes: 1024
  }
  const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`

  test('credentials go to the registry, never to an upload session on another origin', async () => {
    const elsewhere = await serve((req, res) => res.writeHead(req.method === 'PUT' ? 201 : 202).end())
    const registry = await serve((req, res) => {
      if (req.headers.authorization !== 'Basic dTpw') {
        res.writeHead(401, {'www-authenticate': 'Basic realm="r"'}).end()
        return
      }
      res.writeHead(202, {location: `http://${elsewhere.host}/v2/x/blobs/uploads/s1`}).end()
    })
    await new RegistryClient(registry.host, {username: 'u', password: 'p'}, fetch, policy()).uploadBlob('x', {
      digest: `sha256:${'c'.repeat(64)}`,
      size: 2,
      open: () => Readable.from([Buffer.from('hi')])
    })
    expect(registry.seen.some(r => r.headers.authorization === 'Basic dTpw')).toBe(true)
    expect(elsewhere.seen.map(r => [r.method, r.headers.authorization])).toEqual([['PUT', undefined]])
    await Promise.all([registry.close(), elsewhere.close()])
  })

  test('a manifest asked by digest must have that digest', async () => {
    const other = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}')
    const s = await serve((req, res) => {
      res.writeHead(200, {'content-type': 'application/vnd.oci.image.manifest.v1+json'})
      res.end(other)
    })
    const client = new RegistryClient(s.host, undefined, fetch, policy())
    const asked = `sha256:${'d'.repeat(64)}`
    await expect(client.findManifest('x', asked)).rejects.toThrow(
      `x@${asked} was served as ${digestOf(other)}, another manifest; refused`
    )
    expect((await client.findManifest('x', digestOf(other)))?.digest).toBe(digestOf(other))
    await s.close()
  })

  test('a manifest over 4 MiB is refused, declared or streamed', async () => {
    const big = Buffer.alloc((4 << 20) + 1, 0x20)
    const s = await serve((req, res) => {
      res.writeHead(200, req.url?.includes('declared') ? {'content-length': String(big.length)} : {})
      res.end(big)
    })
    const client = new RegistryClient(s.host, undefined, fetch, policy())
    await expect(client.findManifest('x', 'declared')).rejects.toThrow(
      /is 4194305 bytes, more than the 4194304 accepted/
    )
    await expect(client.findManifest('x', 'streamed')).rejects.toThrow(/goes on past the 4194304 bytes accepted/)
    await s.close()
  })

  test('a dripping body and a silent registry fail on their deadlines, and are not tried again', async () => {
    const open = new Set<http.ServerResponse>()
    const s = await serve((req, res) => {
      open.add(res)
      if (req.url?.includes('silent')) return
      res.writeHead(200)
      const t = setInterval(() => res.write(' '), 50)
      res.on('close', () => clearInterval(t))
    })
    const p = policy()
    const client = new RegistryClient(s.host, undefined, fetch, p, quick)
    try {
      await expect(client.findManifest('x', 'drip')).rejects.toThrow(
        /manifests\/drip: the answer was not read whole within 0.4 s/
      )
      await expect(client.findManifest('x', 'silent')).rejects.toThrow(/manifests\/silent: no answer within 0.3 s/)
      expect(p.sleeps).toEqual([])
    } finally {
      for (const r of open) r.destroy()
      await s.close()
    }
  })

  test('a blob that stops moving fails; one longer than its size fails', async () => {
    const s = await serve((req, res) => {
      res.writeHead(200)
      if (req.url?.includes('stall')) return void res.write('abc')
      res.end('0123456789')
    })
    const client = new RegistryClient(s.host, undefined, fetch, policy(), quick)
    const read = async (r: Readable) => {
      for await (const chunk of r) void chunk
    }
    await expect(read(client.readBlob('x', `sha256:stall${'1'.repeat(60)}`))).rejects.toThrow(
      /the answer moved 3 bytes in 0.3 s/
    )
    await expect(read(client.readBlob('x', `sha256:${'2'.repeat(64)}`, 4))).rejects.toThrow(/goes on past its 4 bytes/)
    await expect(read(client.readBlob('x', `sha256:${'2'.repeat(64)}`, 20))).rejects.toThrow(/ended after 10 of its 20/)
    await s.close()
  })

  test('tag pages that loop, or never end, fail clearly', async () => {
    let page = 0
    const s = await serve((req, res) => {
      const next = req.url?.includes('loop') ? '/v2/loop/tags/list?n=1000' : `/v2/x/tags/list?last=${++page}`
      json(res, 200, {tags: ['a']}, {link: `<${next}>; rel="next"`})
    })
    const client = new RegistryClient(s.host, undefined, fetch, policy())
    await expect(client.listTags('loop')).rejects.toThrow(/the tag list of loop leads back to a page already read/)
    await expect(client.listTags('x')).rejects.toThrow(`the tag list of x goes on past ${MAX_TAG_PAGES} pages`)
    await s.close()
  })

  test('503 forever: retries stop once the budget of waits is spent, whatever Retry-After asks', async () => {
    const s = await serve((req, res) =>
      json(res, 503, {errors: [{code: 'UNAVAILABLE', message: 'down'}]}, {'retry-after': '60'})
    )
    const p = policy()
    const client = new RegistryClient(s.host, undefined, fetch, p, DEFAULT_LIMITS, new RetryBudget(50_000))
    await expect(client.listTags('x')).rejects.toThrow(/HTTP 503 UNAVAILABLE: down \(not tried again: 50 s of waiting/)
    expect(p.sleeps).toEqual([20_000, 20_000])
    // the budget is the registry's: the next request is not retried at all
    await expect(client.listTags('y')).rejects.toThrow(/not tried again/)
    expect(p.sleeps).toHaveLength(2)
    await s.close()
  })

  test('the push check before a build is retried as a whole, waiting as Retry-After asks, within the budget', async () => {
    const s = await serve((req, res) =>
      json(res, 503, {errors: [{code: 'UNAVAILABLE', message: 'down'}]}, {'retry-after': '60'})
    )
    const p = policy()
    const client = new RegistryClient(s.host, undefined, fetch, p, DEFAULT_LIMITS, new RetryBudget(50_000))
    await expect(client.checkPush('x')).rejects.toThrow(
      /start an upload to x: HTTP 503 UNAVAILABLE: down \(not tried again: 50 s of waiting for 127\.0\.0\.1:\d+ spent in this step\)$/
    )
    expect(p.sleeps).toEqual([20_000, 20_000])
    await s.close()
  })

  test('a realm that is not a URL, a token answer that is not JSON, and an http realm off loopback', async () => {
    const s = await serve((req, res) => {
      if (req.url?.startsWith('/token')) {
        res.writeHead(200, {'content-type': 'text/html'}).end('<html>sign in</html>')
        return
      }
      const realm = req.url?.includes('/bad/')
        ? 'not a url'
        : req.url?.includes('/plain/')
          ? 'http://registry.example/token'
          : `http://${req.headers.host}/token`
      res.writeHead(401, {'www-authenticate': `Bearer realm="${realm}",service="s"`})
      res.end()
    })
    const client = new RegistryClient(s.host, {username: 'u', password: 'p'}, fetch, policy())
    await expect(client.listTags('bad/x')).rejects.toThrow(/names a token realm that is not a URL: 'not a url'/)
    await expect(client.listTags('html/x')).rejects.toThrow(/the answer is not JSON \(HTTP 200\)$/)
    await expect(client.listTags('plain/x')).rejects.toThrow(
      /asks for the credentials at http:\/\/registry.example over plain http; refused/
    )
    await s.close()
  })
})
