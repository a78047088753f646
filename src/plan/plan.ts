/** The publish plan before any registry is asked: version, tags, labels. Pure. */
import type {GitHubContext} from '../inputs/github-context'
import type {Inputs} from '../inputs/inputs'
import {Labels, mergeLabels, ociLabels} from './labels'
import {TagPlan, planTags} from './tags'

export interface Plan {
  readonly version: string | undefined
  readonly tags: TagPlan
  readonly labels: Labels
}

export function makePlan(inputs: Inputs, ctx: GitHubContext, now: Date): Plan {
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
    tags,
    labels: mergeLabels(ociLabels(ctx, inputs.version, now), inputs.labels)
  }
}
