/** Which way the image goes from the builder to the registries, and what the builder can do on that way. Pure. */
import {InputError} from '../errors'
import type {BuilderKind} from './builder-choice'
import type {BuildOptions} from '../inputs/build-options'

/** Where the engine keeps images: what `docker save` gives and what an image ID is. */
export type ImageStore = 'classic' | 'containerd'

export interface BuilderFacts {
  readonly kind: BuilderKind
  /** the buildx driver of the builder that builds (undefined without buildx) */
  readonly driver: string | undefined
  /** the engine's image store (matters only for the docker driver and the plain engine) */
  readonly store: ImageStore
  /** the engine runs on this machine, in its network namespace: it reaches our 127.0.0.1 */
  readonly sharesLoopback: boolean
}

export interface BuildPath {
  /**
   * `oci`: the build writes an OCI layout, published as it is (BuildKit's own
   * compression and digests, attestations included); `push`: the same image,
   * pushed by BuildKit to our intake on 127.0.0.1 and sent on as it arrives;
   * `engine`: the image is loaded into the engine, then saved and compressed by us.
   */
  readonly output: 'oci' | 'push' | 'engine'
  /** several platforms in one build, one index */
  readonly multiPlatform: boolean
  /** provenance and SBOM attestations */
  readonly attestations: boolean
  /** for the log */
  readonly description: string
}

export function choosePath(f: BuilderFacts): BuildPath {
  if (f.kind === 'buildkit') {
    return {output: 'engine', multiPlatform: false, attestations: false, description: "the engine's built-in BuildKit"}
  }
  if (f.driver === 'docker' && f.store === 'classic') {
    return {
      output: 'engine',
      multiPlatform: false,
      attestations: false,
      description: 'buildx, docker driver, classic image store'
    }
  }
  if (f.driver === 'docker' && f.sharesLoopback) {
    // the engine's BuildKit pushes from its content store: no layout written and read again
    return {
      output: 'push',
      multiPlatform: true,
      attestations: true,
      description:
        "buildx, docker driver, containerd image store: pushed by BuildKit to stevedore's intake on 127.0.0.1"
    }
  }
  const where =
    f.driver === 'docker' ? 'buildx, docker driver, containerd image store' : `buildx, ${f.driver ?? 'unknown'} driver`
  return {
    output: 'oci',
    multiPlatform: true,
    attestations: true,
    description: `${where}: OCI layout published as built`
  }
}

/** What to do about inputs the builder at hand cannot honour: `platforms` fails before the build. */
export function requireCapabilities(path: BuildPath, platforms: readonly string[]): void {
  if (platforms.length > 1 && !path.multiPlatform) {
    throw new InputError(
      'platforms',
      `${platforms.join(', ')} needs a builder that can build several platforms into one index, and this one is ${path.description}. ` +
        `Either set up a buildx builder with docker/setup-buildx-action (docker-container driver), or use the containerd ` +
        `image store (Docker 29 default; "features": {"containerd-snapshotter": true} in daemon.json). Nothing was built or pushed`
    )
  }
}

/** build-push-action inputs that only buildx takes, and those only an OCI layout carries (annotations). */
export function requireBuildOptions(
  path: BuildPath,
  kind: BuilderKind,
  given: Pick<BuildOptions, 'allow' | 'no-cache-filters' | 'build-contexts' | 'annotations'> & {
    readonly gitContext?: {readonly subdir: string} | undefined
    readonly mode?: 'build' | 'check' | undefined
  }
): void {
  const setUp = 'set up buildx (docker/setup-buildx-action), which every hosted runner has'
  if (kind === 'buildkit' && given.mode === 'check') {
    throw new InputError('call', `check needs buildx, and this engine builds with ${path.description}: ${setUp}`)
  }
  if (kind === 'buildkit' && given.gitContext !== undefined && given.gitContext.subdir !== '') {
    throw new InputError(
      'context',
      `a Git context's subdirectory (#ref:dir) needs buildx, and this engine builds with ${path.description}: ${setUp}, ` +
        `or name the Dockerfile with 'file' and build from the repository's root. Nothing was built or pushed`
    )
  }
  if (kind === 'buildkit') {
    for (const name of ['allow', 'no-cache-filters', 'build-contexts'] as const) {
      if (given[name].length > 0)
        throw new InputError(
          name,
          `needs buildx, and this engine builds with ${path.description}: ${setUp}. Nothing was built or pushed`
        )
    }
  }
  if (given.annotations.length > 0 && path.output === 'engine') {
    throw new InputError(
      'annotations',
      `go on an OCI manifest or index, and this build goes through the engine (${path.description}), whose images carry none. ` +
        `Use a docker-container builder (docker/setup-buildx-action) or the containerd image store (Docker 29 default). Nothing was built or pushed`
    )
  }
}

/**
 * Whether the engine reaches our 127.0.0.1: it names this host (not a remote DOCKER_HOST, not the
 * host of a job container) and is not rootless (whose daemon has a loopback of its own).
 */
export function engineSharesLoopback(
  engineName: string,
  securityOptions: readonly string[],
  hostname: string
): boolean {
  return engineName !== '' && engineName === hostname && !securityOptions.some(o => /(^|,)name=rootless(,|$)/.test(o))
}

/**
 * `provenance` and `sbom` where the builder cannot attest: an attestation the user asked for
 * (`sbom: true`, `provenance: mode=max`, ...) fails before building, as buildx fails; the
 * provenance we add by default is left out (the caller says so in a notice).
 */
export function requireAttestations(
  path: Pick<BuildPath, 'attestations' | 'description'>,
  given: {readonly provenance: string | undefined; readonly sbom: string | undefined}
): void {
  if (path.attestations) return
  for (const name of ['provenance', 'sbom'] as const) {
    const v = given[name]
    if (v === undefined || v === 'false') continue
    throw new InputError(
      name,
      `'${v}' asks for an attestation, and ${path.description} cannot attest (buildx, so build-push-action, fails there too). ` +
        `Use a docker-container builder (docker/setup-buildx-action) or the containerd image store, or set ${name}: false. Nothing was built or pushed`
    )
  }
}
