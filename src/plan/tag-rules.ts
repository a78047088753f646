/**
 * metadata-action's tag language: `type=` lines in `tags` and the `flavor`
 * input, parsed and evaluated for one workflow run as metadata-action's
 * README documents them. Pure. One difference, by design: tags that follow a
 * release (`latest`, `{{major}}`, `{{major}}.{{minor}}`) come back floating,
 * and move only where no higher release is in the registry (floating-tags.ts).
 */
import * as semver from 'semver'
import {InputError} from '../errors'
import {isValidTag} from '../registry/reference'
import {parsePep440} from './pep440'
import {TemplateError, TemplateValue, namesIn, renderTemplate} from './template'
import {sanitizeTag} from './tags'
import type {FloatingTag} from './version'
import {isStableRelease} from './version'

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

/** What a rule may read of the run. */
export interface RuleContext {
  readonly eventName: string
  readonly ref: string
  readonly sha: string
  /** the repository's default branch, from the event payload */
  readonly defaultBranch: string | undefined
  /** `base_ref` of a push event's payload */
  readonly baseRef: string | undefined
  /** `pull_request.base.ref` of a pull request event's payload */
  readonly pullRequestBaseRef: string | undefined
  readonly now: Date
  /** the commit's date where the payload has it, else `now` */
  readonly commitDate: Date
  /** DOCKER_METADATA_SHORT_SHA_LENGTH, default 7 */
  readonly shortShaLength: number
}

export interface RuleTags {
  /** the first tag by priority: metadata-action's `version` output */
  readonly version: string | undefined
  /** the semver release these tags stand for, which floating tags are settled against */
  readonly release: string | undefined
  /** pushed whatever the registry holds, in priority order */
  readonly fixed: readonly string[]
  /** pushed only where no higher release exists */
  readonly floating: readonly FloatingTag[]
  /** rules that matched the run but gave no tag (metadata-action warns the same way) */
  readonly warnings: readonly string[]
}

/** A `tags` line in metadata-action's language (`type=…`), as opposed to a plain tag. */
export function isTagRule(line: string): boolean {
  return /^\s*type\s*=/i.test(line)
}

/** CSV fields of one line of `input`: commas separate, double quotes protect commas (`""` is a quote). */
function csvFields(input: string, line: string): string[] {
  const fields: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      fields.push(field)
      field = ''
    } else field += c
  }
  if (quoted) fail(input, line, 'a double quote is not closed')
  fields.push(field)
  return fields.map(f => f.trim()).filter(f => f !== '')
}

function fail(input: string, line: string, why: string): never {
  throw new InputError(input, `'${line}': ${why}`)
}

