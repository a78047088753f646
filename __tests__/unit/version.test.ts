import {
  cleanVersion,
  highestRelease,
  isStableRelease,
  semverFloatingTags,
  versionFromRef,
  versionTag
} from '../../src/plan/version'

describe('versions', () => {
  test.each([
    ['refs/tags/v1.2.3', '1.2.3'],
    ['refs/tags/1.2.3', '1.2.3'],
    ['refs/tags/v1.3.0-rc.1', '1.3.0-rc.1'],
    ['refs/tags/release-2024', 'release-2024'],
    ['refs/tags/version', 'version'],
    ['refs/heads/main', undefined],
    ['refs/pull/7/merge', undefined],
    ['', undefined]
  ])('versionFromRef(%j) = %j', (ref, v) => expect(versionFromRef(ref)).toBe(v))

  test.each([
    ['v1.2.3', '1.2.3'],
    ['V2.0.0', '2.0.0'],
    ['1.2.3', '1.2.3'],
    ['vnext', 'vnext'],
    [' v0.1.0 ', '0.1.0']
  ])('cleanVersion(%j) = %j', (raw, v) => expect(cleanVersion(raw)).toBe(v))

  test.each([
    ['1.2.3', ['1.2', '1']],
    ['0.1.0', ['0.1']],
    ['0.0.7', ['0.0']],
    ['1.3.0-rc.1', []],
    ['1.2.3+build.5', []],
    ['release-2024', []]
  ])('semverFloatingTags(%j)', (v, tags) => expect(semverFloatingTags(v).map(f => f.tag)).toEqual(tags))

  test.each([
    ['1.2.3', true],
    ['1.2.3-rc.1', false],
    ['1.2.3+b', false],
    ['1.2', false]
  ])('isStableRelease(%j) = %s', (v, ok) => expect(isStableRelease(v)).toBe(ok))

  test('versionTag turns build metadata into a valid tag', () => {
    expect(versionTag('1.2.3+build.5')).toBe('1.2.3_build.5')
    expect(versionTag('1.2.3')).toBe('1.2.3')
  })

  test.each([
    [['1.2.3', 'v1.3.0', 'latest', '2.0.0-rc.1', 'sha-abc'], '*', '1.3.0'],
    [['1.2.3', 'v1.3.0', '1.2.9'], '1.2.x', '1.2.9'],
    [['latest', 'main'], '*', undefined],
    [[], '*', undefined]
  ])('highestRelease(%j, %s) = %j', (tags, range, v) => expect(highestRelease(tags, range)).toBe(v))
})
