/** The action's inputs, read once, validated and typed: nothing is built or pushed until getInputs has returned. */
import {BuildSecret, parseBuildSecrets} from './build-secrets'
import {BUILD_OPTION_INPUTS, BuildOptions, NO_BUILD_OPTIONS, parseBuildOptions} from './build-options'
import {givenByUser} from './defaults'
import {GitContext, gitTokenSecret, insideWorkspace, parseContextInputs} from './build-context'
import {CacheOption, parseCacheOptions} from '../build/cache-options'
import {InputError} from '../errors'
import type {GitHubContext} from './github-context'
import {
  BUILD_ARG_KEY,
  LABEL_KEY,
  RegistryAuth,
  parseBoolean,
  parseChoice,
  parseImages,
  parseKeyValues,
  parseList,
  parseRegistryAuth,
  parseTags,
  normalizeRegistryHost
} from './parsing'
import type {ImageReference, Repository} from '../registry/reference'
import {isValidDigest, isValidTag, parseReference, parseRepository} from '../registry/reference'
import {detectRegistryKind, isValidAwsRegion, whyNotAcr, whyNotEcr} from '../auth/registry-kind'
import type {LatestMode} from '../plan/tags'
import {Flavor, TagRule, isTagRule, parseFlavor, parseTagRule, rawTagRule} from '../plan/tag-rules'
import {cleanVersion, versionFromRef, versionTag} from '../plan/version'

/** gzip level 3: measured (bench/) as fast as 1 and half the CPU of 6, for layers ~5% larger than 6. */
export const DEFAULT_COMPRESSION_LEVEL = 3

/** Keyed by the public input names (action.yml). */
export interface Inputs extends BuildOptions {
  readonly images: readonly Repository[]
  /** a folder of the workspace, or a Git URL (then gitContext says more) */
  readonly context: string
  readonly gitContext: GitContext | undefined
  /** the Dockerfile; with a Git context, a path in the repository or '' for its Dockerfile */
  readonly file: string
  /** KEY=VALUE, or KEY alone (undefined): docker reads its value from the step's environment */
  readonly 'build-args': ReadonlyArray<readonly [string, string | undefined]>
  readonly target: string | undefined
  readonly labels: ReadonlyArray<readonly [string, string]>
  readonly network: string | undefined
  readonly 'no-cache': boolean
  readonly pull: boolean
  /** build-push-action's call: `check` runs the build checks only (push is then false) */
  readonly call: 'build' | 'check'
  readonly push: boolean
  /** build-push-action's push-by-digest: the image is pushed untagged, stored under its digest, for a later merge */
  readonly 'push-by-digest': boolean
  readonly version: string | undefined
  readonly 'semver-tags': boolean
  /** `latest`, or flavor's `latest=` where that is given */
  readonly latest: LatestMode
  /** the plain tags of `tags`, when it has no `type=` line */
  readonly tags: readonly string[]
  readonly flavor: Flavor
  /** `tags` in metadata-action's language (it has a `type=` line): every line a rule, a plain tag as type=raw */
  readonly tagRules: readonly TagRule[]
  readonly username: string | undefined
  readonly password: string | undefined
  /** login-action's `registry`: the host `username` and `password` are for */
  readonly registry: string | undefined
  readonly 'registry-auth': readonly RegistryAuth[]
  readonly 'aws-region': string | undefined
  readonly 'aws-role-to-assume': string | undefined
  readonly 'aws-role-session-name': string
  readonly 'aws-audience': string
  readonly 'ecr-create-repository': boolean
  readonly 'ecr-tag-mutability': 'MUTABLE' | 'IMMUTABLE'
  readonly 'ecr-scan-on-push': boolean
  readonly 'azure-client-id': string | undefined
  readonly 'azure-tenant-id': string | undefined
  readonly 'azure-client-secret': string | undefined
  /** how layers are compressed: gzip, or zstd (Docker 23+, containerd 1.5+ read it) */
  readonly compression: Compression
  readonly 'compression-level': number
  readonly 'upload-chunk-size': number | undefined
  /** mirror mode: an existing image to copy instead of building */
  readonly source: ImageReference | undefined
  /** `source: docker-daemon:NAME`: an image the engine holds, published as a build's result would be */
  readonly localImage: string | undefined
  /** merge mode: digests of per-platform images to join into one index */
  readonly merge: readonly string[]
  readonly 'cache-from': readonly CacheOption[]
  readonly 'cache-to': readonly CacheOption[]
  /** `secrets`, `secret-files` and `secret-envs`, in that order */
  readonly secrets: readonly BuildSecret[]
  readonly ssh: readonly string[]
  /** a buildx builder by name (else the current one) */
  readonly builder: string | undefined
  /** `os/arch[/variant]`, as build-push-action's `platforms` */
  readonly platforms: readonly string[]
  /** passed as `--provenance` / `--sbom` where the builder attests; no provenance given: defaultProvenance() */
  readonly provenance: string | undefined
  readonly sbom: string | undefined
  /** also load the image into the engine where publishing does not */
  readonly load: boolean
  /** login-action's: false keeps this run's docker config, with its logins, for later steps */
  readonly logout: boolean
  /** what reading the inputs decided that a user should hear of (printed as notices) */
  readonly notices: readonly string[]
  /** metadata-action's sep-tags, sep-labels and sep-annotations: how the list outputs are joined */
  readonly separators: {readonly tags: string; readonly labels: string; readonly annotations: string}
}

