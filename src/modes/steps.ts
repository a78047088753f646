/** The steps every mode shares: timed phases, the engine, logins, tags, publish and verify, the report. */

import * as core from '@actions/core'
import {Session, logIn} from '../auth/auth'
import {BuildPath, choosePath, requireAttestations, requireBuildOptions, requireCapabilities} from '../build/build-path'
import {cacheArguments, cacheExportRefusal} from '../build/cache-options'
import {Docker, DockerLogins, detectBuilder} from '../build/docker'
import type {Builder} from '../build/builder-choice'
import {createRunDockerConfig, userDockerConfigDir} from '../auth/docker-config'
import {ActionError, InputError} from '../errors'
import {settleTags} from '../plan/floating-tags'
import {GitHubContext} from '../inputs/github-context'
import {savesLegacyLayout} from '../image/legacy-chain'
import type {CommonInputs, Inputs} from '../inputs/inputs'
import {isBuild} from '../inputs/inputs'
import {LoginMethod} from '../auth/login-plan'
import {Plan} from '../plan/plan'
import {Published, planTargets, publishGraph, verifyAll} from '../publish/publish'
import {Failed, Outcome, RunFacts, outputsOf, setOutputs, writeSummary} from '../report'
import {State, save} from '../state'
import {ManifestNode} from '../oci/oci'
import {UploadError, UploadOptions} from '../publish/uploader'

/** What this run records for the job summary as it goes: the one run of this process. */
export const facts: {
  commit: string
  push: boolean
  source?: string
  platforms?: NonNullable<RunFacts['platforms']>
  timings: Array<{phase: string; seconds: number}>
} = {commit: '', push: true, timings: []}

/** core.group that says how long the phase took (and keeps it for the summary). */
export async function phase<T>(name: string, work: () => Promise<T>): Promise<T> {
  return core.group(name, async () => {
    const started = Date.now()
    try {
      return await work()
    } finally {
      const seconds = (Date.now() - started) / 1000
      facts.timings.push({phase: name, seconds})
      core.info(`(${name}: ${seconds.toFixed(2)} s)`)
    }
  })
}

export async function setUpDocker(
  ctx: GitHubContext,
  inputs: Inputs
): Promise<{docker: Docker; path: BuildPath; legacySave: boolean}> {
  // an image the engine holds already is not built: no build option is checked
  const build = isBuild(inputs) ? inputs : undefined
  const found = await phase('Docker', async () => {
    const found = await detectBuilder(process.env, build?.builder)
    for (const p of found.probes)
      core.info(`${p.path}: client ${p.clientVersion ?? 'does not run'}, buildx ${p.buildx ? 'yes' : 'no'}`)
    const buildPath = choosePath({
      kind: found.builder.kind,
      driver: found.driver,
      store: found.store,
      sharesLoopback: found.sharesLoopback
    })
    core.info(
      `Building with ${found.builder.docker} (${found.builder.kind}); engine ${found.server}, ${found.store} image store; ${buildPath.description}`
    )
    return {...found, buildPath}
  })
  const docker = runDocker(ctx.runnerTemp, inputs, found.builder)
  if (build === undefined) return {docker, path: found.buildPath, legacySave: savesLegacyLayout(found.server)}
  requireCapabilities(found.buildPath, build.platforms)
  requireBuildOptions(found.buildPath, found.builder.kind, build)
  const cache = cacheArguments(found.builder.kind, build['cache-from'], build['cache-to'])
  if (typeof cache === 'string')
    throw new InputError(
      cache.startsWith('cache-from') ? 'cache-from' : 'cache-to',
      `${cache}. Set up buildx (docker/setup-buildx-action) or change the cache inputs. Nothing was built or pushed`
    )
  const cacheRefusal = cacheExportRefusal(
    {kind: found.builder.kind, driver: found.driver, store: found.store},
    build['cache-to']
  )
  if (cacheRefusal !== undefined) throw new InputError('cache-to', cacheRefusal)
  requireAttestations(found.buildPath, build)
  if (!found.buildPath.attestations && inputs.push && build.provenance === undefined)
    core.notice(
      `No provenance attestation: ${found.buildPath.description} cannot attest, so the image is published without one (a docker-container builder or the containerd image store can attest)`
    )
  return {docker, path: found.buildPath, legacySave: savesLegacyLayout(found.server)}
}

/**
 * A docker config of this run, which the post step removes; with `logout: false` later steps of the
 * job get it (DOCKER_CONFIG) and the post step leaves it for the runner, which empties RUNNER_TEMP
 * when the job ends.
 */
function runDockerConfig(runnerTemp: string, inputs: Pick<CommonInputs, 'logout'>, client: string): string {
  const configDir = createRunDockerConfig(runnerTemp, userDockerConfigDir(process.env))
  save(State.DockerConfigDir, configDir)
  save(State.DockerClient, client)
  if (!inputs.logout) {
    save(State.KeepLogins, 'true')
    core.exportVariable('DOCKER_CONFIG', configDir)
    core.info(`logout: false - later steps of this job use this run's docker config and its logins (${configDir})`)
  }
  return configDir
}

/** The builder's docker client on a docker config of this run. */
export function runDocker(runnerTemp: string, inputs: Pick<CommonInputs, 'logout'>, builder: Builder): Docker {
  return new Docker(builder, runDockerConfig(runnerTemp, inputs, builder.docker), process.env)
}

/** The docker on PATH, for logins only (a mirror or merge with `logout: false`), on a docker config of this run. */
export function runDockerLogins(runnerTemp: string, inputs: Pick<CommonInputs, 'logout'>): DockerLogins {
  return new DockerLogins('docker', runDockerConfig(runnerTemp, inputs, 'docker'), process.env)
}

