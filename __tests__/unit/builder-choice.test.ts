import {chooseBuilder, hasBuiltinBuildKit} from '../../src/build/builder-choice'

describe('chooseBuilder', () => {
  const d28 = {path: '/usr/local/bin/docker', clientVersion: '28.2.2', buildx: false}
  const d20 = {path: '/usr/bin/docker', clientVersion: '20.10.24+dfsg1', buildx: false}
  const bx = {path: '/opt/docker', clientVersion: '27.0.1', buildx: true}
  const broken = {path: '/x/docker', clientVersion: undefined, buildx: false}

  test('buildx wins wherever it is', () => {
    expect(chooseBuilder([d28, d20, bx])).toEqual({kind: 'buildx', docker: '/opt/docker', clientVersion: '27.0.1'})
  })
  test('a pre-23 client with built-in BuildKit when there is no buildx', () => {
    expect(chooseBuilder([d28, d20])).toEqual({
      kind: 'buildkit',
      docker: '/usr/bin/docker',
      clientVersion: '20.10.24+dfsg1'
    })
  })
  test('a clear error when nothing can build', () => {
    expect(() => chooseBuilder([d28, broken])).toThrow(
      /No docker client here can build with BuildKit: \/usr\/local\/bin\/docker \(28\.2\.2, no buildx plugin, no built-in BuildKit\); \/x\/docker \(does not run\)\. Install the buildx plugin/
    )
  })
  test('no docker at all', () => {
    expect(() => chooseBuilder([])).toThrow(/No docker client found on PATH/)
  })
  test.each([
    ['20.10.24+dfsg1', true],
    ['19.03.1', true],
    ['23.0.0', false],
    ['28.2.2', false],
    ['junk', false]
  ])('hasBuiltinBuildKit(%s) = %s', (v, ok) => expect(hasBuiltinBuildKit(v)).toBe(ok))
})
