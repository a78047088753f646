/**
 * `context` and `file`: a folder of the workspace, or build-push-action's Git context
 * (`https://host/owner/repo.git#ref:subdir`), which the builder fetches itself so no checkout is
 * needed. `{{defaultContext}}` is the workflow's own repository at the pushed ref, and is also the
 * context when none is given and the workspace has no Dockerfile (nothing checked out). Reads the
 * workspace only to see whether a Dockerfile is there.
 */
import * as fs from 'fs'
import * as path from 'path'
import {InputError} from '../errors'
import type {BuildSecret} from './build-secrets'

export interface GitContext {
  /** the URL as the builder takes it, `#ref[:subdir]` included */
  readonly url: string
  /** host[:port], which names the builder's per-host token secret */
  readonly host: string
  /** the subdirectory of `#ref:subdir`, '' for the repository's root (Docker 20.10's BuildKit builds only that) */
  readonly subdir: string
}

export interface ContextInputs {
  /** the folder, or the Git URL */
  readonly context: string
  readonly gitContext: GitContext | undefined
  /** the Dockerfile: a path in the workspace; with a Git context, a path in the repository or '' (its Dockerfile) */
  readonly file: string
}

interface Where {
  readonly workspace: string
  /** RUNNER_TEMP: this run's secrets and docker config, never part of a context */
  readonly runnerTemp?: string
  readonly serverUrl: string
  readonly repository: string
  readonly ref: string
}

const DEFAULT_CONTEXT = '{{defaultContext}}'

/** A path's real location: symbolic links resolved, as far as the path exists. */
function realPath(p: string): string {
  const missing: string[] = []
  let cur = p
  for (;;) {
    try {
      return path.join(fs.realpathSync(cur), ...missing.reverse())
    } catch {
      const parent = path.dirname(cur)
      if (parent === cur) return p
      missing.push(path.basename(cur))
      cur = parent
    }
  }
}

const within = (dir: string, p: string): boolean => {
  const rel = path.relative(dir, p)
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))
}

/**
 * A path in the workspace, resolved; a URL, a path outside the workspace (by its text, or by
 * where its symbolic links lead), or a path that holds or lies in RUNNER_TEMP (this run's
 * secrets and docker config) fails naming the input. Docker sends a context's own links as
 * links, but follows the context's path itself: so only the path is resolved.
 */
export function insideWorkspace(name: string, raw: string, where: Pick<Where, 'workspace' | 'runnerTemp'>): string {
  const {workspace} = where
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) || raw.startsWith('git@')) {
    throw new InputError(name, `'${raw}' is a URL; give a directory inside the workspace (${workspace})`)
  }
  const resolved = path.resolve(workspace, raw)
  if (!within(workspace, resolved)) {
    throw new InputError(
      name,
      `'${raw}' resolves to ${resolved}, outside the workspace ${workspace}; give a path inside it`
    )
  }
  const real = realPath(resolved)
  if (!within(realPath(workspace), real)) {
    throw new InputError(
      name,
      `'${raw}' leads through a symbolic link to ${real}, outside the workspace ${workspace}; give a path inside it`
    )
  }
  if (where.runnerTemp !== undefined && where.runnerTemp !== '') {
    const temp = realPath(where.runnerTemp)
    if (within(real, temp) || within(temp, real))
      throw new InputError(
        name,
        `'${raw}' (${real}) holds or lies in RUNNER_TEMP (${where.runnerTemp}), where this run keeps its secrets; give a folder of the checked-out repository`
      )
  }
  return resolved
}

