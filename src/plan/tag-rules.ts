/**
 * metadata-action's tag language evaluated for one workflow run, as metadata-action's README
 * documents it (the rules as written: tag-rule-syntax.ts). Pure. One difference, by design: tags that follow a
 * release (`latest`, `{{major}}`, `{{major}}.{{minor}}`) come back floating,
 * and move only where no higher release is in the registry (floating-tags.ts).
 */
import * as semver from 'semver'
import {isValidTag} from '../registry/reference'
import {parsePep440} from './pep440'
import {TemplateError, TemplateValue, namesIn, renderTemplate} from './template'
import {sanitizeTag} from './tags'
import type {FloatingTag} from './version'
import {isStableRelease} from './version'
import {Flavor, RuleType, TagRule, fail} from './tag-rule-syntax'

export {DEFAULT_FLAVOR, RULE_TYPES, isTagRule, parseFlavor, parseTagRule, rawTagRule} from './tag-rule-syntax'
export type {Flavor, RuleType, TagRule} from './tag-rule-syntax'

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
  /** the version range the tag follows, where it floats */
  readonly range?: string
  /** the stable-or-not release version the rule read (semver and pep440 rules) */
  readonly release?: string
}

/** What a rule's producer sees of the run. */
interface RuleRun {
  readonly rule: TagRule
  readonly ctx: RuleContext
  readonly globals: Record<string, TemplateValue>
  /** the rule's text with the global expressions filled in */
  readonly g: (template: string) => string
  /** the rule's (else the flavor's) prefix and suffix around a value */
  readonly decorate: (value: string) => string
  readonly warn: (why: string) => void
}

const onTag = (r: RuleRun): boolean => TAG_REF.test(r.ctx.ref)
const tagName = (r: RuleRun): string => r.ctx.ref.replace(TAG_REF, '')

/** What semver, pep440 and match read: value= where given, else the git tag (none off a tag). */
function subject(r: RuleRun): string | undefined {
  if (r.rule.attrs.value) return r.g(r.rule.attrs.value)
  return onTag(r) ? tagName(r) : undefined
}

