/**
 * metadata-action's tag language as a table: every case is an example from metadata-action's README
 * (v5), with its event, ref and expected tags written out. Where stevedore differs by design, the case
 * says so: tags that follow a release (`latest`, `{{major}}`, `{{major}}.{{minor}}`) are floating and
 * are settled against the registry later; here they are listed with a `~`.
 */
import {InputError} from '../../src/errors'
import {DEFAULT_FLAVOR, RuleContext, evaluateTagRules, parseFlavor, parseTagRule} from '../../src/plan/tag-rules'
import {formatDate} from '../../src/plan/template'
import {parsePep440} from '../../src/plan/pep440'

const SHA = '860c1904a1ce19322e91ac35af1ab07466440c37'
const NOW = new Date('2020-01-10T00:30:00.000Z')

function context(eventName: string, ref: string, extra: Partial<RuleContext> = {}): RuleContext {
  return {
    eventName,
    ref,
    sha: SHA,
    defaultBranch: 'master',
    baseRef: undefined,
    pullRequestBaseRef: undefined,
    now: NOW,
    commitDate: NOW,
    shortShaLength: 7,
    ...extra
  }
}

/** The tags a `tags` input gives for a run: fixed ones as they are, floating ones with a `~`. */
function tagsFor(tags: string, flavor: string, ctx: RuleContext): string[] {
  const lines = tags
    .split('\n')
    .map(l => l.trim())
    .filter(l => l !== '')
  const result = evaluateTagRules(lines.map(parseTagRule), parseFlavor(flavor), ctx)
  return [...result.fixed, ...result.floating.map(f => `~${f.tag}`)]
}

// README "Basic": metadata-action's default rules
const DEFAULT_RULES = 'type=schedule\ntype=ref,event=branch\ntype=ref,event=tag\ntype=ref,event=pr'
const SEMVER_RULES =
  'type=ref,event=branch\ntype=ref,event=pr\ntype=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}'

describe('metadata-action README: usage tables', () => {
  test.each([
    ['pull_request', 'refs/pull/2/merge', ['pr-2']],
    ['push', 'refs/heads/master', ['master']],
    ['push', 'refs/heads/releases/v1', ['releases-v1']],
    ['push', 'refs/tags/v1.2.3', ['v1.2.3', '~latest']],
    // README: v2.0.8-beta.67, latest. Differs by design: latest=auto never moves latest to a pre-release
    ['push', 'refs/tags/v2.0.8-beta.67', ['v2.0.8-beta.67']],
    ['workflow_dispatch', 'refs/heads/master', ['master']]
  ])('Basic: %s %s', (event, ref, expected) => {
    expect(tagsFor(DEFAULT_RULES, '', context(event, ref))).toEqual(expected)
  })

  test.each([
    ['pull_request', 'refs/pull/2/merge', ['pr-2']],
    ['push', 'refs/heads/master', ['master']],
    ['push', 'refs/heads/releases/v1', ['releases-v1']],
    ['push', 'refs/tags/v1.2.3', ['1.2.3', '~1.2', '~latest']],
    ['push', 'refs/tags/v2.0.8-beta.67', ['2.0.8-beta.67']]
  ])('Semver: %s %s', (event, ref, expected) => {
    expect(tagsFor(SEMVER_RULES, '', context(event, ref))).toEqual(expected)
  })

  test('Bake definition: refs/tags/v1.2.3 with type=sha gives 1.2.3, 1.2, sha-860c190, latest', () => {
    expect(tagsFor(`${SEMVER_RULES}\ntype=sha`, '', context('push', 'refs/tags/v1.2.3'))).toEqual([
      '1.2.3',
      'sha-860c190',
      '~1.2',
      '~latest'
    ])
  })
})

describe('type=schedule', () => {
  test.each([
    ['type=schedule', 'nightly'],
    ['type=schedule,pattern=nightly', 'nightly'],
    ["type=schedule,pattern={{date 'YYYYMMDD'}}", '20200110'],
    ["type=schedule,pattern={{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}", '20200110-093000']
  ])('%s → %s', (rule, expected) => {
    expect(tagsFor(rule, '', context('schedule', 'refs/heads/master'))).toEqual([expected])
  })

  test('only on schedule events', () => {
    expect(tagsFor('type=schedule', '', context('push', 'refs/heads/master'))).toEqual([])
  })
})

