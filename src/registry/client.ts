/**
 * A small client for the OCI distribution API: the auth challenge (Basic and
 * Bearer), tag lists and manifests. The seed later publishing code extends.
 */
import {createHash} from 'crypto'
import {ActionError} from '../errors'
import {apiHost, isLoopbackRegistry} from '../reference'
import {Challenge, parseChallenge, repositoryScope} from './challenge'

export interface Credentials {
  readonly username: string
  readonly password: string
}

export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json'
] as const

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

type Fetch = typeof fetch

/** `errors[].code: message` from a registry's JSON error body, else the text. */
async function errorText(res: Response): Promise<string> {
  const text = await res.text().catch(() => '')
  try {
    const parsed = JSON.parse(text) as {errors?: Array<{code?: string; message?: string}>}
    if (Array.isArray(parsed.errors) && parsed.errors.length > 0) {
      return parsed.errors.map(e => [e.code, e.message].filter(Boolean).join(': ')).join('; ')
    }
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 300) || res.statusText
}

function sha256(body: Buffer): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`
}

export class RegistryClient {
  private base: Promise<string> | undefined
  private basic: string | undefined
  private readonly tokens = new Map<string, string>()

  constructor(
    readonly registry: string,
    private readonly credentials: Credentials | undefined,
    private readonly fetchImpl: Fetch = fetch
  ) {}

  /** https, except on loopback where plain http is accepted as Docker does. */
  private baseUrl(): Promise<string> {
    this.base ??= (async () => {
      const host = apiHost(this.registry)
      if (!isLoopbackRegistry(this.registry)) return `https://${host}`
      try {
        const res = await this.fetchImpl(`https://${host}/v2/`, {signal: AbortSignal.timeout(5000)})
        await res.arrayBuffer()
        return `https://${host}`
      } catch {
        return `http://${host}`
      }
    })()
    return this.base
  }

  private async authorize(challenge: Challenge, scope: string): Promise<void> {
    if (challenge.scheme === 'basic') {
      if (this.credentials === undefined) {
        throw new RegistryError(`${this.registry} asks for a username and password and none was given for it`, 401)
      }
      const {username, password} = this.credentials
      this.basic = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`
      return
    }
    if (challenge.scheme !== 'bearer' || !challenge.params.realm) {
      throw new RegistryError(`${this.registry} asks for an authentication scheme we do not speak: ${challenge.scheme}`, 401)
    }
    const url = new URL(challenge.params.realm)
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service)
    url.searchParams.set('scope', challenge.params.scope || scope)
    const headers: Record<string, string> = {}
    if (this.credentials !== undefined) {
      const {username, password} = this.credentials
      headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`
    }
    const res = await this.fetchImpl(url, {headers})
    if (!res.ok) {
      const who = this.credentials === undefined ? 'anonymous access' : `user '${this.credentials.username}'`
      throw new RegistryError(`${this.registry} refused a token for ${scope} (${who}): HTTP ${res.status} ${await errorText(res)}`, res.status)
    }
    const body = (await res.json()) as {token?: string; access_token?: string}
    const token = body.token ?? body.access_token
    if (!token) throw new RegistryError(`${this.registry}'s token service answered without a token`, res.status)
    this.tokens.set(scope, `Bearer ${token}`)
  }

  /** One API request with the auth dance: on 401 answer the challenge once and retry. */
  async request(
    method: string,
    apiPath: string,
    scope: string,
    headers: Record<string, string> = {}
  ): Promise<Response> {
    const url = `${await this.baseUrl()}${apiPath}`
    for (let attempt = 0; ; attempt++) {
      const auth = this.tokens.get(scope) ?? this.basic
      const res = await this.fetchImpl(url, {method, headers: auth ? {...headers, authorization: auth} : headers})
      if (res.status !== 401 || attempt > 0) return res
      const header = res.headers.get('www-authenticate')
      await res.arrayBuffer().catch(() => undefined)
      const challenge = header === null ? undefined : parseChallenge(header)
      if (challenge === undefined) return res
      await this.authorize(challenge, scope)
    }
  }

  private async fail(res: Response, what: string): Promise<never> {
    const detail = await errorText(res)
    const hint =
      res.status === 401 || res.status === 403
        ? ` (check the credentials for ${this.registry} and that they may ${what.startsWith('list') || what.startsWith('read') ? 'pull from' : 'push to'} this repository)`
        : ''
    throw new RegistryError(`${this.registry}: ${what}: HTTP ${res.status} ${detail}${hint}`, res.status)
  }

  /** Every tag of a repository; [] when the repository does not exist yet. */
  async listTags(repoPath: string): Promise<string[]> {
    const scope = repositoryScope(repoPath, ['pull'])
    const tags: string[] = []
    let next: string | undefined = `/v2/${repoPath}/tags/list?n=1000`
    while (next !== undefined) {
      const res = await this.request('GET', next, scope, {accept: 'application/json'})
      if (res.status === 404) {
        await res.arrayBuffer()
        return tags
      }
      if (!res.ok) return this.fail(res, `list tags of ${repoPath}`)
      const body = (await res.json()) as {tags?: string[] | null}
      tags.push(...(body.tags ?? []))
      const link = /<([^>]+)>\s*;\s*rel="?next"?/.exec(res.headers.get('link') ?? '')?.[1]
      next = link === undefined ? undefined : link.startsWith('/') ? link : new URL(link).pathname + new URL(link).search
    }
    return tags
  }

  /** The digest a tag points to (HEAD, `Docker-Content-Digest`); undefined when it does not exist. */
  async manifestDigest(repoPath: string, reference: string): Promise<string | undefined> {
    const scope = repositoryScope(repoPath, ['pull'])
    const res = await this.request('HEAD', `/v2/${repoPath}/manifests/${reference}`, scope, {
      accept: MANIFEST_MEDIA_TYPES.join(', ')
    })
    if (res.status === 404) return undefined
    if (!res.ok) return this.fail(res, `read manifest ${repoPath}:${reference}`)
    const digest = res.headers.get('docker-content-digest')
    if (digest) return digest
    return (await this.getManifest(repoPath, reference)).digest
  }

  async getManifest(repoPath: string, reference: string): Promise<Manifest> {
    const found = await this.findManifest(repoPath, reference)
    if (found === undefined) throw new RegistryError(`${this.registry}: manifest ${repoPath}:${reference} does not exist`, 404)
    return found
  }

  /** The manifest a tag or digest names; undefined when there is none. */
  async findManifest(repoPath: string, reference: string): Promise<Manifest | undefined> {
    const scope = repositoryScope(repoPath, ['pull'])
    const res = await this.request('GET', `/v2/${repoPath}/manifests/${reference}`, scope, {
      accept: MANIFEST_MEDIA_TYPES.join(', ')
    })
    if (res.status === 404) {
      await res.arrayBuffer()
      return undefined
    }
    if (!res.ok) return this.fail(res, `read manifest ${repoPath}:${reference}`)
    const body = Buffer.from(await res.arrayBuffer())
    return {digest: sha256(body), mediaType: res.headers.get('content-type') ?? '', body}
  }
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
