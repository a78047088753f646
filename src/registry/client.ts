/** Our client for the OCI distribution API: auth challenges, retries, tags, manifests and blobs. */
// Basic and Bearer challenges with scopes per repository; manifests of the four
// media types; blobs: HEAD, cross-repository mount, monolithic and chunked
// upload, download following redirects without Authorization.
import {createHash} from 'crypto'
import {Readable} from 'stream'
import {ActionError} from '../errors'
import {apiHost, isLoopbackRegistry} from './reference'
import {inPieces} from './pieces'
import {Challenge, parseChallenge, repositoryScope} from './challenge'
import {DEFAULT_RETRY, RetryPolicy, isRetryableError, isRetryableStatus, retryDelay} from './retry'

export interface Credentials {
  readonly username: string
  readonly password: string
}

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd'
} as const

export const MANIFEST_MEDIA_TYPES = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.dockerList,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerManifest
] as const

export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPES.ociIndex || mediaType === MEDIA_TYPES.dockerList
}

export interface Manifest {
  readonly digest: string
  readonly mediaType: string
  readonly body: Buffer
}

export class RegistryError extends ActionError {
  constructor(
    message: string,
    readonly status: number | undefined
  ) {
    super(message)
    this.name = 'RegistryError'
  }
}

/** A request body that can be made again for a retry. */
export type BodyFactory = () => Buffer | Readable | ReadableStream<Uint8Array>

export interface RequestOptions {
  readonly headers?: Record<string, string>
  readonly body?: BodyFactory
  /** retry 5xx/429/resets (default true); uploads that stream once retry at a higher level */
  readonly retry?: boolean
}

type Fetch = typeof fetch

/**
 * The reason in an error body: a registry's `errors[].code: message`, an
 * OAuth token service's `error: error_description`, else the text.
 */
export async function errorText(res: Response): Promise<string> {
  const text = await res.text().catch(() => '')
  try {
    const parsed = JSON.parse(text) as {
      errors?: Array<{code?: string; message?: string}>
      error?: string
      error_description?: string
    }
    if (Array.isArray(parsed.errors) && parsed.errors.length > 0) {
      return parsed.errors.map(e => [e.code, e.message].filter(Boolean).join(': ')).join('; ')
    }
    if (parsed.error) return [parsed.error, parsed.error_description].filter(Boolean).join(': ')
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 300) || res.statusText
}

/** The `Authorization` value for HTTP Basic. */
export function basicAuthorization({username, password}: Credentials): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`
}

export function sha256(body: Buffer): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`
}

async function drain(res: Response): Promise<void> {
  await res.arrayBuffer().catch(() => undefined)
}

/**
 * A Node stream as a request body, its chunks passed on as they are. Readable.toWeb copies every
 * chunk (to detach it from a pool we never reuse): measured, that doubled the CPU of an upload
 * and cost 15% of its time with the registries on the same 2 cores (docs/benchmarks.md).
 */
export function webStream(r: Readable): ReadableStream<Uint8Array> {
  const chunks = r[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await chunks.next()
        if (next.done === true) return controller.close()
        const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
      },
      async cancel(reason) {
        r.destroy(reason instanceof Error ? reason : undefined)
        await chunks.return?.()
      }
    },
    {highWaterMark: 1}
  )
}

function toBody(b: ReturnType<BodyFactory>): NonNullable<RequestInit['body']> {
  if (Buffer.isBuffer(b)) return b
  if (b instanceof Readable) return webStream(b)
  return b
}

/** A blob read from a registry goes on in pieces of this size (pieces.ts). */
const PIECE = 1 << 20

const USER_AGENT = 'stevedore'

export class RegistryClient {
  private base: Promise<string> | undefined
  private basic: string | undefined
  private readonly tokens = new Map<string, string>()

  constructor(
    readonly registry: string,
    private readonly credentials: Credentials | undefined,
    private readonly fetchImpl: Fetch = fetch,
    private readonly retry: RetryPolicy = DEFAULT_RETRY
  ) {}

  /** https, except on loopback where plain http is accepted as Docker does. */
  private baseUrl(): Promise<string> {
    this.base ??= (async () => {
      const host = apiHost(this.registry)
      if (!isLoopbackRegistry(this.registry)) return `https://${host}`
      try {
        await drain(await this.fetchImpl(`https://${host}/v2/`, {signal: AbortSignal.timeout(5000)}))
        return `https://${host}`
      } catch {
        return `http://${host}`
      }
    })()
    return this.base
  }