/** A URL the builder fetches with git, as buildx tells them apart: http(s) ending in .git (before `#`), git://, git@. */
export function isGitUrl(raw: string): boolean {
  if (/^git@[^:]+:/.test(raw) || /^git:\/\//.test(raw)) return true
  return /^https?:\/\/[^/]+\/.+\.git(?:#.*)?$/.test(raw)
}

/**
 * build-push-action's default context: the workflow's repository at the pushed ref; a pull
 * request's merge ref becomes its head, which the repository serves.
 */
export function defaultGitContext(where: Where): string {
  const ref = where.ref.startsWith('refs/pull/') ? where.ref.replace(/\/merge$/, '/head') : where.ref
  return `${where.serverUrl.replace(/\/+$/, '')}/${where.repository}.git#${ref}`
}

function gitContext(name: string, url: string): GitContext {
  const hash = url.indexOf('#')
  const fragment = hash < 0 ? '' : url.slice(hash + 1)
  const subdir = fragment.includes(':') ? fragment.slice(fragment.indexOf(':') + 1) : ''
  const host = /^git@([^:]+):/.exec(url)?.[1] ?? /^[a-z]+:\/\/(?:[^@/]*@)?([^/#]+)/.exec(url)?.[1]
  if (host === undefined) throw new InputError(name, `'${url}' names no host; give https://host/owner/repo.git#ref:dir`)
  return {url, host, subdir}
}

function repositoryKnown(where: Where): boolean {
  return where.serverUrl !== '' && /^[^/\s]+\/[^/\s]+$/.test(where.repository) && where.ref !== ''
}

export function parseContextInputs(rawContext: string, rawFile: string, where: Where): ContextInputs {
  const given = rawContext.trim()
  const file = rawFile.trim()
  const noCheckout =
    given === '' && file === '' && !fs.existsSync(path.join(where.workspace, 'Dockerfile')) && repositoryKnown(where)
  if (given.startsWith(DEFAULT_CONTEXT) || noCheckout) {
    if (!repositoryKnown(where)) {
      throw new InputError(
        'context',
        `${DEFAULT_CONTEXT} is the workflow's repository, but GITHUB_SERVER_URL, GITHUB_REPOSITORY or GITHUB_REF is not set`
      )
    }
    const rest = given.slice(DEFAULT_CONTEXT.length)
    if (rest !== '' && !rest.startsWith(':')) {
      throw new InputError('context', `'${given}': after ${DEFAULT_CONTEXT} only ':subdir' may follow`)
    }
    return fromGit('context', `${defaultGitContext(where)}${rest}`, file)
  }
  if (isGitUrl(given)) return fromGit('context', given, file)
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(given)) {
    throw new InputError(
      'context',
      `'${given}' is not a Git URL; give a folder of the workspace or https://host/owner/repo.git#ref:dir`
    )
  }
  const dir = insideWorkspace('context', given || '.', where)
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new InputError('context', `'${given}' is not a directory (looked at ${dir})`)
  }
  const dockerfile = file === '' ? path.join(dir, 'Dockerfile') : insideWorkspace('file', file, where)
  if (!fs.existsSync(dockerfile) || !fs.statSync(dockerfile).isFile()) {
    const shown =
      file === ''
        ? `${path.relative(where.workspace, dockerfile) || dockerfile} (the default <context>/Dockerfile)`
        : `'${file}'`
    throw new InputError(
      'file',
      `${shown} does not exist; give the Dockerfile's path relative to the workspace. Did the job check out the repository (actions/checkout) before this step?`
    )
  }
  return {context: dir, gitContext: undefined, file: dockerfile}
}

function fromGit(name: string, url: string, file: string): ContextInputs {
  if (path.isAbsolute(file) || file.split(/[\\/]/).includes('..')) {
    throw new InputError('file', `'${file}': with a Git context, give the Dockerfile's path inside the repository`)
  }
  return {context: url, gitContext: gitContext(name, url), file}
}

/**
 * build-push-action's use of `github-token`: the builder's token secret for the Git context's
 * host, sent only to the workflow's own server, and not where the user gives GIT_AUTH_TOKEN.
 */
export function gitTokenSecret(
  git: GitContext | undefined,
  token: string,
  serverUrl: string,
  secrets: readonly BuildSecret[]
): BuildSecret | undefined {
  if (git === undefined || token === '') return undefined
  if (secrets.some(s => s.id === 'GIT_AUTH_TOKEN' || s.id.startsWith('GIT_AUTH_TOKEN.'))) return undefined
  const serverHost = /^[a-z]+:\/\/([^/]+)/i.exec(serverUrl)?.[1]
  if (serverHost === undefined || serverHost.toLowerCase() !== git.host.toLowerCase()) return undefined
  return {id: `GIT_AUTH_TOKEN.${git.host}`, value: token}
}
