import {layersByDiffId, previousReleaseTag} from '../../src/publish/known-layers'

describe('the previous release', () => {
  test.each<[string[], string | undefined, string | undefined]>([
    [['1.0.0', '1.0', '1', 'latest'], '1.0.1', '1.0.0'],
    [['v1.2.0', '1.10.0', '1.9.9', 'latest'], '2.0.0', '1.10.0'],
    [['1.0.0', '1.0.1'], '1.0.1', '1.0.0'],
    [['2.0.0-rc.1', '1.5.0'], '2.0.0', '1.5.0'],
    [['main', 'sha-0123456', 'latest'], undefined, 'latest'],
    [['main', 'sha-0123456'], undefined, undefined],
    [[], '1.0.0', undefined]
  ])('tags %j, releasing %s: %s', (tags, version, expected) => {
    expect(previousReleaseTag(tags, version)).toBe(expected)
  })
})

describe('layers by diff ID', () => {
  const gz = 'application/vnd.docker.image.rootfs.diff.tar.gzip'
  const oci = 'application/vnd.oci.image.layer.v1.tar+gzip'
  test('pairs diff IDs with gzip layers in order', () => {
    const m = layersByDiffId(
      {
        layers: [
          {mediaType: gz, digest: 'sha256:a', size: 10},
          {mediaType: oci, digest: 'sha256:b', size: 20},
          {mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest: 'sha256:c', size: 30}
        ]
      },
      ['sha256:d1', 'sha256:d2', 'sha256:d3']
    )
    expect([...m]).toEqual([
      ['sha256:d1', {digest: 'sha256:a', size: 10}],
      ['sha256:d2', {digest: 'sha256:b', size: 20}]
    ])
  })
  test('a manifest and config that disagree on the number of layers give nothing', () => {
    expect(layersByDiffId({layers: [{mediaType: gz, digest: 'sha256:a', size: 1}]}, ['x', 'y']).size).toBe(0)
  })
})
