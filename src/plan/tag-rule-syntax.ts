/**
 * metadata-action's tag language as written: `type=` lines of `tags` and the `flavor` input, parsed
 * and checked, with metadata-action's defaults filled in. Pure.
 */
import {InputError} from '../errors'
import {csvFields} from '../inputs/list-grammar'

export const RULE_TYPES = ['schedule', 'semver', 'pep440', 'match', 'edge', 'ref', 'raw', 'sha'] as const
export type RuleType = (typeof RULE_TYPES)[number]

const DEFAULT_PRIORITY: Record<RuleType, number> = {
  schedule: 1000,
  semver: 900,
  pep440: 900,
  match: 800,
  edge: 700,
  ref: 600,
  raw: 200,
  sha: 100
}
const COMMON = ['enable', 'priority', 'prefix', 'suffix']
const ATTRIBUTES: Record<RuleType, readonly string[]> = {
  schedule: ['pattern'],
  semver: ['pattern', 'value', 'match'],
  pep440: ['pattern', 'value', 'match'],
  match: ['pattern', 'group', 'value'],
  edge: ['branch'],
  ref: ['event'],
  raw: ['value'],
  sha: ['format']
}

export interface TagRule {
  readonly type: RuleType
  /** as written, with metadata-action's defaults filled in (prefix only where a type has one) */
  readonly attrs: Readonly<Record<string, string>>
  readonly priority: number
  readonly line: string
}

export interface Flavor {
  readonly latest: 'auto' | 'true' | 'false'
  readonly prefix: string
  readonly prefixOnLatest: boolean
  readonly suffix: string
  readonly suffixOnLatest: boolean
}

export const DEFAULT_FLAVOR: Flavor = {
  latest: 'auto',
  prefix: '',
  prefixOnLatest: false,
  suffix: '',
  suffixOnLatest: false
}

/** A `tags` line in metadata-action's language (`type=…`), as opposed to a plain tag. */
export function isTagRule(line: string): boolean {
  return /^\s*type\s*=/i.test(line)
}

/** Fails naming the input and the line. */
export function fail(input: string, line: string, why: string): never {
  throw new InputError(input, `'${line}': ${why}`)
}

/** One `type=…` line, checked: its type, the attributes that type takes, and metadata-action's defaults. */
export function parseTagRule(line: string): TagRule {
  const {type, attrs} = typeAndAttributes(line)
  fillDefaults(type, attrs, line)
  attrs.enable ??= 'true'
  const priority = attrs.priority === undefined ? DEFAULT_PRIORITY[type] : Number(attrs.priority)
  if (!Number.isInteger(priority)) fail('tags', line, `priority=${attrs.priority ?? ''} is not a whole number`)
  return {type, attrs, priority, line: line.trim()}
}

/** A rule's type and attributes as written (a bare field is `value`), each attribute one its type takes. */
function typeAndAttributes(line: string): {type: RuleType; attrs: Record<string, string>} {
  const attrs: Record<string, string> = {}
  let type: RuleType | undefined
  for (const field of csvFields('tags', line.trim())) {
    const eq = field.indexOf('=')
    if (eq <= 0) {
      attrs.value = field
      continue
    }
    const key = field.slice(0, eq).trim().toLowerCase()
    const value = field.slice(eq + 1).trim()
    if (key === 'type') {
      type = RULE_TYPES.find(t => t === value)
      if (type === undefined) fail('tags', line, `'${value}' is not a tag type; accepted: ${RULE_TYPES.join(', ')}`)
    } else attrs[key] = value
  }
  if (type === undefined) return fail('tags', line, `has no type; accepted: ${RULE_TYPES.join(', ')}`)
  const allowed = [...COMMON, ...ATTRIBUTES[type]]
  for (const key of Object.keys(attrs)) {
    if (!allowed.includes(key)) fail('tags', line, `type=${type} takes no '${key}'; it takes ${allowed.join(', ')}`)
  }
  return {type, attrs}
}

/** metadata-action's default for each attribute a type has, and the attributes it cannot do without. */
function fillDefaults(type: RuleType, attrs: Record<string, string>, line: string): void {
  const need = (key: string) => {
    if (attrs[key] === undefined) fail('tags', line, `type=${type} needs ${key}=`)
  }
  switch (type) {
    case 'schedule':
      attrs.pattern ??= 'nightly'
      return
    case 'semver':
    case 'pep440':
      need('pattern')
      attrs.value ??= ''
      attrs.match ??= ''
      return
    case 'match':
      need('pattern')
      attrs.group ??= '0'
      attrs.value ??= ''
      if (!/^\d+$/.test(attrs.group)) fail('tags', line, `group=${attrs.group} is not a group number`)
      return
    case 'edge':
      attrs.branch ??= ''
      return
    case 'ref':
      need('event')
      if (!['branch', 'tag', 'pr'].includes(attrs.event ?? ''))
        fail('tags', line, `event=${attrs.event ?? ''} is not accepted; use branch, tag or pr`)
      if (attrs.event === 'pr') attrs.prefix ??= 'pr-'
      return
    case 'raw':
      need('value')
      return
    case 'sha':
      attrs.prefix ??= 'sha-'
      attrs.format ??= 'short'
      if (!['short', 'long'].includes(attrs.format)) fail('tags', line, `format=${attrs.format} is not short or long`)
  }
}

/** A plain tag among rules: metadata-action takes it as `type=raw`. */
export function rawTagRule(tag: string): TagRule {
  return {type: 'raw', attrs: {value: tag, enable: 'true'}, priority: DEFAULT_PRIORITY.raw, line: tag}
}

/**
 * The `flavor` input: `latest=auto|true|false`, `prefix=…` and `suffix=…`, each optionally with
 * `,onlatest=true|false`. Without `latest=`, latest is `latest` (the `latest` input's value).
 */
export function parseFlavor(raw: string, latest: Flavor['latest'] = 'auto'): Flavor {
  const flavor = {...DEFAULT_FLAVOR, latest}
  for (const line of raw.split(/\r?\n/).map(l => l.trim())) {
    if (line === '' || line.startsWith('#')) continue
    let onLatestFor: 'prefix' | 'suffix' | undefined
    for (const field of csvFields('flavor', line)) {
      const eq = field.indexOf('=')
      if (eq <= 0) fail('flavor', line, `'${field}' is not key=value; accepted: latest=, prefix=, suffix=, onlatest=`)
      const key = field.slice(0, eq).trim().toLowerCase()
      const value = field.slice(eq + 1).trim()
      if (key === 'latest') {
        if (value !== 'auto' && value !== 'true' && value !== 'false')
          fail('flavor', line, `latest=${value} is not accepted; use auto, true or false`)
        flavor.latest = value
      } else if (key === 'prefix' || key === 'suffix') {
        flavor[key] = value
        onLatestFor = key
      } else if (key === 'onlatest') {
        if (value !== 'true' && value !== 'false') fail('flavor', line, `onlatest=${value} is not true or false`)
        if (onLatestFor === undefined) fail('flavor', line, `onlatest= follows prefix= or suffix= on the same line`)
        flavor[onLatestFor === 'prefix' ? 'prefixOnLatest' : 'suffixOnLatest'] = value === 'true'
      } else fail('flavor', line, `'${key}' is not a flavor; accepted: latest, prefix, suffix, onlatest`)
    }
  }
  return flavor
}
