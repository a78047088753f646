/**
 * Parsers for single action inputs. Pure: each takes the raw string and
 * throws an InputError naming the input and what is accepted.
 */
import {isMap, isScalar, isSeq, parseDocument} from 'yaml'
import {InputError} from '../errors'
import {csvFields, parseCsvList, parseList} from './list-grammar'
import {parseRepository, Repository, isValidTag} from '../registry/reference'
import {detectRegistryKind, isAwsAccount, isValidAwsRegion} from '../auth/registry-kind'

export function parseBoolean(name: string, raw: string, fallback: boolean): boolean {
  const v = raw.trim()
  if (v === '') return fallback
  if (['true', 'True', 'TRUE'].includes(v)) return true
  if (['false', 'False', 'FALSE'].includes(v)) return false
  throw new InputError(name, `'${v}' is not a boolean; accepted: true or false`)
}

export function parseChoice<T extends string>(name: string, raw: string, choices: readonly T[], fallback: T): T {
  const v = raw.trim().toLowerCase()
  if (v === '') return fallback
  const found = choices.find(c => c === v)
  if (found === undefined) {
    throw new InputError(name, `'${raw.trim()}' is not accepted; use one of: ${choices.join(', ')}`)
  }
  return found
}

/** `KEY=VALUE` lines (newline list only; values may contain `=` and commas). */
export function parseKeyValues(
  name: string,
  raw: string,
  keyPattern: RegExp,
  keyDescription: string
): Array<[string, string]> {
  return parseList(raw).map(line => {
    const eq = line.indexOf('=')
    if (eq <= 0) {
      throw new InputError(name, `'${line}' is not KEY=VALUE; give one KEY=VALUE per line`)
    }
    const key = line.slice(0, eq).trim()
    if (!keyPattern.test(key)) {
      throw new InputError(name, `'${key}' in '${line}' is not a valid key; ${keyDescription}`)
    }
    return [key, line.slice(eq + 1)]
  })
}

export const BUILD_ARG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/
export const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._\-/]*$/

/**
 * One `images` line with attributes, as metadata-action reads it: `name=<repository>`, or the
 * repository alone as a field, with `enable=true|false` (`org/app,enable=false`). Undefined: disabled.
 */
function imageEntry(name: string, line: string): string | undefined {
  let repo = ''
  let enable = true
  for (const attr of line.split(',').map(a => a.trim())) {
    const eq = attr.indexOf('=')
    if (eq < 0) {
      repo = attr
      continue
    }
    const key = attr.slice(0, eq).trim().toLowerCase()
    const value = attr.slice(eq + 1).trim()
    if (key === 'name') repo = value
    else if (key === 'enable' && /^(true|false)$/i.test(value)) enable = value.toLowerCase() === 'true'
    else
      throw new InputError(
        name,
        `'${line}': an entry is a repository, or name=<repository> with enable=true|false (metadata-action's attributes)`
      )
  }
  if (repo === '') throw new InputError(name, `'${line}' names no repository`)
  return enable ? repo : undefined
}

/**
 * `images`: repositories, one a line (or comma-separated on lines without attributes), as
 * metadata-action reads them; upper case is lowered as metadata-action lowers it, with a notice.
 */
export function parseImages(name: string, raw: string, notices: string[] = []): Repository[] {
  const seen = new Set<string>()
  const repos: Repository[] = []
  const items = parseList(raw).flatMap(line => (line.includes('=') ? [imageEntry(name, line)] : csvFields(name, line)))
  for (const given of items) {
    if (given === undefined) continue
    const item = given.toLowerCase()
    if (item !== given)
      notices.push(
        `images: '${given}' is taken as '${item}' (repository names are lowercase; metadata-action lowers them too)`
      )
    const repo = parseRepository(item)
    if (typeof repo === 'string') {
      throw new InputError(name, `${repo}. Expected a repository such as ghcr.io/acme/orders`)
    }
    if (!seen.has(repo.name)) repos.push({...repo, written: item})
    seen.add(repo.name)
  }
  return repos
}

export function parseTags(name: string, raw: string): string[] {
  return parseCsvList(name, raw).map(tag => {
    if (tag.includes('/') || (tag.includes(':') && !isValidTag(tag))) {
      const bare = tag.slice(tag.lastIndexOf('/') + 1).split(/[:@]/)[1] ?? ''
      throw new InputError(
        name,
        `'${tag}' is a full image reference; tags are bare${isValidTag(bare) ? ` (${bare})` : ''} and repositories go in 'images'`
      )
    }
    if (!isValidTag(tag)) {
      throw new InputError(
        name,
        `'${tag}' is not a valid tag; a tag is 1-128 of A-Z a-z 0-9 _ . - and does not start with . or -`
      )
    }
    return tag
  })
}

