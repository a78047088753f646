/** The docker command line for the build. Pure. */
import type {BuilderKind} from './builder-choice'
import type {Inputs} from '../inputs/inputs'
import type {Labels} from '../plan/labels'

export interface BuildSpec {
  readonly inputs: Pick<Inputs, 'context' | 'file' | 'build-args' | 'target' | 'network' | 'no-cache' | 'pull' | 'ssh'>
  /** build secrets, each from a file (values are written to files first) or from the environment */
  readonly secrets: ReadonlyArray<
    {readonly id: string; readonly src: string} | {readonly id: string; readonly env: string}
  >
  /** from cacheArguments() */
  readonly cache: readonly string[]
  readonly labels: Labels
  /** full refs the image is tagged with locally */
  readonly refs: readonly string[]
  readonly iidFile: string
}

export function buildArguments(kind: BuilderKind, spec: BuildSpec): string[] {
  const {inputs} = spec
  const args = kind === 'buildx' ? ['buildx', 'build', '--load'] : ['build']
  args.push('--progress', 'plain', '--file', inputs.file, '--iidfile', spec.iidFile)
  for (const [k, v] of inputs['build-args']) args.push('--build-arg', `${k}=${v}`)
  for (const [k, v] of Object.entries(spec.labels)) args.push('--label', `${k}=${v}`)
  if (inputs.target !== undefined) args.push('--target', inputs.target)
  if (inputs.network !== undefined) args.push('--network', inputs.network)
  if (inputs['no-cache']) args.push('--no-cache')
  if (inputs.pull) args.push('--pull')
  args.push(...spec.cache)
  for (const s of spec.secrets)
    args.push('--secret', 'src' in s ? `id=${s.id},src=${s.src}` : `id=${s.id},env=${s.env}`)
  for (const s of inputs.ssh) args.push('--ssh', s)
  for (const ref of spec.refs) args.push('--tag', ref)
  args.push(inputs.context)
  return args
}
