/**
 * The main step. Build mode: inputs → plan → auth → build → compress →
 * publish → verify → report. Mirror mode (`source`): inputs → plan → auth →
 * read the source → publish → verify → report, with no engine at all.
 * The one place errors become the step's failure.
 */
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import * as core from '@actions/core'
import {Session, logIn} from './auth/auth'
import {buildImage, checkBuild} from './build/build'
import {BuildPath, choosePath, requireAttestations, requireBuildOptions, requireCapabilities} from './build/build-path'
import {cacheArguments, cacheExportRefusal} from './build/cache-options'
import {Docker, detectBuilder} from './build/docker'
import type {Builder} from './build/builder-choice'
import {readOciLayout} from './image/oci-layout'
import {StreamingUploads, firstOfEachRegistry} from './publish/streaming-upload'
import {BuildIntake} from './publish/build-intake'
import {createRunDockerConfig, userDockerConfigDir} from './auth/docker-config'
import {ActionError, InputError, errorMessage} from './errors'
import {settleTags} from './plan/floating-tags'
import {GitHubContext, readGitHubContext} from './inputs/github-context'
import {DEFAULT_COMPRESSION, prepareImage} from './image/image-archive'
import {savesLegacyLayout} from './image/legacy-chain'
import type {Inputs} from './inputs/inputs'
import {getInputs} from './inputs/inputs'
import {refuseUnknownInputs} from './inputs/input-names'
import {LoginMethod, loginRegistries, planLogins} from './auth/login-plan'
import {mergeGraph} from './publish/merge'
import {cancelSpool, imageIdOf, loadSourceGraph} from './publish/mirror'
import {makeWorkDir, removeWorkDir} from './work-dirs'
import {Plan, makePlan} from './plan/plan'
import {Published, planTargets, publishGraph, verifyAll} from './publish/publish'
import {ImageReference, refWithTag} from './registry/reference'
import {Failed, Outcome, RunFacts, outputsOf, setOutputs, writeSummary} from './report'
import {State, save} from './state'
import {KnownLayer, ManifestNode, blobsOf} from './image/graph'
import {knownLayers} from './publish/known-layers'
import {UploadError, UploadOptions} from './publish/uploader'

/** What this run records for the job summary as it goes: the one run of this process. */
const facts: {
  commit: string
  push: boolean
  source?: string
  platforms?: NonNullable<RunFacts['platforms']>
  timings: Array<{phase: string; seconds: number}>
} = {commit: '', push: true, timings: []}

/** core.group that says how long the phase took (and keeps it for the summary). */
async function phase<T>(name: string, work: () => Promise<T>): Promise<T> {
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

/** The event payload the runner wrote (GITHUB_EVENT_PATH); none when it is missing or not JSON. */
function readEventPayload(env: NodeJS.ProcessEnv): unknown {
  const file = env.GITHUB_EVENT_PATH
  if (!file) return {}
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown
  } catch {
    return {}
  }
}

export async function run(): Promise<void> {
  try {
    refuseUnknownInputs(Object.keys(process.env))
    const ctx = readGitHubContext(process.env, process.cwd(), os.tmpdir(), readEventPayload(process.env))
    const inputs = getInputs(name => core.getInput(name), {...ctx, env: process.env}, core.setSecret)
    for (const n of inputs.notices) core.notice(n)
    facts.commit = ctx.sha
    facts.push = inputs.push
    const logins = planLogins(loginRegistries(inputs), inputs)
    const plan = makePlan(inputs, ctx, new Date())
    for (const w of plan.warnings) core.warning(w)
    if (inputs.gitContext !== undefined)
      core.info(`Context: ${inputs.gitContext.url}, fetched by the builder (no checkout needed)`)
    if (inputs.call === 'check') return await checkMode(inputs, ctx, plan, logins)
    if (inputs.push && !inputs['push-by-digest'] && plan.tags.fixed.length + plan.tags.floating.length === 0) {
      throw new ActionError('No tags to push: this is neither a tag nor a branch build. Set `version` or `tags`.')
    }
    if (inputs.localImage !== undefined) await localImageMode(inputs, inputs.localImage, ctx, plan, logins)
    else if (inputs.source !== undefined) await mirrorMode(inputs, inputs.source, plan, logins, ctx.runnerTemp)
    else if (inputs.merge.length > 0) await mergeMode(inputs, plan, logins, ctx.runnerTemp)
    else await buildMode(inputs, ctx, plan, logins)
  } catch (e) {
    core.setFailed(errorMessage(e))
  }
}

