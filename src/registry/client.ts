/** Our client for the OCI distribution API: tags, manifests and blobs, over transport.ts. */
// Manifests of the four media types, verified against the digest they were asked by and bounded
// in size; blobs: HEAD, cross-repository mount (a refused mount's session takes the upload),
// monolithic, chunked and streamed upload, download bounded by the blob's declared size.
import * as core from '@actions/core'
import {errorMessage} from '../errors'
import {Readable} from 'stream'
import {MANIFEST_MEDIA_TYPES, Manifest, sha256} from '../oci/oci'
import {inPieces} from './pieces'
import {repositoryScope} from './challenge'
import {DEFAULT_RETRY, RetryBudget, type RetryPolicy} from './retry'
import {
  BodyFactory,
  Credentials,
  Fetch,
  DEFAULT_LIMITS,
  Limits,
  MAX_JSON_BYTES,
  MAX_MANIFEST_BYTES,
  RegistryError,
  Transport
} from './transport'

export {RegistryError, basicAuthorization, errorText} from './transport'
export type {BodyFactory, Credentials, RequestOptions} from './transport'

/**
 * A Node stream as a request body, its chunks passed on as they are. Readable.toWeb copies every
 * chunk (to detach it from a pool we never reuse), which costs CPU on every upload.
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

/** A blob read from a registry goes on in pieces of this size (pieces.ts). */
const PIECE = 1 << 20

/** An image config read whole (Docker's own limit on a config is 8 MiB). */
export const MAX_CONFIG_BYTES = 8 << 20

/** Pages of a tag listing we follow at most (a million tags at 1000 a page). */
export const MAX_TAG_PAGES = 1000

/** A blob to upload: its descriptor, and how to read it (whole, or a byte range for chunks). */
export interface UploadBlob {
  readonly digest: string
  readonly size: number
  readonly open: (start?: number, end?: number) => Readable | ReadableStream<Uint8Array>
}

/** What a mount request gave: the blob, or an upload session to send it into. */
export type MountResult = {readonly mounted: true} | {readonly mounted: false; readonly session: string | undefined}

const isDigestReference = (reference: string): boolean => reference.includes(':')

/** How often a manifest PUT is tried while the registry says one of its blobs is unknown. */
const BLOB_UNKNOWN_ATTEMPTS = 3

/** A manifest refused for a blob the registry does not find (MANIFEST_BLOB_UNKNOWN). */
function isBlobUnknown(e: unknown): boolean {
  return e instanceof RegistryError && e.status === 400 && e.message.includes('MANIFEST_BLOB_UNKNOWN')
}

export class RegistryClient {
  private readonly http: Transport

  constructor(
    readonly registry: string,
    credentials: Credentials | undefined,
    fetchImpl?: Fetch, // none: the transport's own (httpFetch)
    retry: RetryPolicy = DEFAULT_RETRY,
    limits: Limits = DEFAULT_LIMITS,
    budget: RetryBudget = new RetryBudget()
  ) {
    this.http = new Transport(registry, credentials, fetchImpl, retry, limits, budget)
  }

  /** One API request (transport.ts): for what the methods below do not cover. */
  request(
    method: string,
    pathOrUrl: string,
    scopes: string | readonly string[],
    opts: Parameters<Transport['request']>[3] = {}
  ): Promise<Response> {
    return this.http.request(method, pathOrUrl, typeof scopes === 'string' ? [scopes] : scopes, opts)
  }

