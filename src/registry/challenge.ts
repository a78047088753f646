/** `WWW-Authenticate` challenges (RFC 7235) as registries send them. Pure. */

export interface Challenge {
  /** lower case: `basic`, `bearer`, or whatever else the registry named */
  readonly scheme: string
  readonly params: Readonly<Record<string, string>>
}

/** Parses the first challenge of a header: `Bearer realm="…",service="…",scope="…"`. */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*([A-Za-z][A-Za-z0-9_-]*)\s*(.*)$/s.exec(header)
  if (!m?.[1]) return undefined
  const params: Record<string, string> = {}
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?\s*/gy
  const rest = m[2] ?? ''
  let p: RegExpExecArray | null
  while ((p = re.exec(rest)) !== null && p[0] !== '') {
    const key = (p[1] ?? '').toLowerCase()
    params[key] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '')
  }
  return {scheme: m[1].toLowerCase(), params}
}

/** The scope string for a repository, e.g. `repository:acme/orders:pull,push`. */
export function repositoryScope(path: string, actions: readonly string[]): string {
  return `repository:${path}:${actions.join(',')}`
}