/**
 * build-push-action's `call: check`: each finding of the Dockerfile's checks becomes an annotation
 * on its line; an error fails the step. Nothing is built or pushed.
 */
async function checkMode(
  inputs: Inputs,
  ctx: GitHubContext,
  plan: Plan,
  logins: readonly LoginMethod[]
): Promise<void> {
  const {docker} = await setUpDocker(ctx, inputs)
  // a private base image's registry: its metadata is read for the checks
  if (logins.length > 0) await logInGroup(inputs, logins, docker)
  const workDir = makeWorkDir(ctx.runnerTemp, 'stevedore-check-')
  try {
    const findings = await phase('Check', () => checkBuild(docker, inputs, plan.labels, workDir))
    const file = dockerfileInRepository(inputs, ctx.workspace)
    for (const f of findings) {
      const where = {
        title: f.title,
        file,
        ...(f.startLine === undefined ? {} : {startLine: f.startLine, endLine: f.endLine ?? f.startLine})
      }
      if (f.level === 'error') core.error(f.message, where)
      else core.warning(f.message, where)
    }
    const errors = findings.filter(f => f.level === 'error').length
    const summary = `${errors} error(s), ${findings.length - errors} warning(s) in ${file}`
    if (errors > 0) throw new ActionError(`Build checks: ${summary}. Nothing was built or pushed`)
    core.info(`Build checks: ${summary}. Nothing was built or pushed (call: check)`)
  } finally {
    removeWorkDir(workDir)
  }
}

/** The Dockerfile's path from the repository's root, where GitHub puts an annotation. */
function dockerfileInRepository(inputs: Inputs, workspace: string): string {
  if (inputs.gitContext === undefined) return path.relative(workspace, inputs.file)
  return path.posix.join(inputs.gitContext.subdir, inputs.file === '' ? 'Dockerfile' : inputs.file)
}

async function buildMode(
  inputs: Inputs,
  ctx: GitHubContext,
  plan: Plan,
  logins: readonly LoginMethod[]
): Promise<void> {
  const {docker, path: buildPath, legacySave} = await setUpDocker(ctx, inputs)
  // registry-auth entries are logged in to even without push: a private base image may come from them
  const session = logins.length > 0 ? await logInGroup(inputs, logins, docker) : undefined
  const {tags, notes, listed} = await tagsGroup(plan, inputs, inputs.push ? session : undefined)
  const refs = inputs.images.flatMap(repo => tags.map(tag => refWithTag(repo, tag)))
  const workDir = makeWorkDir(ctx.runnerTemp, 'stevedore-build-')
  try {
    // without push the image goes into the engine, as documented; with push, the way the builder allows
    const output = inputs.push ? buildPath.output : 'engine'
    // metadata-action's annotations go where BuildKit writes the OCI image; an engine's image has only the labels
    const annotations = output !== 'engine' ? [...plan.annotations, ...plan.userAnnotations] : plan.userAnnotations
    // while it builds: which layers of the previous release every registry holds (not compressed again)
    const held =
      inputs.push && session !== undefined && output === 'engine'
        ? knownLayers(
            inputs.images,
            session.clients,
            plan.version,
            listed.get(inputs.images[0]?.name ?? ''),
            inputs.compression
          )
        : Promise.resolve(new Map<string, KnownLayer>())
    const intake = output === 'push' && session !== undefined ? await startIntake(inputs, session, workDir) : undefined
    try {
      const {imageId, ociDir} = await phase('Build', () =>
        buildImage(
          docker,
          inputs,
          plan.labels,
          annotations,
          refs,
          workDir,
          intake !== undefined ? {push: intake.ref(INTAKE_TAG)} : output === 'push' ? 'oci' : output,
          runUrl(ctx)
        )
      )
      core.info(`Image ID: ${imageId}`)
      if (output === 'engine' && inputs.push)
        core.info(`Annotations: none written, ${buildPath.description} keeps none; the OCI metadata is in the labels`)
      let result: {published: Published[]; failed: Failed[]} = {published: [], failed: []}
      if (inputs.push && session !== undefined) {
        // on the engine path each layer streams to new repositories while it is compressed (not with
        // upload-chunk-size, which asks for fixed chunks)
        const streaming =
          output === 'engine' && inputs['upload-chunk-size'] === undefined
            ? await streamingUploads(inputs, session, listed)
            : undefined
        const root =
          intake !== undefined
            ? await intakeGraph(intake)
            : ociDir !== undefined
              ? readBuiltLayout(ociDir)
              : await phase('Compress', async () =>
                  compress(docker, imageId, workDir, inputs, await held, streaming, legacySave)
                )
        const streamed = intake?.streamed() ?? streaming?.streamed()
        result = await publishAndVerify(
          session,
          inputs,
          plan,
          root,
          tags,
          imageId,
          streamed === undefined ? {} : {streamed}
        )
      }
      await finish(outcomeOf(plan, inputs, {imageId, tags, notes, ...result}, {annotations}))
    } finally {
      await intake?.close()
    }
  } finally {
    removeWorkDir(workDir)
  }
}

