/**
 * How we speak HTTP to one registry, under the distribution API of client.ts: its origin, its
 * credentials, one retry loop with a budget per step, a deadline on every answer and a bound on
 * every body (go-containerregistry's transport/ under remote/). The rules, as README's "How it
 * behaves" states them:
 *
 * - Credentials go to the registry's own origin only; Basic credentials also to the token realm its
 *   challenge names (as docker does), never over plain http off loopback. A Location on another
 *   origin (an upload session, a storage redirect) is sent nothing; https → http is refused.
 * - Every request has a deadline for its answer's headers, and every body a bound: a small body
 *   (manifest, token, error, tag page) is read whole within SMALL_BODY_MS and up to its cap, a
 *   streamed one (blob) must keep moving (STALL_BYTES in every STALL_MS), and so must the registry
 *   reading what we send.
 * - 429, 5xx and resets are tried again (RetryPolicy), drawing on one budget of waits per registry.
 */
import * as core from '@actions/core'
import {Readable} from 'stream'
import {Challenge, parseChallenge} from './challenge'
import {httpFetch} from './http-fetch'
import {apiHost, isLoopbackRegistry} from './reference'
import {
  DEFAULT_RETRY,
  RetryBudget,
  RetryPolicy,
  RetryRules,
  isRetryableError,
  isRetryableStatus,
  withRetry
} from './retry'
import {
  DEFAULT_LIMITS,
  DeadlineError,
  Limits,
  MAX_ERROR_BYTES,
  MAX_JSON_BYTES,
  RegistryError,
  Watch,
  causeOf,
  errorText,
  readBounded,
  readJson,
  watchedBody
} from './bounds'

export {
  DEFAULT_LIMITS,
  DeadlineError,
  MAX_ERROR_BYTES,
  MAX_JSON_BYTES,
  MAX_MANIFEST_BYTES,
  RegistryError,
  causeOf,
  errorText,
  readBounded,
  readJson
} from './bounds'
export type {Limits} from './bounds'

export interface Credentials {
  readonly username: string
  readonly password: string
}

/** A request body that can be made again for a retry. */
export type BodyFactory = () => Buffer | Readable | ReadableStream<Uint8Array>

export interface RequestOptions {
  readonly headers?: Record<string, string>
  readonly body?: BodyFactory
  /** retry 5xx/429/resets (default true); uploads that stream once retry at a higher level */
  readonly retry?: boolean
}

/** What the transport asks of fetch: the global one's shape (httpFetch by default; tests give their own). */
export type Fetch = (input: string | URL, init?: RequestInit) => Promise<Response>

const USER_AGENT = 'stevedore'

