/** What the runner tells us about the workflow run, read from its environment. Pure. */
import {ActionError} from '../errors'

export interface GitHubContext {
  readonly ref: string
  readonly sha: string
  readonly eventName: string
  readonly repository: string
  readonly serverUrl: string
  readonly workspace: string
  readonly runnerTemp: string
  readonly runId: string
  readonly runAttempt: string
  /** what configure-aws-credentials exports */
  readonly awsRegion: string | undefined
  /** from the event payload (GITHUB_EVENT_PATH), where it has them */
  readonly event: EventFacts
  /** DOCKER_METADATA_SHORT_SHA_LENGTH, as metadata-action reads it (default 7) */
  readonly shortShaLength: number
  /** DOCKER_METADATA_ANNOTATIONS_LEVELS as given (plan/annotations.ts reads it) */
  readonly annotationLevels?: string | undefined
}

/** What tag rules and OCI labels read from the event payload. */
export interface EventFacts {
  readonly defaultBranch?: string
  readonly description?: string
  readonly htmlUrl?: string
  readonly license?: string
  /** `base_ref` of a push */
  readonly baseRef?: string
  /** `pull_request.base.ref` */
  readonly pullRequestBaseRef?: string
  /** `head_commit.timestamp` of a push */
  readonly commitDate?: Date
  /** `number` of a pull request event */
  readonly pullRequestNumber?: number
  /** `pull_request.head.sha` */
  readonly pullRequestHeadSha?: string
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {}

/** The facts we use from an event payload (parsed JSON; anything else gives none). */
export function eventFacts(payload: unknown): EventFacts {
  const p = obj(payload)
  const repo = obj(p.repository)
  const timestamp = str(obj(p.head_commit).timestamp)
  const date = timestamp === undefined ? undefined : new Date(timestamp)
  const facts: Record<string, unknown> = {
    defaultBranch: str(repo.default_branch),
    description: str(repo.description),
    htmlUrl: str(repo.html_url),
    license: str(obj(repo.license).spdx_id),
    baseRef: str(p.base_ref),
    pullRequestBaseRef: str(obj(obj(p.pull_request).base).ref),
    commitDate: date !== undefined && !Number.isNaN(date.getTime()) ? date : undefined,
    pullRequestNumber: typeof p.number === 'number' && Number.isInteger(p.number) ? p.number : undefined,
    pullRequestHeadSha: str(obj(obj(p.pull_request).head).sha)
  }
  return Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined))
}

export function readGitHubContext(
  env: NodeJS.ProcessEnv,
  cwd: string,
  tmpdir: string,
  payload: unknown = {}
): GitHubContext {
  const event = eventFacts(payload)
  const eventName = env.GITHUB_EVENT_NAME ?? ''
  const pullRequest = /pull_request/.test(eventName)
  // as metadata-action: pull_request_target runs on the base branch, but its tags are the pull request's
  const ref =
    /pull_request_target/.test(eventName) && event.pullRequestNumber !== undefined
      ? `refs/pull/${event.pullRequestNumber}/merge`
      : (env.GITHUB_REF ?? '')
  // DOCKER_METADATA_PR_HEAD_SHA: the pull request's head commit instead of the merge commit
  const headSha =
    pullRequest && /true/i.test(env.DOCKER_METADATA_PR_HEAD_SHA ?? '') ? event.pullRequestHeadSha : undefined
  return {
    ref,
    sha: headSha ?? env.GITHUB_SHA ?? '',
    eventName,
    repository: env.GITHUB_REPOSITORY ?? '',
    serverUrl: env.GITHUB_SERVER_URL ?? 'https://github.com',
    workspace: env.GITHUB_WORKSPACE || cwd,
    runnerTemp: env.RUNNER_TEMP || tmpdir,
    runId: env.GITHUB_RUN_ID ?? '',
    runAttempt: env.GITHUB_RUN_ATTEMPT ?? '',
    awsRegion: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    event,
    shortShaLength: shortShaLength(env.DOCKER_METADATA_SHORT_SHA_LENGTH),
    annotationLevels: env.DOCKER_METADATA_ANNOTATIONS_LEVELS
  }
}

/** DOCKER_METADATA_SHORT_SHA_LENGTH as metadata-action reads it: default 7; anything but a positive number fails. */
export function shortShaLength(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 7
  const n = Number(raw)
  if (!Number.isInteger(n) || n <= 0)
    throw new ActionError(
      `DOCKER_METADATA_SHORT_SHA_LENGTH is not a positive whole number: '${raw}' (metadata-action fails on it too); unset it or give a length such as 12`
    )
  return n
}