/** A version's text: match='s first group where it matches (a monorepo's orders/v1.2.3), then `/` as `-`, as metadata-action does. */
function versionText(r: RuleRun): string | undefined {
  let raw = subject(r)
  const match = r.rule.attrs.match
  if (raw === undefined) return undefined
  if (match) {
    const found = matchOf(r.rule.line, match, raw)
    if (found === null) r.warn(`match=${match} does not match ${raw}`)
    else if (found[1] === undefined) r.warn(`match=${match} has no group 1`)
    else raw = found[1]
  }
  return raw.replace(/\//g, '-')
}

function fromSchedule(r: RuleRun): Produced | undefined {
  if (!/schedule/.test(r.ctx.eventName)) return undefined
  const dates = {date: r.globals.date ?? '', commit_date: r.globals.commit_date ?? ''}
  return {value: r.decorate(render('tags', r.rule.line, r.rule.attrs.pattern ?? '', dates)), latest: false}
}

function fromSemver(r: RuleRun): Produced | undefined {
  const raw = versionText(r)
  if (raw === undefined) return undefined
  const v = semver.valid(raw) === null ? null : semver.parse(raw, {loose: true})
  if (v === null) return void r.warn(`${raw} is not a semver version`)
  const pattern = r.rule.attrs.pattern ?? ''
  if (v.prerelease.length > 0)
    return {value: r.decorate(RAW_ONLY.test(pattern) ? raw : v.version), latest: false, release: v.version}
  const names = {raw, version: v.version, major: String(v.major), minor: String(v.minor), patch: String(v.patch)}
  const range = isStableRelease(v.version) ? followedRange(pattern, v) : undefined
  const value = r.decorate(render('tags', r.rule.line, pattern, names))
  return {value, latest: true, release: v.version, ...(range === undefined ? {} : {range})}
}

function fromPep440(r: RuleRun): Produced | undefined {
  const raw = versionText(r)
  if (raw === undefined) return undefined
  const v = parsePep440(raw)
  if (v === undefined) return void r.warn(`${raw} is not a PEP 440 version`)
  const pattern = r.rule.attrs.pattern ?? ''
  if (!v.isFinal) return {value: r.decorate(RAW_ONLY.test(pattern) ? raw : v.normalized), latest: false}
  const [major = 0, minor = 0, patch = 0] = v.release
  const names = {raw, version: v.normalized, major: `${major}`, minor: `${minor}`, patch: `${patch}`}
  // a final release floats its X.Y and X tags and latest, as a semver release does
  const asSemver = semver.parse(`${major}.${minor}.${patch}`)
  const range = asSemver === null ? undefined : followedRange(pattern, asSemver)
  return {
    value: r.decorate(render('tags', r.rule.line, pattern, names)),
    latest: true,
    ...(asSemver === null ? {} : {release: asSemver.version}),
    ...(range === undefined ? {} : {range})
  }
}

function fromMatch(r: RuleRun): Produced | undefined {
  const raw = subject(r)
  if (raw === undefined) return undefined
  const found = matchOf(r.rule.line, r.rule.attrs.pattern ?? '', raw)
  const group = found?.[Number(r.rule.attrs.group ?? 0)]
  if (group === undefined) return void r.warn(`${found ? `no group ${r.rule.attrs.group ?? 0}` : 'no match'} in ${raw}`)
  return {value: r.decorate(group), latest: true}
}

function fromRef(r: RuleRun): Produced | undefined {
  const {ref} = r.ctx
  const event = r.rule.attrs.event
  if (event === 'branch' && BRANCH_REF.test(ref)) return {value: r.decorate(ref.replace(BRANCH_REF, '')), latest: false}
  if (event === 'tag' && onTag(r)) return {value: r.decorate(tagName(r)), latest: true}
  if (event === 'pr' && PULL_REF.test(ref))
    return {value: r.decorate(ref.replace(PULL_REF, '').replace(/\/merge$/, '')), latest: false}
  return undefined
}

function fromEdge(r: RuleRun): Produced | undefined {
  const branch = r.rule.attrs.branch || r.ctx.defaultBranch || ''
  const onBranch = BRANCH_REF.test(r.ctx.ref) && r.ctx.ref.replace(BRANCH_REF, '') === branch
  return onBranch ? {value: r.decorate('edge'), latest: false} : undefined
}

function fromRaw(r: RuleRun): Produced {
  return {value: r.decorate(r.g(r.rule.attrs.value ?? '')), latest: false}
}

function fromSha(r: RuleRun): Produced | undefined {
  if (r.ctx.sha === '') return undefined
  return {value: r.decorate(r.rule.attrs.format === 'long' ? r.ctx.sha : shortSha(r.ctx)), latest: false}
}

/** One producer per rule type, as metadata-action's procSemver, procPep440, procRef... */
const PRODUCERS: Readonly<Record<RuleType, (r: RuleRun) => Produced | undefined>> = {
  schedule: fromSchedule,
  semver: fromSemver,
  pep440: fromPep440,
  match: fromMatch,
  edge: fromEdge,
  ref: fromRef,
  raw: fromRaw,
  sha: fromSha
}

/** The rule's run: its expressions, its prefix and suffix (else the flavor's); undefined where enable= says false. */
function ruleRun(
  rule: TagRule,
  flavor: Flavor,
  ctx: RuleContext,
  globals: Record<string, TemplateValue>,
  warnings: string[]
): RuleRun | undefined {
  const {attrs, line} = rule
  const g = (template: string) => render('tags', line, template, globals)
  const enable = g(attrs.enable ?? 'true')
  if (enable !== 'true' && enable !== 'false') fail('tags', line, `enable=${enable} is not true or false`)
  if (enable === 'false') return undefined
  const decorate = (value: string) => {
    const prefix = attrs.prefix !== undefined ? g(attrs.prefix) : g(flavor.prefix)
    const suffix = attrs.suffix !== undefined ? g(attrs.suffix) : g(flavor.suffix)
    return `${prefix}${value}${suffix}`
  }
  return {rule, ctx, globals, g, decorate, warn: why => warnings.push(`${line}: ${why}`)}
}

/** Evaluates the rules (in priority order) for this run; plain lines have become `type=raw` rules. */
export function evaluateTagRules(rules: readonly TagRule[], flavor: Flavor, ctx: RuleContext): RuleTags {
  const globals = globalExpressions(ctx)
  const warnings: string[] = []
  const produced: Produced[] = []
  for (const rule of [...rules].sort((a, b) => b.priority - a.priority)) {
    const run = ruleRun(rule, flavor, ctx, globals, warnings)
    const out = run === undefined ? undefined : PRODUCERS[rule.type](run)
    if (out !== undefined && out.value !== '') produced.push({...out, value: sanitizeTag(out.value)})
  }
  for (const p of produced) {
    if (!isValidTag(p.value))
      fail('tags', p.value, `is not a valid tag (1-128 of A-Z a-z 0-9 _ . -, not starting with . or -)`)
  }
  // the release is the first version a rule read; a tag push of a semver version is one even when
  // no semver rule read it (type=ref,event=tag)
  const onTagPush = TAG_REF.test(ctx.ref)
  const release =
    produced.find(p => p.release !== undefined)?.release ??
    (onTagPush ? (semver.valid(ctx.ref.replace(TAG_REF, '')) ?? undefined) : undefined)
  const first = produced[0]
  const latest = first === undefined ? undefined : flavor.latest === 'auto' ? first.latest : flavor.latest === 'true'
  return {version: first?.value, release, ...settleTags(produced, release, latest, flavor), warnings}
}

/** Fixed and floating tags: what follows a release floats where there is one; latest as the flavor says. */
function settleTags(
  produced: readonly Produced[],
  release: string | undefined,
  latest: boolean | undefined,
  flavor: Flavor
): {fixed: string[]; floating: FloatingTag[]} {
  const fixed: string[] = []
  const floating: FloatingTag[] = []
  for (const p of produced) {
    if (fixed.includes(p.value) || floating.some(f => f.tag === p.value)) continue
    if (p.range !== undefined && release !== undefined) floating.push({tag: p.value, range: p.range})
    else fixed.push(p.value)
  }
  if (latest !== true) return {fixed, floating}
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
  return {fixed, floating}
}