/** Reads one raw input by name (core.getInput in the action, a map in tests). */
export type InputReader = (name: string) => string

function optional(raw: string): string | undefined {
  const v = raw.trim()
  return v === '' ? undefined : v
}

/** `version`, else (not for a mirror, which keeps its source's tag) the version a tag push names. */
function readVersion(read: InputReader, ref: string, mirror: boolean): string | undefined {
  const given = optional(read('version'))
  const version = given === undefined ? (mirror ? undefined : versionFromRef(ref)) : cleanVersion(given)
  if (version !== undefined && !isValidTag(versionTag(version))) {
    const source = given === undefined ? `from GITHUB_REF ${ref}` : `'${given}'`
    throw new InputError(
      'version',
      `${source} cannot be a tag; a version is semver (1.2.3, 1.3.0-rc.1) or 1-128 of A-Z a-z 0-9 _ . -`
    )
  }
  return version
}

/** `push-by-digest`: a build pushed untagged, so it takes no tags and no version. */
function readPushByDigest(read: InputReader, push: boolean): boolean {
  const byDigest = parseBoolean('push-by-digest', read('push-by-digest'), false)
  if (!byDigest) return false
  if (!push) throw new InputError('push-by-digest', `pushes the image untagged, which needs push: true`)
  const other = ['source', 'merge'].find(name => read(name).trim() !== '')
  if (other !== undefined) throw new InputError('push-by-digest', `is for a build, and ${other} builds nothing`)
  const tagged = ['tags', 'version'].filter(name => givenByUser(name, read(name)))
  if (tagged.length > 0)
    throw new InputError(
      'push-by-digest',
      `pushes no tag, so it does not go with ${tagged.map(t => `'${t}'`).join(', ')}; the merge step gives the release its tags`
    )
  return true
}