  private basicHeader(): string | undefined {
    return this.credentials === undefined ? undefined : basicAuthorization(this.credentials)
  }

  private async authorize(challenge: Challenge, scopes: readonly string[], key: string): Promise<void> {
    if (challenge.scheme === 'basic') {
      const header = this.basicHeader()
      if (header === undefined)
        throw new RegistryError(`${this.registry} asks for a username and password and none was given for it`, 401)
      this.basic = header
      return
    }
    if (challenge.scheme !== 'bearer' || !challenge.params.realm) {
      throw new RegistryError(
        `${this.registry} asks for an authentication scheme we do not speak: ${challenge.scheme}`,
        401
      )
    }
    const url = new URL(challenge.params.realm)
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service)
    const wanted = new Set([...scopes, ...(challenge.params.scope ?? '').split(' ').filter(Boolean)])
    for (const s of wanted) url.searchParams.append('scope', s)
    const basic = this.basicHeader()
    let res: Response | undefined
    for (let attempt = 1; ; attempt++) {
      try {
        res = await this.fetchImpl(url, {headers: basic ? {authorization: basic} : {}})
      } catch (e) {
        if (attempt < this.retry.attempts && isRetryableError(e)) {
          await this.retry.sleep(retryDelay(attempt, this.retry, null, Date.now()))
          continue
        }
        throw new RegistryError(
          `${this.registry}: the token service at ${url.origin} did not answer: ${causeOf(e)}`,
          undefined
        )
      }
      if (isRetryableStatus(res.status) && attempt < this.retry.attempts) {
        await drain(res)
        await this.retry.sleep(retryDelay(attempt, this.retry, res.headers.get('retry-after'), Date.now()))
        continue
      }
      break
    }
    if (!res.ok) {
      const who = this.credentials === undefined ? 'anonymous access' : `user '${this.credentials.username}'`
      throw new RegistryError(
        `${this.registry} refused a token for ${[...wanted].join(' ')} (${who}): HTTP ${res.status} ${await errorText(res)}`,
        res.status
      )
    }
    const body = (await res.json()) as {token?: string; access_token?: string}
    const token = body.token ?? body.access_token
    if (!token) throw new RegistryError(`${this.registry}'s token service answered without a token`, res.status)
    this.tokens.set(key, `Bearer ${token}`)
  }

  /**
   * One API request: answers an auth challenge (again, when a token expired
   * mid-run), retries 429/5xx/connection resets with backoff, and follows
   * redirects itself so that Authorization never leaves the registry.
   */
  async request(
    method: string,
    pathOrUrl: string,
    scopes: string | readonly string[],
    opts: RequestOptions = {}
  ): Promise<Response> {
    const scopeList = typeof scopes === 'string' ? [scopes] : scopes
    const key = scopeList.join(' ')
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${await this.baseUrl()}${pathOrUrl}`
    let reauthorized = false
    for (let attempt = 1; ; attempt++) {
      const auth = this.tokens.get(key) ?? this.basic
      const headers = {'user-agent': USER_AGENT, ...opts.headers, ...(auth ? {authorization: auth} : {})}
      const body = opts.body?.()
      let res: Response
      try {
        res = await this.fetchImpl(url, {
          method,
          headers,
          redirect: 'manual',
          ...(body === undefined ? {} : {body: toBody(body), duplex: 'half'})
        })
      } catch (e) {
        if (opts.retry !== false && attempt < this.retry.attempts && isRetryableError(e)) {
          await this.retry.sleep(retryDelay(attempt, this.retry, null, Date.now()))
          continue
        }
        throw new RegistryError(`${this.registry}: ${method} ${new URL(url).pathname} failed: ${causeOf(e)}`, undefined)
      }
      if (res.status === 401 && !reauthorized) {
        const header = res.headers.get('www-authenticate')
        const challenge = header === null ? undefined : parseChallenge(header)
        if (challenge === undefined) return res
        await drain(res)
        this.tokens.delete(key)
        await this.authorize(challenge, scopeList, key)
        reauthorized = true
        attempt--
        continue
      }
      if (isRetryableStatus(res.status) && opts.retry !== false && attempt < this.retry.attempts) {
        await drain(res)
        await this.retry.sleep(retryDelay(attempt, this.retry, res.headers.get('retry-after'), Date.now()))
        continue
      }
      if (
        res.status >= 300 &&
        res.status < 400 &&
        (method === 'GET' || method === 'HEAD') &&
        res.headers.get('location')
      ) {
        const location = new URL(res.headers.get('location') ?? '', url).toString()
        await drain(res)
        return this.followRedirect(method, location, opts.headers ?? {})
      }
      return res
    }
  }

  /** Storage redirects (S3, Azure blob) get the request without Authorization. */
  private async followRedirect(
    method: string,
    location: string,
    headers: Record<string, string>,
    hops = 0
  ): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      let res: Response
      try {
        res = await this.fetchImpl(location, {method, headers, redirect: 'manual'})
      } catch (e) {
        if (attempt < this.retry.attempts && isRetryableError(e)) {
          await this.retry.sleep(retryDelay(attempt, this.retry, null, Date.now()))
          continue
        }
        throw new RegistryError(
          `${this.registry}: ${method} ${new URL(location).host} (redirected) failed: ${causeOf(e)}`,
          undefined
        )
      }
      if (isRetryableStatus(res.status) && attempt < this.retry.attempts) {
        await drain(res)
        await this.retry.sleep(retryDelay(attempt, this.retry, res.headers.get('retry-after'), Date.now()))
        continue
      }
      const next = res.headers.get('location')
      if (res.status >= 300 && res.status < 400 && next && hops < 5) {
        await drain(res)
        return this.followRedirect(method, new URL(next, location).toString(), headers, hops + 1)
      }
      return res
    }
  }

  private async fail(res: Response, what: string, push: boolean): Promise<never> {
    const detail = await errorText(res)
    const hint =
      res.status === 401 || res.status === 403
        ? ` (check the credentials for ${this.registry} and that they may ${push ? 'push to' : 'pull from'} this repository)`
        : ''
    throw new RegistryError(`${this.registry}: ${what}: HTTP ${res.status} ${detail}${hint}`, res.status)
  }

  /** Every tag of a repository; [] when the repository does not exist yet. */
  async listTags(repoPath: string): Promise<string[]> {
    const scope = repositoryScope(repoPath, ['pull'])
    const tags: string[] = []
    let next: string | undefined = `/v2/${repoPath}/tags/list?n=1000`
    while (next !== undefined) {
      const res = await this.request('GET', next, scope, {headers: {accept: 'application/json'}})
      if (res.status === 404) {
        await drain(res)
        return tags
      }
      if (!res.ok) return this.fail(res, `list tags of ${repoPath}`, false)
      const body = (await res.json()) as {tags?: string[] | null}
      tags.push(...(body.tags ?? []))
      const link = /<([^>]+)>\s*;\s*rel="?next"?/.exec(res.headers.get('link') ?? '')?.[1]
      next =
        link === undefined ? undefined : link.startsWith('/') ? link : new URL(link).pathname + new URL(link).search
    }
    return tags
  }

  /** The digest a tag points to (HEAD, `Docker-Content-Digest`); undefined when it does not exist. */
  async manifestDigest(repoPath: string, reference: string): Promise<string | undefined> {
    const res = await this.request(
      'HEAD',
      `/v2/${repoPath}/manifests/${reference}`,
      repositoryScope(repoPath, ['pull']),
      {
        headers: {accept: MANIFEST_MEDIA_TYPES.join(', ')}
      }
    )
    if (res.status === 404) return undefined
    if (!res.ok) return this.fail(res, `read manifest ${repoPath}:${reference}`, false)
    const digest = res.headers.get('docker-content-digest')
    if (digest) return digest
    return (await this.getManifest(repoPath, reference)).digest
  }

  async getManifest(repoPath: string, reference: string): Promise<Manifest> {
    const found = await this.findManifest(repoPath, reference)
    if (found === undefined)
      throw new RegistryError(`${this.registry}: manifest ${repoPath}:${reference} does not exist`, 404)
    return found
  }

  /** The manifest a tag or digest names; undefined when there is none. */
  async findManifest(repoPath: string, reference: string): Promise<Manifest | undefined> {
    const res = await this.request(
      'GET',
      `/v2/${repoPath}/manifests/${reference}`,
      repositoryScope(repoPath, ['pull']),
      {
        headers: {accept: MANIFEST_MEDIA_TYPES.join(', ')}
      }
    )
    if (res.status === 404) {
      await drain(res)
      return undefined
    }
    if (!res.ok) return this.fail(res, `read manifest ${repoPath}:${reference}`, false)
    const body = Buffer.from(await res.arrayBuffer())
    const mediaType =
      (res.headers.get('content-type') ?? '').split(';')[0]?.trim() ||
      ((JSON.parse(body.toString('utf8')) as {mediaType?: string}).mediaType ?? '')
    return {digest: sha256(body), mediaType, body}
  }

  /** PUT a manifest under a tag or its digest; returns the digest the registry reports. */
  async putManifest(repoPath: string, reference: string, manifest: {mediaType: string; body: Buffer}): Promise<string> {
    const res = await this.request(
      'PUT',
      `/v2/${repoPath}/manifests/${reference}`,
      repositoryScope(repoPath, ['pull', 'push']),
      {
        headers: {'content-type': manifest.mediaType},
        body: () => manifest.body
      }
    )
    if (res.status !== 201 && res.status !== 200) return this.fail(res, `put manifest ${repoPath}:${reference}`, true)
    await drain(res)
    return res.headers.get('docker-content-digest') ?? sha256(manifest.body)
  }

  async blobExists(repoPath: string, digest: string): Promise<boolean> {
    const res = await this.request(
      'HEAD',
      `/v2/${repoPath}/blobs/${digest}`,
      repositoryScope(repoPath, ['pull', 'push'])
    )
    await drain(res)
    if (res.status === 200) return true
    if (res.status === 404) return false
    return this.fail(res, `check blob ${digest} in ${repoPath}`, true)
  }

  /** Streams a blob (following storage redirects without Authorization). */
  async getBlob(repoPath: string, digest: string): Promise<Response> {
    const res = await this.request('GET', `/v2/${repoPath}/blobs/${digest}`, repositoryScope(repoPath, ['pull']))
    if (!res.ok || res.body === null) return this.fail(res, `read blob ${digest} of ${repoPath}`, false)
    return res
  }

  /** A blob as a stream that starts fetching when first read. */
  readBlob(repoPath: string, digest: string): Readable {
    return Readable.from(this.blobChunks(repoPath, digest))
  }

  private async *blobChunks(repoPath: string, digest: string): AsyncGenerator<Uint8Array> {
    const res = await this.getBlob(repoPath, digest)
    if (res.body === null) return
    yield* inPieces(res.body as AsyncIterable<Uint8Array>, PIECE)
  }

  /**
   * Mounts a blob from another repository of this registry. True when
   * mounted; false when the registry opened an upload instead (which is
   * cancelled: the caller uploads).
   */
  async mountBlob(repoPath: string, digest: string, from: string): Promise<boolean> {
    const res = await this.request(
      'POST',
      `/v2/${repoPath}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
      [repositoryScope(repoPath, ['pull', 'push']), repositoryScope(from, ['pull'])],
      {headers: {'content-length': '0'}}
    )
    await drain(res)
    if (res.status === 201) return true
    if (res.status === 202) {
      const location = res.headers.get('location')
      if (location) {
        const url = new URL(location, await this.baseUrl()).toString()
        await drain(
          await this.request('DELETE', url, repositoryScope(repoPath, ['pull', 'push']), {retry: false}).catch(
            () => new Response(null)
          )
        )
      }
      return false
    }
    return this.fail(res, `mount ${digest} into ${repoPath} from ${from}`, true)
  }

  /**
   * Uploads a blob. Without `chunkSize`: POST, then one PUT with the body
   * (monolithic). With it: POST, one PATCH per chunk with Content-Range,
   * then PUT ?digest=. A failed attempt starts a new upload session.
   */
  async uploadBlob(
    repoPath: string,
    blob: {
      readonly digest: string
      readonly size: number
      readonly open: (start?: number, end?: number) => Readable | ReadableStream<Uint8Array>
    },
    chunkSize?: number
  ): Promise<void> {
    const scope = repositoryScope(repoPath, ['pull', 'push'])
    for (let attempt = 1; ; attempt++) {
      try {
        await this.uploadOnce(repoPath, scope, blob, chunkSize)
        return
      } catch (e) {
        const status = e instanceof RegistryError ? e.status : undefined
        const again =
          (status === undefined && (isRetryableError(e) || e instanceof RegistryError)) ||
          (status !== undefined && isRetryableStatus(status))
        if (!again || attempt >= this.retry.attempts) throw e
        await this.retry.sleep(retryDelay(attempt, this.retry, null, Date.now()))
      }
    }
  }

  private async uploadOnce(
    repoPath: string,
    scope: string,
    blob: {
      readonly digest: string
      readonly size: number
      readonly open: (start?: number, end?: number) => Readable | ReadableStream<Uint8Array>
    },
    chunkSize: number | undefined
  ): Promise<void> {
    let location = await this.startUpload(repoPath)
    if (chunkSize === undefined || blob.size <= chunkSize) {
      const res = await this.request('PUT', withDigest(location, blob.digest), scope, {
        headers: {'content-type': 'application/octet-stream', 'content-length': String(blob.size)},
        body: () => blob.open(),
        retry: false
      })
      if (res.status !== 201) return this.fail(res, `upload ${blob.digest} to ${repoPath}`, true)
      await drain(res)
      return
    }
    for (let offset = 0; offset < blob.size; offset += chunkSize) {
      const end = Math.min(offset + chunkSize, blob.size) - 1
      location = await this.patchUpload(repoPath, location, offset, end - offset + 1, () => blob.open(offset, end))
    }
    await this.finishUpload(repoPath, location, blob.digest)
  }

  /** POST: opens an upload session; returns its absolute location. */
  async startUpload(repoPath: string): Promise<string> {
    const start = await this.request(
      'POST',
      `/v2/${repoPath}/blobs/uploads/`,
      repositoryScope(repoPath, ['pull', 'push']),
      {headers: {'content-length': '0'}}
    )
    if (start.status !== 202) return this.fail(start, `start an upload to ${repoPath}`, true)
    await drain(start)
    return new URL(start.headers.get('location') ?? '', await this.baseUrl()).toString()
  }

  /** PATCH: one chunk at `offset`; returns the session's next location. */
  async patchUpload(
    repoPath: string,
    location: string,
    offset: number,
    length: number,
    body: BodyFactory
  ): Promise<string> {
    const res = await this.request('PATCH', location, repositoryScope(repoPath, ['pull', 'push']), {
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(length),
        'content-range': `${offset}-${offset + length - 1}`
      },
      body,
      retry: false
    })
    // the distribution spec answers 202; go-containerregistry's registry answers 204: any success will do
    if (res.status < 200 || res.status > 299)
      return this.fail(res, `upload bytes ${offset}-${offset + length - 1} to ${repoPath}`, true)
    await drain(res)
    return new URL(res.headers.get('location') ?? location, location).toString()
  }

  /**
   * POST, then one PATCH whose body streams as it is produced (no length, as `docker push` sends
   * it); returns the session's location for finishUpload. Not retried: the stream cannot be sent twice.
   */
  async streamUpload(repoPath: string, body: ReadableStream<Uint8Array>): Promise<string> {
    const location = await this.startUpload(repoPath)
    const res = await this.request('PATCH', location, repositoryScope(repoPath, ['pull', 'push']), {
      headers: {'content-type': 'application/octet-stream'},
      body: () => body,
      retry: false
    })
    if (res.status < 200 || res.status > 299) return this.fail(res, `stream an upload to ${repoPath}`, true)
    await drain(res)
    return new URL(res.headers.get('location') ?? location, location).toString()
  }

  /** PUT ?digest=: closes the session; the registry checks the digest. */
  async finishUpload(repoPath: string, location: string, digest: string): Promise<void> {
    const done = await this.request('PUT', withDigest(location, digest), repositoryScope(repoPath, ['pull', 'push']), {
      headers: {'content-length': '0'},
      retry: false
    })
    if (done.status !== 201) return this.fail(done, `finish the upload of ${digest} to ${repoPath}`, true)
    await drain(done)
  }
}

function withDigest(location: string, digest: string): string {
  const u = new URL(location)
  u.searchParams.set('digest', digest)
  return u.toString()
}

function causeOf(e: unknown): string {
  const parts: string[] = []
  for (let cur: unknown = e, depth = 0; cur instanceof Error && depth < 4; depth++) {
    const code = (cur as {code?: string}).code
    parts.push(code ? `${cur.message} (${code})` : cur.message)
    cur = (cur as {cause?: unknown}).cause
  }
  return parts.join(': ') || String(e)
}

interface ImageManifestJson {
  config?: {digest?: string; size?: number}
  layers?: Array<{size?: number}>
}

/** The image config digest (the image ID) of an image manifest; undefined for an index. */
export function configDigest(manifest: Manifest): string | undefined {
  return (JSON.parse(manifest.body.toString('utf8')) as ImageManifestJson).config?.digest
}

/** Compressed size of an image manifest: config plus layers, as pulled. */
export function compressedSize(manifest: Manifest): number | undefined {
  const m = JSON.parse(manifest.body.toString('utf8')) as ImageManifestJson
  if (!Array.isArray(m.layers)) return undefined
  return (m.config?.size ?? 0) + m.layers.reduce((sum, l) => sum + (l.size ?? 0), 0)
}
