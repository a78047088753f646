import {planImmutableTags} from '../../src/publish/immutable-tags'
import {decodeAuthorizationToken} from '../../src/auth/ecr'

const ours = `sha256:${'1'.repeat(64)}`
const theirs = `sha256:${'2'.repeat(64)}`
const dOurs = `sha256:${'a'.repeat(64)}`
const dTheirs = `sha256:${'b'.repeat(64)}`
const image = {digest: dOurs, id: ours}

describe('planImmutableTags', () => {
  const floating = new Set(['1.2', '1', 'latest'])
  test('new tags are pushed', () => {
    expect(planImmutableTags('r', ['1.2.3', '1.2', '1', 'latest'], floating, new Map(), image)).toEqual({
      push: ['1.2.3', '1.2', '1', 'latest'],
      kept: [],
      conflicts: []
    })
  })
  test('a tag that already holds this image is skipped', () => {
    const plan = planImmutableTags(
      'r',
      ['1.2.3', 'latest'],
      floating,
      new Map([['1.2.3', {digest: dOurs, config: ours}]]),
      image
    )
    expect(plan.push).toEqual(['latest'])
    expect(plan.kept.map(k => [k.tag, k.digest, k.same])).toEqual([['1.2.3', dOurs, true]])
    expect(plan.kept[0]?.reason).toMatch(/already holds this image/)
    expect(plan.conflicts).toEqual([])
  })
  test('floating tags that hold another image stay', () => {
    const plan = planImmutableTags(
      'r',
      ['1.2.4', '1.2', 'latest'],
      floating,
      new Map([['latest', {digest: dTheirs, config: theirs}]]),
      image
    )
    expect(plan.push).toEqual(['1.2.4', '1.2'])
    expect(plan.kept).toEqual([
      {
        tag: 'latest',
        digest: dTheirs,
        same: false,
        reason: `r is immutable: 'latest' stays at ${dTheirs} and does not move to this release`
      }
    ])
  })
  test('an index is recognised by its manifest digest', () => {
    const plan = planImmutableTags('r', ['1.2.3'], floating, new Map([['1.2.3', {digest: dOurs, config: undefined}]]), {
      digest: dOurs,
      id: ''
    })
    expect(plan.kept.map(k => k.same)).toEqual([true])
  })
  test('a fixed tag that holds another image is a conflict naming both', () => {
    const plan = planImmutableTags(
      'r',
      ['1.2.3'],
      floating,
      new Map([['1.2.3', {digest: dTheirs, config: theirs}]]),
      image
    )
    expect(plan.conflicts).toEqual([
      expect.stringContaining(
        `r:1.2.3 already exists as ${dTheirs} (image ${theirs}), and this image is ${dOurs} (image ${ours})`
      )
    ])
  })
})

describe('decodeAuthorizationToken', () => {
  test('AWS:<password>', () => {
    expect(decodeAuthorizationToken(Buffer.from('AWS:pa:ss').toString('base64'))).toEqual({
      username: 'AWS',
      password: 'pa:ss'
    })
  })
  test('garbage', () => {
    expect(() => decodeAuthorizationToken(Buffer.from('nocolon').toString('base64'))).toThrow(/not user:password/)
  })
})