/** login-action's `registry`: a host (a scheme or path is dropped, Docker Hub's aliases are docker.io). */
function readRegistry(read: InputReader): string | undefined {
  const raw = optional(read('registry'))
  if (raw === undefined) return undefined
  const host = normalizeRegistryHost(raw)
  const probe = parseRepository(`${host}/x`)
  if (typeof probe === 'string' || probe.registry !== host)
    throw new InputError('registry', `'${raw}' is not a registry host such as ghcr.io, docker.io or 127.0.0.1:5000`)
  return host
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

/** Inputs that hold secrets: never quoted in a message, and not echoed to the log. */
const SECRET_INPUTS = new Set(['password', 'registry-auth', 'secrets', 'azure-client-secret', 'github-token'])

/**
 * The reader, refusing control characters in every input that may be echoed to the log (a build
 * arg, a label, a tag...): the runner ends a log line at `\r` as well as `\n`, so a `\r` would
 * start a line of the input's choosing, workflow commands (`::warning::`) included. Windows line
 * ends (`\r\n`) are taken as line ends.
 */
export function withoutControlCharacters(read: InputReader): InputReader {
  return name => {
    const raw = read(name).replace(/\r\n/g, '\n')
    if (SECRET_INPUTS.has(name)) return raw
    // eslint-disable-next-line no-control-regex
    const bad = /[\u0000-\u0008\u000b-\u001f\u007f]/.exec(raw)
    if (bad !== null) {
      const line = raw.slice(0, bad.index).split('\n').length
      const code = bad[0].charCodeAt(0).toString(16).padStart(2, '0')
      throw new InputError(
        name,
        `line ${line} holds a control character (U+00${code}${bad[0] === '\r' ? ', a carriage return' : ''}); ` +
          `the log would start a new line there. Remove it (only line breaks separate entries)`
      )
    }
    return raw
  }
}

/**
 * A credential as pasted: plain, or through toJSON (`"ci"`, what `registry-auth` needs), taken
 * the same either way.
 */
function credential(raw: string | undefined): string | undefined {
  if (raw === undefined || !/^".*"$/s.test(raw)) return raw
  try {
    const decoded = JSON.parse(raw) as unknown
    return typeof decoded === 'string' && decoded !== '' ? decoded : raw
  } catch {
    return raw
  }
}

/**
 * `username`, `password` and `registry-auth`, each secret masked as it is read. Without push, a
 * credential left empty (a fork's pull request gets no secrets) is skipped with a notice: nothing
 * is pushed, and only a private base image would need it.
 */
function readCredentials(read: InputReader, push: boolean, mask: (secret: string) => void, notices: string[]) {
  const rawPassword = optional(read('password'))
  if (rawPassword !== undefined) mask(rawPassword)
  const password = credential(rawPassword)
  if (password !== undefined && password !== rawPassword) mask(password)
  const registryAuth = parseRegistryAuth('registry-auth', read('registry-auth'), !push)
  for (const a of registryAuth) if (a.type === 'basic') mask(a.password)
  const skipped = registryAuth.filter(a => a.type === 'basic' && (a.username === '' || a.password === ''))
  for (const a of skipped)
    notices.push(
      `registry-auth: the entry for ${a.registry} has an empty username or password (a fork's pull request gets no secrets); not logged in to it, as nothing is pushed`
    )
  const username = credential(optional(read('username')))
  if ((username === undefined) !== (password === undefined)) {
    if (!push) {
      notices.push(
        `'username' and 'password': ${username === undefined ? 'username' : 'password'} is empty (a fork's pull request gets no secrets); not logged in, as nothing is pushed`
      )
      return {username: undefined, password: undefined, registryAuth: registryAuth.filter(a => !skipped.includes(a))}
    }
    throw new InputError(
      username === undefined ? 'username' : 'password',
      `'username' and 'password' go together; give both or neither`
    )
  }
  return {username, password, registryAuth: registryAuth.filter(a => !skipped.includes(a))}
}

/**
 * Reads and validates every input. `mask` is called on every secret as soon
 * as it is read.
 */
export function getInputs(
  read: InputReader,
  ctx: Pick<GitHubContext, 'workspace' | 'ref' | 'awsRegion' | 'serverUrl' | 'repository'> &
    Partial<Pick<GitHubContext, 'runnerTemp'>> & {readonly env?: Readonly<Record<string, string | undefined>>},
  mask: (secret: string) => void
): Inputs {
  read = withoutControlCharacters(read)
  // build-push-action's call: check runs the Dockerfile's checks and pushes nothing
  const call = parseChoice('call', read('call'), ['build', 'check'] as const, 'build')
  const noBuild = ['source', 'merge'].find(name => read(name).trim() !== '')
  if (call === 'check' && noBuild !== undefined)
    throw new InputError('call', `check runs a build's checks, and ${noBuild} builds nothing`)
  const push = call === 'check' ? false : parseBoolean('push', read('push'), true)
  const notices: string[] = []
  const images = parseImages('images', read('images'), notices)
  if (push && images.length === 0) {
    throw new InputError(
      'images',
      `is required when push is true; give repositories such as ghcr.io/acme/orders, or set push: false`
    )
  }
  const {username, password, registryAuth} = readCredentials(read, push, mask, notices)

  const tagInputs = readTagInputs(read)
  const common = {
    images,
    call,
    push,
    // with type= rules, the rules read the git tag (a monorepo's orders/v1.2.3 included): no version of ours
    version:
      tagInputs.tagRules.length > 0
        ? undefined
        : readVersion(read, ctx.ref, optional(read('source'))?.startsWith(DAEMON) === false),
    'semver-tags': parseBoolean('semver-tags', read('semver-tags'), true),
    ...tagInputs,
    username,
    password,
    registry: readRegistry(read),
    'registry-auth': registryAuth,
    ...readAwsInputs(read, ctx.awsRegion),
    ...readAzureInputs(read, mask),
    'upload-chunk-size': readChunkSize(read),
    logout: parseBoolean('logout', read('logout'), true),
    'push-by-digest': readPushByDigest(read, push),
    notices,
    separators: {
      tags: read('sep-tags') || '\n',
      labels: read('sep-labels') || '\n',
      annotations: read('sep-annotations') || '\n'
    }
  }
  const given = readSource(read, push)
  const localImage = given !== undefined && 'local' in given ? given.local : undefined
  const source = given !== undefined && 'repository' in given ? given : undefined
  const merge = readMerge(read, push, given !== undefined)
  requireCloudRegistries(common, source)
  if (source !== undefined || localImage !== undefined || merge.length > 0)
    return {...common, ...NO_BUILD, context: ctx.workspace, source, localImage, merge}
  return {...common, ...readBuildInputs(read, ctx, mask), source: undefined, localImage: undefined, merge}
}

/** `tags`, `flavor` and `latest`: plain tags as before, or metadata-action's rules when a line starts with `type=`. */
function readTagInputs(read: InputReader) {
  const lines = parseList(read('tags'), true)
  const inputLatest = parseChoice('latest', read('latest'), ['auto', 'true', 'false'] as const, 'auto')
  // flavor's latest= where given, else the latest input
  const flavor = parseFlavor(read('flavor'), inputLatest)
  const {latest} = flavor
  if (givenByUser('latest', read('latest')) && latest !== inputLatest) {
    throw new InputError('latest', `is ${inputLatest} but flavor says latest=${latest}; give one of them`)
  }
  if (!lines.some(isTagRule)) {
    if (flavor.prefix !== '' || flavor.suffix !== '') {
      throw new InputError(
        'flavor',
        `prefix= and suffix= apply to type= rules in 'tags'; add rules, such as metadata-action's defaults ` +
          `type=schedule, type=ref,event=branch, type=ref,event=tag and type=ref,event=pr`
      )
    }
    return {latest, tags: parseTags('tags', read('tags')), flavor, tagRules: []}
  }
  for (const name of ['semver-tags', 'version'] as const) {
    if (givenByUser(name, read(name))) {
      throw new InputError(
        name,
        `does not go with type= rules in 'tags'; use type=semver,pattern={{major}}.{{minor}} (and value= for a version other than the git tag's)`
      )
    }
  }
  const tagRules = lines.flatMap(line =>
    isTagRule(line) ? [parseTagRule(line)] : parseTags('tags', line).map(tag => rawTagRule(tag))
  )
  return {latest, tags: [], flavor, tagRules}
}

/** How each registry we may log in to would be logged in to, by kind (a registry-auth entry decides, else the host). */
function loginKinds(
  images: readonly Repository[],
  source: ImageReference | undefined,
  auth: readonly RegistryAuth[]
): Map<string, string> {
  const kinds = new Map<string, string>()
  for (const registry of [...images.map(r => r.registry), ...(source ? [source.repository.registry] : [])]) {
    kinds.set(registry, auth.find(a => a.registry === registry)?.type ?? detectRegistryKind(registry).kind)
  }
  for (const a of auth) kinds.set(a.registry, a.type)
  return kinds
}

/**
 * `azure-client-id` and `aws-role-to-assume` serve ACR and ECR logins only. With
 * no such registry they would be ignored and the push go out anonymously, so
 * that fails, naming the rule each host missed.
 */
function requireCloudRegistries(
  inputs: Pick<
    Inputs,
    | 'images'
    | 'registry-auth'
    | 'azure-client-id'
    | 'aws-role-to-assume'
    | 'ecr-create-repository'
    | 'ecr-scan-on-push'
    | 'ecr-tag-mutability'
  >,
  source: ImageReference | undefined
): void {
  const kinds = loginKinds(inputs.images, source, inputs['registry-auth'])
  const hosts = [...kinds.keys()]
  const pushesToEcr = inputs.images.some(r => kinds.get(r.registry) === 'ecr')
  const ecrOnly = [
    inputs['ecr-create-repository'] ? 'ecr-create-repository' : undefined,
    inputs['ecr-scan-on-push'] ? 'ecr-scan-on-push' : undefined,
    inputs['ecr-tag-mutability'] === 'IMMUTABLE' ? 'ecr-tag-mutability' : undefined
  ].find(n => n !== undefined)
  if (ecrOnly !== undefined && !pushesToEcr)
    throw new InputError(
      ecrOnly,
      `applies to ECR repositories it creates, and no repository in images is on ECR (${inputs.images.map(r => whyNotEcr(r.registry)).join('; ') || 'images is empty'})`
    )
  const none = hosts.length === 0 ? 'no registry is named in images, source or registry-auth' : undefined
  if (inputs['azure-client-id'] !== undefined && ![...kinds.values()].includes('acr')) {
    throw new InputError(
      'azure-client-id',
      `logs in to Azure Container Registry, but ${none ?? `no registry is recognised as ACR (${hosts.map(whyNotAcr).join('; ')})`}. ` +
        `For a registry under another name, add it to 'registry-auth' with type: acr`
    )
  }
  if (
    inputs['aws-role-to-assume'] !== undefined &&
    !hosts.some(h => kinds.get(h) === 'ecr' || kinds.get(h) === 'ecr-public')
  ) {
    throw new InputError(
      'aws-role-to-assume',
      `logs in to Amazon ECR, but ${none ?? `no registry is recognised as ECR (${hosts.map(whyNotEcr).join('; ')})`}. ` +
        `For a registry under another name, add it to 'registry-auth' with type: ecr and its region`
    )
  }
}

function readMerge(read: InputReader, push: boolean, withSource: boolean): string[] {
  const digests = parseList(read('merge'))
  if (digests.length === 0) return []
  if (withSource) throw new InputError('merge', `does not go with 'source'; give one of them`)
  for (const d of digests) {
    if (!isValidDigest(d))
      throw new InputError(
        'merge',
        `'${d}' is not a digest; give one sha256:… per line, the digests of per-platform images`
      )
  }
  if (new Set(digests).size !== digests.length) throw new InputError('merge', `lists a digest twice`)
  const given = buildInputsGiven(read)
  if (given.length > 0)
    throw new InputError(
      'merge',
      `joins images that exist already and builds nothing, so it does not go with ${given.map(g => `'${g}'`).join(', ')}`
    )
  if (!push) throw new InputError('merge', `publishes an index to 'images', which needs push: true`)
  if (digests.length < 2)
    throw new InputError(
      'merge',
      `gives ${digests.length} digest; an index of one platform would be published as the release. ` +
        `Check that every platform job's digest output reaches this step (an empty expression gives no line); ` +
        `to publish a single image under more tags, use source: <repository>@<digest>`
    )
  return digests
}

/** What a mirror has instead of build inputs. */
const NO_BUILD = {
  file: '',
  gitContext: undefined,
  'build-args': [],
  target: undefined,
  labels: [],
  network: undefined,
  'no-cache': false,
  pull: false,
  compression: 'gzip',
  'compression-level': DEFAULT_COMPRESSION_LEVEL,
  'cache-from': [],
  'cache-to': [],
  secrets: [],
  ssh: [],
  builder: undefined,
  platforms: [],
  provenance: undefined,
  sbom: undefined,
  load: false,
  ...NO_BUILD_OPTIONS
} as const

function readBuildInputs(
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
    'cache-from': parseCacheOptions('cache-from', parseList(read('cache-from'), true)),
    'cache-to': parseCacheOptions('cache-to', parseList(read('cache-to'), true)),
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
  const fromEnv = parseList(read('build-args'), true).filter(line => !line.includes('='))
  const pairs = parseKeyValues(
    'build-args',
    parseList(read('build-args'), true)
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
  const platforms = parseList(read('platforms'))
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

/** Inputs that only a build uses; with `source` they must stay empty. */
const BUILD_INPUTS = [
  'context',
  'file',
  'build-args',
  'target',
  'labels',
  'network',
  'no-cache',
  'pull',
  'compression',
  'compression-level',
  'cache-from',
  'cache-to',
  'secrets',
  'secret-files',
  'secret-envs',
  'ssh',
  'builder',
  'platforms',
  'provenance',
  'sbom',
  'load',
  ...BUILD_OPTION_INPUTS
] as const

/** The build inputs the user set: a value equal to the action.yml default is what every runner sends, not a choice. */
function buildInputsGiven(read: InputReader): string[] {
  return BUILD_INPUTS.filter(name => givenByUser(name, read(name)))
}

/** skopeo's name for an image the local engine holds. */
const DAEMON = 'docker-daemon:'

/**
 * `source`: an image in a registry (a mirror), or one the engine holds (`docker-daemon:NAME`, as
 * skopeo names it), published as a build's result would be.
 */
function readSource(read: InputReader, push: boolean): ImageReference | {readonly local: string} | undefined {
  const raw = optional(read('source'))
  if (raw === undefined) return undefined
  if (raw.startsWith(DAEMON)) {
    const local = raw.slice(DAEMON.length).trim()
    if (local === '' || /\s/.test(local) || local.startsWith('-'))
      throw new InputError(
        'source',
        `'${raw}' names no image; give docker-daemon:<name>[:<tag>], such as docker-daemon:orders:dev`
      )
    refuseBuildInputs(read)
    if (!push) throw new InputError('source', `publishes ${local} to 'images', which needs push: true`)
    return {local}
  }
  const ref = parseReference(raw)
  if (typeof ref === 'string')
    throw new InputError(
      'source',
      `${ref}. Expected an image such as ghcr.io/acme/orders:1.2.3 or ghcr.io/acme/orders@sha256:…`
    )
  refuseBuildInputs(read)
  if (!push) throw new InputError('source', `copies an image to 'images', which needs push: true`)
  return ref
}

/** With a source, nothing is built: a build input set to anything but its default is refused. */
function refuseBuildInputs(read: InputReader): void {
  const given = buildInputsGiven(read)
  if (given.length > 0) {
    throw new InputError(
      'source',
      `copies an existing image and builds nothing, so it does not go with ${given.map(g => `'${g}'`).join(', ')}; remove ${given.length === 1 ? 'it' : 'them'} or remove 'source'`
    )
  }
}

export type Compression = 'gzip' | 'zstd'

/** The highest level each compression takes (zstd's 20-22 need far more memory and time). */
const MAX_LEVEL: Record<Compression, number> = {gzip: 9, zstd: 19}

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
  if (!(level >= 1 && level <= MAX_LEVEL[name]))
    throw new InputError(
      'compression-level',
      `'${raw}' is not accepted; use a ${name} level from 1 (fastest) to ${MAX_LEVEL[name]} (smallest)`
    )
  return {compression: name, 'compression-level': level}
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

function readChunkSize(read: InputReader): number | undefined {
  const raw = optional(read('upload-chunk-size'))
  return raw === undefined ? undefined : parseSize('upload-chunk-size', raw)
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function readAzureInputs(read: InputReader, mask: (secret: string) => void) {
  const secret = optional(read('azure-client-secret'))
  if (secret !== undefined) mask(secret)
  const clientId = optional(read('azure-client-id'))
  if (clientId !== undefined && !GUID.test(clientId)) {
    throw new InputError(
      'azure-client-id',
      `'${clientId}' is not an application (client) ID; expected a GUID such as 11111111-2222-3333-4444-555555555555`
    )
  }
  const tenantId = optional(read('azure-tenant-id'))
  if (tenantId !== undefined && !GUID.test(tenantId) && !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(tenantId)) {
    throw new InputError(
      'azure-tenant-id',
      `'${tenantId}' is not a tenant; expected a GUID or a domain such as contoso.onmicrosoft.com`
    )
  }
  if ((clientId === undefined) !== (tenantId === undefined)) {
    throw new InputError(
      clientId === undefined ? 'azure-client-id' : 'azure-tenant-id',
      `'azure-client-id' and 'azure-tenant-id' go together; give both or neither`
    )
  }
  if (secret !== undefined && clientId === undefined) {
    throw new InputError('azure-client-secret', `needs 'azure-client-id' and 'azure-tenant-id'`)
  }
  return {'azure-client-id': clientId, 'azure-tenant-id': tenantId, 'azure-client-secret': secret}
}

function readAwsInputs(read: InputReader, envRegion: string | undefined) {
  const region = optional(read('aws-region')) ?? envRegion
  if (region !== undefined && !isValidAwsRegion(region)) {
    throw new InputError('aws-region', `'${region}' is not an AWS region such as eu-west-1`)
  }
  const role = optional(read('aws-role-to-assume'))
  if (role !== undefined && !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/.test(role)) {
    throw new InputError(
      'aws-role-to-assume',
      `'${role}' is not an IAM role ARN such as arn:aws:iam::123456789012:role/publisher`
    )
  }
  const sessionName = optional(read('aws-role-session-name')) ?? 'stevedore'
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
    throw new InputError(
      'aws-role-session-name',
      `'${sessionName}' is not accepted; use 2-64 of letters, digits and + = , . @ _ -`
    )
  }
  const mutability = parseChoice(
    'ecr-tag-mutability',
    read('ecr-tag-mutability'),
    ['mutable', 'immutable'] as const,
    'mutable'
  )
  return {
    'aws-region': region,
    'aws-role-to-assume': role,
    'aws-role-session-name': sessionName,
    'aws-audience': optional(read('aws-audience')) ?? 'sts.amazonaws.com',
    'ecr-create-repository': parseBoolean('ecr-create-repository', read('ecr-create-repository'), false),
    'ecr-tag-mutability': mutability === 'immutable' ? ('IMMUTABLE' as const) : ('MUTABLE' as const),
    'ecr-scan-on-push': parseBoolean('ecr-scan-on-push', read('ecr-scan-on-push'), false)
  }
}
