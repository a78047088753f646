/** PEP 440 versions (Python's): parsed and normalized as the spec's appendix describes. Pure. */

export interface Pep440Version {
  /** the normalized form: `1.2.3b2`, `1.2.3.post1`, `1.0.dev4` */
  readonly normalized: string
  readonly release: readonly number[]
  /** a pre-, post- or dev-release: not a final release */
  readonly isFinal: boolean
}

// The spec's VERSION_PATTERN (case-insensitive; a leading `v` allowed).
const VERSION =
  /^\s*v?(?:(?:(\d+)!)?(\d+(?:\.\d+)*)([-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?(\d+)?)?((?:-(\d+))|(?:[-_.]?(post|rev|r)[-_.]?(\d+)?))?([-_.]?(dev)[-_.]?(\d+)?)?)(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$/i

const PRE: Record<string, string> = {alpha: 'a', a: 'a', beta: 'b', b: 'b', c: 'rc', rc: 'rc', pre: 'rc', preview: 'rc'}

export function parsePep440(raw: string): Pep440Version | undefined {
  const m = VERSION.exec(raw)
  if (m === null) return undefined
  const [, epoch, release = '', pre, preLabel, preN, post, postN1, , postN2, dev, , devN, local] = m
  const numbers = release.split('.').map(Number)
  let normalized = ''
  if (epoch !== undefined && Number(epoch) !== 0) normalized += `${Number(epoch)}!`
  normalized += numbers.join('.')
  if (pre !== undefined) normalized += `${PRE[(preLabel ?? '').toLowerCase()] ?? ''}${Number(preN ?? 0)}`
  if (post !== undefined) normalized += `.post${Number(postN1 ?? postN2 ?? 0)}`
  if (dev !== undefined) normalized += `.dev${Number(devN ?? 0)}`
  if (local !== undefined) normalized += `+${local.toLowerCase().replace(/[-_]/g, '.')}`
  return {normalized, release: numbers, isFinal: pre === undefined && post === undefined && dev === undefined}
}
