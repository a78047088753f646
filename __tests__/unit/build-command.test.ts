import {BuildSpec, buildArguments} from '../../src/build/build-command'

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
    ssh: []
  },
  labels: {'org.opencontainers.image.version': '1.2.3'},
  refs: ['r/a:1.2.3', 'r/a:latest'],
  iidFile: '/t/iid',
  cache: [],
  secrets: []
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
    expect(buildArguments('buildx', spec).slice(0, 3)).toEqual(['buildx', 'build', '--load'])
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
