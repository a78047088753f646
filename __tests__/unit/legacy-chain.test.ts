import {LegacyChain, legacyEntry, parentOf, savesLegacyLayout} from '../../src/image/legacy-chain'

const id = (c: string) => c.repeat(64)

describe('legacyEntry', () => {
  test('names the v1 id and the file of a layer directory', () => {
    expect(legacyEntry(`${id('a')}/json`)).toEqual({id: id('a'), file: 'json'})
    expect(legacyEntry(`${id('b')}/layer.tar`)).toEqual({id: id('b'), file: 'layer.tar'})
  })

  test('other entries of a save are not layer files', () => {
    for (const name of [
      `${id('a')}/VERSION`,
      `${id('a')}.json`,
      'manifest.json',
      'repositories',
      `blobs/sha256/${id('a')}`,
      `${id('a')}/json/extra`,
      'ABC/json'
    ])
      expect(legacyEntry(name)).toBeUndefined()
  })
})

describe('parentOf', () => {
  test('the parent a layer json names; none for the bottom layer', () => {
    expect(parentOf(Buffer.from(JSON.stringify({id: id('b'), parent: id('a'), created: 'x'})))).toBe(id('a'))
    expect(parentOf(Buffer.from(JSON.stringify({id: id('a'), created: '1970-01-01T00:00:00Z'})))).toBeUndefined()
    expect(parentOf(Buffer.from(JSON.stringify({id: id('a'), parent: ''})))).toBeUndefined()
  })

  test('text that is not a layer json is null, not a bottom layer', () => {
    for (const text of ['', 'not json', '[]', '{"parent": "x"}', JSON.stringify({id: id('a'), parent: 7})])
      expect(parentOf(Buffer.from(text))).toBeNull()
  })
})

describe('LegacyChain', () => {
  test('positions follow the chain of parents, whatever order the jsons come in', () => {
    const chain = new LegacyChain()
    // a save lists directories by name: here the top layer first
    chain.add(id('c'), id('b'))
    expect(chain.position(id('c'))).toBeUndefined()
    chain.add(id('a'), undefined)
    expect(chain.position(id('a'))).toBe(0)
    expect(chain.position(id('c'))).toBeUndefined()
    chain.add(id('b'), id('a'))
    expect(chain.position(id('b'))).toBe(1)
    expect(chain.position(id('c'))).toBe(2)
  })

  test('a layer never recorded has no position', () => {
    expect(new LegacyChain().position(id('a'))).toBeUndefined()
  })

  test('a cycle has no position (and ends)', () => {
    const chain = new LegacyChain()
    chain.add(id('a'), id('b'))
    chain.add(id('b'), id('a'))
    expect(chain.position(id('a'))).toBeUndefined()
  })
})

describe('savesLegacyLayout', () => {
  test('Docker before 25 saves the legacy layout; 25 and later an OCI layout', () => {
    expect(savesLegacyLayout('20.10.24+dfsg1')).toBe(true)
    expect(savesLegacyLayout('24.0.7')).toBe(true)
    expect(savesLegacyLayout('25.0.0')).toBe(false)
    expect(savesLegacyLayout('28.5.2+dfsg4')).toBe(false)
    expect(savesLegacyLayout(' 29.0.1 ')).toBe(false)
  })

  test('a version that does not parse counts as legacy (asking costs one docker call)', () => {
    for (const v of ['', 'dev', 'v28.0.0', 'master-dockerproject-2026']) expect(savesLegacyLayout(v)).toBe(true)
  })
})
