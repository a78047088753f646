import {InputError} from '../../src/errors'
import {cacheArguments, parseCacheOptions} from '../../src/build/cache-options'

describe('cache options', () => {
  test('parsing', () => {
    expect(
      parseCacheOptions('cache-from', ['ghcr.io/acme/orders:cache', 'type=registry,ref=x.io/a:b', 'type=gha'])
    ).toEqual([
      {raw: 'ghcr.io/acme/orders:cache', attrs: {type: 'registry', ref: 'ghcr.io/acme/orders:cache'}},
      {raw: 'type=registry,ref=x.io/a:b', attrs: {type: 'registry', ref: 'x.io/a:b'}},
      {raw: 'type=gha', attrs: {type: 'gha'}}
    ])
  })
  test.each([
    ['cache-from', 'type=registry'],
    ['cache-from', 'ref=x'],
    ['cache-from', 'type=registry,oops'],
    ['cache-to', 'ghcr.io/acme/orders:cache'],
    ['cache-from', 'Not A Ref']
  ] as const)('%s %j is refused', (name, raw) => {
    expect(() => parseCacheOptions(name, [raw])).toThrow(InputError)
  })

  const from = parseCacheOptions('cache-from', [
    'type=registry,ref=123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders:cache'
  ])
  const toRegistry = parseCacheOptions('cache-to', [
    'type=registry,ref=123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders:cache,mode=max,image-manifest=true,oci-mediatypes=true'
  ])
  const inline = parseCacheOptions('cache-to', ['type=inline'])

  test('buildx passes everything through, the ECR registry cache form included', () => {
    expect(cacheArguments('buildx', from, toRegistry)).toEqual([
      '--cache-from',
      'type=registry,ref=123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders:cache',
      '--cache-to',
      'type=registry,ref=123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders:cache,mode=max,image-manifest=true,oci-mediatypes=true'
    ])
  })
  test('the engine: images as cache sources, the inline cache as target', () => {
    expect(cacheArguments('buildkit', from, inline)).toEqual([
      '--cache-from',
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders:cache',
      '--build-arg',
      'BUILDKIT_INLINE_CACHE=1'
    ])
  })
  test('the engine cannot export a registry cache or read gha', () => {
    expect(cacheArguments('buildkit', [], toRegistry)).toMatch(/needs buildx/)
    expect(cacheArguments('buildkit', parseCacheOptions('cache-from', ['type=gha']), [])).toMatch(/needs buildx/)
  })
})
