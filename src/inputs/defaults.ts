/**
 * The `default:` of every input in action.yml. A runner sends each of them as
 * INPUT_* whether or not the workflow set the input, so "given by the user"
 * means "differs from this". A unit test keeps it equal to action.yml.
 */
export const ACTION_DEFAULTS: Readonly<Record<string, string>> = {
  'github-token': '${{ github.token }}',
  'no-cache': 'false',
  pull: 'false',
  push: 'true',
  'push-by-digest': 'false',
  'semver-tags': 'true',
  latest: 'auto',
  'aws-role-session-name': 'stevedore',
  'aws-audience': 'sts.amazonaws.com',
  compression: 'gzip',
  'compression-level': '3',
  'ecr-create-repository': 'false',
  'ecr-tag-mutability': 'MUTABLE',
  'ecr-scan-on-push': 'false',
  load: 'false',
  logout: 'true'
}

/** True when the raw value is set and is not the input's default (case and surrounding space aside). */
export function givenByUser(name: string, raw: string): boolean {
  const value = raw.trim()
  if (value === '') return false
  const fallback = ACTION_DEFAULTS[name]
  return fallback === undefined || value.toLowerCase() !== fallback.toLowerCase()
}
