import {TagPlanInput, decideFloating, finalTags, planTags, sanitizeRefName} from '../../src/plan/tags'

const base: TagPlanInput = {
  version: undefined,
  semverTags: true,
  latest: 'auto',
  extraTags: [],
  ref: '',
  sha: '',
  eventName: 'push'
}
const sha = '0123456789abcdef0123456789abcdef01234567'

describe('planTags', () => {
  test.each<[string, Partial<TagPlanInput>, string[], string[]]>([
    ['stable release', {version: '1.2.3'}, ['1.2.3'], ['1.2', '1', 'latest']],
    ['major 0 never tags 0', {version: '0.1.0'}, ['0.1.0'], ['0.1', 'latest']],
    ['prerelease gets only its version', {version: '1.3.0-rc.1'}, ['1.3.0-rc.1'], []],
    ['build metadata', {version: '1.2.3+build.5'}, ['1.2.3_build.5'], []],
    ['semver-tags off', {version: '1.2.3', semverTags: false}, ['1.2.3'], ['latest']],
    ['latest false', {version: '1.2.3', latest: 'false'}, ['1.2.3'], ['1.2', '1']],
    ['latest true is forced', {version: '1.2.3', latest: 'true'}, ['1.2.3', 'latest'], ['1.2', '1']],
    ['latest true on a prerelease', {version: '2.0.0-rc.1', latest: 'true'}, ['2.0.0-rc.1', 'latest'], []],
    ['non-semver version', {version: 'release-2024'}, ['release-2024'], []],
    ['extra tags', {version: '1.2.3', extraTags: ['stable', '1.2.3']}, ['1.2.3', 'stable'], ['1.2', '1', 'latest']],
    ['extra tag shadows a floating one', {version: '1.2.3', extraTags: ['latest']}, ['1.2.3', 'latest'], ['1.2', '1']],
    ['branch build', {ref: 'refs/heads/main', sha}, ['main', 'sha-0123456'], []],
    ['branch with slashes', {ref: 'refs/heads/feature/New Thing', sha}, ['feature-New-Thing', 'sha-0123456'], []],
    ['pull request', {ref: 'refs/pull/42/merge', sha, eventName: 'pull_request'}, ['pr-42', 'sha-0123456'], []],
    ['pull_request_target', {ref: 'refs/pull/7/merge', eventName: 'pull_request_target'}, ['pr-7'], []],
    ['branch build, latest auto: no latest', {ref: 'refs/heads/main', latest: 'auto'}, ['main'], []],
    ['nothing known', {}, [], []]
  ])('%s', (_name, over, fixed, floating) => {
    const plan = planTags({...base, ...over})
    expect(plan.fixed).toEqual(fixed)
    expect(plan.floating.map(f => f.tag)).toEqual(floating)
  })
})

describe('sanitizeRefName', () => {
  test.each([
    ['main', 'main'],
    ['feature/x', 'feature-x'],
    ['-leading', 'leading'],
    ['..dots', 'dots'],
    ['a'.repeat(200), 'a'.repeat(128)],
    ['ünïcode', 'n-code']
  ])('%j → %j', (raw, tag) => expect(sanitizeRefName(raw)).toBe(tag))
})

describe('decideFloating', () => {
  const floating = planTags({...base, version: '1.2.4'}).floating
  test('moves everything when the registry is empty', () => {
    const d = decideFloating('1.2.4', floating, new Map([['r/a', []]]))
    expect(d.every(x => x.move)).toBe(true)
  })
  test('a hotfix does not take latest or the major from a higher release', () => {
    const d = decideFloating('1.2.4', floating, new Map([['r/a', ['1.2.3', '1.3.0', 'latest', '2.0.0-rc.1']]]))
    expect(d.map(x => [x.tag, x.move])).toEqual([
      ['1.2', true],
      ['1', false],
      ['latest', false]
    ])
    expect(d[2]?.reason).toMatch(/1\.3\.0 in r\/a/)
  })
  test('a higher release in any repository holds the tag back', () => {
    const d = decideFloating(
      '1.2.4',
      floating,
      new Map([
        ['r/a', ['1.2.3']],
        ['r/b', ['v2.0.0']]
      ])
    )
    expect(d.find(x => x.tag === 'latest')?.move).toBe(false)
    expect(d.find(x => x.tag === 'latest')?.reason).toMatch(/2\.0\.0 in r\/b/)
    expect(d.find(x => x.tag === '1')?.move).toBe(true)
  })
  test('re-releasing the same version moves the tags', () => {
    const d = decideFloating('1.2.4', floating, new Map([['r/a', ['1.2.4']]]))
    expect(d.every(x => x.move)).toBe(true)
  })
  test('finalTags keeps fixed tags first and only moved floating tags', () => {
    const plan = planTags({...base, version: '1.2.4'})
    const d = decideFloating('1.2.4', plan.floating, new Map([['r', ['1.3.0']]]))
    expect(finalTags(plan, d)).toEqual(['1.2.4', '1.2'])
  })
})