  /** Every tag of a repository; [] when the repository does not exist yet. */
  async listTags(repoPath: string): Promise<string[]> {
    const scope = repositoryScope(repoPath, ['pull'])
    const tags: string[] = []
    const asked = new Set<string>()
    let next: string | undefined = `/v2/${repoPath}/tags/list?n=1000`
    while (next !== undefined) {
      if (asked.has(next))
        throw new RegistryError(
          `${this.registry}: the tag list of ${repoPath} leads back to a page already read (${next})`,
          undefined
        )
      if (asked.size >= MAX_TAG_PAGES)
        throw new RegistryError(
          `${this.registry}: the tag list of ${repoPath} goes on past ${MAX_TAG_PAGES} pages`,
          undefined
        )
      asked.add(next)
      const res = await this.request('GET', next, scope, {headers: {accept: 'application/json'}})
      if (res.status === 404) {
        await this.http.discard(res)
        return tags
      }
      await this.http.expectStatus(res, [200], `list tags of ${repoPath}`, false)
      const body = await this.http.readJson<{tags?: unknown}>(
        res,
        MAX_JSON_BYTES,
        `${this.registry}: tags of ${repoPath}`
      )
      if (body.tags !== undefined && body.tags !== null && !Array.isArray(body.tags))
        throw new RegistryError(`${this.registry}: the tag list of ${repoPath} is not a list`, res.status)
      tags.push(
        ...((body.tags as unknown[] | null | undefined) ?? []).filter((t): t is string => typeof t === 'string')
      )
      const link = /<([^>]+)>\s*;\s*rel="?next"?/.exec(res.headers.get('link') ?? '')?.[1]
      next = link === undefined ? undefined : sameOriginPath(link)
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
    await this.http.discard(res)
    if (res.status === 404) return undefined
    await this.http.expectStatus(res, [200], `read manifest ${repoPath}:${reference}`, false)
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

  /**
   * The manifest a tag or digest names; undefined when there is none. Asked by digest, the body
   * must have that digest; a body over MAX_MANIFEST_BYTES is refused, as docker refuses it.
   */
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
      await this.http.discard(res)
      return undefined
    }
    await this.http.expectStatus(res, [200], `read manifest ${repoPath}:${reference}`, false)
    const what = `${this.registry}: manifest ${repoPath}:${reference}`
    const body = await this.http.readBody(res, MAX_MANIFEST_BYTES, what)
    const digest = sha256(body)
    if (isDigestReference(reference) && digest !== reference)
      throw new RegistryError(
        `${this.registry}: ${repoPath}@${reference} was served as ${digest}, another manifest; refused`,
        res.status
      )
    return {digest, mediaType: manifestMediaType(res, body, what), body}
  }

  /** PUT a manifest under a tag or its digest; returns the digest the registry reports. */
  async putManifest(repoPath: string, reference: string, manifest: {mediaType: string; body: Buffer}): Promise<string> {
    const put = async (): Promise<Response> => {
      const res = await this.request(
        'PUT',
        `/v2/${repoPath}/manifests/${reference}`,
        repositoryScope(repoPath, ['pull', 'push']),
        {
          headers: {'content-type': manifest.mediaType},
          body: () => manifest.body
        }
      )
      await this.http.expectStatus(res, [200, 201], `put manifest ${repoPath}:${reference}`, true)
      await this.http.discard(res)
      return res
    }
    // every blob was checked or uploaded before: a registry that says one is unknown is one where
    // another push is linking the same blob into the repository (a matrix of mirrors of one image),
    // and distribution's link file reads empty while it is rewritten. Asked again, it answers.
    const res = await this.http.retrying(put, (e, attempt) => attempt < BLOB_UNKNOWN_ATTEMPTS && isBlobUnknown(e))
    return res.headers.get('docker-content-digest') ?? sha256(manifest.body)
  }

  async blobExists(repoPath: string, digest: string): Promise<boolean> {
    const res = await this.request(
      'HEAD',
      `/v2/${repoPath}/blobs/${digest}`,
      repositoryScope(repoPath, ['pull', 'push'])
    )
    await this.http.discard(res)
    if (res.status === 404) return false
    await this.http.expectStatus(res, [200], `check blob ${digest} in ${repoPath}`, true)
    return true
  }

  /** A blob's response (following storage redirects without Authorization). */
  private async getBlob(repoPath: string, digest: string): Promise<Response> {
    const res = await this.request('GET', `/v2/${repoPath}/blobs/${digest}`, repositoryScope(repoPath, ['pull']))
    await this.http.expectStatus(res, [200], `read blob ${digest} of ${repoPath}`, false)
    return res
  }

