/**
 * Build secrets and SSH agents, in build-push-action's syntax: `secrets`
 * (id=value), `secret-files` (id=path), `secret-envs` (id=ENV) and `ssh`
 * (default, or id=path). A secret value is masked as it is read and never
 * shown in a message.
 */
import * as fs from 'fs'
import * as path from 'path'
import {InputError} from '../errors'
import {parseList} from './list-grammar'

/** One `--secret` of the build: its value comes from a file or from the environment. */
export type BuildSecret =
  | {readonly id: string; readonly value: string}
  | {readonly id: string; readonly src: string}
  | {readonly id: string; readonly env: string}

export interface BuildSecretInputs {
  readonly secrets: readonly BuildSecret[]
  /** `default`, or `id=path[,path]` with absolute paths */
  readonly ssh: readonly string[]
}

const SECRET_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** `id=rest` lines; a line is named by its number only, since it may hold a secret. */
function idLines(name: string, raw: string, what: string): Array<[string, string]> {
  return raw
    .split(/\r?\n/)
    .map(line => line.trim())
    .flatMap((line, i) => {
      if (line === '' || line.startsWith('#')) return []
      const eq = line.indexOf('=')
      const id = eq > 0 ? line.slice(0, eq).trim() : ''
      if (!SECRET_ID.test(id)) {
        throw new InputError(
          name,
          `line ${i + 1} is not id=${what}; an id is letters, digits and . _ - (e.g. github_token=…)`
        )
      }
      return [[id, line.slice(eq + 1)] as [string, string]]
    })
}

function existingFile(name: string, id: string, raw: string, workspace: string): string {
  const file = path.resolve(workspace, raw.trim())
  if (raw.trim() === '' || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    throw new InputError(
      name,
      `'${id}': ${raw.trim() === '' ? 'no path given' : `${file} is not a file`}; give a file's path (relative to the workspace, or absolute)`
    )
  }
  return file
}

/**
 * `env`: the step's environment, where `secret-envs` names must be set (build-push-action's
 * users would otherwise build without the secret and never know); undefined: not checked.
 */
export function parseBuildSecrets(
  read: (name: string) => string,
  workspace: string,
  mask: (secret: string) => void,
  env?: Readonly<Record<string, string | undefined>>
): BuildSecretInputs {
  const secrets: BuildSecret[] = []
  for (const [id, value] of idLines('secrets', read('secrets'), 'value')) {
    if (value !== '') mask(value)
    secrets.push({id, value})
  }
  for (const [id, file] of idLines('secret-files', read('secret-files'), 'path')) {
    secrets.push({id, src: existingFile('secret-files', id, file, workspace)})
  }
  const environment = env
  for (const [id, env] of idLines('secret-envs', read('secret-envs'), 'ENV_NAME')) {
    if (!ENV_NAME.test(env.trim())) {
      throw new InputError('secret-envs', `'${id}': '${env.trim()}' is not an environment variable name; give id=NAME`)
    }
    const variable = env.trim()
    if (environment !== undefined && environment[variable] === undefined) {
      throw new InputError(
        'secret-envs',
        `'${id}': the environment variable ${variable} is not set in this step; set it with env: on the step (or the job), or remove the line`
      )
    }
    secrets.push({id, env: variable})
  }
  const ids = secrets.map(s => s.id)
  const twice = ids.find((id, i) => ids.indexOf(id) !== i)
  if (twice !== undefined) {
    throw new InputError('secrets', `the secret id '${twice}' is given twice (in secrets, secret-files or secret-envs)`)
  }
  return {secrets, ssh: parseSsh(read('ssh'), workspace)}
}

/** `default` (the runner's SSH agent), `default=path` or `id=path[,path]` (keys or agent sockets). */
function parseSsh(raw: string, workspace: string): string[] {
  return parseList(raw).map(line => {
    const eq = line.indexOf('=')
    const id = eq < 0 ? line : line.slice(0, eq)
    if (!SECRET_ID.test(id)) {
      throw new InputError('ssh', `'${line}' is not accepted; give default, or id=path to a key or agent socket`)
    }
    if (eq < 0) return id
    const paths = line
      .slice(eq + 1)
      .split(',')
      .map(p => {
        const resolved = path.resolve(workspace, p.trim())
        if (p.trim() === '' || !fs.existsSync(resolved)) {
          throw new InputError('ssh', `'${id}': ${resolved} does not exist; give a key file or an agent socket`)
        }
        return resolved
      })
    return `${id}=${paths.join(',')}`
  })
}
