import {routeIntakeRequest} from '../../src/registry/intake-routes'

const repo = 'stevedore/build-0123456789abcdef'
const digest = `sha256:${'ab'.repeat(32)}`

describe('routeIntakeRequest: what a push (BuildKit, containerd) asks of the intake', () => {
  test.each<[string, string, string, unknown]>([
    ['the API check', 'GET', '/v2/', {kind: 'base'}],
    ['a blob asked for', 'HEAD', `/v2/${repo}/blobs/${digest}`, {kind: 'blob', digest}],
    ['a new upload', 'POST', `/v2/${repo}/blobs/uploads/`, {kind: 'start-upload', mount: undefined}],
    [
      'a mount from another repository (BuildKit names where it pushed before)',
      'POST',
      `/v2/${repo}/blobs/uploads/?mount=${digest}&from=bench/orders`,
      {kind: 'start-upload', mount: digest}
    ],
    [
      'the monolithic PUT with its digest',
      'PUT',
      `/v2/${repo}/blobs/uploads/25531426-9843-453a-a386-909f6efcf93d?digest=${encodeURIComponent(digest)}`,
      {kind: 'upload', id: '25531426-9843-453a-a386-909f6efcf93d', digest}
    ],
    [
      'a PATCH of more data (no digest yet)',
      'PATCH',
      `/v2/${repo}/blobs/uploads/abc-1`,
      {kind: 'upload', id: 'abc-1', digest: undefined}
    ],
    ['a manifest by digest', 'PUT', `/v2/${repo}/manifests/${digest}`, {kind: 'manifest', reference: digest}],
    ['a manifest by tag', 'HEAD', `/v2/${repo}/manifests/built`, {kind: 'manifest', reference: 'built'}]
  ])('%s', (_name, method, url, expected) => {
    expect(routeIntakeRequest(method, url, repo)).toEqual(expected)
  })

  test.each<[string, string, string, number, string]>([
    ['another repository', 'HEAD', `/v2/other/repo/blobs/${digest}`, 404, 'NAME_UNKNOWN'],
    ['a path that only starts like ours', 'HEAD', `/v2/${repo}x/blobs/${digest}`, 404, 'NAME_UNKNOWN'],
    ['a digest that is not sha256', 'HEAD', `/v2/${repo}/blobs/md5:abc`, 404, 'DIGEST_INVALID'],
    ['a PUT that closes an upload without a digest', 'PUT', `/v2/${repo}/blobs/uploads/abc`, 400, 'DIGEST_INVALID'],
    ['an upload id with a path in it', 'PATCH', `/v2/${repo}/blobs/uploads/..%2F..`, 404, 'BLOB_UPLOAD_UNKNOWN'],
    ['deleting a manifest', 'DELETE', `/v2/${repo}/manifests/built`, 405, 'UNSUPPORTED'],
    ['a blob PUT outside an upload', 'PUT', `/v2/${repo}/blobs/${digest}`, 405, 'UNSUPPORTED'],
    ['the catalog', 'GET', '/v2/_catalog', 404, 'NAME_UNKNOWN']
  ])('refused: %s', (_name, method, url, status, code) => {
    expect(routeIntakeRequest(method, url, repo)).toEqual({kind: 'unknown', status, code})
  })
})
