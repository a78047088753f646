/** The publish plan before any registry is asked: version, tags, labels. Pure. */
import type {GitHubContext} from '../inputs/github-context'
import type {Inputs} from '../inputs/inputs'
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
  if (inputs.tagRules.length > 0) {
    const r = evaluateTagRules(inputs.tagRules, inputs.flavor, rules)
    return {
      version: r.release,
      versionName: r.version,
      warnings: r.warnings,
      tags: {fixed: r.fixed, floating: r.floating},
      ...labelsAndAnnotations(inputs, ctx, r.version, now, globalExpressions(rules))
    }
  }
  const tags = planTags({
    version: inputs.version,
    semverTags: inputs['semver-tags'],
    latest: inputs.latest,
    extraTags: inputs.tags,
    ref: ctx.ref,
    sha: ctx.sha,
    eventName: ctx.eventName
  })
  return {
    version: inputs.version,
    versionName: inputs.version,
    warnings: [],
    tags,
    ...labelsAndAnnotations(inputs, ctx, inputs.version, now, globalExpressions(rules))
  }
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
  inputs: Pick<Inputs, 'labels' | 'annotations'>,
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
