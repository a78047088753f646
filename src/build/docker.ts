/** The docker CLI: which one builds, and the commands we run with it. */
import {spawn} from 'child_process'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import type {Readable} from 'stream'
import {Builder, DockerProbe, chooseBuilder} from './builder-choice'
import {BuildxFiles, buildxInstalled, driverFromFiles} from './buildx-state'
import {userDockerConfigDir} from '../auth/docker-config'
import {ImageStore, engineSharesLoopback} from './build-path'
import {DEFAULT_RETRY, RetryBudget, withRetry} from '../registry/retry'
import {ActionError, InputError} from '../errors'
import {RunResult, run} from '../exec'
import * as core from '@actions/core'

/** Every distinct `docker` executable on PATH, in PATH order. */
export function dockerClientsOnPath(envPath: string): string[] {
  const found: string[] = []
  const real = new Set<string>()
  for (const dir of envPath.split(path.delimiter)) {
    if (dir === '') continue
    const candidate = path.join(dir, 'docker')
    try {
      fs.accessSync(candidate, fs.constants.X_OK)
      const r = fs.realpathSync(candidate)
      if (!real.has(r)) found.push(candidate)
      real.add(r)
    } catch {
      // not here
    }
  }
  return found
}

interface ClientProbe extends DockerProbe {
  /** `ServerVersion`, empty when the engine does not answer this client */
  readonly server: string
  /** the engine's image store, from `docker info` */
  readonly store: ImageStore
  /** the engine reaches our 127.0.0.1 (`docker info`: its host name is ours, not rootless) */
  readonly sharesLoopback: boolean
  /** the driver named by `docker buildx inspect [builder]` */
  readonly driver: string | undefined
  /** why `buildx inspect` failed where buildx exists (e.g. no such builder) */
  readonly inspectError: string | undefined
}

const LOCAL_FILES: BuildxFiles = {
  read: file => {
    try {
      return fs.readFileSync(file, 'utf8')
    } catch {
      return undefined
    }
  },
  executable: file => {
    try {
      fs.accessSync(file, fs.constants.X_OK)
      return fs.statSync(file).isFile()
    } catch {
      return false
    }
  }
}

/** `Version` of `docker info`'s ClientInfo; clients before 23 do not report it. */
function clientVersionOf(clientInfo: string): string | undefined {
  try {
    return (JSON.parse(clientInfo) as {Version?: string}).Version
  } catch {
    return undefined
  }
}

const INFO_FORMAT = '{{json .DriverStatus}}|{{.ServerVersion}}|{{json .ClientInfo}}|{{.Name}}|{{json .SecurityOptions}}'

/**
 * Two calls at once: `docker info` (engine version, image store, and the client's
 * version where the client reports it) and `buildx inspect`, which also tells
 * whether buildx works. Only an old client without buildx is asked its version.
 */
async function probe(
  docker: string,
  env: NodeJS.ProcessEnv,
  builderName: string | undefined,
  known: {driver: string} | undefined
): Promise<ClientProbe> {
  const [info, inspect] = await Promise.all([
    run(docker, ['info', '--format', INFO_FORMAT], {env}).catch(() => undefined),
    known !== undefined
      ? undefined
      : run(docker, ['buildx', 'inspect', ...(builderName ? [builderName] : [])], {env}).catch(() => undefined)
  ])
  const [status = '', server = '', clientInfo = '{}', name = '', security = '[]'] = (
    info?.exitCode === 0 ? info.stdout.trim() : ''
  ).split('|')
  const noBuildx =
    known === undefined &&
    (inspect === undefined || /is not a docker command|unknown command|unknown flag/i.test(inspect.stderr))
  let client = clientVersionOf(clientInfo)
  if (client === undefined) {
    const version = await run(docker, ['version', '--format', '{{.Client.Version}}'], {env}).catch(() => undefined)
    client = version?.stdout.trim().split('\n')[0]
  }
  return {
    path: docker,
    clientVersion: client !== undefined && /^\d+\./.test(client.trim()) ? client.trim() : undefined,
    server: server.trim(),
    store: /io\.containerd\.snapshotter/.test(status) ? 'containerd' : 'classic',
    sharesLoopback: engineSharesLoopback(name.trim(), jsonStrings(security), os.hostname()),
    buildx: !noBuildx,
    driver: known?.driver ?? /^Driver:\s*(\S+)/m.exec(inspect?.stdout ?? '')?.[1],
    inspectError:
      inspect !== undefined && !noBuildx && inspect.exitCode !== 0 ? inspect.stderr.trim().split('\n').pop() : undefined
  }
}