/**
 * A local image (source: docker-daemon:NAME, as skopeo names it), built in an earlier step with
 * `docker build` or Compose: saved from the engine once, each layer compressed once, and published
 * as a build's result would be (its tags, every registry, the read-back, the outputs).
 */
async function localImageMode(
  inputs: Inputs,
  image: string,
  ctx: GitHubContext,
  plan: Plan,
  logins: readonly LoginMethod[]
): Promise<void> {
  const {docker, legacySave} = await setUpDocker(ctx, inputs, false)
  const imageId = await docker.imageId(image)
  if (imageId === undefined)
    throw new InputError(
      'source',
      `docker-daemon:${image}: the engine holds no such image; build or pull it in an earlier step of this job (docker images lists what it holds)`
    )
  core.info(`Local image ${image}: ${imageId}`)
  const session = await logInGroup(inputs, logins, docker)
  const {tags, notes, listed} = await tagsGroup(plan, inputs, session)
  const workDir = makeWorkDir(ctx.runnerTemp, 'stevedore-local-')
  try {
    const held = await knownLayers(
      inputs.images,
      session.clients,
      plan.version,
      listed.get(inputs.images[0]?.name ?? ''),
      inputs.compression
    )
    const streaming =
      inputs['upload-chunk-size'] === undefined ? await streamingUploads(inputs, session, listed) : undefined
    const root = await phase('Compress', () => compress(docker, image, workDir, inputs, held, streaming, legacySave))
    const streamed = streaming?.streamed()
    const id = imageIdOf(root)
    const result = await publishAndVerify(
      session,
      inputs,
      plan,
      root,
      tags,
      id,
      streamed === undefined ? {} : {streamed}
    )
    await finish(outcomeOf(plan, inputs, {imageId: id, tags, notes, ...result}, undefined))
  } finally {
    removeWorkDir(workDir)
  }
}

/** The tag the builder pushes under, in the intake's own repository. */
const INTAKE_TAG = 'built'

/** Our registry on 127.0.0.1 for the builder to push to; it sends what it receives on to every target. */
async function startIntake(inputs: Inputs, session: Session, workDir: string): Promise<BuildIntake> {
  const targets = inputs.images.map(repo => {
    const client = session.clients.get(repo.registry)
    if (client === undefined) throw new ActionError(`no client for ${repo.registry}`)
    return {client, repoPath: repo.path}
  })
  return BuildIntake.start(path.join(workDir, 'intake'), targets)
}

/** What the builder pushed to the intake, as it is: its digests are the ones we publish and output. */
async function intakeGraph(intake: BuildIntake): Promise<ManifestNode> {
  const root = await intake.graph(INTAKE_TAG)
  const images = root.children.length > 0 ? `an index of ${root.children.length} manifest(s)` : 'an image'
  const {received, held} = intake.counts()
  core.info(
    `Pushed by the builder to stevedore's intake: ${images}, ${root.digest}; ${received} blob(s) received and sent on as they came, ${held} held by every repository already (not sent)`
  )
  return root
}

