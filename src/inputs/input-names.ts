/**
 * The names of the inputs we take, and a clear refusal of any other: GitHub's runner only warns
 * about an input the action does not declare, and a release built from a misspelled input
 * (`build-arg` for `build-args`) is a wrong release. Pure.
 */
import {InputError} from '../errors'
import {BUILD_OPTION_INPUTS} from './build-options'

/** Inputs that only a build uses; with `source` or `merge` they must stay empty. */
export const BUILD_INPUTS = [
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

/** Every input of action.yml (a unit test keeps the two the same). */
export const INPUT_NAMES = [
  'images',
  'call',
  'github-token',
  'push',
  'push-by-digest',
  'version',
  'semver-tags',
  'latest',
  'tags',
  'flavor',
  'registry',
  'username',
  'password',
  'registry-auth',
  'aws-region',
  'aws-role-to-assume',
  'aws-role-session-name',
  'aws-audience',
  'azure-client-id',
  'azure-tenant-id',
  'azure-client-secret',
  'source',
  'merge',
  'upload-chunk-size',
  'logout',
  'ecr-create-repository',
  'ecr-tag-mutability',
  'ecr-scan-on-push',
  'sep-tags',
  'sep-labels',
  'sep-annotations',
  ...BUILD_INPUTS
] as const

/** Inputs of docker/* and AWS actions that stevedore does not take, and why (README's Differences). */
export const NOT_TAKEN: Readonly<Record<string, string>> = {
  outputs:
    "build-push-action's outputs is not taken: stevedore publishes itself (push: true), and load: true also loads the image into the engine",
  attests: "build-push-action's attests is not taken: use its shorthand inputs provenance and sbom",
  'cgroup-parent': "build-push-action's cgroup-parent is not taken: no runner needs it for a release build",
  'bake-target': "metadata-action's bake-target is not taken: stevedore does not use Bake",
  scope:
    "login-action's scope is not taken: tokens are asked for the repositories in images and source, with the actions each needs",
  ecr: "login-action's ecr is not taken: ECR hosts are recognised by name (or give type: ecr in registry-auth)",
  registries:
    "amazon-ecr-login's registries is not taken: give the ECR repositories in images (their account is in the host), or registry-id in registry-auth",
  'mask-password': "amazon-ecr-login's mask-password is not taken: every password and token is always masked",
  'registry-type': "amazon-ecr-login's registry-type is not taken: public.ecr.aws is recognised by name",
  'skip-logout': "amazon-ecr-login's skip-logout is not taken: use logout: false (login-action's)"
}

/** The Levenshtein distance of two short strings. */
function distance(a: string, b: string): number {
  let prev = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = row
  }
  return prev[b.length] ?? 0
}

/** The input a misspelled name most likely meant, if one is close. */
export function nearestInput(name: string): string | undefined {
  let best: {name: string; d: number} | undefined
  for (const known of INPUT_NAMES) {
    const d = distance(name, known)
    if (best === undefined || d < best.d) best = {name: known, d}
  }
  return best !== undefined && best.d <= Math.max(2, Math.floor(name.length / 4)) ? best.name : undefined
}

/**
 * The inputs given (as the runner passes them: INPUT_<NAME> variables, upper case) that we do
 * not take; the first is refused, naming the reason or the nearest name.
 */
export function refuseUnknownInputs(envNames: readonly string[]): void {
  const known = new Set<string>(INPUT_NAMES)
  const unknown = envNames
    .filter(k => k.startsWith('INPUT_'))
    .map(k => k.slice('INPUT_'.length).toLowerCase())
    .filter(name => !known.has(name))
    .sort()
  const first = unknown[0]
  if (first === undefined) return
  const reason = NOT_TAKEN[first]
  const near = reason === undefined ? nearestInput(first) : undefined
  const others = unknown.length > 1 ? ` Also not taken: ${unknown.slice(1).join(', ')}.` : ''
  const why = reason !== undefined ? `: ${reason}.` : near !== undefined ? `; did you mean '${near}'?` : '.'
  throw new InputError(first, `is not an input of stevedore${why}${others} Nothing was built or pushed`)
}