/** The JSON array `text` holds; undefined for anything else. */
function jsonArray(text: string): unknown[] | undefined {
  try {
    const v = JSON.parse(text) as unknown
    return Array.isArray(v) ? v : undefined
  } catch {
    return undefined
  }
}

const isString = (x: unknown): x is string => typeof x === 'string'

/** The strings of a JSON array (`docker info`'s SecurityOptions); none for anything else. */
function jsonStrings(text: string): string[] {
  return (jsonArray(text) ?? []).filter(isString)
}

export interface DetectedBuilder {
  readonly builder: Builder
  readonly probes: DockerProbe[]
  readonly server: string
  /** the buildx driver (undefined for the engine's built-in BuildKit) */
  readonly driver: string | undefined
  readonly store: ImageStore
  readonly sharesLoopback: boolean
}

/** The client to build with, its builder's driver, the engine's image store, and proof that the engine answers. */
export async function detectBuilder(env: NodeJS.ProcessEnv, builderName: string | undefined): Promise<DetectedBuilder> {
  const clients = dockerClientsOnPath(env.PATH ?? '')
  // buildx's own files usually settle whether it is installed and which driver builds: then no buildx process
  const configDir = userDockerConfigDir(env)
  const driver = buildxInstalled(configDir, LOCAL_FILES)
    ? driverFromFiles(env, configDir, builderName, LOCAL_FILES)
    : undefined
  const known = driver === undefined ? undefined : {driver}
  // in PATH order, up to the first client with buildx: buildx wins wherever it is, and a runner has one client
  const probes: ClientProbe[] = []
  for (const docker of clients) {
    const p = await probe(docker, env, builderName, known)
    probes.push(p)
    if (p.buildx) break
  }
  const builder = chooseBuilder(probes)
  const chosen = probes.find(p => p.path === builder.docker)
  if (builderName !== undefined && builder.kind !== 'buildx') {
    throw new InputError(
      'builder',
      `'${builderName}' is a buildx builder, and no docker client here has buildx; set up buildx (docker/setup-buildx-action) or remove 'builder'`
    )
  }
  if (chosen?.inspectError !== undefined) {
    throw new ActionError(
      builderName !== undefined
        ? `The buildx builder '${builderName}' (input 'builder') cannot be used: ${chosen.inspectError}. Create it (docker/setup-buildx-action) or name one that 'docker buildx ls' shows.`
        : `The current buildx builder cannot be used: ${chosen.inspectError}`
    )
  }
  if (chosen === undefined || chosen.server === '') {
    const why = await run(builder.docker, ['version'], {env}).catch(() => undefined)
    throw new ActionError(
      `Cannot reach the Docker engine with ${builder.docker}: ${why?.stderr.trim().split('\n').pop() ?? ''}`
    )
  }
  return {
    builder,
    probes,
    server: chosen.server,
    driver: builder.kind === 'buildx' ? chosen.driver : undefined,
    store: chosen.store,
    sharesLoopback: chosen.sharesLoopback
  }
}

/**
 * `docker login` and `docker logout` into this run's config directory: all that a mirror or a merge
 * asks of docker (with `logout: false`, for later steps), with the docker client on PATH.
 */
export class DockerLogins {
  readonly env: NodeJS.ProcessEnv

  constructor(
    /** the docker CLI that runs */
    readonly client: string,
    configDir: string,
    baseEnv: NodeJS.ProcessEnv
  ) {
    this.env = {...baseEnv, DOCKER_CONFIG: configDir}
  }

