/**
 * Image references by the grammar of distribution/reference (the OCI
 * distribution spec's names and tags). Pure: no I/O.
 */

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/
const TAG = /^[\w][\w.-]{0,127}$/
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/

export const DOCKER_HUB = 'docker.io'
const DOCKER_HUB_API = 'registry-1.docker.io'

/** An image repository: where tags are pushed. */
export interface Repository {
  /** Registry as written by the user (lower-cased host), e.g. `ghcr.io`, `127.0.0.1:5000`, `docker.io`. */
  readonly registry: string
  /** Path inside the registry, e.g. `acme/orders`, `library/nginx`. */
  readonly path: string
  /** The canonical name `registry/path`, used in refs and outputs. */
  readonly name: string
  /** as written (`acme/orders` for Docker Hub): metadata-action's form, for its `tags` and `json` outputs */
  readonly written?: string
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag)
}

export function isValidDigest(digest: string): boolean {
  return DIGEST.test(digest)
}

function looksLikeDomain(first: string): boolean {
  return first.includes('.') || first.includes(':') || first === 'localhost'
}

function validDomain(domain: string): boolean {
  const ipv6 = /^\[[0-9a-fA-F:.]+\](?::[0-9]+)?$/
  if (ipv6.test(domain)) return true
  const [host, port, ...rest] = domain.split(':')
  if (rest.length > 0 || host === undefined) return false
  if (port !== undefined && !(/^[0-9]{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) return false
  return host.split('.').every(c => DOMAIN_COMPONENT.test(c))
}

/**
 * Parses a repository name (no tag, no digest). Returns an error sentence
 * instead of throwing, so callers can name the input.
 */
export function parseRepository(raw: string): Repository | string {
  const text = raw.trim()
  if (text === '') return 'an image name is empty'
  if (text.includes('@')) {
    return `'${text}' has a digest; give the repository only (e.g. ghcr.io/acme/orders)`
  }
  const parts = text.split('/')
  const first = parts[0] ?? ''
  let registry = DOCKER_HUB
  let pathParts = parts
  if (parts.length > 1 && looksLikeDomain(first)) {
    if (!validDomain(first)) return `'${text}' has an invalid registry host '${first}'`
    registry = first.toLowerCase()
    pathParts = parts.slice(1)
  }
  const last = pathParts[pathParts.length - 1] ?? ''
  if (last.includes(':')) {
    return `'${text}' has a tag; give the repository only and put tags in 'tags' (e.g. ${text.slice(0, text.lastIndexOf(':'))})`
  }
  const path = pathParts.join('/')
  // lowercase is suggested only where lowercasing alone makes the name valid
  for (const c of pathParts) {
    if (!PATH_COMPONENT.test(c.toLowerCase())) {
      return `'${text}' has an invalid path component '${c}': use lowercase letters, digits and single separators (. _ __ -) between them`
    }
  }
  if (path !== path.toLowerCase()) {
    const hostPart = registry === DOCKER_HUB && !looksLikeDomain(first) ? '' : `${first}/`
    return `'${text}' has uppercase letters; repository names must be lowercase (e.g. ${hostPart}${path.toLowerCase()})`
  }
  const fullPath = registry === DOCKER_HUB && pathParts.length === 1 ? `library/${path}` : path
  const name = `${registry}/${fullPath}`
  if (name.length > 255) return `'${text}' is longer than 255 characters`
  return {registry, path: fullPath, name}
}

/** The host the registry's HTTP API answers on (Docker Hub's differs from its name). */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API : registry
}

/** Registries on loopback are spoken to over plain HTTP when HTTPS fails, as Docker does. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(0, registry.indexOf(']') + 1) : (registry.split(':')[0] ?? '')
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]'
}

export function refWithTag(repo: Repository, tag: string): string {
  return `${repo.name}:${tag}`
}

export function refWithDigest(repo: Repository, digest: string): string {
  return `${repo.name}@${digest}`
}

/** A full image reference: repository plus a tag, a digest, or both. */
export interface ImageReference {
  readonly repository: Repository
  readonly tag: string | undefined
  readonly digest: string | undefined
}

/** Parses `registry/path:tag`, `registry/path@sha256:…` or both; a reference needs a tag or a digest. */
export function parseReference(raw: string): ImageReference | string {
  const text = raw.trim()
  let rest = text
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    if (!isValidDigest(digest)) return `'${text}' has an invalid digest '${digest}'`
  }
  let tag: string | undefined
  const slash = rest.lastIndexOf('/')
  const colon = rest.lastIndexOf(':')
  if (colon > slash) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    if (!isValidTag(tag)) return `'${text}' has an invalid tag '${tag}'`
  }
  if (tag === undefined && digest === undefined)
    return `'${text}' names no tag or digest; give one (e.g. ${text}:1.2.3 or ${text}@sha256:…)`
  const repository = parseRepository(rest)
  if (typeof repository === 'string') return repository
  return {repository, tag, digest}
}
