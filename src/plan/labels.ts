/** OCI image labels from the workflow run, overridable by the `labels` input. Pure. */
import type {GitHubContext} from '../inputs/github-context'

export type Labels = Record<string, string>

/**
 * A value from the event payload on one line: a label is echoed in the build command and is one
 * line of the labels output, and the runner starts a new log line at \r or \n.
 */
export function oneLine(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim()
}

export function ociLabels(
  ctx: Pick<GitHubContext, 'serverUrl' | 'repository' | 'sha' | 'event'>,
  version: string | undefined,
  created: Date
): Labels {
  const labels: Labels = {'org.opencontainers.image.created': created.toISOString()}
  if (ctx.repository !== '') {
    labels['org.opencontainers.image.source'] = `${ctx.serverUrl}/${ctx.repository}`
    labels['org.opencontainers.image.title'] = ctx.repository.split('/').pop() ?? ctx.repository
    labels['org.opencontainers.image.url'] = oneLine(ctx.event.htmlUrl ?? `${ctx.serverUrl}/${ctx.repository}`)
  }
  // as metadata-action: from the repository in the event payload, where it has them
  if (ctx.event.description !== undefined)
    labels['org.opencontainers.image.description'] = oneLine(ctx.event.description)
  if (ctx.event.license !== undefined) labels['org.opencontainers.image.licenses'] = oneLine(ctx.event.license)
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
