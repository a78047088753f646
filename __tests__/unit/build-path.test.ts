import {BuilderFacts, choosePath, engineSharesLoopback, requireCapabilities} from '../../src/build/build-path'
import {InputError} from '../../src/errors'

describe('choosePath: builder and image store → the way the image goes', () => {
  test.each<[string, BuilderFacts, 'oci' | 'push' | 'engine', boolean]>([
    [
      "Docker 20.10's own BuildKit",
      {kind: 'buildkit', driver: undefined, store: 'classic', sharesLoopback: true},
      'engine',
      false
    ],
    [
      'ubuntu-24.04: buildx docker driver, classic store',
      {kind: 'buildx', driver: 'docker', store: 'classic', sharesLoopback: true},
      'engine',
      false
    ],
    [
      'Docker 29: buildx docker driver, containerd store, engine on this host: pushed to our intake',
      {kind: 'buildx', driver: 'docker', store: 'containerd', sharesLoopback: true},
      'push',
      true
    ],
    [
      'the same engine elsewhere (remote DOCKER_HOST, job container, rootless): the OCI layout',
      {kind: 'buildx', driver: 'docker', store: 'containerd', sharesLoopback: false},
      'oci',
      true
    ],
    [
      'setup-buildx-action: docker-container driver',
      {kind: 'buildx', driver: 'docker-container', store: 'classic', sharesLoopback: true},
      'oci',
      true
    ],
    ['remote driver', {kind: 'buildx', driver: 'remote', store: 'classic', sharesLoopback: true}, 'oci', true],
    [
      'kubernetes driver',
      {kind: 'buildx', driver: 'kubernetes', store: 'containerd', sharesLoopback: true},
      'oci',
      true
    ],
    ['Docker Build Cloud', {kind: 'buildx', driver: 'cloud', store: 'classic', sharesLoopback: true}, 'oci', true]
  ])('%s', (_name, facts, output, capable) => {
    const p = choosePath(facts)
    expect([p.output, p.multiPlatform, p.attestations]).toEqual([output, capable, capable])
  })
})

describe('engineSharesLoopback: docker info Name and SecurityOptions against our host name', () => {
  test.each<[string, string, string[], boolean]>([
    ['the engine of this host', 'runner-1', ['name=seccomp,profile=builtin', 'name=cgroupns'], true],
    ['another host (a remote DOCKER_HOST, or the host of a job container)', 'build-host', [], false],
    [
      'rootless: the daemon has a loopback of its own',
      'runner-1',
      ['name=seccomp,profile=builtin', 'name=rootless'],
      false
    ],
    ['docker info failed: no name', '', [], false]
  ])('%s', (_name, engineName, security, expected) => {
    expect(engineSharesLoopback(engineName, security, 'runner-1')).toBe(expected)
  })
})

describe('requireCapabilities', () => {
  const classic = choosePath({kind: 'buildx', driver: 'docker', store: 'classic', sharesLoopback: true})
  test('several platforms on a builder that cannot: fails naming platforms and both ways out', () => {
    let error: unknown
    try {
      requireCapabilities(classic, ['linux/amd64', 'linux/arm64'])
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InputError)
    expect((error as InputError).message).toMatch(
      /^Input 'platforms': linux\/amd64, linux\/arm64 needs a builder that can build several platforms into one index, and this one is buildx, docker driver, classic image store\. Either set up a buildx builder with docker\/setup-buildx-action \(docker-container driver\), or use the containerd image store .* Nothing was built or pushed$/
    )
  })
  test('one platform is fine anywhere; several are fine where the builder can', () => {
    expect(() => requireCapabilities(classic, ['linux/amd64'])).not.toThrow()
    expect(() =>
      requireCapabilities(choosePath({kind: 'buildx', driver: 'docker', store: 'containerd', sharesLoopback: true}), [
        'linux/amd64',
        'linux/arm64'
      ])
    ).not.toThrow()
  })
})
