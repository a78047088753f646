import {BuildSpec, buildArguments, defaultProvenance} from '../../src/build/build-command'

const spec: BuildSpec = {
  inputs: {
    context: '/w/app',
    file: '/w/app/Dockerfile',
    'build-args': [
      ['PYTHON_VERSION', '3.12'],
      ['UID', '10001']
    ],
    target: undefined,
    network: undefined,
    'no-cache': false,
    pull: false,
    ssh: [],
    builder: undefined,
    platforms: [],
    provenance: undefined,
    sbom: undefined,
    load: false,
    compression: 'gzip',
    'compression-level': 3,
    // build-push-action's further options, none given
    'add-hosts': [],
    'shm-size': undefined,
    ulimit: [],
    allow: [],
    'no-cache-filters': [],
    'build-contexts': [],
    annotations: []
  },
  labels: {'org.opencontainers.image.version': '1.2.3'},
  annotations: [],
  refs: ['r/a:1.2.3', 'r/a:latest'],
  iidFile: '/t/iid',
  cache: [],
  secrets: [],
  output: {type: 'engine'},
  metadataFile: '/t/metadata.json',
  runUrl: 'https://github.com/acme/orders/actions/runs/7/attempts/1'
}

describe('buildArguments', () => {
  test('buildkit engine', () => {
    expect(buildArguments('buildkit', spec)).toEqual([
      'build',
      '--progress',
      'plain',
      '--file',
      '/w/app/Dockerfile',
      '--iidfile',
      '/t/iid',
      '--build-arg',
      'PYTHON_VERSION=3.12',
      '--build-arg',
      'UID=10001',
      '--label',
      'org.opencontainers.image.version=1.2.3',
      '--tag',
      'r/a:1.2.3',
      '--tag',
      'r/a:latest',
      '/w/app'
    ])
  })

  test.each<[string, Partial<BuildSpec['inputs']>, string[]]>([
    ['target', {target: 'runtime'}, ['--target', 'runtime']],
    ['network', {network: 'host'}, ['--network', 'host']],
    ['no-cache', {'no-cache': true}, ['--no-cache']],
    ['pull', {pull: true}, ['--pull']]
  ])('%s', (_n, over, expected) => {
    const args = buildArguments('buildkit', {...spec, inputs: {...spec.inputs, ...over}})
    const at = args.indexOf(expected[0] ?? '')
    expect(args.slice(at, at + expected.length)).toEqual(expected)
  })

  test('cache arguments go before the tags', () => {
    const args = buildArguments('buildkit', {...spec, cache: ['--cache-from', 'r/a:latest']})
    expect(args.indexOf('--cache-from')).toBeLessThan(args.indexOf('--tag'))
  })

  test('buildx loads the image into the engine', () => {
    expect(buildArguments('buildx', spec).slice(0, 5)).toEqual([
      'buildx',
      'build',
      '--load',
      '--metadata-file',
      '/t/metadata.json'
    ])
  })

  test('context comes last', () => {
    expect(buildArguments('buildx', spec).at(-1)).toBe('/w/app')
  })
})

describe('build secrets on the command line: ids and file paths, never values', () => {
  test.each(['buildkit', 'buildx'] as const)('%s', kind => {
    const args = buildArguments(kind, {
      ...spec,
      inputs: {...spec.inputs, ssh: ['default', 'deploy=/keys/id_ed25519']},
      secrets: [
        {id: 'pip_token', src: '/tmp/run/secrets/pip_token'},
        {id: 'gh', env: 'GH_TOKEN'}
      ]
    })
    const at = args.indexOf('--secret')
    expect(args.slice(at, at + 8)).toEqual([
      '--secret',
      'id=pip_token,src=/tmp/run/secrets/pip_token',
      '--secret',
      'id=gh,env=GH_TOKEN',
      '--ssh',
      'default',
      '--ssh',
      'deploy=/keys/id_ed25519'
    ])
    expect(args[args.length - 1]).toBe('/w/app')
  })
})

/** The OCI path's output arguments, and the default provenance for this spec's run. */
const OCI_OUTPUT = ['--output', 'type=oci,dest=/t/oci,tar=false', '--metadata-file', '/t/metadata.json']
const DEFAULT_PROVENANCE = [
  '--provenance',
  'mode=min,builder-id=https://github.com/acme/orders/actions/runs/7/attempts/1'
]

