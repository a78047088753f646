/** Build mode (and call: check, and a local image): the image built, then published by the route the builder allows. */

import {finish, logInGroup, outcomeOf, phase, publishAndVerify, setUpDocker, tagsGroup} from './steps'
import * as path from 'path'
import * as core from '@actions/core'
import {Session} from '../auth/auth'
import {BuildRequest, Built, buildImage, checkBuild} from '../build/build'
import {Docker} from '../build/docker'
import type {BuildPath} from '../build/build-path'
import {readOciLayout} from '../image/oci-layout'
import {StreamedBlobs, StreamingUploads, firstOfEachRegistry} from '../publish/streaming-upload'
import {BuildIntake} from '../publish/build-intake'
import {ActionError, InputError, errorMessage} from '../errors'
import {GitHubContext} from '../inputs/github-context'
import {DEFAULT_COMPRESSION, prepareImage} from '../image/image-archive'
import type {BuildInputs, CommonInputs, LocalImageInputs} from '../inputs/inputs'
import {LoginMethod} from '../auth/login-plan'
import {imageIdOf} from '../publish/mirror'
import {makeWorkDir, removeWorkDir} from '../work-dirs'
import {Plan} from '../plan/plan'
import {Published} from '../publish/publish'
import {refWithTag} from '../registry/reference'
import {Failed} from '../report'
import type {KnownLayer} from '../image/graph'
import {Compression, DEFAULT_COMPRESSION_LEVEL, ManifestNode} from '../oci/oci'
import {knownLayers} from '../publish/known-layers'

/**
 * build-push-action's `call: check`: each finding of the Dockerfile's checks becomes an annotation
 * on its line; an error fails the step. Nothing is built or pushed.
 */
