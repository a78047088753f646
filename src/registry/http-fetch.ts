/**
 * `fetch` for the registry transport, on node:http and node:https: the Request and Response of the
 * global fetch, without undici's fetch machinery, which takes about twice the CPU for every byte a
 * blob streams through it (docs/benchmarks.md, 2026-12-05). It does what transport.ts asks of fetch and
 * no more: a method, headers, a Buffer or a ReadableStream body, an AbortSignal; redirects are
 * answered, not followed (transport.ts follows them itself). Failures look as fetch's do: a
 * TypeError "fetch failed" whose cause is the socket's error, or the signal's reason once it
 * aborted; a body a server compresses anyway (no Accept-Encoding is sent) is decompressed.
 */
import * as http from 'http'
import * as https from 'https'
import {Readable} from 'stream'
import * as zlib from 'zlib'

/** Connections kept for the next request to the same origin, as fetch keeps them. */
const AGENTS = {
  'http:': new http.Agent({keepAlive: true}),
  'https:': new https.Agent({keepAlive: true})
}

/** Statuses whose answer has no body (fetch gives them a null body). */
const NULL_BODY = new Set([101, 103, 204, 205, 304])

type Init = Pick<RequestInit, 'method' | 'headers' | 'body' | 'signal'>

function failed(cause: unknown, signal: AbortSignal | null | undefined): Error {
  if (signal?.aborted === true) {
    const reason = signal.reason as unknown
    return reason instanceof Error ? reason : new Error(String(reason))
  }
  return new TypeError('fetch failed', {cause})
}

/** The answer's bytes as fetch gives them (a web stream), decompressed where the server compressed them anyway. */
function bodyOf(res: http.IncomingMessage, signal: AbortSignal | null | undefined): ReadableStream<Uint8Array> {
  const encoding = (res.headers['content-encoding'] ?? '').trim().toLowerCase()
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined
  const source: Readable = decoder === undefined ? res : res.pipe(decoder)
  if (decoder !== undefined) res.on('error', e => decoder.destroy(e))
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await chunks.next()
          if (next.done === true) controller.close()
          else controller.enqueue(new Uint8Array(next.value.buffer, next.value.byteOffset, next.value.byteLength))
        } catch (e) {
          controller.error(failed(e, signal))
        }
      },
      async cancel() {
        res.destroy()
        decoder?.destroy()
        await chunks.return?.()
      }
    },
    {highWaterMark: 0}
  )
}

function headersOf(res: http.IncomingMessage): Headers {
  const headers = new Headers()
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
    headers.append(res.rawHeaders[i] ?? '', res.rawHeaders[i + 1] ?? '')
  return headers
}

/** Writes a streamed request body, waiting for the socket to take each chunk. */
async function pump(body: ReadableStream<Uint8Array>, req: http.ClientRequest): Promise<void> {
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    if (req.destroyed) return
    if (!req.write(chunk)) {
      await new Promise<void>(resolve => {
        const go = (): void => {
          req.off('drain', go)
          req.off('close', go)
          resolve()
        }
        req.on('drain', go)
        req.on('close', go)
      })
    }
  }
  req.end()
}

export async function httpFetch(input: string | URL, init: Init = {}): Promise<Response> {
  const url = new URL(input)
  const agent = url.protocol === 'https:' ? AGENTS['https:'] : url.protocol === 'http:' ? AGENTS['http:'] : undefined
  if (agent === undefined) throw new TypeError('fetch failed', {cause: new Error(`${url.protocol} is not http(s)`)})
  const signal = init.signal ?? undefined
  if (signal?.aborted === true) throw failed(undefined, signal)
  const headers = new Headers(init.headers)
  const flat: Record<string, string> = {}
  headers.forEach((value, name) => {
    flat[name] = value
  })
  const method = (init.method ?? 'GET').toUpperCase()
  const request = url.protocol === 'https:' ? https.request : http.request
  return new Promise<Response>((resolve, reject) => {
    const req = request(url, {method, headers: flat, agent, ...(signal === undefined ? {} : {signal})}, res => {
      const status = res.statusCode ?? 0
      if (status < 200 || status > 599) {
        res.destroy()
        reject(failed(new Error(`the server answered with status ${status}`), signal))
        return
      }
      const empty = method === 'HEAD' || NULL_BODY.has(status)
      if (empty) res.resume()
      resolve(
        new Response(empty ? null : bodyOf(res, signal), {
          status,
          statusText: res.statusMessage ?? '',
          headers: headersOf(res)
        })
      )
    })
    req.on('error', e => reject(failed(e, signal)))
    const body = init.body
    if (body === undefined || body === null) req.end()
    else if (body instanceof ReadableStream) {
      pump(body as ReadableStream<Uint8Array>, req).catch((e: unknown) => {
        // the body failed on our side (a source blob longer than its size): that is the reason
        reject(new TypeError('fetch failed', {cause: e}))
        req.destroy(e instanceof Error ? e : new Error(String(e)))
      })
    } else if (Buffer.isBuffer(body) || body instanceof Uint8Array || typeof body === 'string') req.end(body)
    else {
      req.destroy()
      reject(new TypeError('fetch failed', {cause: new Error('a request body of a kind this transport does not send')}))
    }
  })
}
