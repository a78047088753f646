import {parseCheckOutput} from '../../src/build/build-checks'

// what buildx 0.29 prints for `--call check,format=json` (sources trimmed to their names)
const warnings = JSON.stringify({
  warnings: [
    {
      ruleName: 'FromAsCasing',
      description: "The 'as' keyword should match the case of the 'from' keyword",
      url: 'https://docs.docker.com/go/dockerfile/rule/from-as-casing/',
      detail: "'as' and 'FROM' keywords' casing do not match",
      location: {ranges: [{start: {line: 3}, end: {line: 3}}]}
    }
  ],
  sources: [{filename: 'Dockerfile'}]
})

describe('parseCheckOutput', () => {
  test("a rule's finding: a warning on its line, with the rule and its page", () => {
    expect(parseCheckOutput(warnings)).toEqual([
      {
        level: 'warning',
        title: "FromAsCasing: The 'as' keyword should match the case of the 'from' keyword",
        message:
          "'as' and 'FROM' keywords' casing do not match (https://docs.docker.com/go/dockerfile/rule/from-as-casing/)",
        file: 'Dockerfile',
        startLine: 3,
        endLine: 3
      }
    ])
  })

  test('check=error=true: the warnings, and the build error naming the rules (no line)', () => {
    const doc = JSON.parse(warnings) as Record<string, unknown>
    doc.buildError = {message: 'lint violation found for rules: FromAsCasing', location: {}}
    const findings = parseCheckOutput(JSON.stringify(doc)) ?? []
    expect(findings.map(f => [f.level, f.startLine])).toEqual([
      ['warning', 3],
      ['error', undefined]
    ])
    expect(findings[1]).toMatchObject({title: 'Build error', file: 'Dockerfile'})
  })

  test('a Dockerfile that does not parse: an error on its line', () => {
    const out = JSON.stringify({
      warnings: null,
      sources: [{filename: 'Dockerfile.broken'}],
      buildError: {
        message: 'dockerfile parse error on line 2: unknown instruction: RUNN (did you mean RUN?)',
        location: {ranges: [{start: {line: 2}, end: {line: 2}}]}
      }
    })
    expect(parseCheckOutput(out)).toEqual([
      {
        level: 'error',
        title: 'Build error',
        message: 'dockerfile parse error on line 2: unknown instruction: RUNN (did you mean RUN?)',
        file: 'Dockerfile.broken',
        startLine: 2,
        endLine: 2
      }
    ])
  })

  test('no findings', () => {
    expect(parseCheckOutput(JSON.stringify({warnings: null, sources: [{filename: 'Dockerfile'}]}))).toEqual([])
  })

  test('no JSON (buildx failed before checking): undefined', () => {
    expect(parseCheckOutput('')).toBeUndefined()
    expect(parseCheckOutput('ERROR: no such builder {')).toBeUndefined()
  })
})
