/** Builds the image once, tagged with every ref it will be pushed as. */
import * as fs from 'fs'
import * as path from 'path'
import * as core from '@actions/core'
import {BuildOutput, BuildSpec, buildArguments} from './build-command'
import {Finding, parseCheckOutput} from './build-checks'
import {cacheArguments} from './cache-options'
import type {Docker} from './docker'
import {ActionError} from '../errors'
import type {BuildInputs} from '../inputs/inputs'
import type {Labels} from '../plan/labels'

/**
 * Secret values go to the build as files: one 0600 file each in a 0700
 * folder of this run's work directory, which is removed after the build.
 * Never on a command line, never in the environment of another process.
 */
function writeSecretFiles(secrets: BuildInputs['secrets'], dir: string): BuildSpec['secrets'] {
  return secrets.map(s => {
    if (!('value' in s)) return s
    fs.mkdirSync(dir, {recursive: true, mode: 0o700})
    const src = path.join(dir, s.id)
    fs.writeFileSync(src, s.value, {mode: 0o600})
    return {id: s.id, src}
  })
}

/** Where the builder runs: the context folder; for a Git context our own, so no workspace file stands in for one of the repository. */
function buildDirectory(inputs: Pick<BuildInputs, 'context' | 'gitContext'>, workDir: string): string {
  return inputs.gitContext === undefined ? inputs.context : workDir
}

/** What the build made: the image ID, and on the OCI path the layout's folder. */
export interface Built {
  /** the image config digest (single platform), else the index digest */
  readonly imageId: string
  readonly ociDir: string | undefined
}

/** What one build is given: the inputs, what metadata says to write, and where the image goes. */
export interface BuildRequest {
  readonly inputs: BuildInputs
  readonly labels: Labels
  readonly annotations: readonly string[]
  readonly refs: readonly string[]
  readonly workDir: string
  /** `push`: to this ref (our intake on loopback) */
  readonly output: 'engine' | 'oci' | {readonly push: string}
  readonly runUrl: string | undefined
}

export async function buildImage(
  docker: Docker,
  {inputs, labels, annotations, refs, workDir, output, runUrl}: BuildRequest
): Promise<Built> {
  const iidFile = path.join(workDir, 'iid')
  const metadataFile = path.join(workDir, 'metadata.json')
  const ociDir = output === 'oci' ? path.join(workDir, 'oci') : undefined
  const cache = cacheArguments(docker.builder.kind, inputs['cache-from'], inputs['cache-to'])
  if (typeof cache === 'string')
    throw new ActionError(`${cache}. Set up buildx (docker/setup-buildx-action) or change the cache inputs.`)
  const secrets = writeSecretFiles(inputs.secrets, path.join(workDir, 'secrets'))
  const spec = {inputs, labels, annotations, refs, iidFile, cache, secrets, metadataFile, runUrl}
  const target: BuildOutput =
    typeof output === 'object'
      ? {type: 'push', ref: output.push}
      : ociDir === undefined
        ? {type: 'engine'}
        : {type: 'oci', dir: ociDir}
  const args = buildArguments(docker.builder.kind, {...spec, output: target})
  // the command line is echoed once, by the exec that runs it
  const cwd = buildDirectory(inputs, workDir)
  await docker.build(args, cwd)
  if (target.type !== 'engine' && inputs.load) {
    // the same build again into the engine: every step is cached; one build with both outputs leaves the layout incomplete
    const loadArgs = buildArguments(docker.builder.kind, {
      ...spec,
      output: {type: 'engine'},
      iidFile: `${iidFile}-load`,
      metadataFile: `${metadataFile}-load`
    })
    core.info('load: the same build again, into the engine (every step is cached)')
    await docker.build(loadArgs, cwd)
  }
  const metadata = fs.existsSync(metadataFile)
    ? (JSON.parse(fs.readFileSync(metadataFile, 'utf8')) as Record<string, unknown>)
    : {}
  const configDigest = metadata['containerimage.config.digest']
  const iid = fs.existsSync(iidFile) ? fs.readFileSync(iidFile, 'utf8').trim() : ''
  const imageId = target.type !== 'engine' && typeof configDigest === 'string' ? configDigest : iid
  if (!/^sha256:[a-f0-9]{64}$/.test(imageId)) throw new ActionError('The build finished but wrote no image ID')
  return {imageId, ociDir}
}

/**
 * build-push-action's `call: check`: the Dockerfile's checks, nothing built. The findings, or an
 * ActionError where buildx failed before it could check (a missing base image, a bad flag).
 */
export async function checkBuild(
  docker: Docker,
  inputs: BuildInputs,
  labels: Labels,
  workDir: string
): Promise<Finding[]> {
  const cache = cacheArguments(docker.builder.kind, inputs['cache-from'], [])
  const spec = {
    inputs,
    labels,
    annotations: [],
    refs: [],
    iidFile: path.join(workDir, 'iid'),
    cache: typeof cache === 'string' ? [] : cache,
    secrets: writeSecretFiles(inputs.secrets, path.join(workDir, 'secrets')),
    metadataFile: path.join(workDir, 'metadata.json'),
    runUrl: undefined,
    output: {type: 'check'} as const
  }
  const args = buildArguments(docker.builder.kind, spec)
  // the command line is echoed once, by the exec that runs it
  const r = await docker.check(args, buildDirectory(inputs, workDir))
  const findings = parseCheckOutput(r.stdout)
  if (findings === undefined) {
    const tail = r.stderr.trim().split('\n').slice(-12).join('\n')
    throw new ActionError(`The build checks could not run (exit ${r.exitCode}). Last lines:\n${tail}`)
  }
  return findings
}
