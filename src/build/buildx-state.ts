/**
 * What buildx's own files say, so that finding the builder costs no process:
 * whether the plugin is installed, and the driver of the builder a build would
 * use. Pure: files are read through the function given. Undefined means the
 * files do not settle it, and `docker buildx inspect` is asked.
 */
import * as path from 'path'

export interface BuildxFiles {
  /** a file's text, or undefined when it is not there */
  read(file: string): string | undefined
  /** true when an executable file is there */
  executable(file: string): boolean
}

/** Where the docker CLI looks for plugins: the user's config folder first, then the system's. */
const SYSTEM_PLUGIN_DIRS = [
  '/usr/local/lib/docker/cli-plugins',
  '/usr/local/libexec/docker/cli-plugins',
  '/usr/lib/docker/cli-plugins',
  '/usr/libexec/docker/cli-plugins'
]

/** `configDir`: the user's docker config folder (DOCKER_CONFIG, else ~/.docker). */
export function buildxInstalled(configDir: string, files: BuildxFiles): boolean {
  return [path.join(configDir, 'cli-plugins'), ...SYSTEM_PLUGIN_DIRS].some(dir =>
    files.executable(path.join(dir, 'docker-buildx'))
  )
}

function json<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined
  try {
    return JSON.parse(text) as T
  } catch {
    return undefined
  }
}

/**
 * The driver of the builder a build uses: `builder` (or BUILDX_BUILDER), else
 * the one `docker buildx use` made current for this engine, else the engine's
 * default builder (the docker driver).
 */
export function driverFromFiles(
  env: NodeJS.ProcessEnv,
  configDir: string,
  builderName: string | undefined,
  files: BuildxFiles
): string | undefined {
  // another docker context has builders of its own: let buildx say
  const context =
    env.DOCKER_CONTEXT ||
    json<{currentContext?: string}>(files.read(path.join(configDir, 'config.json')))?.currentContext
  if (context !== undefined && context !== '' && context !== 'default') return undefined
  const buildx = path.join(configDir, 'buildx')
  const instance = (name: string): string | undefined =>
    json<{Driver?: string}>(files.read(path.join(buildx, 'instances', name)))?.Driver
  const named = builderName ?? (env.BUILDX_BUILDER || undefined)
  if (named !== undefined) return named === 'default' ? 'docker' : instance(named)
  const current = json<{Key?: string; Name?: string; Global?: boolean}>(files.read(path.join(buildx, 'current')))
  if (current === undefined || (current.Name ?? '') === '') return 'docker'
  const endpoint = env.DOCKER_HOST || 'unix:///var/run/docker.sock'
  if (current.Global !== true && current.Key !== endpoint) return undefined
  return instance(current.Name ?? '')
}
