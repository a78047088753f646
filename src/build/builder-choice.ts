/**
 * Which docker client builds: buildx where it works, else a client with
 * BuildKit built in (before 23.0). Pure: probes are gathered elsewhere.
 */
import {ActionError} from '../errors'

export interface DockerProbe {
  readonly path: string
  /** client version, e.g. `28.2.2`, or undefined when it would not run */
  readonly clientVersion: string | undefined
  readonly buildx: boolean
}

export type BuilderKind = 'buildx' | 'buildkit'

export interface Builder {
  readonly kind: BuilderKind
  /** the docker client that builds, tags, logs in and pushes */
  readonly docker: string
  readonly clientVersion: string
}

/** Docker CLIs from 23.0 on need the buildx plugin for BuildKit; older ones have it built in. */
export function hasBuiltinBuildKit(clientVersion: string): boolean {
  const major = Number.parseInt(clientVersion.split('.')[0] ?? '', 10)
  return Number.isFinite(major) && major < 23
}

export function chooseBuilder(probes: readonly DockerProbe[]): Builder {
  const runnable = probes.filter(p => p.clientVersion !== undefined)
  const withBuildx = runnable.find(p => p.buildx)
  if (withBuildx?.clientVersion !== undefined) {
    return {kind: 'buildx', docker: withBuildx.path, clientVersion: withBuildx.clientVersion}
  }
  const builtin = runnable.find(p => p.clientVersion !== undefined && hasBuiltinBuildKit(p.clientVersion))
  if (builtin?.clientVersion !== undefined) {
    return {kind: 'buildkit', docker: builtin.path, clientVersion: builtin.clientVersion}
  }
  if (probes.length === 0) {
    throw new ActionError('No docker client found on PATH. Install Docker (with the buildx plugin) on the runner.')
  }
  const seen = probes
    .map(
      p =>
        `${p.path} (${p.clientVersion === undefined ? 'does not run' : `${p.clientVersion}, no buildx plugin, no built-in BuildKit`})`
    )
    .join('; ')
  throw new ActionError(
    `No docker client here can build with BuildKit: ${seen}. Install the buildx plugin ` +
      `(docker/setup-buildx-action, or the docker-buildx-plugin package), or use a docker client older than 23.0.`
  )
}
