/** Runs the bundled action as a runner would: INPUT_* variables, GITHUB_* files, then the post step. */
import {spawn} from 'child_process'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'

export const ROOT = path.resolve(__dirname, '..', '..')

export interface ActionRun {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
  readonly outputs: Record<string, string>
  readonly state: Record<string, string>
  readonly summary: string
  readonly runnerTemp: string
}

/** Parses the `name<<delimiter` file format of GITHUB_OUTPUT and GITHUB_STATE. */
export function parseCommandFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '')
    if (m?.[1] === undefined || m[2] === undefined) continue
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i] ?? '')
    out[m[1]] = value.join('\n')
  }
  return out
}

function spawnNode(script: string, env: NodeJS.ProcessEnv): Promise<{exitCode: number; stdout: string; stderr: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], {env, cwd: env.GITHUB_WORKSPACE ?? ROOT})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => (stdout += d))
    child.stderr.on('data', d => (stderr += d))
    child.on('error', reject)
    child.on('close', code => resolve({exitCode: code ?? -1, stdout, stderr}))
  })
}

/** A minimal environment, like a runner's, without INPUT_* leaking in from the test process. */
function baseEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('INPUT_') && !k.startsWith('GITHUB_') && !k.startsWith('STATE_') && !k.startsWith('RUNNER_')) env[k] = v
  }
  return {...env, ...extra}
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv
  /** run the post step afterwards (default true) */
  readonly post?: boolean
}

export async function runAction(inputs: Record<string, string>, opts: RunOptions = {}): Promise<ActionRun & {post?: {exitCode: number; stdout: string}}> {
  const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-runner-'))
  const files = {
    GITHUB_OUTPUT: path.join(runnerTemp, 'output'),
    GITHUB_STATE: path.join(runnerTemp, 'state'),
    GITHUB_STEP_SUMMARY: path.join(runnerTemp, 'summary'),
    GITHUB_ENV: path.join(runnerTemp, 'env'),
    GITHUB_PATH: path.join(runnerTemp, 'path')
  }
  for (const f of Object.values(files)) fs.writeFileSync(f, '')
  const env = baseEnv({
    GITHUB_WORKSPACE: ROOT,
    GITHUB_REPOSITORY: 'acme/orders',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/heads/main',
    RUNNER_TEMP: runnerTemp,
    ...files,
    ...opts.env
  })
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  const main = await spawnNode(path.join(ROOT, 'dist', 'index.js'), env)
  const state = parseCommandFile(fs.readFileSync(files.GITHUB_STATE, 'utf8'))
  const run: ActionRun = {
    ...main,
    outputs: parseCommandFile(fs.readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    state,
    summary: fs.readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    runnerTemp
  }
  if (opts.post === false) return run
  const postEnv: NodeJS.ProcessEnv = {...env}
  for (const [k, v] of Object.entries(state)) postEnv[`STATE_${k}`] = v
  const post = await spawnNode(path.join(ROOT, 'dist', 'post', 'index.js'), postEnv)
  return {...run, post}
}

/** The annotation lines (`::error::…`) of a run, decoded. */
export function errors(run: {stdout: string}): string[] {
  return run.stdout
    .split('\n')
    .filter(l => l.startsWith('::error::'))
    .map(l => l.slice('::error::'.length).replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%'))
}