  /** A small blob (an image config) read whole: at most `max` bytes, and it must have its digest. */
  async readBlobBytes(repoPath: string, digest: string, max: number): Promise<Buffer> {
    const res = await this.getBlob(repoPath, digest)
    const body = await this.http.readBody(res, max, `${this.registry}: blob ${digest} of ${repoPath}`)
    if (sha256(body) !== digest)
      throw new RegistryError(
        `${this.registry}: blob ${digest} of ${repoPath} was served as ${sha256(body)}; refused`,
        res.status
      )
    return body
  }

  /**
   * A blob as a stream that starts fetching when first read. With `size`, the stream fails when
   * the registry sends more bytes or fewer: its digest is checked by every registry it goes to.
   */
  readBlob(repoPath: string, digest: string, size?: number): Readable {
    return Readable.from(this.blobChunks(repoPath, digest, size))
  }

  private async *blobChunks(repoPath: string, digest: string, size: number | undefined): AsyncGenerator<Uint8Array> {
    const res = await this.getBlob(repoPath, digest)
    let read = 0
    for await (const piece of inPieces(this.http.chunks(res), PIECE)) {
      read += piece.length
      if (size !== undefined && read > size)
        throw new RegistryError(
          `${this.registry}: blob ${digest} of ${repoPath} goes on past its ${size} bytes; refused`,
          res.status
        )
      yield piece
    }
    if (size !== undefined && read < size)
      throw new RegistryError(
        `${this.registry}: blob ${digest} of ${repoPath} ended after ${read} of its ${size} bytes`,
        res.status
      )
  }

