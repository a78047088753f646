/** The action's inputs, read once, validated and typed: nothing is built or pushed until getInputs has returned. */
import {readBuildInputs, readChunkSize} from './build-inputs'
import {DAEMON, readMerge, readPushByDigest, readSource} from './mode-inputs'
import {readAwsInputs, readAzureInputs, requireCloudRegistries} from './cloud-inputs'
import {readCredentials, readRegistry} from './credential-inputs'
import {InputReader, optional} from './reader'
import {BuildSecret} from './build-secrets'
import {BuildOptions} from './build-options'
import {givenByUser} from './defaults'
import {GitContext} from './build-context'
import {CacheOption} from '../build/cache-options'
import {InputError} from '../errors'
import type {GitHubContext} from './github-context'
import {RegistryAuth, parseBoolean, parseChoice, parseImages, parseTags} from './parsing'
import {parseList} from './list-grammar'
import type {ImageReference, Repository} from '../registry/reference'
import {isValidTag} from '../registry/reference'
import type {LatestMode} from '../plan/tags'
import {Flavor, TagRule, isTagRule, parseFlavor, parseTagRule, rawTagRule} from '../plan/tag-rules'
import {cleanVersion, versionFromRef, versionTag} from '../plan/version'
import {Compression} from '../oci/oci'

/** What every mode reads; keyed by the public input names (action.yml). */
export interface CommonInputs {
  readonly images: readonly Repository[]
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
  readonly 'upload-chunk-size': number | undefined
  /** login-action's: false keeps this run's docker config, with its logins, for later steps */
  readonly logout: boolean
  /** what reading the inputs decided that a user should hear of (printed as notices) */
  readonly notices: readonly string[]
  /** metadata-action's sep-tags, sep-labels and sep-annotations: how the list outputs are joined */
  readonly separators: {readonly tags: string; readonly labels: string; readonly annotations: string}
}

/** What only a build reads (and `call: check`, which runs a build's checks). */
export interface BuildFields extends BuildOptions {
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
  /** how layers are compressed: gzip, or zstd (Docker 23+, containerd 1.5+ read it) */
  readonly compression: Compression
  readonly 'compression-level': number
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
}

/** A build (build-push-action's call: build), or its checks only (call: check; push is then false). */
export interface BuildInputs extends CommonInputs, BuildFields {
  readonly mode: 'build' | 'check'
}

/** `source` naming a registry's image: copied as it is. */
export interface MirrorInputs extends CommonInputs {
  readonly mode: 'mirror'
  readonly source: ImageReference
}

/** `source: docker-daemon:NAME`: an image the engine holds, published as a build's result would be. */
export interface LocalImageInputs extends CommonInputs {
  readonly mode: 'local'
  readonly localImage: string
}

/** `merge`: digests of per-platform images joined into one index. */
export interface MergeInputs extends CommonInputs {
  readonly mode: 'merge'
  readonly merge: readonly string[]
}

/** The inputs of one run: what each mode reads, and nothing it does not. */
export type Inputs = BuildInputs | MirrorInputs | LocalImageInputs | MergeInputs

/** A build or its checks: the inputs a build reads are there. */
export const isBuild = (inputs: Inputs): inputs is BuildInputs => inputs.mode === 'build' || inputs.mode === 'check'

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
  const common: CommonInputs = {
    images,
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
  const source = given !== undefined && 'repository' in given ? given : undefined
  const merge = readMerge(read, push, given !== undefined)
  requireCloudRegistries(common, source)
  if (source !== undefined) return {...common, mode: 'mirror', source}
  if (given !== undefined && 'local' in given) return {...common, mode: 'local', localImage: given.local}
  if (merge.length > 0) return {...common, mode: 'merge', merge}
  return {...common, ...readBuildInputs(read, ctx, mask), mode: call}
}

/** `tags`, `flavor` and `latest`: plain tags as before, or metadata-action's rules when a line starts with `type=`. */
function readTagInputs(read: InputReader) {
  const lines = parseList(read('tags'))
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
