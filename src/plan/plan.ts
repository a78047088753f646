/** The publish plan before any registry is asked: version, tags, labels. Pure. */
import type {GitHubContext} from '../inputs/github-context'
import type {BuildInputs, Inputs, MirrorInputs} from '../inputs/inputs'
import {Labels, mergeLabels, ociLabels} from './labels'
import {metadataAnnotations, parseAnnotationLevels} from './annotations'
import {RuleContext, evaluateTagRules, globalExpressions} from './tag-rules'
import {TemplateError, TemplateValue, renderTemplate} from './template'
import {InputError} from '../errors'
import {TagPlan, planTags} from './tags'

/** What metadata-action's rules read of the run. */
function ruleContext(ctx: GitHubContext, now: Date): RuleContext {
  return {
    eventName: ctx.eventName,
    ref: ctx.ref,
    sha: ctx.sha,
    defaultBranch: ctx.event.defaultBranch,
    baseRef: ctx.event.baseRef,
    pullRequestBaseRef: ctx.event.pullRequestBaseRef,
    now,
    commitDate: ctx.event.commitDate ?? now,
    shortShaLength: ctx.shortShaLength
  }
}

export interface Plan {
  /** where the tags come from, in words, for the log */
  readonly mode: string
  /** the release floating tags are settled against */
  readonly version: string | undefined
  /** the `version` output and label: the release, or with tag rules the first tag by priority */
  readonly versionName: string | undefined
  /** rules that gave no tag, for the log */
  readonly warnings: readonly string[]
  readonly tags: TagPlan
  readonly labels: Labels
  /** metadata-action's annotations, `level:key=value`, besides those of the `annotations` input */
  readonly annotations: readonly string[]
  /** the `annotations` input, its `{{…}}` expressions expanded */
  readonly userAnnotations: readonly string[]
}

export function makePlan(inputs: Inputs, ctx: GitHubContext, now: Date): Plan {
  const rules = ruleContext(ctx, now)
  // only a build writes labels and annotations: an existing image keeps its own
  const written = inputs.mode === 'build' || inputs.mode === 'check' ? inputs : {labels: [], annotations: []}
  if (inputs.tagRules.length > 0) {
    const r = evaluateTagRules(inputs.tagRules, inputs.flavor, rules)
    return {
      mode: `metadata-action's rules (${inputs.tagRules.length} in 'tags'; stevedore's default tags do not apply)`,
      version: r.release,
      versionName: r.version,
      warnings: r.warnings,
      tags: {fixed: r.fixed, floating: r.floating},
      ...labelsAndAnnotations(written, ctx, r.version, now, globalExpressions(rules))
    }
  }
  const source = inputs.mode === 'mirror' ? inputs.source : undefined
  const mirror = source !== undefined
  const planned = planTags({
    version: inputs.version,
    semverTags: inputs['semver-tags'],
    latest: inputs.latest,
    extraTags: inputs.tags,
    // a mirror makes no tag up from the run (a nightly schedule's branch, its commit)
    ref: mirror ? '' : ctx.ref,
    sha: mirror ? '' : ctx.sha,
    eventName: ctx.eventName
  })
  const tags = source !== undefined ? mirrorTags(planned, source) : planned
  return {
    mode: tagMode(inputs, mirror),
    version: inputs.version,
    versionName: inputs.version,
    warnings: [],
    tags,
    ...labelsAndAnnotations(written, ctx, inputs.version, now, globalExpressions(rules))
  }
}

/** Where the tags of a plan without rules come from, in words. */
function tagMode(inputs: Pick<Inputs, 'version' | 'tags'>, mirror: boolean): string {
  const extra = inputs.tags.length > 0 ? ` plus 'tags'` : ''
  if (mirror)
    return inputs.version !== undefined || inputs.tags.length > 0
      ? `a mirror, tagged by ${inputs.version !== undefined ? `'version'${extra}` : "'tags'"}`
      : "a mirror, keeping its source's tag"
  return inputs.version !== undefined
    ? `stevedore's defaults for the release ${inputs.version} (version, X.Y, X, latest)${extra}`
    : `stevedore's defaults for a branch build (branch, sha-<7>)${extra}`
}

/**
 * A mirror keeps its source's tag, as crane, skopeo and `imagetools create` do, unless `tags`
 * or `version` say otherwise; a source named by digest needs one of them.
 */
function mirrorTags(planned: TagPlan, source: MirrorInputs['source']): TagPlan {
  if (planned.fixed.length + planned.floating.length > 0) return planned
  if (source.tag === undefined)
    throw new InputError(
      'tags',
      `the source ${source.repository.name}@${source.digest ?? ''} is named by digest, so it has no tag to keep; give 'tags' (or 'version')`
    )
  return {fixed: [source.tag], floating: []}
}

/** metadata-action's global expressions ({{branch}}, {{date '…'}}, …) in a `labels` or `annotations` line. */
function expand(input: 'labels' | 'annotations', text: string, values: Record<string, TemplateValue>): string {
  if (!text.includes('{{')) return text
  try {
    return renderTemplate(text, values)
  } catch (e) {
    if (e instanceof TemplateError) throw new InputError(input, `'${text}': ${e.message}`)
    throw e
  }
}

function labelsAndAnnotations(
  inputs: Pick<BuildInputs, 'labels' | 'annotations'>,
  ctx: GitHubContext,
  version: string | undefined,
  now: Date,
  values: Record<string, TemplateValue>
): Pick<Plan, 'labels' | 'annotations' | 'userAnnotations'> {
  const oci = ociLabels(ctx, version, now)
  const labels = inputs.labels.map(([k, v]) => [k, expand('labels', v, values)] as const)
  const userAnnotations = inputs.annotations.map(a => expand('annotations', a, values))
  return {
    labels: mergeLabels(oci, labels),
    annotations: metadataAnnotations(oci, parseAnnotationLevels(ctx.annotationLevels), userAnnotations),
    userAnnotations
  }
}