  /**
   * Mounts a blob from another repository of this registry. When the registry opens an upload
   * session instead, that session is returned for the upload (one round trip saved).
   */
  async mountBlob(repoPath: string, digest: string, from: string): Promise<MountResult> {
    const res = await this.request(
      'POST',
      `/v2/${repoPath}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
      [repositoryScope(repoPath, ['pull', 'push']), repositoryScope(from, ['pull'])],
      {headers: {'content-length': '0'}}
    )
    await this.http.discard(res)
    if (res.status === 201) return {mounted: true}
    await this.http.expectStatus(res, [202], `mount ${digest} into ${repoPath} from ${from}`, true)
    return {mounted: false, session: await this.sessionLocation(res, undefined)}
  }

  /**
   * Uploads a blob. Without `chunkSize`: one PUT with the body (monolithic). With it: one PATCH
   * per chunk with Content-Range, then PUT ?digest=. `session`: an upload already opened (by a
   * refused mount) for the first try; a failed try starts a new session, within the retry budget.
   */
  async uploadBlob(repoPath: string, blob: UploadBlob, chunkSize?: number, session?: string): Promise<void> {
    let opened = session
    await this.http.retrying(async () => {
      const location = opened ?? (await this.startUpload(repoPath))
      opened = undefined
      await this.uploadOnce(repoPath, location, blob, chunkSize)
    })
  }

  private async uploadOnce(
    repoPath: string,
    start: string,
    blob: UploadBlob,
    chunkSize: number | undefined
  ): Promise<void> {
    const scope = repositoryScope(repoPath, ['pull', 'push'])
    if (chunkSize === undefined || blob.size <= chunkSize) {
      const res = await this.request('PUT', withDigest(start, blob.digest), scope, {
        headers: {'content-type': 'application/octet-stream', 'content-length': String(blob.size)},
        body: () => blob.open(),
        retry: false
      })
      await this.http.expectStatus(res, [201], `upload ${blob.digest} to ${repoPath}`, true)
      await this.http.discard(res)
      return
    }
    let location = start
    for (let offset = 0; offset < blob.size; offset += chunkSize) {
      const end = Math.min(offset + chunkSize, blob.size) - 1
      location = await this.patchUpload(repoPath, location, offset, end - offset + 1, () => blob.open(offset, end))
    }
    await this.finishUpload(repoPath, location, blob.digest)
  }

  /**
   * Whether these credentials may push here, asked before anything is built (as crane's push
   * check does): an upload session is opened, then cancelled. Throws the registry's refusal.
   */
  async checkPush(repoPath: string): Promise<void> {
    const location = await this.http.retrying(() => this.startUpload(repoPath))
    const res = await this.request('DELETE', location, repositoryScope(repoPath, ['pull', 'push']), {
      retry: false
    }).catch((e: unknown) => {
      core.debug(`${this.registry}: the probe's upload session was not cancelled (${errorMessage(e)})`)
      return undefined
    })
    if (res !== undefined) await this.http.discard(res)
  }

  /** POST: opens an upload session; returns its absolute location. */
  async startUpload(repoPath: string): Promise<string> {
    const res = await this.request(
      'POST',
      `/v2/${repoPath}/blobs/uploads/`,
      repositoryScope(repoPath, ['pull', 'push']),
      {
        headers: {'content-length': '0'},
        retry: false
      }
    )
    await this.http.expectStatus(res, [202], `start an upload to ${repoPath}`, true)
    await this.http.discard(res)
    return this.sessionLocation(res, undefined)
  }

  /** The absolute URL of an upload session, from an answer's Location (relative to `base`, or to the registry). */
  private async sessionLocation(res: Response, base: string | undefined): Promise<string> {
    const location = res.headers.get('location')
    if (location === null || location === '') {
      if (base !== undefined) return base
      throw new RegistryError(`${this.registry}: an upload session was opened without a Location`, res.status)
    }
    return new URL(location, base ?? (await this.http.origin())).toString()
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
      await this.http.expectStatus(res, [202], `upload bytes ${offset}-${offset + length - 1} to ${repoPath}`, true)
    await this.http.discard(res)
    return this.sessionLocation(res, location)
  }

  /**
   * POST, then one PATCH whose body streams as it is produced (no length, as `docker push` sends
   * it); returns the session's location for finishUpload. Not retried: the stream cannot be sent twice.
   */
  async streamUpload(repoPath: string, body: Readable | ReadableStream<Uint8Array>): Promise<string> {
    const location = await this.startUpload(repoPath)
    const res = await this.request('PATCH', location, repositoryScope(repoPath, ['pull', 'push']), {
      headers: {'content-type': 'application/octet-stream'},
      body: () => body,
      retry: false
    })
    if (res.status < 200 || res.status > 299)
      await this.http.expectStatus(res, [202], `stream an upload to ${repoPath}`, true)
    await this.http.discard(res)
    return this.sessionLocation(res, location)
  }

  /** PUT ?digest=: closes the session; the registry checks the digest. */
  async finishUpload(repoPath: string, location: string, digest: string): Promise<void> {
    const res = await this.request('PUT', withDigest(location, digest), repositoryScope(repoPath, ['pull', 'push']), {
      headers: {'content-length': '0'},
      retry: false
    })
    await this.http.expectStatus(res, [201], `finish the upload of ${digest} to ${repoPath}`, true)
    await this.http.discard(res)
  }
}

/** A tag page's `next` link as a path on the registry (its own origin: credentials go nowhere else). */
function sameOriginPath(link: string): string {
  if (link.startsWith('/')) return link
  const u = new URL(link)
  return u.pathname + u.search
}

/** The Content-Type of a manifest, else its own mediaType field. */
function manifestMediaType(res: Response, body: Buffer, what: string): string {
  const header = (res.headers.get('content-type') ?? '').split(';')[0]?.trim()
  if (header) return header
  try {
    const parsed = JSON.parse(body.toString('utf8')) as {mediaType?: unknown}
    return typeof parsed.mediaType === 'string' ? parsed.mediaType : ''
  } catch {
    throw new RegistryError(`${what} is not JSON`, res.status)
  }
}

function withDigest(location: string, digest: string): string {
  const u = new URL(location)
  u.searchParams.set('digest', digest)
  return u.toString()
}
