import {parseChallenge, repositoryScope} from '../../src/registry/challenge'

describe('parseChallenge', () => {
  test.each([
    ['Basic realm="Registry Realm"', {scheme: 'basic', params: {realm: 'Registry Realm'}}],
    [
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/nginx:pull'
        }
      }
    ],
    [
      'Bearer realm="https://x/token", service="x", error="insufficient_scope"',
      {scheme: 'bearer', params: {realm: 'https://x/token', service: 'x', error: 'insufficient_scope'}}
    ],
    ['bearer realm=https://x/token,service=x', {scheme: 'bearer', params: {realm: 'https://x/token', service: 'x'}}],
    ['Bearer realm="a\\"b"', {scheme: 'bearer', params: {realm: 'a"b'}}],
    ['Negotiate', {scheme: 'negotiate', params: {}}]
  ])('%s', (header, expected) => expect(parseChallenge(header)).toEqual(expected))

  test('empty header', () => expect(parseChallenge('')).toBeUndefined())
  test('scope', () => expect(repositoryScope('acme/orders', ['pull', 'push'])).toBe('repository:acme/orders:pull,push'))
})