describe('type=semver', () => {
  test.each([
    ['v1.2.3', '{{raw}}', 'v1.2.3'],
    ['v1.2.3', '{{version}}', '1.2.3'],
    ['v1.2.3', '{{major}}.{{minor}}', '~1.2'],
    ['v1.2.3', 'v{{major}}', '~v1'],
    ['v1.2.3', '{{minor}}', '~2'],
    ['v1.2.3', '{{patch}}', '3'],
    ['v2.0.8-beta.67', '{{raw}}', 'v2.0.8-beta.67'],
    ['v2.0.8-beta.67', '{{version}}', '2.0.8-beta.67'],
    ['v2.0.8-beta.67', '{{major}}.{{minor}}', '2.0.8-beta.67']
  ])('git tag %s, pattern %s → %s', (tag, pattern, expected) => {
    const tags = tagsFor(`type=semver,pattern=${pattern}`, 'latest=false', context('push', `refs/tags/${tag}`))
    expect(tags).toEqual([expected])
  })

  test('value= instead of the git tag, on a branch', () => {
    expect(tagsFor('type=semver,pattern={{version}},value=v1.0.0', '', context('push', 'refs/heads/master'))).toEqual([
      '1.0.0',
      '~latest'
    ])
  })

  test('a tag that is not semver gives nothing, with a warning', () => {
    const r = evaluateTagRules(
      [parseTagRule('type=semver,pattern={{version}}')],
      DEFAULT_FLAVOR,
      context('push', 'refs/tags/release-7')
    )
    expect([r.fixed, r.floating, r.warnings]).toEqual([
      [],
      [],
      ['type=semver,pattern={{version}}: release-7 is not a semver version']
    ])
  })

  test('major version zero, as the README shows: 0.1.2 and 0.1, {{major}} disabled', () => {
    const rules =
      'type=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}\ntype=semver,pattern={{major}},enable=false'
    expect(tagsFor(rules, '', context('push', 'refs/tags/v0.1.2'))).toEqual(['0.1.2', '~0.1', '~latest'])
  })
})

describe('type=pep440', () => {
  test.each([
    ['1.2.3', '{{raw}}', '1.2.3'],
    ['1.2.3', '{{version}}', '1.2.3'],
    ['v1.2.3', '{{version}}', '1.2.3'],
    // a final release's X.Y and X float, as semver's do (settled against the registry): the same rule for both
    ['1.2.3', '{{major}}.{{minor}}', '~1.2'],
    ['1.2.3', 'v{{major}}', '~v1'],
    ['v1.2.3rc2', '{{raw}}', 'v1.2.3rc2'],
    ['1.2.3rc2', '{{version}}', '1.2.3rc2'],
    ['1.2.3rc2', '{{major}}.{{minor}}', '1.2.3rc2'],
    ['1.2.3post1', '{{major}}.{{minor}}', '1.2.3.post1'],
    ['1.2.3beta2', '{{major}}.{{minor}}', '1.2.3b2'],
    ['1.0dev4', '{{major}}.{{minor}}', '1.0.dev4']
  ])('git tag %s, pattern %s → %s', (tag, pattern, expected) => {
    expect(tagsFor(`type=pep440,pattern=${pattern}`, 'latest=false', context('push', `refs/tags/${tag}`))).toEqual([
      expected
    ])
  })

  test('normalization follows PEP 440', () => {
    expect(
      ['1!2.0', '1.0-1', '1.0.post', '1.0a', '1.0+Ubuntu-1', 'not-a-version'].map(v => parsePep440(v)?.normalized)
    ).toEqual(['1!2.0', '1.0.post1', '1.0.post0', '1.0a0', '1.0+ubuntu.1', undefined])
  })
})

