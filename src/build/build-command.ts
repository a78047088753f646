/** The docker command line for the build. Pure. */
import type {BuilderKind} from './builder-choice'
import type {BuildInputs} from '../inputs/inputs'
import type {BuildOptions} from '../inputs/build-options'
import type {Labels} from '../plan/labels'

/**
 * `engine`: loaded into the engine (then saved by us); `oci`: written as an OCI layout to `dir`;
 * `push`: pushed by the builder to `ref`, stevedore's intake on loopback (publish/build-intake.ts);
 * `check`: nothing built, the Dockerfile's checks run (build-push-action's `call: check`), as JSON.
 */
export type BuildOutput =
  | {readonly type: 'engine'}
  | {readonly type: 'oci'; readonly dir: string}
  | {readonly type: 'push'; readonly ref: string}
  | {readonly type: 'check'}

export interface BuildSpec {
  readonly inputs: Pick<
    BuildInputs,
    | 'context'
    | 'file'
    | 'build-args'
    | 'target'
    | 'network'
    | 'no-cache'
    | 'pull'
    | 'ssh'
    | 'builder'
    | 'platforms'
    | 'provenance'
    | 'sbom'
    | 'load'
    | 'compression'
    | 'compression-level'
    | keyof BuildOptions
  >
  /** from cacheArguments() */
  readonly cache: readonly string[]
  readonly labels: Labels
  /** every `--annotation`: metadata-action's (OCI layout only) and the `annotations` input's, expanded */
  readonly annotations: readonly string[]
  /** full refs the image is tagged with locally */
  readonly refs: readonly string[]
  readonly iidFile: string
  /** build secrets, each from a file (values are written to files first) or from the environment */
  readonly secrets: ReadonlyArray<
    {readonly id: string; readonly src: string} | {readonly id: string; readonly env: string}
  >
  readonly output: BuildOutput
  /** buildx writes what it built here (digests of the image and its config) */
  readonly metadataFile: string
  /** this workflow run's URL, the provenance's builder id (as build-push-action gives it) */
  readonly runUrl: string | undefined
}

/**
 * Where the builder attests and `provenance` is not given: build-push-action's
 * minimal provenance with the run as builder id. Not `inline-only`, which
 * keeps provenance out of an OCI layout, and we publish the layout.
 */
export function defaultProvenance(runUrl: string | undefined): string {
  return `mode=min${runUrl === undefined ? '' : `,builder-id=${runUrl}`}`
}

function outputArguments(kind: BuilderKind, spec: BuildSpec): string[] {
  if (kind === 'buildkit') return ['build']
  const builder = spec.inputs.builder === undefined ? [] : ['--builder', spec.inputs.builder]
  if (spec.output.type === 'check') return ['buildx', 'build', ...builder, '--call', 'check,format=json']
  const meta = ['--metadata-file', spec.metadataFile]
  if (spec.output.type === 'engine') return ['buildx', 'build', ...builder, '--load', ...meta]
  const attest = [
    '--provenance',
    spec.inputs.provenance ?? defaultProvenance(spec.runUrl),
    ...(spec.inputs.sbom === undefined ? [] : ['--sbom', spec.inputs.sbom])
  ]
  // pushed: OCI media types as the layout has them, and no copy left in the engine's image store
  const where =
    spec.output.type === 'oci'
      ? `type=oci,dest=${spec.output.dir},tar=false`
      : `type=image,name=${spec.output.ref},push=true,oci-mediatypes=true,store=false`
  // zstd asked for: every layer, the base image's too (BuildKit otherwise keeps a layer as it got it)
  const zstd =
    spec.inputs.compression === 'zstd'
      ? `,compression=zstd,compression-level=${spec.inputs['compression-level']},force-compression=true`
      : ''
  const output = `${where}${zstd}`
  return ['buildx', 'build', ...builder, '--output', output, ...meta, ...attest]
}

export function buildArguments(kind: BuilderKind, spec: BuildSpec): string[] {
  const {inputs} = spec
  const args = outputArguments(kind, spec)
  args.push('--progress', 'plain')
  // a Git context with no file named: the builder reads the repository's own Dockerfile
  if (inputs.file !== '') args.push('--file', inputs.file)
  if (spec.output.type !== 'check') args.push('--iidfile', spec.iidFile)
  if (inputs.platforms.length > 0) args.push('--platform', inputs.platforms.join(','))
  // a name alone: docker takes the value from the environment, as build-push-action passes it
  for (const [k, v] of inputs['build-args']) args.push('--build-arg', v === undefined ? k : `${k}=${v}`)
  for (const [k, v] of Object.entries(spec.labels)) args.push('--label', `${k}=${v}`)
  if (inputs.target !== undefined) args.push('--target', inputs.target)
  if (inputs.network !== undefined) args.push('--network', inputs.network)
  if (inputs['no-cache']) args.push('--no-cache')
  if (inputs.pull) args.push('--pull')
  args.push(...spec.cache)
  for (const s of spec.secrets)
    args.push('--secret', csvFields([`id=${s.id}`, 'src' in s ? `src=${s.src}` : `env=${s.env}`]))
  for (const s of inputs.ssh) args.push('--ssh', s)
  for (const h of inputs['add-hosts']) args.push('--add-host', h.replace('=', ':'))
  if (inputs['shm-size'] !== undefined) args.push('--shm-size', inputs['shm-size'])
  for (const u of inputs.ulimit) args.push('--ulimit', u)
  // buildx only (requireBuildOptions refuses them before the build elsewhere)
  for (const a of inputs.allow) args.push('--allow', a)
  for (const f of inputs['no-cache-filters']) args.push('--no-cache-filter', f)
  for (const c of inputs['build-contexts']) args.push('--build-context', c)
  for (const a of spec.annotations) args.push('--annotation', a)
  // pushed to the intake: a --tag would be pushed too, to its registry
  if (spec.output.type !== 'push') for (const ref of spec.refs) args.push('--tag', ref)
  args.push(inputs.context)
  return args
}

/**
 * Fields joined as docker reads `--secret` (a CSV record): a field with a comma or a quote is
 * quoted, its quotes doubled, so a path such as `a,b` stays one field.
 */
export function csvFields(fields: readonly string[]): string {
  return fields.map(f => (/[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',')
}