async function mirrorMode(
  inputs: Inputs,
  source: ImageReference,
  plan: Plan,
  logins: readonly LoginMethod[],
  runnerTemp: string
): Promise<void> {
  // several registries: each source blob is read once, spooled here, and sent on to every one from
  // there; one registry reads each blob once anyway (later repositories mount it): straight through
  const several = new Set(inputs.images.map(r => r.registry)).size > 1
  const spool = several ? {dir: makeWorkDir(runnerTemp, 'stevedore-mirror-'), blobs: new Map()} : undefined
  try {
    await publishExisting(inputs, plan, logins, runnerTemp, 'Source', async session => {
      const client = session.clients.get(source.repository.registry)
      if (client === undefined) throw new ActionError(`no client for ${source.repository.registry}`)
      const root = await loadSourceGraph(client, source, spool)
      const what =
        root.children.length > 0
          ? `an index of ${root.children.length} image(s)`
          : `an image of ${root.blobs.length} blob(s)`
      const named = `${source.repository.name}${source.digest ? `@${source.digest}` : `:${source.tag ?? ''}`}`
      facts.source = named
      core.info(`${named} is ${what}, ${root.digest}`)
      const origin = {
        registry: source.repository.registry,
        path: source.repository.path,
        digests: blobsOf(root).map(b => b.digest)
      }
      return {root, imageId: imageIdOf(root), origins: [origin]}
    })
  } finally {
    if (spool !== undefined) {
      // a download still running would keep the process and write into the removed folder
      await cancelSpool(spool)
      removeWorkDir(spool.dir)
    }
  }
}

async function mergeMode(
  inputs: Inputs,
  plan: Plan,
  logins: readonly LoginMethod[],
  runnerTemp: string
): Promise<void> {
  await publishExisting(inputs, plan, logins, runnerTemp, 'Merge', async session => {
    const {root, origins, platforms} = await mergeGraph(inputs.merge, inputs.images, session.clients)
    facts.platforms = platforms
    core.info(
      `index of ${root.children.length} image(s): ${root.digest}; ${platforms.map(p => `${p.platform} ${p.digest}`).join(', ')}`
    )
    return {root, imageId: '', origins}
  })
}

/**
 * Mirror and merge: publish a graph that registries already hold. No docker:
 * the registry clients carry the credentials.
 */
async function publishExisting(
  inputs: Inputs,
  plan: Plan,
  logins: readonly LoginMethod[],
  runnerTemp: string,
  name: string,
  load: (
    session: Session
  ) => Promise<{root: ManifestNode; imageId: string; origins: NonNullable<UploadOptions['origins']>}>
): Promise<void> {
  // no docker here, unless later steps are to keep the logins (logout: false): the docker on PATH writes them
  const docker = inputs.logout
    ? undefined
    : runDocker(runnerTemp, inputs, {kind: 'buildx', docker: 'docker', clientVersion: ''})
  const session = await logInGroup(inputs, logins, docker)
  const {tags, notes} = await tagsGroup(plan, inputs, session)
  const {root, imageId, origins} = await phase(name, () => load(session))
  const result = await publishAndVerify(session, inputs, plan, root, tags, imageId, {origins})
  await finish(outcomeOf(plan, inputs, {imageId, tags, notes, ...result}, undefined))
}