describe('the OCI path and the builder inputs', () => {
  const oci: BuildSpec = {...spec, output: {type: 'oci', dir: '/t/oci'}}
  test.each<[string, BuildSpec, string[]]>([
    ['an OCI layout, no --load', oci, ['buildx', 'build', ...OCI_OUTPUT, ...DEFAULT_PROVENANCE]],
    [
      'a named builder',
      {...oci, inputs: {...oci.inputs, builder: 'ci'}},
      ['buildx', 'build', '--builder', 'ci', ...OCI_OUTPUT, ...DEFAULT_PROVENANCE]
    ],
    [
      'load: loaded by a second, cached build, not by this one',
      {...oci, inputs: {...oci.inputs, load: true}},
      ['buildx', 'build', ...OCI_OUTPUT, ...DEFAULT_PROVENANCE]
    ],
    [
      'attestations as given',
      {...oci, inputs: {...oci.inputs, provenance: 'mode=max', sbom: 'true'}},
      ['buildx', 'build', ...OCI_OUTPUT, '--provenance', 'mode=max', '--sbom', 'true']
    ],
    [
      'no attestation flags on the engine path',
      {...spec, inputs: {...spec.inputs, provenance: 'mode=max', sbom: 'true'}},
      ['buildx', 'build', '--load', '--metadata-file', '/t/metadata.json']
    ]
  ])('%s', (_name, s, head) => {
    expect(buildArguments('buildx', s).slice(0, head.length)).toEqual(head)
    expect(buildArguments('buildx', s)[head.length]).toBe('--progress')
  })

  test("pushed to stevedore's intake: OCI media types, no copy in the image store, and no --tag (it would be pushed)", () => {
    const push: BuildSpec = {
      ...spec,
      refs: ['r.example/acme/orders:1.2.3'],
      output: {type: 'push', ref: '127.0.0.1:4000/stevedore/build-1:built'}
    }
    const args = buildArguments('buildx', push)
    expect(args.slice(0, 6)).toEqual([
      'buildx',
      'build',
      '--output',
      'type=image,name=127.0.0.1:4000/stevedore/build-1:built,push=true,oci-mediatypes=true,store=false',
      '--metadata-file',
      '/t/metadata.json'
    ])
    expect(args.slice(6, 8)).toEqual(DEFAULT_PROVENANCE)
    expect(args).not.toContain('--tag')
    expect(args).not.toContain('r.example/acme/orders:1.2.3')
  })

  test.each<[string, BuildSpec['output'], string]>([
    ['the OCI layout', {type: 'oci', dir: '/t/oci'}, 'type=oci,dest=/t/oci,tar=false'],
    [
      'the push to the intake',
      {type: 'push', ref: '127.0.0.1:4000/s/b:built'},
      'type=image,name=127.0.0.1:4000/s/b:built,push=true,oci-mediatypes=true,store=false'
    ]
  ])('compression: zstd on %s: every layer, the base image too, at the level given', (_name, output, where) => {
    const zstd: BuildSpec = {...spec, inputs: {...spec.inputs, compression: 'zstd', 'compression-level': 7}, output}
    const args = buildArguments('buildx', zstd)
    expect(args[args.indexOf('--output') + 1]).toBe(
      `${where},compression=zstd,compression-level=7,force-compression=true`
    )
  })

  test('platforms go to --platform, on any path', () => {
    const args = buildArguments('buildx', {...oci, inputs: {...oci.inputs, platforms: ['linux/amd64', 'linux/arm64']}})
    expect(args.slice(args.indexOf('--platform'), args.indexOf('--platform') + 2)).toEqual([
      '--platform',
      'linux/amd64,linux/arm64'
    ])
  })
})

test("defaultProvenance: build-push-action's attributes, with the run as builder id where known", () => {
  expect(defaultProvenance(undefined)).toBe('mode=min')
  expect(defaultProvenance('https://github.com/a/b/actions/runs/1/attempts/2')).toBe(
    'mode=min,builder-id=https://github.com/a/b/actions/runs/1/attempts/2'
  )
})

describe("build-push-action's build options", () => {
  const options = {
    'add-hosts': ['docker:10.180.0.1', 'db=127.0.0.1'],
    'shm-size': '2g',
    ulimit: ['nofile=1024:2048'],
    allow: ['network.host'],
    'no-cache-filters': ['build'],
    'build-contexts': ['base=docker-image://alpine:3.20']
  }
  test('go to buildx with the flags build-push-action passes', () => {
    const args = buildArguments('buildx', {
      ...spec,
      inputs: {...spec.inputs, ...options},
      annotations: ['index:org.opencontainers.image.description=Orders']
    })
    const pairs = args.flatMap((a, i) =>
      a.startsWith('--') && !(args[i + 1] ?? '--').startsWith('--') ? [`${a} ${args[i + 1]}`] : []
    )
    expect(pairs).toEqual(
      expect.arrayContaining([
        '--add-host docker:10.180.0.1',
        '--add-host db:127.0.0.1',
        '--shm-size 2g',
        '--ulimit nofile=1024:2048',
        '--allow network.host',
        '--no-cache-filter build',
        '--build-context base=docker-image://alpine:3.20',
        '--annotation index:org.opencontainers.image.description=Orders'
      ])
    )
  })
})

describe('a Git context', () => {
  test("the URL is the context; with no file named, no --file (the repository's Dockerfile)", () => {
    const url = 'https://github.com/acme/orders.git#refs/tags/v1.0.0:services/orders'
    const args = buildArguments('buildx', {...spec, inputs: {...spec.inputs, context: url, file: ''}})
    expect(args).not.toContain('--file')
    expect(args[args.length - 1]).toBe(url)
  })
})
