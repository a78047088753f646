/** What a registry may send and take, bounded: its errors, the limits of a request, and the watch that keeps them. */
import * as core from '@actions/core'
import {Readable} from 'stream'
import {ActionError} from '../errors'

export class RegistryError extends ActionError {
  constructor(
    message: string,
    readonly status: number | undefined,
    /** a connection that failed, worth another try */
    readonly transient = false,
    /** the Retry-After of the answer this error was made from */
    readonly retryAfter: string | null = null
  ) {
    super(message)
    this.name = 'RegistryError'
  }
}

/** A registry that did not answer, or stopped moving bytes, within its deadline. */
export class DeadlineError extends RegistryError {
  constructor(message: string) {
    super(message, undefined)
    this.name = 'DeadlineError'
  }
}

/** How long a registry may take, and how much it may send. */
export interface Limits {
  /** from the request's last byte to the answer's headers */
  readonly headersMs: number
  /** the same after a streamed request body (the registry may be storing a large blob) */
  readonly headersAfterStreamMs: number
  /** a small body, read whole */
  readonly smallBodyMs: number
  /** a streamed body, either way, must move `stallBytes` in every `stallMs` */
  readonly stallMs: number
  readonly stallBytes: number
}

export const DEFAULT_LIMITS: Limits = {
  headersMs: 30_000,
  headersAfterStreamMs: 120_000,
  smallBodyMs: 30_000,
  stallMs: 30_000,
  stallBytes: 16 * 1024
}

/** Docker's own limit on a manifest (and our intake's). */
export const MAX_MANIFEST_BYTES = 4 << 20
/** A token answer, a page of tags. */
export const MAX_JSON_BYTES = 4 << 20
/** What an error body is read for: its message. */
export const MAX_ERROR_BYTES = 64 << 10

/** The chain of an error's messages (fetch hides the cause), for a one-line message. */
export function causeOf(e: unknown): string {
  const parts: string[] = []
  for (let cur: unknown = e, depth = 0; cur instanceof Error && depth < 4; depth++) {
    const code = (cur as {code?: string}).code
    parts.push(code ? `${cur.message} (${code})` : cur.message)
    cur = (cur as {cause?: unknown}).cause
  }
  return parts.join(': ') || String(e)
}

/** A body read whole, refused past `max` bytes (a declared length past it is refused unread). */
export async function readBounded(res: Response, max: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? NaN)
  if (declared > max) {
    await res.body?.cancel().catch((e: unknown) => core.debug(`cancel ${what}: ${causeOf(e)}`))
    throw new RegistryError(`${what}: the answer is ${declared} bytes, more than the ${max} accepted`, res.status)
  }
  const parts: Buffer[] = []
  let size = 0
  if (res.body === null) return Buffer.alloc(0)
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  try {
    for (;;) {
      const next = await reader.read()
      if (next.done) break
      const chunk: Uint8Array = next.value
      size += chunk.byteLength
      if (size > max) throw new RegistryError(`${what}: the answer goes on past the ${max} bytes accepted`, res.status)
      parts.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
    }
  } finally {
    await reader.cancel().catch((e: unknown) => core.debug(`cancel ${what}: ${causeOf(e)}`))
  }
  return Buffer.concat(parts, size)
}

/** A JSON body, bounded; anything else is a registry error naming what was asked. */
export async function readJson<T>(res: Response, max: number, what: string): Promise<T> {
  const text = (await readBounded(res, max, what)).toString('utf8')
  try {
    return JSON.parse(text) as T
  } catch {
    throw new RegistryError(`${what}: the answer is not JSON (HTTP ${res.status})`, res.status)
  }
}

/**
 * The reason in an error body: a registry's `errors[].code: message`, an OAuth token service's
 * `error: error_description`, else the text (bounded; a body that cannot be read gives the status text).
 */
export async function errorText(res: Response): Promise<string> {
  let text = ''
  try {
    text = (await readBounded(res, MAX_ERROR_BYTES, 'error body')).toString('utf8')
  } catch (e) {
    core.debug(`error body of HTTP ${res.status} not read: ${causeOf(e)}`)
  }
  try {
    const parsed = JSON.parse(text) as {
      errors?: Array<{code?: string; message?: string}>
      error?: string
      error_description?: string
    }
    if (Array.isArray(parsed.errors) && parsed.errors.length > 0) {
      return parsed.errors
        .map(e => [e.code, e.message].filter(x => typeof x === 'string' && x !== '').join(': '))
        .join('; ')
        .slice(0, 500)
    }
    if (typeof parsed.error === 'string')
      return [parsed.error, parsed.error_description].filter(Boolean).join(': ').slice(0, 500)
  } catch {
    // not JSON: the text itself
  }
  return text.trim().slice(0, 300) || res.statusText
}

/** The deadlines of one request: armed and disarmed as its bytes move. */
export class Watch {
  private timer: NodeJS.Timeout | undefined
  private total: NodeJS.Timeout | undefined
  private moved = 0

  constructor(
    private readonly ac: AbortController,
    private readonly limits: Limits,
    private readonly what: string
  ) {}

  private abort(why: string): void {
    this.done()
    this.ac.abort(new DeadlineError(`${this.what}: ${why}`))
  }

  private arm(ms: number, why: string): void {
    this.clear()
    this.timer = setTimeout(() => this.abort(why), ms)
    this.timer.unref()
  }

  private clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  /** The request is sent: the registry must answer. */
  awaitHeaders(ms: number): void {
    this.arm(ms, `no answer within ${ms / 1000} s`)
  }

  /** A chunk of the request body waits for the registry to take it. */
  awaitRead(): void {
    this.arm(this.limits.stallMs, `the registry took none of the request body for ${this.limits.stallMs / 1000} s`)
  }

  /** We are producing the next chunk: not the registry's time. */
  ourTurn(): void {
    this.clear()
  }

  /** The headers came: a streamed body must keep moving (STALL_BYTES in every STALL_MS). */
  reading(): void {
    this.clear()
    this.moved = 0
    const {stallMs, stallBytes} = this.limits
    this.timer = setInterval(() => {
      if (this.moved < stallBytes) this.abort(`the answer moved ${this.moved} bytes in ${stallMs / 1000} s`)
      this.moved = 0
    }, stallMs)
    this.timer.unref()
  }

  /** A small body is read whole within `totalMs`, however it moves. */
  readingWhole(totalMs: number): void {
    this.clear()
    if (this.total !== undefined) return
    this.total = setTimeout(() => this.abort(`the answer was not read whole within ${totalMs / 1000} s`), totalMs)
    this.total.unref()
  }

  progress(bytes: number): void {
    this.moved += bytes
  }

  done(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
      clearInterval(this.timer)
    }
    if (this.total !== undefined) clearTimeout(this.total)
    this.timer = undefined
    this.total = undefined
  }
}

/** A request body that tells the watch when the registry is the one keeping it waiting. */
export function watchedBody(source: Readable | ReadableStream<Uint8Array>, watch: Watch, afterMs: number) {
  const chunks: AsyncIterator<Uint8Array | Buffer | string> =
    source instanceof Readable
      ? (source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>)
      : (source[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>)
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        watch.ourTurn()
        const next = await chunks.next()
        if (next.done === true) {
          controller.close()
          watch.awaitHeaders(afterMs)
          return
        }
        const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
        watch.awaitRead()
      },
      async cancel(reason) {
        watch.done()
        if (source instanceof Readable) source.destroy(reason instanceof Error ? reason : undefined)
        await chunks.return?.()
      }
    },
    {highWaterMark: 1}
  )
}
