/**
 * The requests a builder sends when it pushes an image (OCI distribution spec, push): which one a
 * method and URL are. Pure. Only the one repository the intake was made for is served.
 */

export type IntakeRoute =
  | {readonly kind: 'base'}
  /** HEAD or GET of a blob */
  | {readonly kind: 'blob'; readonly digest: string}
  /** POST: a new upload; with ?mount=&from=, a cross-repository mount is asked for first */
  | {readonly kind: 'start-upload'; readonly mount: string | undefined}
  /** PATCH (more data) or PUT (more data, then closed with ?digest=) of an upload session */
  | {readonly kind: 'upload'; readonly id: string; readonly digest: string | undefined}
  | {readonly kind: 'manifest'; readonly reference: string}
  | {readonly kind: 'unknown'; readonly status: 400 | 404 | 405; readonly code: string}

const DIGEST = /^sha256:[a-f0-9]{64}$/
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/
const UPLOAD_ID = /^[A-Za-z0-9-]{1,64}$/

const notFound = (code: string): IntakeRoute => ({kind: 'unknown', status: 404, code})
const notAllowed: IntakeRoute = {kind: 'unknown', status: 405, code: 'UNSUPPORTED'}

/** `url` is the request's path and query, as Node's http server gives it. */
export function routeIntakeRequest(method: string, url: string, repository: string): IntakeRoute {
  const u = new URL(url, 'http://intake')
  const p = u.pathname
  if (p === '/v2/' || p === '/v2') return method === 'GET' || method === 'HEAD' ? {kind: 'base'} : notAllowed
  const prefix = `/v2/${repository}/`
  if (!p.startsWith(prefix)) return notFound('NAME_UNKNOWN')
  const rest = p.slice(prefix.length).split('/')
  const [what, ref, extra] = rest
  if (what === 'blobs' && ref === 'uploads' && (extra === undefined || extra === '') && rest.length <= 3) {
    if (method !== 'POST') return notAllowed
    const mount = u.searchParams.get('mount') ?? undefined
    return {kind: 'start-upload', mount: mount !== undefined && DIGEST.test(mount) ? mount : undefined}
  }
  if (what === 'blobs' && ref === 'uploads' && extra !== undefined && rest.length === 3) {
    if (!UPLOAD_ID.test(extra)) return notFound('BLOB_UPLOAD_UNKNOWN')
    if (method !== 'PATCH' && method !== 'PUT') return notAllowed
    const digest = u.searchParams.get('digest') ?? undefined
    if (method === 'PUT' && (digest === undefined || !DIGEST.test(digest)))
      return {kind: 'unknown', status: 400, code: 'DIGEST_INVALID'}
    return {kind: 'upload', id: extra, digest: method === 'PUT' ? digest : undefined}
  }
  if (rest.length !== 2 || ref === undefined) return notFound('NAME_UNKNOWN')
  if (what === 'blobs') {
    if (!DIGEST.test(ref)) return notFound('DIGEST_INVALID')
    return method === 'HEAD' || method === 'GET' ? {kind: 'blob', digest: ref} : notAllowed
  }
  if (what === 'manifests') {
    if (!DIGEST.test(ref) && !TAG.test(ref)) return notFound('MANIFEST_INVALID')
    return method === 'HEAD' || method === 'GET' || method === 'PUT' ? {kind: 'manifest', reference: ref} : notAllowed
  }
  return notFound('NAME_UNKNOWN')
}

export function isDigest(reference: string): boolean {
  return DIGEST.test(reference)
}