export async function logInGroup(
  inputs: CommonInputs,
  logins: readonly LoginMethod[],
  docker: DockerLogins | undefined
): Promise<Session> {
  const session = await phase('Log in', () => logIn(inputs, logins, docker, process.env))
  save(State.CloudLogins, JSON.stringify(session.cloudLogins))
  return session
}

export async function tagsGroup(
  plan: Plan,
  inputs: CommonInputs,
  session: Session | undefined
): Promise<{tags: string[]; notes: string[]; listed: ReadonlyMap<string, string[]>}> {
  return phase('Tags', async () => {
    if (inputs['push-by-digest']) {
      core.info(`push-by-digest: no tag; each repository stores the manifest under its digest (merge joins them later)`)
      return {tags: [], notes: [], listed: new Map()}
    }
    core.info(`Tag mode: ${plan.mode}`)
    const settled = await settleTags(plan, inputs.images, session?.clients)
    if (!settled.asked && settled.decisions.length > 0) {
      core.info(
        `Not pushing, so the registries were not asked for newer releases: ${settled.decisions.map(d => d.tag).join(', ')} assumed to move`
      )
    }
    const notes: string[] = []
    for (const d of settled.decisions) {
      if (d.move) {
        core.info(`'${d.tag}' moves to ${plan.version ?? ''}`)
      } else {
        const why = d.reason ?? `not moving '${d.tag}'`
        core.notice(why)
        notes.push(why)
      }
    }
    core.info(`Tags: ${settled.tags.join(', ') || '(none)'}`)
    return {tags: settled.tags, notes, listed: settled.listed}
  })
}

/** What publishAndVerify publishes: the image's graph and ID, under the tags. */
export interface Publication {
  readonly plan: Plan
  readonly root: ManifestNode
  readonly tags: readonly string[]
  readonly imageId: string
}

export async function publishAndVerify(
  session: Session,
  inputs: CommonInputs,
  {plan, root, tags, imageId}: Publication,
  opts: UploadOptions
): Promise<{published: Published[]; failed: Failed[]}> {
  const floating = new Set(plan.tags.floating.map(f => f.tag))
  const targets = await planTargets(
    session,
    inputs.images,
    tags,
    floating,
    {digest: root.digest, id: imageId},
    inputs['push-by-digest']
  )
  const chunk = inputs['upload-chunk-size']
  const {pushed, failed} = await phase('Push', async () => {
    try {
      return {
        pushed: await publishGraph(
          root,
          targets,
          session.clients,
          chunk === undefined ? opts : {...opts, chunkSize: chunk}
        ),
        failed: new Map<string, string>()
      }
    } catch (e) {
      if (!(e instanceof UploadError)) throw e
      for (const [registry, why] of e.failed) core.error(why.startsWith(registry) ? why : `${registry}: ${why}`)
      return {pushed: e.done, failed: e.failed}
    }
  })
  const reached = targets.filter(t => !failed.has(t.repository.registry))
  const published = await phase('Verify', () => verifyAll(session.clients, reached, pushed, root))
  await verifyAzure(session, published)
  return {
    published,
    failed: targets
      .filter(t => failed.has(t.repository.registry))
      .map(t => ({repository: t.repository, error: failed.get(t.repository.registry) ?? ''}))
  }
}

/**
 * What the outputs report: a built image carries our labels and the annotations written into it;
 * an existing one (source, merge, `built` undefined) none.
 */
export function outcomeOf(
  plan: Plan,
  inputs: CommonInputs,
  run: Pick<Outcome, 'imageId' | 'tags' | 'notes' | 'published' | 'failed'>,
  built: {readonly annotations: readonly string[]} | undefined
): Outcome {
  return {
    ...run,
    version: plan.versionName,
    images: inputs.images,
    labels: built !== undefined ? plan.labels : {},
    annotations: built?.annotations ?? [],
    separators: inputs.separators
  }
}

/** Reports what was published, then fails the step if any repository was not. */
export async function finish(outcome: Outcome): Promise<void> {
  await report(outcome)
  if (outcome.failed.length > 0) {
    const ok = outcome.published.map(p => p.repository.name)
    throw new ActionError(
      `Published to ${ok.length} of ${ok.length + outcome.failed.length} repositories${ok.length > 0 ? ` (${ok.join(', ')})` : ''}; ` +
        `not published: ${outcome.failed.map(f => `${f.repository.name} (${f.error})`).join('; ')}`
    )
  }
}

/** ACR registries are read back once more through the ACR SDK. */
async function verifyAzure(session: Session, published: readonly Published[]): Promise<void> {
  const acr = published.filter(p => session.azure.has(p.repository.registry))
  if (acr.length === 0) return
  const {verifyWithAcrSdk} = await import('../auth/acr.js')
  await phase('Verify with @azure/container-registry', async () => {
    for (const p of acr) {
      const {identity, cloud} = session.azure.get(p.repository.registry) ?? {}
      if (identity !== undefined && cloud !== undefined) {
        await verifyWithAcrSdk(p.repository.registry, p.repository.path, p.tags, p.digest, cloud, identity)
      }
    }
  })
}

async function report(outcome: Parameters<typeof outputsOf>[0]): Promise<void> {
  setOutputs(outputsOf(outcome))
  await writeSummary(outcome, facts)
  for (const p of outcome.published) core.info(`${p.repository.name}@${p.digest}  tags: ${p.tags.join(', ')}`)
}
