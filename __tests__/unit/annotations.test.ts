import {metadataAnnotations, parseAnnotationLevels} from '../../src/plan/annotations'

const oci = {
  'org.opencontainers.image.created': '2026-11-29T10:00:00.000Z',
  'org.opencontainers.image.version': '1.2.3'
}

describe('DOCKER_METADATA_ANNOTATIONS_LEVELS', () => {
  test.each<[string | undefined, string[]]>([
    [undefined, ['manifest']],
    ['', ['manifest']],
    ['index', ['index']],
    ['manifest,index', ['manifest', 'index']],
    [' manifest-descriptor , index-descriptor ', ['manifest-descriptor', 'index-descriptor']]
  ])('%j -> %j', (raw, levels) => expect(parseAnnotationLevels(raw)).toEqual(levels))

  test('an unknown level names the variable and the levels', () => {
    expect(() => parseAnnotationLevels('manifest,config')).toThrow(
      "DOCKER_METADATA_ANNOTATIONS_LEVELS: 'config' is not a level; use manifest, index, manifest-descriptor, index-descriptor (comma-separated)"
    )
  })
})

describe("metadata-action's annotations", () => {
  test('default: each OCI key on the manifest', () => {
    expect(metadataAnnotations(oci, ['manifest'], [])).toEqual([
      'manifest:org.opencontainers.image.created=2026-11-29T10:00:00.000Z',
      'manifest:org.opencontainers.image.version=1.2.3'
    ])
  })

  test('two levels: each key once per level, level by level', () => {
    expect(metadataAnnotations(oci, ['manifest', 'index'], [])).toEqual([
      'manifest:org.opencontainers.image.created=2026-11-29T10:00:00.000Z',
      'manifest:org.opencontainers.image.version=1.2.3',
      'index:org.opencontainers.image.created=2026-11-29T10:00:00.000Z',
      'index:org.opencontainers.image.version=1.2.3'
    ])
  })

  test("the user's annotation for a key and level wins (no level: the manifest)", () => {
    expect(
      metadataAnnotations(
        oci,
        ['manifest', 'index'],
        [
          'org.opencontainers.image.version=1.2.3-acme',
          'index,manifest-descriptor:org.opencontainers.image.created=yesterday'
        ]
      )
    ).toEqual([
      'manifest:org.opencontainers.image.created=2026-11-29T10:00:00.000Z',
      'index:org.opencontainers.image.version=1.2.3'
    ])
  })
})