export const REGISTRY_TYPES = ['basic', 'ecr', 'ecr-public', 'acr'] as const
export type RegistryType = (typeof REGISTRY_TYPES)[number]

/** One `registry-auth` entry: how to log in to one registry. */
export type RegistryAuth =
  | {readonly registry: string; readonly type: 'basic'; readonly username: string; readonly password: string}
  | {
      readonly registry: string
      readonly type: 'ecr'
      readonly region: string | undefined
      readonly registryId: string | undefined
    }
  | {readonly registry: string; readonly type: 'ecr-public'}
  | {readonly registry: string; readonly type: 'acr'}

const REGISTRY_AUTH_KEYS = ['registry', 'type', 'username', 'password', 'region', 'registry-id'] as const
type RegistryAuthKey = (typeof REGISTRY_AUTH_KEYS)[number]

/**
 * `registry-auth`: a YAML list of {registry, username, password} for basic
 * logins, or {registry, type: ecr, region, registry-id} / {registry, type:
 * ecr-public} / {registry, type: acr} for logins with cloud tokens (hosts
 * that are not recognised by name, such as a proxy or private DNS name).
 */
export function parseRegistryAuth(name: string, raw: string, allowEmptyCredentials = false): RegistryAuth[] {
  if (raw.trim() === '') return []
  const seen = new Set<string>()
  return authDocument(name, raw).map((entry: unknown, i) => {
    const fields = entryFields(name, `entry ${i + 1}`, entry, allowEmptyCredentials)
    const registry = entryRegistry(fields)
    if (seen.has(registry)) throw new InputError(name, `${fields.where}: registry '${registry}' is listed twice`)
    seen.add(registry)
    return typedEntry(fields, registry)
  })
}

const AUTH_EXAMPLE = 'e.g.\n- registry: ghcr.io\n  username: acme\n  password: ${{ toJSON(secrets.GHCR_TOKEN) }}'

/** The YAML list of entries, its pasted secrets checked as YAML would read them. */
function authDocument(name: string, raw: string): unknown[] {
  const parsed = parseDocument(raw, {prettyErrors: false})
  const yamlError = parsed.errors[0]
  if (yamlError !== undefined) {
    const first = yamlError.message.split('\n')[0]
    throw new InputError(name, `is not valid YAML (${first}). ${QUOTE_HINT}. Expected a list, ${AUTH_EXAMPLE}`)
  }
  checkSecretScalars(name, raw, parsed.contents)
  const doc: unknown = parsed.toJS()
  if (!Array.isArray(doc)) {
    throw new InputError(name, `expected a YAML list of {registry, username, password}, ${AUTH_EXAMPLE}`)
  }
  return doc as unknown[]
}

/** One entry's keys, read as text: `field` (undefined where absent) and `required`. */
interface EntryFields {
  readonly name: string
  readonly where: string
  field(key: RegistryAuthKey): string | undefined
  required(key: RegistryAuthKey, why: string): string
}

function entryFields(name: string, where: string, entry: unknown, allowEmpty: boolean): EntryFields {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    throw new InputError(name, `${where} is not a mapping; expected {registry, username, password}`)
  }
  const map = entry as Record<string, unknown>
  for (const key of Object.keys(map)) {
    if (!(REGISTRY_AUTH_KEYS as readonly string[]).includes(key)) {
      throw new InputError(name, `${where} has unknown key '${key}'; accepted keys: ${REGISTRY_AUTH_KEYS.join(', ')}`)
    }
  }
  const empty = (key: RegistryAuthKey, why: string): string => {
    if (allowEmpty && (key === 'username' || key === 'password')) return ''
    throw new InputError(name, `${where}: '${key}' is empty${why}`)
  }
  const field = (key: RegistryAuthKey): string | undefined => {
    const v = map[key]
    if (v === undefined) return undefined
    if (v === null) return empty(key, ' (an unset secret or variable?)')
    if (typeof v !== 'string' && typeof v !== 'number')
      throw new InputError(name, `${where}: '${key}' must be a string`)
    // a password is taken as written (a quoted one may start or end with spaces); a block scalar's line end is not part of it
    const text = key === 'password' ? String(v).replace(/\r?\n$/, '') : String(v).trim()
    return text.trim() === '' ? empty(key, '') : text
  }
  const required = (key: RegistryAuthKey, why: string): string => {
    const v = field(key)
    if (v === undefined) throw new InputError(name, `${where} needs '${key}' ${why}`)
    return v
  }
  return {name, where, field, required}
}