describe('type=match', () => {
  test.each([
    ['v1.2.3', '\\d.\\d.\\d', '0', '1.2.3'],
    ['v2.0.8-beta.67', 'v(.*)', '1', '2.0.8-beta.67'],
    ['v2.0.8-beta.67', 'v(\\d.\\d)', '1', '2.0'],
    ['20200110-RC2', '\\d+', '0', '20200110'],
    ['p1/v1.2.3', 'p1/v(\\d.\\d.\\d)', '1', '1.2.3']
  ])('git tag %s, pattern %s, group %s → %s', (tag, pattern, group, expected) => {
    const rule = `type=match,pattern=${pattern},group=${group}`
    expect(tagsFor(rule, 'latest=false', context('push', `refs/tags/${tag}`))).toEqual([expected])
  })
})

describe('type=edge, type=ref, type=raw, type=sha', () => {
  test.each([
    ['type=edge', 'push', 'refs/heads/master', ['edge']],
    ['type=edge', 'push', 'refs/heads/dev', []],
    ['type=edge,branch=dev', 'push', 'refs/heads/dev', ['edge']],
    ['type=ref,event=pr', 'pull_request', 'refs/pull/2/merge', ['pr-2']],
    ['type=ref,event=branch', 'push', 'refs/heads/my/branch', ['my-branch']],
    ['type=ref,event=tag', 'push', 'refs/tags/v2.0.8-beta.67', ['v2.0.8-beta.67']],
    ['type=raw,value=foo\ntype=raw,value=bar', 'push', 'refs/heads/master', ['foo', 'bar']],
    ['type=raw,foo\ntype=raw,bar', 'push', 'refs/heads/master', ['foo', 'bar']],
    ['type=sha', 'push', 'refs/heads/master', ['sha-860c190']],
    ['type=sha,format=long', 'push', 'refs/heads/master', [`sha-${SHA}`]],
    ['type=sha,prefix={{branch}}-', 'push', 'refs/heads/master', ['master-860c190']],
    ['type=raw,value=mytag-{{branch}}-{{sha}}', 'push', 'refs/heads/master', ['mytag-master-860c190']],
    ['type=raw,value=latest,enable={{is_default_branch}}', 'push', 'refs/heads/master', ['latest']],
    ['type=raw,value=latest,enable={{is_default_branch}}', 'push', 'refs/heads/dev', []]
  ])('%s on %s %s', (rules, event, ref, expected) => {
    expect(tagsFor(rules, 'latest=false', context(event, ref))).toEqual(expected)
  })

  test('DOCKER_METADATA_SHORT_SHA_LENGTH: 12', () => {
    expect(tagsFor('type=sha', '', context('push', 'refs/heads/master', {shortShaLength: 12}))).toEqual([
      'sha-860c1904a1ce'
    ])
  })
})

describe('global expressions', () => {
  test.each([
    ['{{branch}}', 'pull_request', 'refs/pull/2/merge', ''],
    ['{{branch}}', 'push', 'refs/heads/my/branch', 'my-branch'],
    ['{{tag}}', 'push', 'refs/tags/v1.2.3', 'v1.2.3'],
    ['{{tag}}', 'push', 'refs/heads/master', ''],
    ['{{base_ref}}', 'pull_request', 'refs/pull/2/merge', 'master'],
    ['{{base_ref}}', 'push', 'refs/heads/master', ''],
    ['{{base_ref}}', 'push', 'refs/tags/v1.2.3', 'master'],
    ["{{date 'YYYYMMDD'}}", 'push', 'refs/heads/master', '20200110'],
    ["{{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}", 'push', 'refs/heads/master', '20200110-093000'],
    ["{{commit_date 'YYYYMMDD'}}", 'push', 'refs/heads/master', '20200110']
  ])('x-%s on %s %s', (expr, event, ref, expected) => {
    const ctx = context(event, ref, {baseRef: 'refs/heads/master', pullRequestBaseRef: 'master'})
    // a prefix to every value, so that an empty expression still gives a tag
    expect(tagsFor(`type=raw,value=x-${expr}`, 'latest=false', ctx)).toEqual([`x-${expected}`])
  })

  test('moment formats from the README', () => {
    const at = new Date('2020-01-10T15:25:50.000Z')
    expect(formatDate(at, 'dddd, MMMM Do YYYY, h:mm:ss a')).toBe('Friday, January 10th 2020, 3:25:50 pm')
    expect(formatDate(NOW, 'YYYY-MM-DDTHH:mm:ss.SSS[Z]')).toBe('2020-01-10T00:30:00.000Z')
  })
})

