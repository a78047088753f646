import {eventFacts} from '../../src/inputs/github-context'
import {mergeLabels, ociLabels} from '../../src/plan/labels'
import {formatBytes, outputsOf} from '../../src/report'
import {parseRepository, Repository} from '../../src/registry/reference'

const repo = (s: string): Repository => parseRepository(s) as Repository

describe('labels', () => {
  const ctx = {serverUrl: 'https://github.com', repository: 'acme/orders', sha: 'abc123', event: {}}
  const created = new Date('2026-01-02T03:04:05Z')
  test('OCI labels from the run', () => {
    expect(ociLabels(ctx, '1.2.3', created)).toEqual({
      'org.opencontainers.image.created': '2026-01-02T03:04:05.000Z',
      'org.opencontainers.image.source': 'https://github.com/acme/orders',
      'org.opencontainers.image.title': 'orders',
      'org.opencontainers.image.url': 'https://github.com/acme/orders',
      'org.opencontainers.image.revision': 'abc123',
      'org.opencontainers.image.version': '1.2.3'
    })
  })
  test("description, url and licenses from the event payload's repository, as metadata-action", () => {
    const payload = {
      repository: {
        description: 'Orders service',
        html_url: 'https://github.com/acme/orders',
        license: {spdx_id: 'Apache-2.0'},
        default_branch: 'main'
      },
      head_commit: {timestamp: '2026-01-01T10:00:00+01:00'}
    }
    const event = eventFacts(payload)
    expect(event).toEqual({
      defaultBranch: 'main',
      description: 'Orders service',
      htmlUrl: 'https://github.com/acme/orders',
      license: 'Apache-2.0',
      commitDate: new Date('2026-01-01T09:00:00Z')
    })
    const labels = ociLabels({...ctx, event}, '1.2.3', created)
    expect([
      labels['org.opencontainers.image.description'],
      labels['org.opencontainers.image.url'],
      labels['org.opencontainers.image.licenses']
    ]).toEqual(['Orders service', 'https://github.com/acme/orders', 'Apache-2.0'])
    // a payload without them (workflow_dispatch of a repository without a license) adds none
    expect(eventFacts({repository: {license: null, description: null}})).toEqual({})
  })
  test('no version, no repository', () => {
    expect(ociLabels({serverUrl: 'x', repository: '', sha: '', event: {}}, undefined, created)).toEqual({
      'org.opencontainers.image.created': '2026-01-02T03:04:05.000Z'
    })
  })
  test('user labels override', () => {
    const merged = mergeLabels(ociLabels(ctx, '1.2.3', created), [
      ['org.opencontainers.image.title', 'Orders API'],
      ['team', 'payments']
    ])
    expect(merged['org.opencontainers.image.title']).toBe('Orders API')
    expect(merged.team).toBe('payments')
  })
})

describe('outputsOf', () => {
  const a = repo('ghcr.io/acme/orders')
  const b = repo('127.0.0.1:5000/orders')
  const d = `sha256:${'a'.repeat(64)}`
  test('one entry per repository', () => {
    const out = outputsOf({
      imageId: `sha256:${'b'.repeat(64)}`,
      version: '1.2.3',
      tags: ['1.2.3', 'latest'],
      images: [a, b],
      published: [a, b].map(repository => ({
        repository,
        tags: ['1.2.3', 'latest'],
        digest: d,
        compressedSize: 100,
        kept: [],
        stats: {uploaded: 1, uploadedBytes: 100, mounted: 0, present: 0}
      })),
      notes: [],
      failed: [],
      labels: {'org.opencontainers.image.version': '1.2.3', 'org.opencontainers.image.created': 'T'},
      annotations: ['index:com.acme.team=payments']
    })
    expect(out.digest).toBe(d)
    // metadata-action's shapes
    expect(out['tag-names'].split('\n')).toEqual(['1.2.3', 'latest'])
    expect(out.labels.split('\n')).toEqual([
      'org.opencontainers.image.created=T',
      'org.opencontainers.image.version=1.2.3'
    ])
    expect(JSON.parse(out.json)).toEqual({
      tags: out.tags.split('\n'),
      'tag-names': ['1.2.3', 'latest'],
      labels: {'org.opencontainers.image.created': 'T', 'org.opencontainers.image.version': '1.2.3'},
      annotations: ['index:com.acme.team=payments']
    })
    expect(out.annotations).toBe('index:com.acme.team=payments')
    expect(out.version).toBe('1.2.3')
    expect(out.tags.split('\n')).toEqual([
      'ghcr.io/acme/orders:1.2.3',
      'ghcr.io/acme/orders:latest',
      '127.0.0.1:5000/orders:1.2.3',
      '127.0.0.1:5000/orders:latest'
    ])
    expect(out.refs.split('\n')).toEqual([`ghcr.io/acme/orders@${d}`, `127.0.0.1:5000/orders@${d}`])
    expect(JSON.parse(out.digests)).toEqual({'ghcr.io/acme/orders': d, '127.0.0.1:5000/orders': d})
    expect(JSON.parse(out.metadata)).toMatchObject({
      digest: d,
      version: '1.2.3',
      sizes: {'ghcr.io/acme/orders': 100},
      blobs: {'ghcr.io/acme/orders': {uploaded: 1, uploadedBytes: 100, mounted: 0, present: 0}}
    })
  })
  test('not pushed', () => {
    const out = outputsOf({
      imageId: 'sha256:x',
      version: undefined,
      tags: [],
      images: [],
      published: [],
      notes: [],
      failed: [],
      labels: {},
      annotations: []
    })
    expect(out).toMatchObject({digest: '', refs: '', digests: '{}', version: ''})
  })
  test('a partial publish: outputs hold only what was published; metadata names what failed', () => {
    const out = outputsOf({
      imageId: 'sha256:x',
      version: '1.0.0',
      tags: ['1.0.0'],
      images: [a, b],
      published: [
        {
          repository: a,
          tags: ['1.0.0'],
          digest: d,
          compressedSize: 1,
          kept: [],
          stats: {uploaded: 1, uploadedBytes: 1, mounted: 0, present: 0}
        }
      ],
      notes: [],
      failed: [{repository: b, error: 'HTTP 503'}],
      labels: {},
      annotations: []
    })
    expect(out.tags).toBe('ghcr.io/acme/orders:1.0.0')
    expect(JSON.parse(out.digests)).toEqual({'ghcr.io/acme/orders': d})
    expect((JSON.parse(out.metadata) as {failed: unknown}).failed).toEqual({'127.0.0.1:5000/orders': 'HTTP 503'})
  })

  test.each([
    [undefined, 'unknown'],
    [512, '512 B'],
    [88737894, '84.6 MiB']
  ])('formatBytes(%s)', (n, s) => expect(formatBytes(n)).toBe(s))
})