/** The entry's registry host, normalized (Docker Hub's aliases are docker.io). */
function entryRegistry(f: EntryFields): string {
  const registry = normalizeRegistryHost(f.required('registry', 'as a host such as ghcr.io'))
  const probe = parseRepository(`${registry}/x`)
  if (typeof probe === 'string' || probe.registry !== registry) {
    throw new InputError(f.name, `${f.where}: '${registry}' is not a registry host such as ghcr.io or 127.0.0.1:5000`)
  }
  return registry
}

/** The entry by its type: given, else basic where credentials are given or the host is no cloud's. */
function typedEntry(f: EntryFields, registry: string): RegistryAuth {
  const given = f.field('type')
  const kind = detectRegistryKind(registry)
  const type: RegistryType =
    given !== undefined
      ? parseRegistryType(f.name, f.where, given)
      : f.field('username') !== undefined || f.field('password') !== undefined || kind.kind === 'basic'
        ? 'basic'
        : kind.kind
  const forbid = (keys: RegistryAuthKey[]): void => {
    for (const key of keys)
      if (f.field(key) !== undefined)
        throw new InputError(
          f.name,
          `${f.where}: '${key}' does not go with type ${type} (it logs in with cloud tokens)`
        )
  }
  switch (type) {
    case 'basic':
      forbid(['region', 'registry-id'])
      return {
        registry,
        type,
        username: f.required('username', 'as a non-empty string'),
        password: f.required('password', 'as a non-empty string')
      }
    case 'ecr': {
      forbid(['username', 'password'])
      const region = f.field('region') ?? (kind.kind === 'ecr' ? kind.region : undefined)
      if (region !== undefined && !isValidAwsRegion(region))
        throw new InputError(f.name, `${f.where}: region '${region}' is not an AWS region such as eu-west-1`)
      const registryId = f.field('registry-id') ?? (kind.kind === 'ecr' ? kind.account : undefined)
      if (registryId !== undefined && !isAwsAccount(registryId))
        throw new InputError(f.name, `${f.where}: registry-id '${registryId}' is not a 12-digit AWS account ID`)
      return {registry, type, region, registryId}
    }
    case 'ecr-public':
    case 'acr':
      forbid(['username', 'password', 'region', 'registry-id'])
      return {registry, type}
  }
}

/** Keys whose values are pasted in by `${{ }}`: YAML must not change them. */
const PASTED_KEYS: readonly string[] = ['username', 'password', 'registry-id']
const QUOTE_HINT = 'Quote pasted values; always safe: password: ${{ toJSON(secrets.NAME) }}'

/**
 * A secret pasted into YAML unquoted can be changed without a word: `abc #x`
 * loses ` #x` (a comment), `0123` becomes 123, `1e3` 1000, `true` a boolean.
 * Such values are refused, with how to quote them.
 */
function checkSecretScalars(name: string, raw: string, contents: unknown): void {
  if (!isSeq(contents)) return
  contents.items.forEach((entry, i) => {
    if (!isMap(entry)) return
    for (const pair of entry.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : ''
      const value = pair.value
      if (!PASTED_KEYS.includes(key) || !isScalar(value) || value.value === null) continue
      const where = `entry ${i + 1}: '${key}'`
      if (typeof value.value !== 'string') {
        // a password is not shown: the input is not masked yet
        const shown = key === 'password' ? 'the value' : raw.slice(value.range?.[0] ?? 0, value.range?.[1] ?? 0)
        throw new InputError(
          name,
          `${where}: YAML reads ${shown} as a ${typeof value.value} (${key === 'password' ? 'not shown' : JSON.stringify(value.value)}), not as text. ${QUOTE_HINT}`
        )
      }
      if (value.type === 'PLAIN' && value.range) {
        const rest = raw.slice(value.range[1]).split(/\r?\n/)[0] ?? ''
        if (/^[ \t]+#/.test(rest)) {
          throw new InputError(name, `${where}: the value is cut where ' #' starts a YAML comment. ${QUOTE_HINT}`)
        }
      }
    }
  })
}

function parseRegistryType(name: string, where: string, raw: string): RegistryType {
  const found = REGISTRY_TYPES.find(t => t === raw.toLowerCase())
  if (found === undefined) {
    throw new InputError(name, `${where}: unknown type '${raw}'; accepted types: ${REGISTRY_TYPES.join(', ')}`)
  }
  return found
}

/** `https://ghcr.io/` → `ghcr.io`; Docker Hub's aliases → `docker.io`. */
export function normalizeRegistryHost(raw: string): string {
  const host = raw
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase()
  if (['index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'].includes(host)) {
    return 'docker.io'
  }
  return host
}
