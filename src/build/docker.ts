/** The docker CLI: which one builds, and the commands we run with it. */
import {spawn} from 'child_process'
import * as fs from 'fs'
import * as path from 'path'
import type {Readable} from 'stream'
import {Builder, DockerProbe, chooseBuilder} from './builder-choice'
import {ActionError} from '../errors'
import {run} from '../exec'

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

async function probe(docker: string, env: NodeJS.ProcessEnv): Promise<DockerProbe> {
  const version = await run(docker, ['version', '--format', '{{.Client.Version}}'], {env}).catch(() => undefined)
  const clientVersion = version?.stdout.trim().split('\n')[0]?.trim()
  const buildx = await run(docker, ['buildx', 'version'], {env}).catch(() => undefined)
  return {
    path: docker,
    clientVersion: clientVersion !== undefined && /^\d+\./.test(clientVersion) ? clientVersion : undefined,
    buildx: buildx?.exitCode === 0
  }
}

/** The client to build with, and proof that the engine answers. */
export async function detectBuilder(
  env: NodeJS.ProcessEnv
): Promise<{builder: Builder; probes: DockerProbe[]; server: string}> {
  const probes: DockerProbe[] = []
  for (const docker of dockerClientsOnPath(env.PATH ?? '')) probes.push(await probe(docker, env))
  const builder = chooseBuilder(probes)
  const server = await run(builder.docker, ['version', '--format', '{{.Server.Version}}'], {env})
  if (server.exitCode !== 0) {
    throw new ActionError(
      `Cannot reach the Docker engine with ${builder.docker}: ${server.stderr.trim().split('\n').pop() ?? ''}`
    )
  }
  return {builder, probes, server: server.stdout.trim()}
}

/** A docker client bound to this run's config directory. */
export class Docker {
  readonly env: NodeJS.ProcessEnv

  constructor(
    readonly builder: Builder,
    configDir: string,
    baseEnv: NodeJS.ProcessEnv
  ) {
    this.env = {...baseEnv, DOCKER_CONFIG: configDir}
    if (builder.kind === 'buildkit') this.env.DOCKER_BUILDKIT = '1'
  }

  /**
   * The password reaches docker on stdin, never on its command line. A
   * refused login fails at once; a registry that is briefly unavailable is
   * asked again.
   */
  async login(
    registry: string,
    username: string,
    password: string,
    sleep = (ms: number) => new Promise(r => setTimeout(r, ms))
  ): Promise<void> {
    let detail = ''
    const attempts = 8
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const r = await run(this.builder.docker, ['login', '--username', username, '--password-stdin', registry], {
        env: this.env,
        input: Buffer.from(password)
      })
      if (r.exitCode === 0) return
      detail = r.stderr.trim().split('\n').pop() ?? ''
      if (/\b401\b|unauthorized|denied/i.test(detail)) break
      if (attempt < attempts) await sleep(Math.min(4000, 250 * 2 ** attempt))
    }
    if (/\b401\b|unauthorized|denied/i.test(detail)) {
      throw new ActionError(
        `Login to ${registry} as '${username}' was refused: ${detail}. Check the username and password ` +
          `(or token) given for ${registry} in 'username'/'password' or 'registry-auth'.`
      )
    }
    throw new ActionError(`Login to ${registry} failed: ${detail}`)
  }

  async logout(registry: string): Promise<void> {
    await run(this.builder.docker, ['logout', registry], {env: this.env})
  }

  /** Runs the build; `args` come from buildArguments(). */
  async build(args: readonly string[], cwd: string): Promise<void> {
    const r = await run(this.builder.docker, args, {env: this.env, cwd, stream: true})
    if (r.exitCode !== 0) {
      const tail = r.stderr.trim().split('\n').slice(-12).join('\n')
      throw new ActionError(`The image build failed (exit ${r.exitCode}). Last lines:\n${tail}`)
    }
  }

  /** `docker save` as a stream; a failure of docker ends the stream with an error. */
  save(image: string): Readable {
    const child = spawn(this.builder.docker, ['save', image], {env: this.env, stdio: ['ignore', 'pipe', 'pipe']})
    let stderr = ''
    child.stderr.on('data', d => (stderr += d))
    child.on('close', code => {
      if (code !== 0)
        child.stdout.destroy(new ActionError(`docker save ${image} failed (exit ${code}): ${stderr.trim()}`))
    })
    return child.stdout
  }
}
