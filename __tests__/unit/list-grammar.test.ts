import {InputError} from '../../src/errors'
import {csvFields, parseCsvList, parseList} from '../../src/inputs/list-grammar'
import {parseImages, parseTags} from '../../src/inputs/parsing'

describe('the list grammar (docker/actions-toolkit getInputList)', () => {
  test('a newline list: blank lines and # comments skipped, entries trimmed, commas kept', () => {
    expect(parseList('  a=1,2\n\n# a comment\r\nb  \n')).toEqual(['a=1,2', 'b'])
  })

  test('a comma list: each line a CSV record, double quotes protect commas', () => {
    expect(parseCsvList('platforms', 'linux/amd64, linux/arm64\n"linux/arm/v7"\n# linux/s390x')).toEqual([
      'linux/amd64',
      'linux/arm64',
      'linux/arm/v7'
    ])
    expect(csvFields('tags', 'a,"b,c",,"say ""hi"""')).toEqual(['a', 'b,c', 'say "hi"'])
  })

  test('a quote left open names the input and the line', () => {
    expect(() => csvFields('platforms', 'linux/amd64,"linux/arm64')).toThrow(
      new InputError('platforms', `'linux/amd64,"linux/arm64': a double quote is not closed`)
    )
  })

  test('tags and images read quoted entries as build-push-action and metadata-action do', () => {
    expect(parseTags('tags', '"1.0", latest')).toEqual(['1.0', 'latest'])
    expect(parseImages('images', '"ghcr.io/acme/orders",docker.io/acme/orders').map(r => r.name)).toEqual([
      'ghcr.io/acme/orders',
      'docker.io/acme/orders'
    ])
  })
})
