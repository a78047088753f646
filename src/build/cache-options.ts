/**
 * `cache-from` / `cache-to`, in build-push-action's syntax (`type=registry,
 * ref=…,mode=max`, or a bare image reference for cache-from). Pure.
 */
import {InputError} from '../errors'
import type {BuilderKind} from './builder-choice'
import type {BuilderFacts} from './build-path'
import {parseReference} from '../registry/reference'

export interface CacheOption {
  readonly raw: string
  readonly attrs: Readonly<Record<string, string>>
}

export function parseCacheOptions(name: 'cache-from' | 'cache-to', lines: readonly string[]): CacheOption[] {
  return lines.map(raw => {
    if (!raw.includes('=')) {
      if (
        name === 'cache-to' ||
        typeof parseReference(raw.includes(':') || raw.includes('@') ? raw : `${raw}:latest`) === 'string'
      ) {
        throw new InputError(
          name,
          `'${raw}' is not accepted; use type=…,key=value (e.g. type=registry,ref=ghcr.io/acme/orders:cache${name === 'cache-to' ? ',mode=max or type=inline' : ''})`
        )
      }
      return {raw, attrs: {type: 'registry', ref: raw}}
    }
    const attrs: Record<string, string> = {}
    for (const part of raw.split(',')) {
      const eq = part.indexOf('=')
      if (eq <= 0) throw new InputError(name, `'${part}' in '${raw}' is not key=value`)
      attrs[part.slice(0, eq).trim()] = part.slice(eq + 1).trim()
    }
    if (!attrs.type) throw new InputError(name, `'${raw}' has no type=; e.g. type=registry,ref=… or type=gha`)
    if (attrs.type === 'registry' && !attrs.ref) throw new InputError(name, `'${raw}' needs ref= for type=registry`)
    return {raw, attrs}
  })
}

/** The build arguments for the cache, or why this builder cannot do what was asked. */
export function cacheArguments(
  kind: BuilderKind,
  from: readonly CacheOption[],
  to: readonly CacheOption[]
): string[] | string {
  if (kind === 'buildx')
    return [...from.flatMap(c => ['--cache-from', c.raw]), ...to.flatMap(c => ['--cache-to', c.raw])]
  const args: string[] = []
  for (const c of from) {
    if (c.attrs.type !== 'registry' || c.attrs.ref === undefined)
      return `cache-from '${c.raw}' needs buildx; the engine's built-in BuildKit reads only images (type=registry,ref=…)`
    args.push('--cache-from', c.attrs.ref)
  }
  for (const c of to) {
    if (c.attrs.type !== 'inline')
      return `cache-to '${c.raw}' needs buildx; the engine's built-in BuildKit can only embed the cache in the image (type=inline)`
    args.push('--build-arg', 'BUILDKIT_INLINE_CACHE=1')
  }
  return args
}

/**
 * Why the builder at hand cannot export a `cache-to` (undefined: it can). buildx's `docker`
 * driver exports caches only where the engine uses the containerd image store; on the classic
 * store (ubuntu-24.04's engine) it exports inline caches only, and buildx would fail inside the
 * build ("Cache export is not supported for the docker driver").
 */
export function cacheExportRefusal(
  builder: Pick<BuilderFacts, 'kind' | 'driver' | 'store'>,
  to: readonly CacheOption[]
): string | undefined {
  if (builder.kind !== 'buildx' || builder.driver !== 'docker' || builder.store === 'containerd') return undefined
  const bad = to.find(c => c.attrs.type !== 'inline')
  if (bad === undefined) return undefined
  return (
    `cache-to '${bad.raw}' cannot be exported by buildx's docker driver on the classic image store (it exports inline caches only). ` +
    `Add docker/setup-buildx-action before this step (a docker-container builder exports every cache type), or use type=inline. Nothing was built or pushed`
  )
}
