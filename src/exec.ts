/** The one way we run a command: output captured (or streamed to the log), the exit code returned. */
import * as exec from '@actions/exec'

export interface RunOptions {
  /** written to the command's stdin (how secrets reach a command) */
  readonly input?: Buffer
  readonly env?: NodeJS.ProcessEnv
  readonly cwd?: string
  /** stream output to the log as it comes (builds, pushes) */
  readonly stream?: boolean
}

export interface RunResult {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
}

export async function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const options: exec.ExecOptions = {
    ignoreReturnCode: true,
    silent: opts.stream !== true
  }
  if (opts.input !== undefined) options.input = opts.input
  if (opts.env !== undefined) options.env = opts.env as Record<string, string>
  if (opts.cwd !== undefined) options.cwd = opts.cwd
  const r = await exec.getExecOutput(cmd, [...args], options)
  return {exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr}
}