/** The `Authorization` value for HTTP Basic. */
export function basicAuthorization({username, password}: Credentials): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`
}

/** The origin of a URL string. */
function originOf(url: string): string {
  return new URL(url).origin
}

function isLoopbackUrl(url: URL): boolean {
  return isLoopbackRegistry(url.host)
}

export class Transport {
  private base: Promise<string> | undefined
  private basic: string | undefined
  private readonly tokens = new Map<string, string>()
  private readonly watches = new WeakMap<Response, Watch>()

  constructor(
    readonly registry: string,
    private readonly credentials: Credentials | undefined,
    private readonly fetchImpl: Fetch = httpFetch,
    private readonly policy: RetryPolicy = DEFAULT_RETRY,
    private readonly limits: Limits = DEFAULT_LIMITS,
    private readonly budget: RetryBudget = new RetryBudget()
  ) {}

  /** https, except on loopback where plain http is accepted when https fails, as Docker does. */
  origin(): Promise<string> {
    this.base ??= (async () => {
      const host = apiHost(this.registry)
      if (!isLoopbackRegistry(this.registry)) return `https://${host}`
      try {
        const res = await this.fetchImpl(`https://${host}/v2/`, {signal: AbortSignal.timeout(5000)})
        await res.body?.cancel()
        return `https://${host}`
      } catch (e) {
        core.debug(`${this.registry}: https not answered (${causeOf(e)}); plain http on loopback`)
        return `http://${host}`
      }
    })()
    return this.base
  }

  /** Why a URL may not be asked at all: a step down from https to http. */
  private refuseDowngrade(url: URL, from: string): void {
    if (from.startsWith('https:') && url.protocol === 'http:') {
      throw new RegistryError(
        `${this.registry} sent us from https to plain http (${url.origin}); refused, as the answer could be read or changed on the way`,
        undefined
      )
    }
  }

  /** The retry rules of one request: statuses that say "again", connection failures (not deadlines). */
  private rules(retry: boolean): RetryRules<Response> {
    if (!retry) return {}
    return {
      result: res =>
        isRetryableStatus(res.status)
          ? {retryAfter: res.headers.get('retry-after'), discard: () => this.discard(res)}
          : undefined,
      error: e => !(e instanceof DeadlineError) && !(e instanceof RegistryError) && isRetryableError(e)
    }
  }

  /**
   * One API request: answers an auth challenge (again, when a token expired mid-run), retries
   * 429/5xx/connection resets within the budget, and follows GET/HEAD redirects itself, without
   * Authorization. Credentials go only to the registry's own origin.
   */
  async request(
    method: string,
    pathOrUrl: string,
    scopes: readonly string[],
    opts: RequestOptions = {}
  ): Promise<Response> {
    const key = scopes.join(' ')
    const origin = await this.origin()
    const url = new URL(pathOrUrl, origin)
    this.refuseDowngrade(url, origin)
    const own = url.origin === originOf(origin)
    let reauthorized = false
    const exchange = withRetry(this.policy, this.budget, this.rules(opts.retry !== false), async () => {
      for (;;) {
        const auth = own ? (this.tokens.get(key) ?? this.basic) : undefined
        const headers = {'user-agent': USER_AGENT, ...opts.headers, ...(auth ? {authorization: auth} : {})}
        const res = await this.send(method, url, headers, opts.body)
        if (res.status === 401 && own && !reauthorized) {
          const header = res.headers.get('www-authenticate')
          const challenge = header === null ? undefined : parseChallenge(header)
          if (challenge === undefined) return res
          await this.discard(res)
          this.tokens.delete(key)
          await this.authorize(challenge, scopes, key)
          reauthorized = true
          continue
        }
        const location = res.headers.get('location')
        if (res.status >= 300 && res.status < 400 && (method === 'GET' || method === 'HEAD') && location) {
          await this.discard(res)
          return this.followRedirect(method, new URL(location, url), opts.headers ?? {})
        }
        return res
      }
    })
    try {
      return await exchange
    } catch (e) {
      if (e instanceof RegistryError) throw e
      // a request body that failed for a reason of ours (a source blob longer than its size) is that reason
      const ours = registryErrorIn(e)
      if (ours !== undefined) throw ours
      throw new RegistryError(
        `${this.registry}: ${method} ${url.pathname} failed: ${causeOf(e)}${this.budgetNote()}`,
        undefined,
        true
      )
    }
  }

  /** Storage redirects (S3, Azure blob) get the request without Authorization, and never over http from https. */
  private async followRedirect(
    method: string,
    location: URL,
    headers: Record<string, string>,
    hops = 0
  ): Promise<Response> {
    this.refuseDowngrade(location, await this.origin())
    const res = await this.send(method, location, {'user-agent': USER_AGENT, ...headers}, undefined)
    const next = res.headers.get('location')
    if (res.status >= 300 && res.status < 400 && next && hops < 5) {
      await this.discard(res)
      return this.followRedirect(method, new URL(next, location), headers, hops + 1)
    }
    return res
  }

  /** One fetch, under its deadlines. */
  private async send(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: BodyFactory | undefined
  ): Promise<Response> {
    const ac = new AbortController()
    const where = url.host === apiHost(this.registry) ? url.pathname : `${url.host}${url.pathname}`
    const watch = new Watch(ac, this.limits, `${this.registry}: ${method} ${where}`)
    const made = body?.()
    const init: RequestInit & {duplex?: 'half'} = {method, headers, redirect: 'manual', signal: ac.signal}
    if (made === undefined || Buffer.isBuffer(made)) {
      if (made !== undefined) init.body = made
      watch.awaitHeaders(this.limits.headersMs)
    } else {
      init.body = watchedBody(made, watch, this.limits.headersAfterStreamMs)
      init.duplex = 'half'
    }
    try {
      const res = await this.fetchImpl(url, init)
      watch.reading()
      this.watches.set(res, watch)
      return res
    } catch (e) {
      watch.done()
      if (ac.signal.reason instanceof DeadlineError) throw ac.signal.reason
      throw e
    }
  }

  /** Basic: the same credentials on every request. Bearer: a token from the realm, for these scopes. */
  private async authorize(challenge: Challenge, scopes: readonly string[], key: string): Promise<void> {
    const basic = this.credentials === undefined ? undefined : basicAuthorization(this.credentials)
    if (challenge.scheme === 'basic') {
      if (basic === undefined)
        throw new RegistryError(`${this.registry} asks for a username and password and none was given for it`, 401)
      this.basic = basic
      return
    }
    if (challenge.scheme !== 'bearer' || !challenge.params.realm) {
      throw new RegistryError(
        `${this.registry} asks for an authentication scheme we do not speak: ${challenge.scheme}`,
        401
      )
    }
    const url = this.realmUrl(challenge.params.realm, basic !== undefined)
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service)
    const wanted = new Set([...scopes, ...(challenge.params.scope ?? '').split(' ').filter(Boolean)])
    for (const s of wanted) url.searchParams.append('scope', s)
    const what = `${this.registry}'s token service at ${url.origin}`
    let res: Response
    try {
      res = await withRetry(this.policy, this.budget, this.rules(true), () =>
        this.send('GET', url, {'user-agent': USER_AGENT, ...(basic ? {authorization: basic} : {})}, undefined)
      )
    } catch (e) {
      if (e instanceof RegistryError) throw e
      throw new RegistryError(`${what} did not answer: ${causeOf(e)}`, undefined)
    }
    if (!res.ok) {
      const who = this.credentials === undefined ? 'anonymous access' : `user '${this.credentials.username}'`
      throw new RegistryError(
        `${this.registry} refused a token for ${[...wanted].join(' ')} (${who}): HTTP ${res.status} ${await errorText(res)}${this.budgetNote()}`,
        res.status
      )
    }
    const body = await this.readJson<{token?: unknown; access_token?: unknown}>(res, MAX_JSON_BYTES, what)
    const token = typeof body.token === 'string' ? body.token : body.access_token
    if (typeof token !== 'string' || token === '')
      throw new RegistryError(`${what} answered without a token`, res.status)
    core.setSecret(token)
    this.tokens.set(key, `Bearer ${token}`)
  }

  /** The token realm as a URL; Basic credentials go there only over https, or on loopback. */
  private realmUrl(realm: string, withCredentials: boolean): URL {
    let url: URL
    try {
      url = new URL(realm)
    } catch {
      throw new RegistryError(`${this.registry} names a token realm that is not a URL: '${realm.slice(0, 100)}'`, 401)
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new RegistryError(`${this.registry} names a token realm that is not http(s): ${url.protocol}`, 401)
    if (withCredentials && url.protocol === 'http:' && !isLoopbackUrl(url))
      throw new RegistryError(
        `${this.registry} asks for the credentials at ${url.origin} over plain http; refused (they would travel unencrypted)`,
        401
      )
    return url
  }

  /** A note for messages once the retry budget of this registry is spent. */
  budgetNote(): string {
    return this.budget.exhausted
      ? ` (not tried again: ${this.budget.ms / 1000} s of waiting for ${this.registry} spent in this step)`
      : ''
  }

  /** A small body, read whole within its deadline and up to `max` bytes. */
  async readBody(res: Response, max: number, what: string): Promise<Buffer> {
    const watch = this.watches.get(res)
    watch?.readingWhole(this.limits.smallBodyMs)
    try {
      return await readBounded(res, max, what)
    } finally {
      watch?.done()
    }
  }

  async readJson<T>(res: Response, max: number, what: string): Promise<T> {
    const watch = this.watches.get(res)
    watch?.readingWhole(this.limits.smallBodyMs)
    try {
      return await readJson<T>(res, max, what)
    } finally {
      watch?.done()
    }
  }

  /** A streamed body's chunks, as long as they keep moving. */
  async *chunks(res: Response): AsyncGenerator<Uint8Array> {
    const watch = this.watches.get(res)
    if (res.body === null) return
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        watch?.progress(chunk.byteLength)
        yield chunk
      }
    } finally {
      watch?.done()
    }
  }

  /** Lets go of an answer whose body we do not need: a little is read (the connection is kept), more is cut. */
  async discard(res: Response): Promise<void> {
    const watch = this.watches.get(res)
    try {
      if (res.body !== null) await readBounded(res, MAX_ERROR_BYTES, 'an unread answer')
    } catch (e) {
      core.debug(`${this.registry}: an answer's body was cut (${causeOf(e)})`)
    } finally {
      watch?.done()
    }
  }

  /** The reason in an error body, read under the request's deadlines. */
  async errorText(res: Response): Promise<string> {
    const watch = this.watches.get(res)
    watch?.readingWhole(this.limits.smallBodyMs)
    try {
      return await errorText(res)
    } finally {
      watch?.done()
    }
  }

  /** Throws the registry's reason, with a hint for refusals, unless the status is one of `ok`. */
  async expectStatus(res: Response, ok: readonly number[], what: string, push: boolean): Promise<void> {
    if (ok.includes(res.status)) return
    const detail = await this.errorText(res)
    const hint =
      res.status === 401 || res.status === 403
        ? ` (check the credentials for ${this.registry} and that they may ${push ? 'push to' : 'pull from'} this repository)`
        : ''
    throw new RegistryError(
      `${this.registry}: ${what}: HTTP ${res.status} ${detail}${hint}${this.budgetNote()}`,
      res.status,
      false,
      res.headers.get('retry-after')
    )
  }

  /** Retries a whole exchange (an upload session) within this registry's attempts and budget. */
  async retrying<T>(op: () => Promise<T>, also?: (e: unknown, attempt: number) => boolean): Promise<T> {
    try {
      return await withRetry(
        this.policy,
        this.budget,
        {
          error: (e, attempt) => retryableFailure(e) || also?.(e, attempt) === true,
          retryAfter: e => (e instanceof RegistryError ? e.retryAfter : null)
        },
        op
      )
    } catch (e) {
      // the last failure was worded before the budget ran out
      if (e instanceof RegistryError && this.budget.exhausted && !e.message.endsWith(this.budgetNote()))
        throw new RegistryError(`${e.message}${this.budgetNote()}`, e.status, e.transient, e.retryAfter)
      throw e
    }
  }
}

/** A RegistryError that caused `e` (fetch reports a request body's failure as its cause). */
function registryErrorIn(e: unknown): RegistryError | undefined {
  for (let cur: unknown = e, depth = 0; cur instanceof Error && depth < 5; depth++) {
    if (cur instanceof RegistryError) return cur
    cur = (cur as {cause?: unknown}).cause
  }
  return undefined
}

/** An exchange worth starting again: a connection failure or a status that says "again" (not a deadline, not a refusal). */
export function retryableFailure(e: unknown): boolean {
  if (e instanceof DeadlineError) return false
  if (e instanceof RegistryError) return e.transient || (e.status !== undefined && isRetryableStatus(e.status))
  return isRetryableError(e)
}