describe('flavor', () => {
  test.each([
    ['latest=true', 'refs/heads/master', ['master', 'latest']],
    ['latest=false', 'refs/tags/v1.2.3', ['v1.2.3']],
    ['prefix=app-', 'refs/tags/v1.2.3', ['app-v1.2.3', '~latest']],
    ['prefix=app-,onlatest=true', 'refs/tags/v1.2.3', ['app-v1.2.3', '~app-latest']],
    ['suffix=-alpine,onlatest=true', 'refs/tags/v1.2.3', ['v1.2.3-alpine', '~latest-alpine']],
    ['latest=auto\nsuffix=-rootless', 'refs/tags/v1.2.3', ['v1.2.3-rootless', '~latest']]
  ])('%s on %s', (flavor, ref, expected) => {
    expect(tagsFor(DEFAULT_RULES, flavor, context('push', ref))).toEqual(expected)
  })

  test("a rule's own prefix wins over the flavor's", () => {
    expect(tagsFor('type=sha', 'prefix=app-', context('push', 'refs/heads/master'))).toEqual(['sha-860c190'])
  })
})

describe('priority and version', () => {
  test('the highest priority gives the version; the order follows priority', () => {
    const rules = ['type=sha', 'type=raw,value=foo,priority=1000', 'type=ref,event=branch'].map(parseTagRule)
    const r = evaluateTagRules(rules, DEFAULT_FLAVOR, context('push', 'refs/heads/master'))
    expect([r.version, r.fixed]).toEqual(['foo', ['foo', 'master', 'sha-860c190']])
  })
})

describe('bad rules fail naming the input', () => {
  test.each([
    [
      'type=nope',
      "'type=nope': 'nope' is not a tag type; accepted: schedule, semver, pep440, match, edge, ref, raw, sha"
    ],
    ['type=semver', "'type=semver': type=semver needs pattern="],
    ['type=ref', "'type=ref': type=ref needs event="],
    ['type=ref,event=push', "'type=ref,event=push': event=push is not accepted; use branch, tag or pr"],
    ['type=sha,format=medium', "'type=sha,format=medium': format=medium is not short or long"],
    [
      'type=raw,value=a,colour=red',
      "'type=raw,value=a,colour=red': type=raw takes no 'colour'; it takes enable, priority, prefix, suffix, value"
    ],
    ['type=raw,value=a,priority=high', "'type=raw,value=a,priority=high': priority=high is not a whole number"],
    ['type=match,pattern=v(.*),group=x', "'type=match,pattern=v(.*),group=x': group=x is not a group number"]
  ])('%s', (line, message) => {
    expect(() => parseTagRule(line)).toThrow(new InputError('tags', message))
  })

  test('an unknown expression and a bad enable fail when evaluated', () => {
    const run = (line: string) => () =>
      evaluateTagRules([parseTagRule(line)], DEFAULT_FLAVOR, context('push', 'refs/heads/master'))
    expect(run('type=raw,value={{nope}}')).toThrow(
      "'type=raw,value={{nope}}': {{nope}} is not an expression here; accepted: branch, tag, sha, base_ref, is_default_branch, is_not_default_branch, date, commit_date"
    )
    expect(run('type=raw,value=a,enable=maybe')).toThrow(
      "'type=raw,value=a,enable=maybe': enable=maybe is not true or false"
    )
    expect(run("type=raw,value={{date 'YYYY' tz='Mars/Olympus'}}")).toThrow("'Mars/Olympus' is not a time zone")
  })

  test.each([
    ['latest=sometimes', "'latest=sometimes': latest=sometimes is not accepted; use auto, true or false"],
    ['colour=red', "'colour=red': 'colour' is not a flavor; accepted: latest, prefix, suffix, onlatest"],
    ['onlatest=true', "'onlatest=true': onlatest= follows prefix= or suffix= on the same line"]
  ])('flavor %s', (line, message) => {
    expect(() => parseFlavor(line)).toThrow(new InputError('flavor', message))
  })
})

