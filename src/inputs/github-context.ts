/** What the runner tells us about the workflow run, read from its environment. Pure. */
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
}

export function readGitHubContext(env: NodeJS.ProcessEnv, cwd: string, tmpdir: string): GitHubContext {
  return {
    ref: env.GITHUB_REF ?? '',
    sha: env.GITHUB_SHA ?? '',
    eventName: env.GITHUB_EVENT_NAME ?? '',
    repository: env.GITHUB_REPOSITORY ?? '',
    serverUrl: env.GITHUB_SERVER_URL ?? 'https://github.com',
    workspace: env.GITHUB_WORKSPACE || cwd,
    runnerTemp: env.RUNNER_TEMP || tmpdir,
    runId: env.GITHUB_RUN_ID ?? '',
    runAttempt: env.GITHUB_RUN_ATTEMPT ?? '',
    awsRegion: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined
  }
}