async function setUpDocker(
  ctx: GitHubContext,
  inputs: Inputs,
  /** false for an image the engine holds already: nothing is built, so no build option is checked */
  building = true
): Promise<{docker: Docker; path: BuildPath; legacySave: boolean}> {
  const found = await phase('Docker', async () => {
    const found = await detectBuilder(process.env, inputs.builder)
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
  if (!building) return {docker, path: found.buildPath, legacySave: savesLegacyLayout(found.server)}
  requireCapabilities(found.buildPath, inputs.platforms)
  requireBuildOptions(found.buildPath, found.builder.kind, inputs)
  const cache = cacheArguments(found.builder.kind, inputs['cache-from'], inputs['cache-to'])
  if (typeof cache === 'string')
    throw new InputError(
      cache.startsWith('cache-from') ? 'cache-from' : 'cache-to',
      `${cache}. Set up buildx (docker/setup-buildx-action) or change the cache inputs. Nothing was built or pushed`
    )
  const cacheRefusal = cacheExportRefusal(
    {kind: found.builder.kind, driver: found.driver, store: found.store},
    inputs['cache-to']
  )
  if (cacheRefusal !== undefined) throw new InputError('cache-to', cacheRefusal)
  requireAttestations(found.buildPath, inputs)
  if (!found.buildPath.attestations && inputs.push && inputs.provenance === undefined)
    core.notice(
      `No provenance attestation: ${found.buildPath.description} cannot attest, so the image is published without one (a docker-container builder or the containerd image store can attest)`
    )
  return {docker, path: found.buildPath, legacySave: savesLegacyLayout(found.server)}
}

/**
 * A docker client on a docker config of this run, which the post step removes; with `logout: false`
 * later steps of the job get it (DOCKER_CONFIG) and the post step leaves it for the runner, which
 * empties RUNNER_TEMP when the job ends.
 */
function runDocker(runnerTemp: string, inputs: Inputs, builder: Builder): Docker {
  const configDir = createRunDockerConfig(runnerTemp, userDockerConfigDir(process.env))
  save(State.DockerConfigDir, configDir)
  save(State.DockerClient, builder.docker)
  if (!inputs.logout) {
    save(State.KeepLogins, 'true')
    core.exportVariable('DOCKER_CONFIG', configDir)
    core.info(`logout: false - later steps of this job use this run's docker config and its logins (${configDir})`)
  }
  return new Docker(builder, configDir, process.env)
}

/** This workflow run's URL, where the runner says it. */
function runUrl(ctx: GitHubContext): string | undefined {
  if (ctx.repository === '' || ctx.runId === '') return undefined
  return `${ctx.serverUrl}/${ctx.repository}/actions/runs/${ctx.runId}${ctx.runAttempt === '' ? '' : `/attempts/${ctx.runAttempt}`}`
}

/** The OCI layout BuildKit wrote, as it is: its digests are the ones we publish and output. */
function readBuiltLayout(dir: string): ManifestNode {
  const root = readOciLayout(dir)
  const images = root.children.length > 0 ? `an index of ${root.children.length} manifest(s)` : 'an image'
  core.info(`OCI layout from the build: ${images}, ${root.digest}; published as built (no save, no second compression)`)
  return root
}

async function logInGroup(
  inputs: Inputs,
  logins: readonly LoginMethod[],
  docker: Docker | undefined
): Promise<Session> {
  const session = await phase('Log in', () => logIn(inputs, logins, docker, process.env))
  save(State.CloudLogins, JSON.stringify(session.cloudLogins))
  return session
}

async function tagsGroup(
  plan: Plan,
  inputs: Inputs,
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

async function compress(
  docker: Docker,
  imageId: string,
  workDir: string,
  inputs: Pick<Inputs, 'compression' | 'compression-level'>,
  held: ReadonlyMap<string, KnownLayer>,
  streaming: StreamingUploads | undefined,
  legacySave: boolean
): Promise<ManifestNode> {
  const started = Date.now()
  const level = inputs['compression-level']
  const opts = {...DEFAULT_COMPRESSION, algorithm: inputs.compression, level}
  // a legacy save (Docker 20.10) says which layer a directory holds only at its end: with the
  // image's diff IDs, the chain of parents tells a held layer before its bytes
  const diffIds = held.size > 0 && legacySave ? docker.diffIds(imageId) : undefined
  const prepared = await prepareImage(docker.save(imageId), workDir, opts, held, streaming, diffIds)
  const reused =
    prepared.skipped > 0 ? `; ${prepared.skipped} layer(s) every registry holds from the previous release reused` : ''
  if (prepared.passedOver > 0)
    core.info(`${prepared.passedOver} layer(s) passed over in the save unread (held by every registry)`)
  core.info(
    `${prepared.layers.length} layer(s), ${prepared.tarBytes} bytes read, ${prepared.compressedBytes} compressed (${inputs.compression} level ${level}) in ${Date.now() - started} ms${reused}; manifest ${prepared.manifest.digest}`
  )
  return {...prepared.manifest, blobs: [prepared.config, ...prepared.layers], children: []}
}

/**
 * The first repository of each registry receives the layers as they are compressed, where it holds
 * no tag yet (a first publish): a repository with images may hold a layer already, and streaming
 * starts before the layer's digest is known. Later releases reuse layers by diff ID instead.
 */
async function streamingUploads(
  inputs: Inputs,
  session: Session,
  listed: ReadonlyMap<string, string[]>
): Promise<StreamingUploads> {
  const targets = await Promise.all(
    [...firstOfEachRegistry(inputs.images, r => r.registry).values()].map(async repo => {
      const client = session.clients.get(repo.registry)
      if (client === undefined) return []
      const tags = listed.get(repo.name) ?? (await client.listTags(repo.path).catch(() => undefined))
      return tags?.length === 0 ? [{client, repoPath: repo.path}] : []
    })
  )
  return new StreamingUploads(targets.flat())
}

async function publishAndVerify(
  session: Session,
  inputs: Inputs,
  plan: Plan,
  root: ManifestNode,
  tags: readonly string[],
  imageId: string,
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
function outcomeOf(
  plan: Plan,
  inputs: Inputs,
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
async function finish(outcome: Outcome): Promise<void> {
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
  const {verifyWithAcrSdk} = await import('./auth/acr.js')
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
