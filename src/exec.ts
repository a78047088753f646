/** The one way we run a command: output captured, a non-zero exit becomes an error with its stderr. */
import * as exec from '@actions/exec'
import {ActionError} from './errors'

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

/** Runs and throws `<what> failed: <stderr>` on a non-zero exit. */
export async function runOrThrow(
  what: string,
  cmd: string,
  args: readonly string[],
  opts: RunOptions = {}
): Promise<RunResult> {
  const r = await run(cmd, args, opts)
  if (r.exitCode !== 0) {
    const detail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-15).join('\n')
    throw new ActionError(`${what} failed (exit ${r.exitCode}): ${detail}`)
  }
  return r
}
