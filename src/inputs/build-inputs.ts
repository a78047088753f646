/** The inputs of a build: context, Dockerfile, build args, labels, cache, secrets, builder, compression. */

import {parseBuildOptions} from './build-options'
import {InputReader, optional} from './reader'
import {parseBuildSecrets} from './build-secrets'
import {gitTokenSecret, insideWorkspace, parseContextInputs} from './build-context'
import {parseCacheOptions} from '../build/cache-options'
import {InputError} from '../errors'
import type {GitHubContext} from './github-context'
import {BUILD_ARG_KEY, LABEL_KEY, parseBoolean, parseKeyValues} from './parsing'
import {parseCsvList, parseList} from './list-grammar'
import {Compression, DEFAULT_COMPRESSION_LEVEL, MAX_COMPRESSION_LEVEL} from '../oci/oci'

export function readBuildInputs(
  read: InputReader,
  ctx: Pick<GitHubContext, 'workspace' | 'ref' | 'serverUrl' | 'repository'> &
    Partial<Pick<GitHubContext, 'runnerTemp'>> & {readonly env?: Readonly<Record<string, string | undefined>>},
  mask: (secret: string) => void
) {
  const {workspace} = ctx
  const where = parseContextInputs(read('context'), read('file'), ctx)
  const secrets = parseBuildSecrets(read, workspace, mask, ctx.env)
  const token = read('github-token').trim()
  if (token !== '') mask(token)
  const gitToken = gitTokenSecret(where.gitContext, token, ctx.serverUrl, secrets.secrets)
  return {
    ...where,
    'build-args': readBuildArgs(read, ctx.env),
    target: readTarget(read),
    labels: parseKeyValues('labels', read('labels'), LABEL_KEY, 'a label key is letters, digits and . _ - /'),
    network: readNetwork(read),
    'no-cache': parseBoolean('no-cache', read('no-cache'), false),
    pull: parseBoolean('pull', read('pull'), false),
    ...readCompression(read),
    'cache-from': parseCacheOptions('cache-from', parseList(read('cache-from'))),
    'cache-to': parseCacheOptions('cache-to', parseList(read('cache-to'))),
    ...secrets,
    secrets: gitToken === undefined ? secrets.secrets : [...secrets.secrets, gitToken],
    ...readBuilderInputs(read),
    ...parseBuildOptions(read, (input, raw) => insideWorkspace(input, raw, ctx))
  }
}

/**
 * `build-args`: KEY=VALUE lines, and as build-push-action KEY alone, whose value docker takes from
 * the step's environment (where the environment is known, it must be set there).
 */
function readBuildArgs(
  read: InputReader,
  env: Readonly<Record<string, string | undefined>> | undefined
): Array<readonly [string, string | undefined]> {
  const fromEnv = parseList(read('build-args')).filter(line => !line.includes('='))
  const pairs = parseKeyValues(
    'build-args',
    parseList(read('build-args'))
      .filter(line => line.includes('='))
      .join('\n'),
    BUILD_ARG_KEY,
    'a build arg name is letters, digits and _ and does not start with a digit'
  )
  const named = fromEnv.map(key => {
    if (!BUILD_ARG_KEY.test(key))
      throw new InputError(
        'build-args',
        `'${key}' is not KEY=VALUE, nor a variable's name whose value docker reads from the environment`
      )
    if (env !== undefined && env[key] === undefined)
      throw new InputError(
        'build-args',
        `'${key}' takes its value from the environment, and ${key} is not set in this step; set it with env: or write ${key}=value`
      )
    return [key, undefined] as const
  })
  return [...pairs, ...named]
}

const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/
const ATTESTATION = /^(?:true|false|[a-z-]+=[^,\s]+(?:,[a-z-]+=[^,\s]+)*)$/

/** build-push-action's builder, platforms, provenance, sbom and load. */
function readBuilderInputs(read: InputReader) {
  const builder = optional(read('builder'))
  if (builder !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(builder)) {
    throw new InputError('builder', `'${builder}' is not a builder name; give a name that 'docker buildx ls' shows`)
  }
  const platforms = parseCsvList('platforms', read('platforms'))
  for (const p of platforms) {
    if (!PLATFORM.test(p))
      throw new InputError(
        'platforms',
        `'${p}' is not a platform; give os/arch[/variant] such as linux/amd64 or linux/arm64`
      )
  }
  const attestation = (name: 'provenance' | 'sbom'): string | undefined => {
    const v = optional(read(name))
    if (v !== undefined && !ATTESTATION.test(v)) {
      throw new InputError(name, `'${v}' is not accepted; use true, false or key=value pairs such as mode=max`)
    }
    return v
  }
  return {
    builder,
    platforms: [...new Set(platforms)],
    provenance: attestation('provenance'),
    sbom: attestation('sbom'),
    load: parseBoolean('load', read('load'), false)
  }
}

function readCompression(read: InputReader): {compression: Compression; 'compression-level': number} {
  const name = (optional(read('compression')) ?? 'gzip').toLowerCase()
  if (name !== 'gzip' && name !== 'zstd')
    throw new InputError(
      'compression',
      `'${name}' is not accepted; use gzip (every client) or zstd (Docker 23+, containerd 1.5+)`
    )
  const raw = optional(read('compression-level'))
  if (raw === undefined) return {compression: name, 'compression-level': DEFAULT_COMPRESSION_LEVEL}
  const level = /^\d{1,2}$/.test(raw) ? Number(raw) : NaN
  if (!(level >= 1 && level <= MAX_COMPRESSION_LEVEL[name]))
    throw new InputError(
      'compression-level',
      `'${raw}' is not accepted; use a ${name} level from 1 (fastest) to ${MAX_COMPRESSION_LEVEL[name]} (smallest)`
    )
  return {compression: name, 'compression-level': level}
}

function readNetwork(read: InputReader): string | undefined {
  const network = optional(read('network'))
  if (network !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/.test(network)) {
    throw new InputError('network', `'${network}' is not a network name; use default, none, host or a network's name`)
  }
  return network
}

function readTarget(read: InputReader): string | undefined {
  const target = optional(read('target'))
  if (target !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(target)) {
    throw new InputError('target', `'${target}' is not a stage name; use the name after AS in a FROM line`)
  }
  return target
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3
}

/** `upload-chunk-size`: bytes, or with a unit (`16MiB`); at least 1 MiB. */
export function parseSize(name: string, raw: string): number {
  const m = /^(\d+)\s*([a-z]*)$/i.exec(raw.trim())
  const unit = SIZE_UNITS[(m?.[2] ?? 'x').toLowerCase()]
  if (m?.[1] === undefined || unit === undefined) {
    throw new InputError(name, `'${raw}' is not a size; give bytes or a number with KiB, MiB or GiB (e.g. 16MiB)`)
  }
  const bytes = Number(m[1]) * unit
  if (bytes < 1024 * 1024) throw new InputError(name, `'${raw}' is below the 1 MiB that registries accept as a chunk`)
  return bytes
}

export function readChunkSize(read: InputReader): number | undefined {
  const raw = optional(read('upload-chunk-size'))
  return raw === undefined ? undefined : parseSize('upload-chunk-size', raw)
}
