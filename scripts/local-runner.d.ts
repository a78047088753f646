export declare const ROOT: string

export interface StepResult {
  readonly exitCode: number
  /** empty unless captured */
  readonly stdout: string
  readonly stderr: string
}

export interface ActionRun extends StepResult {
  readonly outputs: Record<string, string>
  readonly state: Record<string, string>
  readonly summary: string
  readonly runnerTemp: string
  /** what the step exported for later steps (GITHUB_ENV) */
  readonly exported: Record<string, string>
  /** the post step, unless opts.post was false */
  readonly post?: StepResult
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv
  /** the job's token, which a runner puts in for `${{ github.token }}` defaults (default none) */
  readonly githubToken?: string
  /** run the post step afterwards (default true) */
  readonly post?: boolean
  /** capture stdout/stderr (default true); false streams them to this terminal */
  readonly capture?: boolean
  /** a command the step's node runs under, per step (e.g. strace), as argv before node */
  readonly wrap?: (step: 'main' | 'post') => string[]
}

/** the node binary that runs the bundle (Node 24 where scripts/setup-engines.sh installed it) */
export declare function actionNode(): string
/** action.yml's input defaults, as a runner sends them */
export declare function actionDefaults(): Record<string, string>
/** the names of action.yml's inputs */
export declare function actionInputs(): string[]
export declare function parseCommandFile(text: string): Record<string, string>
export declare function runAction(inputs: Record<string, string>, opts?: RunOptions): Promise<ActionRun>
