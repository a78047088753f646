import {apiHost, isLoopbackRegistry, isValidTag, parseRepository} from '../../src/registry/reference'

describe('parseRepository', () => {
  test.each([
    ['ghcr.io/acme/orders', 'ghcr.io', 'acme/orders', 'ghcr.io/acme/orders'],
    ['127.0.0.1:5000/orders', '127.0.0.1:5000', 'orders', '127.0.0.1:5000/orders'],
    ['localhost/team/svc', 'localhost', 'team/svc', 'localhost/team/svc'],
    ['nginx', 'docker.io', 'library/nginx', 'docker.io/library/nginx'],
    ['acme/orders', 'docker.io', 'acme/orders', 'docker.io/acme/orders'],
    ['docker.io/acme/orders', 'docker.io', 'acme/orders', 'docker.io/acme/orders'],
    [
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders',
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      'orders',
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders'
    ],
    ['Registry.Example.com/a__b/c-d.e', 'registry.example.com', 'a__b/c-d.e', 'registry.example.com/a__b/c-d.e'],
    ['[::1]:5000/x', '[::1]:5000', 'x', '[::1]:5000/x']
  ])('%s', (raw, registry, path, name) => {
    expect(parseRepository(raw)).toEqual({registry, path, name})
  })

  test.each([
    ['', /empty/],
    ['ghcr.io/Acme/orders', /uppercase.*ghcr\.io\/acme\/orders/],
    ['ghcr.io/acme/orders:1.0', /has a tag/],
    ['ghcr.io/acme/orders@sha256:abc', /has a digest/],
    ['ghcr.io/acme//orders', /invalid path component ''/],
    ['ghcr.io/acme/-orders', /invalid path component '-orders'/],
    ['ghcr.io/acme/orders_', /invalid path component/],
    ['bad_host.io/x', /invalid registry host/],
    ['host:port/x', /invalid registry host/],
    [`ghcr.io/${'a'.repeat(250)}`, /longer than 255/]
  ])('rejects %j', (raw, message) => {
    const r = parseRepository(raw)
    expect(typeof r).toBe('string')
    expect(r).toMatch(message)
  })
})

describe('tags and hosts', () => {
  test.each([
    ['1.2.3', true],
    ['latest', true],
    ['sha-abc1234', true],
    ['v1.2.3_build.5', true],
    ['A'.repeat(128), true],
    ['A'.repeat(129), false],
    ['.hidden', false],
    ['-dash', false],
    ['1.2.3+build', false],
    ['', false],
    ['with space', false]
  ])('isValidTag(%j) = %s', (tag, ok) => expect(isValidTag(tag)).toBe(ok))

  test.each([
    ['127.0.0.1:5000', true],
    ['localhost:5000', true],
    ['localhost', true],
    ['127.9.9.9', true],
    ['[::1]:5000', true],
    ['ghcr.io', false],
    ['127.0.0.1.nip.io', false],
    ['10.0.0.1:5000', false]
  ])('isLoopbackRegistry(%j) = %s', (r, ok) => expect(isLoopbackRegistry(r)).toBe(ok))

  test('Docker Hub API host', () => {
    expect(apiHost('docker.io')).toBe('registry-1.docker.io')
    expect(apiHost('ghcr.io')).toBe('ghcr.io')
  })
})
