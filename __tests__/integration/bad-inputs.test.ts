/**
 * Bad input, through the bundled action as a runner runs it: every case
 * fails before anything is built or pushed, with one error that names the
 * input and what it accepts, and no stack trace.
 */
import * as fs from 'fs'
import {parse} from 'yaml'
import {ROOT, errors, runAction} from '../support/action'

// `.invalid` never resolves (RFC 2606): a run that got as far as the registry would fail differently

const ok = {images: 'registry.invalid/acme/orders', context: '__tests__/fixtures/multistage', network: 'none'}
const ecrAuth = (extra: string) => `- registry: registry.invalid\n  type: ecr\n${extra}`

const cases: Array<[string, Record<string, string>, string, RegExp, Record<string, string>?]> = [
  // upper case is lowered with a notice, as metadata-action does (metadata-fidelity.test.ts)
  ['repository with a tag', {images: 'ghcr.io/acme/orders:1.0'}, 'images', /has a tag/],
  ['repository with a digest', {images: 'ghcr.io/acme/orders@sha256:abc'}, 'images', /has a digest/],
  ['invalid path component', {images: 'ghcr.io/acme/or--ders_'}, 'images', /invalid path component/],
  ['invalid registry host', {images: 'bad_host.io/acme/orders'}, 'images', /invalid registry host/],
  ['push without images', {images: ''}, 'images', /required when push is true/],
  ['invalid tag', {tags: 'v1\n-bad'}, 'tags', /'-bad' is not a valid tag/],
  ['tag with +', {tags: '1.0+build'}, 'tags', /not a valid tag/],
  ['tag too long', {tags: 'x'.repeat(129)}, 'tags', /1-128/],
  ['version that cannot be a tag', {version: 'one two'}, 'version', /cannot be a tag/],
  [
    'version from GITHUB_REF that cannot be a tag',
    {},
    'version',
    /GITHUB_REF refs\/tags\/bad~tag/,
    {GITHUB_REF: 'refs/tags/bad~tag'}
  ],
  [
    'build-args name whose variable is not set',
    {'build-args': 'PYTHON_VERSION'},
    'build-args',
    /'PYTHON_VERSION' takes its value from the environment, and PYTHON_VERSION is not set/
  ],
  ['build-args bad name', {'build-args': 'PYTHON-VERSION=3.12'}, 'build-args', /not a valid key/],
  ['labels line without =', {labels: 'team'}, 'labels', /not KEY=VALUE/],
  ['unknown latest value', {latest: 'always'}, 'latest', /one of: auto, true, false/],
  ['push not a boolean', {push: 'yes'}, 'push', /true or false/],
  ['no-cache not a boolean', {'no-cache': '1'}, 'no-cache', /true or false/],
  ['pull not a boolean', {pull: 'on'}, 'pull', /true or false/],
  ['semver-tags not a boolean', {'semver-tags': 'maybe'}, 'semver-tags', /true or false/],
  ['missing file', {file: 'no/such/Dockerfile'}, 'file', /does not exist/],
  ['missing default Dockerfile', {context: '__tests__'}, 'file', /the default <context>\/Dockerfile/],
  ['context outside the workspace', {context: '../..'}, 'context', /outside the workspace/],
  ['absolute context outside the workspace', {context: '/etc'}, 'context', /outside the workspace/],
  ['context a URL but not Git', {context: 'https://example.com/context.tar.gz'}, 'context', /not a Git URL/],
  ['context that does not exist', {context: 'nowhere'}, 'context', /not a directory/],
  ['target not a stage name', {target: 'run time'}, 'target', /not a stage name/],
  ['network not a name', {network: 'my network'}, 'network', /not a network name/],
  ['username without password', {username: 'ci'}, 'password', /go together/],
  ['password without username', {password: 'p'}, 'username', /go together/],
  ['registry-auth not YAML', {'registry-auth': '- registry: [oops'}, 'registry-auth', /not valid YAML/],
  ['registry-auth not a list', {'registry-auth': 'registry: ghcr.io'}, 'registry-auth', /YAML list/],
  [
    'registry-auth unknown key',
    {'registry-auth': '- registry: ghcr.io\n  user: a\n  password: b'},
    'registry-auth',
    /unknown key 'user'/
  ],
  [
    'registry-auth unknown registry type',
    {'registry-auth': '- registry: ghcr.io\n  type: gcr'},
    'registry-auth',
    /unknown type 'gcr'; accepted types: basic, ecr, ecr-public, acr/
  ],
  [
    'registry-auth without password',
    {'registry-auth': '- registry: ghcr.io\n  username: a'},
    'registry-auth',
    /needs 'password'/
  ],
  [
    'registry-auth registry twice',
    {
      'registry-auth':
        '- {registry: ghcr.io, username: a, password: b}\n- {registry: GHCR.io, username: c, password: d}'
    },
    'registry-auth',
    /listed twice/
  ],
  [
    'registry-auth ecr with a bad region',
    {'registry-auth': ecrAuth('  region: west')},
    'registry-auth',
    /not an AWS region/
  ],
  [
    'registry-auth ecr with a password',
    {'registry-auth': ecrAuth('  region: eu-west-1\n  password: x')},
    'registry-auth',
    /does not go with type ecr/
  ],
  ['registry-auth ecr without any region', {'registry-auth': ecrAuth('')}, 'registry-auth', /needs a region/],
  ['aws-region not a region', {'aws-region': 'Ireland'}, 'aws-region', /not an AWS region/],
  ['aws-role-to-assume not an ARN', {'aws-role-to-assume': 'publisher'}, 'aws-role-to-assume', /not an IAM role ARN/],
  ['aws-role-session-name with a space', {'aws-role-session-name': 'my session'}, 'aws-role-session-name', /2-64 of/],
  ['ecr-tag-mutability unknown', {'ecr-tag-mutability': 'frozen'}, 'ecr-tag-mutability', /one of: mutable, immutable/],
  [
    'ecr-create-repository not a boolean',
    {'ecr-create-repository': 'please'},
    'ecr-create-repository',
    /true or false/
  ],
  [
    'azure-client-id not a GUID',
    {'azure-client-id': 'orders-app', 'azure-tenant-id': 'contoso.onmicrosoft.com'},
    'azure-client-id',
    /GUID/
  ],
  [
    'azure-client-id without a tenant',
    {'azure-client-id': '11111111-2222-3333-4444-555555555555'},
    'azure-tenant-id',
    /go together/
  ],
  ['azure-client-secret alone', {'azure-client-secret': 's3cret'}, 'azure-client-secret', /needs 'azure-client-id'/],
  [
    'source with build inputs',
    {source: 'ghcr.io/acme/orders:1.0', 'build-args': 'A=1', target: 'final'},
    'source',
    /does not go with 'build-args', 'target'/
  ],
  ['source that is not a reference', {source: 'ghcr.io/acme/Orders:1.0'}, 'source', /lowercase/],
  ['source without tag or digest', {source: 'ghcr.io/acme/orders'}, 'source', /names no tag or digest/],
  ['source with push false', {source: 'ghcr.io/acme/orders:1.0', push: 'false'}, 'source', /needs push: true/],
  ['merge with something that is not a digest', {merge: 'sha256:abc\nlatest'}, 'merge', /'sha256:abc' is not a digest/],
  [
    'merge with source',
    {merge: `sha256:${'a'.repeat(64)}`, source: 'ghcr.io/acme/orders:1.0'},
    'merge',
    /does not go with 'source'/
  ],
  [
    'merge with build inputs',
    {merge: `sha256:${'a'.repeat(64)}`, 'build-args': 'A=1'},
    'merge',
    /does not go with 'build-args'/
  ],
  [
    'source with no-cache other than its default',
    {source: 'ghcr.io/acme/orders:1.0', 'no-cache': 'true'},
    'source',
    /does not go with 'no-cache'; remove it or remove 'source'/
  ],
  ['images with a space', {images: 'Bad Name'}, 'images', /invalid path component 'bad name'/],
  [
    'a full reference in tags',
    {tags: 'ghcr.io/acme/orders:1.0'},
    'tags',
    /full image reference; tags are bare \(1\.0\) and repositories go in 'images'/
  ],
  [
    'azure-client-id with no ACR registry',
    {
      images: 'acme.azurecr.io/orders',
      'azure-client-id': '11111111-2222-3333-4444-555555555555',
      'azure-tenant-id': 'contoso.onmicrosoft.com'
    },
    'azure-client-id',
    /no registry is recognised as ACR \(acme\.azurecr\.io: an ACR name is 5-50 letters and digits \('acme' has 4\)\)/
  ],
  [
    'aws-role-to-assume with no ECR registry',
    {'aws-role-to-assume': 'arn:aws:iam::123456789012:role/publisher'},
    'aws-role-to-assume',
    /no registry is recognised as ECR \(registry\.invalid: not <account>/
  ],
  [
    'registry-auth password cut by a comment',
    {'registry-auth': '- registry: ghcr.io\n  username: a\n  password: abc #def'},
    'registry-auth',
    /cut where ' #' starts a YAML comment\. Quote pasted values/
  ],
  [
    'registry-auth registry-id not quoted',
    {'registry-auth': ecrAuth('  region: eu-west-1\n  registry-id: 012345678901')},
    'registry-auth',
    /YAML reads 012345678901 as a number \(12345678901\)/
  ],
  ['secrets line without an id', {secrets: 'just-a-value'}, 'secrets', /line 1 is not id=value/],
  ['secret-files file that does not exist', {'secret-files': 'npmrc=.npmrc-missing'}, 'secret-files', /is not a file/],
  [
    'ssh key that does not exist',
    {ssh: 'deploy=/no/such/key'},
    'ssh',
    /does not exist; give a key file or an agent socket/
  ],
  ['compression-level out of range', {'compression-level': '0'}, 'compression-level', /from 1 \(fastest\) to 9/],
  ['compression unknown', {compression: 'lz4'}, 'compression', /use gzip \(every client\) or zstd/],
  ['upload-chunk-size too small', {'upload-chunk-size': '64KiB'}, 'upload-chunk-size', /below the 1 MiB/],
  ['upload-chunk-size not a size', {'upload-chunk-size': 'big'}, 'upload-chunk-size', /not a size/]
]

const declared = Object.keys((parse(fs.readFileSync(`${ROOT}/action.yml`, 'utf8')) as {inputs: object}).inputs)

// every row gets all five values: a row shorter than the test's parameters makes jest pass `done`
const table = cases.map(([name, bad, input, message, env]) => [name, bad, input, message, env ?? {}] as const)

test.each(table)('%s', async (_name, bad, input, message, env) => {
  const inputs: Record<string, string> = {...ok, ...bad}
  if ('source' in bad || 'merge' in bad) {
    delete inputs.context
    delete inputs.network
  }
  const run = await runAction(inputs, {env})
  expect(run.exitCode).toBe(1)
  const errs = errors(run)
  expect(errs).toHaveLength(1)
  expect(declared).toContain(input)
  expect(errs[0]).toMatch(new RegExp(`^Input '${input}': `))
  expect(errs[0]).toMatch(message)
  expect(`${run.stdout}\n${run.stderr}`).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
  expect(run.stdout).not.toMatch(/::group::(Docker|Log in|Build|Compress|Push|Source)/)
})

test('DOCKER_METADATA_ANNOTATIONS_LEVELS naming no level: the variable and the levels, before any build', async () => {
  const run = await runAction(ok, {env: {DOCKER_METADATA_ANNOTATIONS_LEVELS: 'manifest,layer'}})
  expect(run.exitCode).toBe(1)
  expect(errors(run)).toEqual([
    "DOCKER_METADATA_ANNOTATIONS_LEVELS: 'layer' is not a level; use manifest, index, manifest-descriptor, index-descriptor (comma-separated)"
  ])
  expect(run.stdout).not.toMatch(/::group::(Docker|Log in|Build|Compress|Push|Source)/)
})
