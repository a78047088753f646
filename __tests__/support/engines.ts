/**
 * The engines the suite runs on: Debian 12's Docker 20.10 (the engine's own
 * BuildKit, no buildx), and Docker 28 with buildx on the classic and on the
 * containerd image store, as GitHub's runners have them (scripts/setup-engines.sh).
 */
import {execFile} from 'child_process'
import * as fs from 'fs'
import {promisify} from 'util'

const run = promisify(execFile)
const ENGINES_FILE = `${process.env.STEVEDORE_ENGINES ?? '/opt/stevedore'}/engines.json`

export const ENGINE_NAMES = ['docker20', 'd28-classic', 'd28-containerd'] as const
export type EngineName = (typeof ENGINE_NAMES)[number]

export interface Engine {
  readonly name: EngineName
  /** the image store: what `docker save` gives and what an image ID is */
  readonly store: 'classic' | 'containerd'
  /** what a step needs in its environment to use this engine */
  readonly env: NodeJS.ProcessEnv
  docker(args: string[], input?: string): Promise<string>
}

interface EngineEntry {
  DOCKER_HOST: string
  /** the whole PATH (docker20: exactly one docker), or a prefix to the suite's */
  PATH?: string
  PATH_PREFIX?: string
  DOCKER_CONFIG: string
  store: 'classic' | 'containerd'
}

function entries(): Record<string, EngineEntry | string> {
  if (!fs.existsSync(ENGINES_FILE)) {
    throw new Error(`${ENGINES_FILE} is missing: run scripts/setup-engines.sh (npm run test:all does)`)
  }
  return JSON.parse(fs.readFileSync(ENGINES_FILE, 'utf8')) as Record<string, EngineEntry | string>
}

export function engine(name: EngineName): Engine {
  const e = entries()[name]
  if (e === undefined || typeof e === 'string') throw new Error(`${ENGINES_FILE} has no engine ${name}`)
  const env: NodeJS.ProcessEnv = {
    DOCKER_HOST: e.DOCKER_HOST,
    PATH: e.PATH ?? `${e.PATH_PREFIX ?? ''}:${process.env.PATH ?? ''}`,
    DOCKER_CONFIG: e.DOCKER_CONFIG
  }
  const store = e.store
  return {
    name,
    store,
    env,
    async docker(args: string[], input?: string): Promise<string> {
      const p = run('docker', args, {maxBuffer: 64 * 1024 * 1024, env: {...process.env, ...env}})
      if (input !== undefined) p.child.stdin?.end(input)
      const {stdout} = await p
      return stdout.trim()
    }
  }
}

/** The tags of a repository that an engine holds (none where the image was published without loading it). */
export async function localTags(e: Engine, repository: string): Promise<string[]> {
  const out = await e.docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', repository])
  return out.split('\n').filter(t => t !== '' && !t.endsWith(':<none>'))
}

/** crane from Debian sid (go-containerregistry): a second registry and a second client. */
export function craneBinary(): string {
  const c = entries().crane
  if (typeof c !== 'string') throw new Error(`${ENGINES_FILE} names no crane binary`)
  return c
}

/** The buildx builder (remote driver) on the buildkitd of scripts/setup-engines.sh; use it with the d28 engines' env. */
export function remoteBuilder(): string {
  const b = entries().remoteBuilder
  if (typeof b !== 'string') throw new Error(`${ENGINES_FILE} names no remote builder: run scripts/setup-engines.sh`)
  return b
}

/** The registry (plain HTTP, fixed loopback port) the remote builder pulls from: `<host>/stevedore`, with busybox and sbom-scanner. */
export function remoteBases(): string {
  const b = entries().remoteBases
  if (typeof b !== 'string')
    throw new Error(`${ENGINES_FILE} names no registry for the remote builder: run scripts/setup-engines.sh`)
  return b
}