describe('metadata-action v5.6+: match= on semver and pep440, is_not_default_branch', () => {
  test.each([
    // a monorepo's tag: the first group of match= is the version
    ['p1/v1.2.3', 'type=semver,pattern={{version}},match=p1/v(\\d.\\d.\\d)', ['1.2.3', '~latest']],
    ['orders/v1.2.3', 'type=semver,pattern={{major}}.{{minor}},match=orders/v(.*)', ['~1.2', '~latest']],
    ['orders/v2.0.0-rc.1', 'type=semver,pattern={{version}},match=orders/v(.*)', ['2.0.0-rc.1']],
    ['v1.2.3', 'type=semver,pattern={{version}},match=v(\\d.\\d.\\d)$', ['1.2.3', '~latest']],
    ['api/1.2.3rc1', 'type=pep440,pattern={{version}},match=api/(.*)', ['1.2.3rc1']],
    ['api/1.2.3', 'type=pep440,pattern={{version}},match=api/(.*)', ['1.2.3', '~latest']],
    ['api/1.2.3', 'type=pep440,pattern={{major}}.{{minor}},match=api/(.*)', ['~1.2', '~latest']],
    // no match: the tag is read as it is (its / as -), which is no version: nothing, with a warning
    ['web/v1.2.3', 'type=semver,pattern={{version}},match=api/v(.*)', []]
  ])('git tag %s with %s gives %j', (tag, rules, expected) => {
    expect(tagsFor(rules, '', context('push', `refs/tags/${tag}`))).toEqual(expected)
  })

  test('a match= that does not match warns, naming the rule', () => {
    const r = evaluateTagRules(
      [parseTagRule('type=semver,pattern={{version}},match=api/v(.*)')],
      DEFAULT_FLAVOR,
      context('push', 'refs/tags/web/v1.2.3')
    )
    expect(r.warnings).toEqual([
      'type=semver,pattern={{version}},match=api/v(.*): match=api/v(.*) does not match web/v1.2.3',
      'type=semver,pattern={{version}},match=api/v(.*): web-v1.2.3 is not a semver version'
    ])
  })

  test.each([
    ['push', 'refs/heads/master', []],
    ['push', 'refs/heads/feature/x', ['dev-feature-x']],
    ['push', 'refs/tags/v1.0.0', ['dev-']],
    ['schedule', 'refs/heads/master', []]
  ])('{{is_not_default_branch}} on %s %s gives %j', (event, ref, expected) => {
    expect(
      tagsFor('type=raw,value=dev-{{branch}},enable={{is_not_default_branch}}', 'latest=false', context(event, ref))
    ).toEqual(expected)
  })

  test.each([
    ['type=ref,event=pr', ['pr-42']],
    ['type=ref,event=branch', []],
    ['type=raw,value=base-{{base_ref}}', ['base-main']]
  ])('pull_request_target reads the pull request ref (refs/pull/42/merge): %s gives %j', (rules, expected) => {
    const ctx = context('pull_request_target', 'refs/pull/42/merge', {pullRequestBaseRef: 'main'})
    expect(tagsFor(rules, 'latest=false', ctx)).toEqual(expected)
  })
})

describe('one rule for what floats, whatever the rule type', () => {
  test.each([
    // a semver release, from the tag or from value=: latest and X.Y/X float
    ['push', 'refs/tags/v1.2.3', 'type=semver,pattern={{major}}', ['~1', '~latest']],
    ['push', 'refs/heads/main', 'type=semver,pattern={{major}},value=1.2.3', ['~1', '~latest']],
    // a PEP 440 final release, from the tag or from value=: the same
    ['push', 'refs/tags/1.2.3', 'type=pep440,pattern={{major}}', ['~1', '~latest']],
    ['push', 'refs/heads/main', 'type=pep440,pattern={{major}},value=1.2.3', ['~1', '~latest']],
    // type=match names no version of its own: on a semver tag push the tag is the release ...
    ['push', 'refs/tags/v1.2.3', 'type=match,pattern=v(\\d+),group=1', ['1', '~latest']],
    // ... and with value= on a branch there is no release: latest is fixed, as metadata-action gives it
    ['push', 'refs/heads/main', 'type=match,pattern=v(\\d+),group=1,value=v7', ['7', 'latest']]
  ])('%s %s, %s gives %j', (event, ref, rules, expected) => {
    expect(tagsFor(rules, '', context(event, ref))).toEqual(expected)
  })
})