export async function checkMode(
  inputs: BuildInputs,
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
function dockerfileInRepository(inputs: BuildInputs, workspace: string): string {
  if (inputs.gitContext === undefined) return path.relative(workspace, inputs.file)
  return path.posix.join(inputs.gitContext.subdir, inputs.file === '' ? 'Dockerfile' : inputs.file)
}

/** How the built image reaches the registries: where the builder writes it, then how its graph is read. */
interface BuildRoute {
  readonly output: BuildRequest['output']
  /** the built image's graph, as it is published */
  graph(built: Built): Promise<ManifestNode>
  /** blobs sent to registries while the image was built or compressed */
  streamed(): StreamedBlobs | undefined
  close(): Promise<void>
}

/** What a route to the registries needs to know of the run. */
interface RouteContext {
  readonly docker: Docker
  readonly inputs: CommonInputs
  /** how the engine's layers are compressed */
  readonly compression: {readonly algorithm: Compression; readonly level: number}
  readonly session: Session
  readonly plan: Plan
  readonly listed: ReadonlyMap<string, string[]>
  readonly workDir: string
  readonly legacySave: boolean
}

/**
 * Into the engine, then saved once with each layer compressed as it streams past. While it builds,
 * the layers of the previous release every registry holds are found (not compressed again); each
 * layer streams to new repositories while it is compressed (not with upload-chunk-size, which asks
 * for fixed chunks).
 */
function engineRoute(run: RouteContext): BuildRoute {
  const {inputs, session, plan, listed} = run
  const held = knownLayers(
    inputs.images,
    session.clients,
    plan.version,
    listed.get(inputs.images[0]?.name ?? ''),
    run.compression.algorithm
  )
  let streaming: StreamingUploads | undefined
  return {
    output: 'engine',
    async graph(built) {
      streaming =
        inputs['upload-chunk-size'] === undefined ? await streamingUploads(inputs, session, listed) : undefined
      const source = {image: built.imageId, held: await held, streaming}
      return phase('Compress', async () => compress(run, source))
    },
    streamed: () => streaming?.streamed(),
    close: async () => Promise.resolve()
  }
}

/** BuildKit writes an OCI layout, published as it is. */
function layoutRoute(): BuildRoute {
  return {
    output: 'oci',
    async graph(built) {
      if (built.ociDir === undefined) throw new Error('the build wrote no OCI layout')
      return readBuiltLayout(built.ociDir)
    },
    streamed: () => undefined,
    close: async () => Promise.resolve()
  }
}

/** BuildKit pushes to our intake on loopback, which sends what it receives on to every target. */
async function intakeRoute({inputs, session, workDir}: RouteContext): Promise<BuildRoute> {
  const targets = inputs.images.map(repo => ({client: session.client(repo.registry), repoPath: repo.path}))
  const intake = await BuildIntake.start(path.join(workDir, 'intake'), targets)
  return {
    output: {push: intake.ref(INTAKE_TAG)},
    graph: async () => intakeGraph(intake),
    streamed: () => intake.streamed(),
    close: async () => intake.close()
  }
}

/** The route the builder allows to the registries. */
async function publishRoute(buildPath: BuildPath, run: RouteContext): Promise<BuildRoute> {
  if (buildPath.output === 'push') return intakeRoute(run)
  if (buildPath.output === 'oci') return layoutRoute()
  return engineRoute(run)
}

export async function buildMode(
  inputs: BuildInputs,
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
    const publishTo = inputs.push ? session : undefined
    const route =
      publishTo === undefined
        ? undefined
        : await publishRoute(buildPath, {
            docker,
            inputs,
            compression: {algorithm: inputs.compression, level: inputs['compression-level']},
            session: publishTo,
            plan,
            listed,
            workDir,
            legacySave
          })
    const output = route?.output ?? 'engine'
    // metadata-action's annotations go where BuildKit writes the OCI image; an engine's image has only the labels
    const annotations = output !== 'engine' ? [...plan.annotations, ...plan.userAnnotations] : plan.userAnnotations
    try {
      const built = await phase('Build', () =>
        buildImage(docker, {inputs, labels: plan.labels, annotations, refs, workDir, output, runUrl: runUrl(ctx)})
      )
      const {imageId} = built
      core.info(`Image ID: ${imageId}`)
      if (output === 'engine' && inputs.push)
        core.info(`Annotations: none written, ${buildPath.description} keeps none; the OCI metadata is in the labels`)
      let result: {published: Published[]; failed: Failed[]} = {published: [], failed: []}
      if (route !== undefined && publishTo !== undefined) {
        const root = await route.graph(built)
        const streamed = route.streamed()
        const publication = {plan, root, tags, imageId}
        result = await publishAndVerify(publishTo, inputs, publication, streamed === undefined ? {} : {streamed})
      }
      await finish(outcomeOf(plan, inputs, {imageId, tags, notes, ...result}, {annotations}))
    } finally {
      await route?.close()
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
export async function localImageMode(
  inputs: LocalImageInputs,
  ctx: GitHubContext,
  plan: Plan,
  logins: readonly LoginMethod[]
): Promise<void> {
  const image = inputs.localImage
  const {docker, legacySave} = await setUpDocker(ctx, inputs)
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
    // compressed as a build's layers are by default: the compression inputs are a build's
    const compression = {algorithm: 'gzip', level: DEFAULT_COMPRESSION_LEVEL} as const
    const route = engineRoute({docker, inputs, compression, session, plan, listed, workDir, legacySave})
    const root = await route.graph({imageId: image, ociDir: undefined})
    const streamed = route.streamed()
    const id = imageIdOf(root)
    const publication = {plan, root, tags, imageId: id}
    const result = await publishAndVerify(session, inputs, publication, streamed === undefined ? {} : {streamed})
    await finish(outcomeOf(plan, inputs, {imageId: id, tags, notes, ...result}, undefined))
  } finally {
    removeWorkDir(workDir)
  }
}

/** The tag the builder pushes under, in the intake's own repository. */
const INTAKE_TAG = 'built'

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

/** This workflow run's URL, where the runner says it. */
function runUrl(ctx: GitHubContext): string | undefined {
  if (ctx.repository === '' || ctx.runId === '') return undefined
  return `${ctx.serverUrl}/${ctx.repository}/actions/runs/${ctx.runId}${ctx.runAttempt === '' ? '' : `/attempts/${ctx.runAttempt}`}`
}

/** The OCI layout BuildKit wrote, as it is: its digests are the ones we publish and output. */
async function readBuiltLayout(dir: string): Promise<ManifestNode> {
  const root = await readOciLayout(dir)
  const images = root.children.length > 0 ? `an index of ${root.children.length} manifest(s)` : 'an image'
  core.info(`OCI layout from the build: ${images}, ${root.digest}; published as built (no save, no second compression)`)
  return root
}

async function compress(
  {docker, workDir, compression, legacySave}: Pick<RouteContext, 'docker' | 'workDir' | 'compression' | 'legacySave'>,
  {
    image,
    held,
    streaming
  }: {image: string; held: ReadonlyMap<string, KnownLayer>; streaming: StreamingUploads | undefined}
): Promise<ManifestNode> {
  const started = Date.now()
  const {algorithm, level} = compression
  const opts = {...DEFAULT_COMPRESSION, algorithm, level}
  // a legacy save (Docker 20.10) says which layer a directory holds only at its end: with the
  // image's diff IDs, the chain of parents tells a held layer before its bytes
  const diffIds = held.size > 0 && legacySave ? docker.diffIds(image) : undefined
  const prepared = await prepareImage(docker.save(image), workDir, opts, held, streaming, diffIds)
  const reused =
    prepared.skipped > 0 ? `; ${prepared.skipped} layer(s) every registry holds from the previous release reused` : ''
  if (prepared.passedOver > 0)
    core.info(`${prepared.passedOver} layer(s) passed over in the save unread (held by every registry)`)
  core.info(
    `${prepared.layers.length} layer(s), ${prepared.tarBytes} bytes read, ${prepared.compressedBytes} compressed (${algorithm} level ${level}) in ${Date.now() - started} ms${reused}; manifest ${prepared.manifest.digest}`
  )
  return {...prepared.manifest, blobs: [prepared.config, ...prepared.layers], children: []}
}

/**
 * The first repository of each registry receives the layers as they are compressed, where it holds
 * no tag yet (a first publish): a repository with images may hold a layer already, and streaming
 * starts before the layer's digest is known. Later releases reuse layers by diff ID instead.
 */
async function streamingUploads(
  inputs: CommonInputs,
  session: Session,
  listed: ReadonlyMap<string, string[]>
): Promise<StreamingUploads> {
  const targets = await Promise.all(
    [...firstOfEachRegistry(inputs.images, r => r.registry).values()].map(async repo => {
      const client = session.client(repo.registry)
      const tags =
        listed.get(repo.name) ??
        (await client.listTags(repo.path).catch((e: unknown) => {
          core.debug(`${repo.name}: tags not listed, so nothing streams to it (${errorMessage(e)})`)
          return undefined
        }))
      return tags?.length === 0 ? [{client, repoPath: repo.path}] : []
    })
  )
  return new StreamingUploads(targets.flat())
}