/** One `type=…` line, checked: its type, the attributes that type takes, and metadata-action's defaults. */
export function parseTagRule(line: string): TagRule {
  const fields = csvFields('tags', line.trim())
  const attrs: Record<string, string> = {}
  let type: RuleType | undefined
  for (const field of fields) {
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
  const need = (key: string) => {
    if (attrs[key] === undefined) fail('tags', line, `type=${type} needs ${key}=`)
  }
  switch (type) {
    case 'schedule':
      attrs.pattern ??= 'nightly'
      break
    case 'semver':
    case 'pep440':
      need('pattern')
      attrs.value ??= ''
      attrs.match ??= ''
      break
    case 'match':
      need('pattern')
      attrs.group ??= '0'
      attrs.value ??= ''
      if (!/^\d+$/.test(attrs.group)) fail('tags', line, `group=${attrs.group} is not a group number`)
      break
    case 'edge':
      attrs.branch ??= ''
      break
    case 'ref':
      need('event')
      if (!['branch', 'tag', 'pr'].includes(attrs.event ?? ''))
        fail('tags', line, `event=${attrs.event ?? ''} is not accepted; use branch, tag or pr`)
      if (attrs.event === 'pr') attrs.prefix ??= 'pr-'
      break
    case 'raw':
      need('value')
      break
    case 'sha':
      attrs.prefix ??= 'sha-'
      attrs.format ??= 'short'
      if (!['short', 'long'].includes(attrs.format)) fail('tags', line, `format=${attrs.format} is not short or long`)
      break
  }
  attrs.enable ??= 'true'
  const priority = attrs.priority === undefined ? DEFAULT_PRIORITY[type] : Number(attrs.priority)
  if (!Number.isInteger(priority)) fail('tags', line, `priority=${attrs.priority ?? ''} is not a whole number`)
  return {type, attrs, priority, line: line.trim()}
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

const TAG_REF = /^refs\/tags\//
const BRANCH_REF = /^refs\/heads\//
const PULL_REF = /^refs\/pull\//

function shortSha(ctx: RuleContext): string {
  return ctx.sha.slice(0, ctx.shortShaLength)
}

/** The `{{…}}` expressions every rule attribute, flavor and label may use. */
export function globalExpressions(ctx: RuleContext): Record<string, TemplateValue> {
  const branch = ctx.ref.replace(BRANCH_REF, '')
  const defaultBranchEvent = /create|discussion|issues|schedule/.test(ctx.eventName)
  const onDefault = branch !== '' && (branch === ctx.defaultBranch || defaultBranchEvent)
  let baseRef = ''
  if (TAG_REF.test(ctx.ref) && ctx.baseRef !== undefined) baseRef = ctx.baseRef.replace(BRANCH_REF, '')
  else if (PULL_REF.test(ctx.ref) && ctx.pullRequestBaseRef !== undefined) baseRef = ctx.pullRequestBaseRef
  return {
    branch: BRANCH_REF.test(ctx.ref) ? branch : '',
    tag: TAG_REF.test(ctx.ref) ? ctx.ref.replace(TAG_REF, '') : '',
    sha: shortSha(ctx),
    base_ref: baseRef,
    is_default_branch: String(onDefault),
    is_not_default_branch: String(!onDefault),
    date: {date: ctx.now},
    commit_date: {date: ctx.commitDate}
  }
}

/** Renders a template for `input`, turning a template error into a message naming the input and line. */
function render(input: string, line: string, template: string, values: Record<string, TemplateValue>): string {
  try {
    return renderTemplate(template, values)
  } catch (e) {
    if (e instanceof TemplateError) return fail(input, line, e.message)
    throw e
  }
}

/** `{{major}}.{{minor}}` follows the minor line, `{{major}}` the major one; a pattern with the full version follows none. */
function followedRange(pattern: string, version: semver.SemVer): string | undefined {
  const names = namesIn(pattern)
  if (names.some(n => n === 'version' || n === 'raw' || n === 'patch')) return undefined
  if (names.includes('minor')) return `${version.major}.${version.minor}.x`
  if (names.includes('major')) return `${version.major}.x`
  return '*'
}

/** A pattern as metadata-action reads it (`/re/flags`, or the text as a regular expression) applied to `raw`. */
function matchOf(line: string, pattern: string, raw: string): RegExpMatchArray | null {
  const literal = /^\/(.+)\/(.*)$/.exec(pattern)
  try {
    return raw.match(literal ? new RegExp(literal[1] ?? '', literal[2]) : new RegExp(pattern))
  } catch (e) {
    return fail('tags', line, `pattern is not a regular expression: ${(e as Error).message}`)
  }
}

/** A pre-release keeps a pattern that is exactly `{{raw}}`; any other pattern becomes its version. */
const RAW_ONLY = /^\{\{\s*raw\s*\}\}$/

interface Produced {
  readonly value: string
  /** metadata-action's latest for this rule under latest=auto */
  readonly latest: boolean
  readonly range?: string
}

/** Evaluates the rules (in priority order) for this run; plain lines have become `type=raw` rules. */
export function evaluateTagRules(rules: readonly TagRule[], flavor: Flavor, ctx: RuleContext): RuleTags {
  const globals = globalExpressions(ctx)
  const warnings: string[] = []
  const onTag = TAG_REF.test(ctx.ref)
  const tagName = ctx.ref.replace(TAG_REF, '')
  let release: string | undefined
  const produced: Produced[] = []
  let latest: boolean | undefined

  for (const rule of [...rules].sort((a, b) => b.priority - a.priority)) {
    const {attrs, line} = rule
    const g = (template: string) => render('tags', line, template, globals)
    const enable = g(attrs.enable ?? 'true')
    if (enable !== 'true' && enable !== 'false') fail('tags', line, `enable=${enable} is not true or false`)
    if (enable === 'false') continue
    const decorate = (value: string) => {
      const prefix = attrs.prefix !== undefined ? g(attrs.prefix) : g(flavor.prefix)
      const suffix = attrs.suffix !== undefined ? g(attrs.suffix) : g(flavor.suffix)
      return `${prefix}${value}${suffix}`
    }
    // what semver, pep440 and match read: value= where given, else the git tag (none off a tag)
    const subject = (): string | undefined => (attrs.value ? g(attrs.value) : !onTag ? undefined : tagName)
    // versions: match='s first group where it matches (a monorepo's orders/v1.2.3), then `/` as `-`, as metadata-action does
    const versionText = (): string | undefined => {
      let raw = subject()
      if (raw === undefined) return undefined
      if (attrs.match) {
        const found = matchOf(line, attrs.match, raw)
        if (found === null) warnings.push(`${line}: match=${attrs.match} does not match ${raw}`)
        else if (found[1] === undefined) warnings.push(`${line}: match=${attrs.match} has no group 1`)
        else raw = found[1]
      }
      return raw.replace(/\//g, '-')
    }
    let out: Produced | undefined
    switch (rule.type) {
      case 'schedule':
        if (/schedule/.test(ctx.eventName)) {
          const dates = {date: globals.date ?? '', commit_date: globals.commit_date ?? ''}
          out = {value: decorate(render('tags', line, attrs.pattern ?? '', dates)), latest: false}
        }
        break
      case 'semver': {
        const raw = versionText()
        if (raw === undefined) break
        const v = semver.valid(raw) === null ? null : semver.parse(raw, {loose: true})
        if (v === null) {
          warnings.push(`${line}: ${raw} is not a semver version`)
          break
        }
        release ??= v.version
        const names = {raw, version: v.version, major: String(v.major), minor: String(v.minor), patch: String(v.patch)}
        const pattern = attrs.pattern ?? ''
        if (v.prerelease.length > 0) {
          const only = RAW_ONLY.test(pattern) ? raw : v.version
          out = {value: decorate(only), latest: false}
        } else {
          const range = isStableRelease(v.version) ? followedRange(pattern, v) : undefined
          const value = decorate(render('tags', line, pattern, names))
          out = {value, latest: true, ...(range === undefined ? {} : {range})}
        }
        break
      }
      case 'pep440': {
        const raw = versionText()
        if (raw === undefined) break
        const v = parsePep440(raw)
        if (v === undefined) {
          warnings.push(`${line}: ${raw} is not a PEP 440 version`)
          break
        }
        const pattern = attrs.pattern ?? ''
        if (!v.isFinal) {
          out = {value: decorate(RAW_ONLY.test(pattern) ? raw : v.normalized), latest: false}
        } else {
          const [major = 0, minor = 0, patch = 0] = v.release
          const names = {raw, version: v.normalized, major: `${major}`, minor: `${minor}`, patch: `${patch}`}
          // a final release floats its X.Y and X tags and latest, as a semver release does
          const asSemver = semver.parse(`${major}.${minor}.${patch}`)
          if (asSemver !== null) release ??= asSemver.version
          const range = asSemver === null ? undefined : followedRange(pattern, asSemver)
          out = {
            value: decorate(render('tags', line, pattern, names)),
            latest: true,
            ...(range === undefined ? {} : {range})
          }
        }
        break
      }
      case 'match': {
        const raw = subject()
        if (raw === undefined) break
        const pattern = attrs.pattern ?? ''
        const found = matchOf(line, pattern, raw)
        const group = found?.[Number(attrs.group ?? 0)]
        if (group === undefined) {
          warnings.push(`${line}: ${found ? `no group ${attrs.group ?? 0}` : 'no match'} in ${raw}`)
          break
        }
        out = {value: decorate(group), latest: true}
        break
      }
      case 'ref':
        if (attrs.event === 'branch' && BRANCH_REF.test(ctx.ref))
          out = {value: decorate(ctx.ref.replace(BRANCH_REF, '')), latest: false}
        else if (attrs.event === 'tag' && onTag) out = {value: decorate(tagName), latest: true}
        else if (attrs.event === 'pr' && PULL_REF.test(ctx.ref))
          out = {value: decorate(ctx.ref.replace(PULL_REF, '').replace(/\/merge$/, '')), latest: false}
        break
      case 'edge': {
        const branch = attrs.branch || ctx.defaultBranch || ''
        if (BRANCH_REF.test(ctx.ref) && ctx.ref.replace(BRANCH_REF, '') === branch)
          out = {value: decorate('edge'), latest: false}
        break
      }
      case 'raw':
        out = {value: decorate(g(attrs.value ?? '')), latest: false}
        break
      case 'sha':
        if (ctx.sha !== '') out = {value: decorate(attrs.format === 'long' ? ctx.sha : shortSha(ctx)), latest: false}
        break
    }
    if (out === undefined || out.value === '') continue
    produced.push({...out, value: sanitizeTag(out.value)})
    latest ??= flavor.latest === 'auto' ? out.latest : flavor.latest === 'true'
  }

  // a tag push of a semver version is a release even when no semver rule read it (type=ref,event=tag)
  if (release === undefined && onTag) release = semver.valid(tagName) ?? undefined
  for (const p of produced) {
    if (!isValidTag(p.value))
      fail('tags', p.value, `is not a valid tag (1-128 of A-Z a-z 0-9 _ . -, not starting with . or -)`)
  }
  const fixed: string[] = []
  const floating: FloatingTag[] = []
  for (const p of produced) {
    if (fixed.includes(p.value) || floating.some(f => f.tag === p.value)) continue
    if (p.range !== undefined && release !== undefined) floating.push({tag: p.value, range: p.range})
    else fixed.push(p.value)
  }
  if (latest === true) {
    const tag = sanitizeTag(
      `${flavor.prefixOnLatest ? flavor.prefix : ''}latest${flavor.suffixOnLatest ? flavor.suffix : ''}`
    )
    // latest=auto: a semver release gets latest only where it is the highest (settled against the
    // registries), a pre-release never; a tag that is no semver version gets it as metadata-action does
    const settledAgainst = flavor.latest === 'auto' ? release : undefined
    if (!fixed.includes(tag) && !floating.some(f => f.tag === tag)) {
      if (settledAgainst === undefined) fixed.push(tag)
      else if (isStableRelease(settledAgainst)) floating.push({tag, range: '*'})
    }
  }
  return {version: produced[0]?.value, release, fixed, floating, warnings}
}
