/** OCI image labels from the workflow run, overridable by the `labels` input. Pure. */
import type {GitHubContext} from '../inputs/github-context'

export type Labels = Record<string, string>

export function ociLabels(
  ctx: Pick<GitHubContext, 'serverUrl' | 'repository' | 'sha' | 'event'>,
  version: string | undefined,
  created: Date
): Labels {
  const labels: Labels = {'org.opencontainers.image.created': created.toISOString()}
  if (ctx.repository !== '') {
    labels['org.opencontainers.image.source'] = `${ctx.serverUrl}/${ctx.repository}`
    labels['org.opencontainers.image.title'] = ctx.repository.split('/').pop() ?? ctx.repository
    labels['org.opencontainers.image.url'] = ctx.event.htmlUrl ?? `${ctx.serverUrl}/${ctx.repository}`
  }
  // as metadata-action: from the repository in the event payload, where it has them
  if (ctx.event.description !== undefined) labels['org.opencontainers.image.description'] = ctx.event.description
  if (ctx.event.license !== undefined) labels['org.opencontainers.image.licenses'] = ctx.event.license
  if (ctx.sha !== '') labels['org.opencontainers.image.revision'] = ctx.sha
  if (version !== undefined) labels['org.opencontainers.image.version'] = version
  return labels
}

/** User labels win over ours; order: ours first, then the user's new ones. */
export function mergeLabels(defaults: Labels, user: ReadonlyArray<readonly [string, string]>): Labels {
  const merged: Labels = {...defaults}
  for (const [k, v] of user) merged[k] = v
  return merged
}