  /**
   * The password reaches docker on stdin, never on its command line. A
   * login refused three times fails; a registry that is briefly unavailable
   * is asked again.
   */
  async login(
    registry: string,
    username: string,
    password: string,
    sleep = (ms: number) => new Promise<void>(r => setTimeout(r, ms))
  ): Promise<void> {
    // a refusal counts once it repeats: when a registry (or a proxy) fails docker's authenticated
    // request, docker reports the 401 challenge that came before it
    let refusals = 0
    const refused = (detail: string): boolean => /\b401\b|unauthorized|denied/i.test(detail)
    try {
      await withRetry(
        {...DEFAULT_RETRY, attempts: 8, sleep},
        new RetryBudget(),
        {error: e => e instanceof LoginFailed && !(refused(e.detail) && ++refusals >= 3)},
        async () => {
          const r = await run(this.client, ['login', '--username', username, '--password-stdin', registry], {
            env: this.env,
            input: Buffer.from(password)
          })
          if (r.exitCode !== 0) throw new LoginFailed(r.stderr.trim().split('\n').pop() ?? '')
        }
      )
    } catch (e) {
      if (!(e instanceof LoginFailed)) throw e
      if (refused(e.detail))
        throw new ActionError(
          `Login to ${registry} as '${username}' was refused: ${e.detail}. Check the username and password ` +
            `(or token) given for ${registry} in 'username'/'password' or 'registry-auth'.`
        )
      throw new ActionError(`Login to ${registry} failed: ${e.detail}`)
    }
  }

  async logout(registry: string): Promise<void> {
    await run(this.client, ['logout', registry], {env: this.env})
  }
}

/** The docker client of the chosen builder, bound to this run's config directory: it logs in, builds and saves. */
export class Docker extends DockerLogins {
  constructor(
    readonly builder: Builder,
    configDir: string,
    baseEnv: NodeJS.ProcessEnv
  ) {
    super(builder.docker, configDir, baseEnv)
    if (builder.kind === 'buildkit') this.env.DOCKER_BUILDKIT = '1'
  }

  /** Runs the build; `args` come from buildArguments(). */
  async build(args: readonly string[], cwd: string): Promise<void> {
    const r = await run(this.client, args, {env: this.env, cwd, stream: true})
    if (r.exitCode !== 0) {
      const tail = r.stderr.trim().split('\n').slice(-12).join('\n')
      throw new ActionError(`The image build failed (exit ${r.exitCode}). Last lines:\n${tail}`)
    }
  }

  /** `--call check,format=json`: the JSON on stdout, buildx's progress on stderr (shown in the log). */
  async check(args: readonly string[], cwd: string): Promise<RunResult> {
    const r = await run(this.client, args, {env: this.env, cwd})
    if (r.stderr.trim() !== '') core.info(r.stderr.trimEnd())
    return r
  }

  /** The image's diff IDs, bottom layer first; undefined when the engine does not say (nothing depends on it). */
  async diffIds(image: string): Promise<string[] | undefined> {
    const r = await run(this.client, ['image', 'inspect', '--format', '{{json .RootFS.Layers}}', image], {
      env: this.env
    }).catch(() => undefined)
    if (r?.exitCode !== 0) return undefined
    const layers = jsonArray(r.stdout.trim())
    return layers?.every(isString) === true ? layers : undefined
  }

  /** `docker save` as a stream; a failure of docker ends the stream with an error. */
  /** The ID of an image the engine holds (by name or ID); undefined when it holds none by that name. */
  async imageId(image: string): Promise<string | undefined> {
    const r = await run(this.client, ['image', 'inspect', '--format', '{{.Id}}', image], {env: this.env})
    if (r.exitCode !== 0) {
      core.debug(`docker image inspect ${image}: ${r.stderr.trim()}`)
      return undefined
    }
    return r.stdout.trim() || undefined
  }

  save(image: string): Readable {
    const child = spawn(this.client, ['save', image], {env: this.env, stdio: ['ignore', 'pipe', 'pipe']})
    let stderr = ''
    child.stderr.on('data', d => (stderr += d))
    child.on('close', code => {
      if (code !== 0)
        child.stdout.destroy(new ActionError(`docker save ${image} failed (exit ${code}): ${stderr.trim()}`))
    })
    return child.stdout
  }
}

/** One `docker login` that did not succeed, with the last line docker wrote. */
class LoginFailed extends Error {
  constructor(readonly detail: string) {
    super(detail)
  }
}
