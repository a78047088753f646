import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import {InputError} from '../../src/errors'
import {getInputs} from '../../src/inputs/inputs'
import {AnyMode, anyMode} from '../support/any-mode'
import {actionDefaults, actionInputs} from '../support/action'
import {INPUT_NAMES, refuseUnknownInputs} from '../../src/inputs/input-names'

let workspace: string
beforeAll(() => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-inputs-'))
  fs.mkdirSync(path.join(workspace, 'app'))
  fs.writeFileSync(path.join(workspace, 'app', 'Dockerfile'), 'FROM scratch\n')
  fs.writeFileSync(path.join(workspace, 'Containerfile'), 'FROM scratch\n')
})
afterAll(() => fs.rmSync(workspace, {recursive: true, force: true}))

function inputs(
  values: Record<string, string>,
  ref = '',
  /** the step's environment, where a test says what it holds */
  env?: Record<string, string>
): {inputs: AnyMode; masked: string[]} {
  const masked: string[] = []
  // as a runner sends them: every action.yml default, then the step's own inputs
  const all: Record<string, string> = {
    ...actionDefaults(),
    'github-token': '',
    images: 'ghcr.io/acme/orders',
    context: 'app',
    ...values
  }
  const read = (name: string): string => all[name] ?? ''
  return {
    inputs: anyMode(
      getInputs(
        read,
        {
          workspace,
          ref,
          awsRegion: undefined,
          serverUrl: 'https://github.com',
          repository: 'acme/orders',
          ...(env === undefined ? {} : {env})
        },
        s => masked.push(s)
      )
    ),
    masked
  }
}

function failure(values: Record<string, string>, ref = ''): InputError {
  try {
    inputs(values, ref)
  } catch (e) {
    if (e instanceof InputError) return e
    throw e
  }
  throw new Error('expected an InputError')
}

describe('getInputs', () => {
  test('defaults', () => {
    const {inputs: i} = inputs({})
    expect(i).toMatchObject({
      context: path.join(workspace, 'app'),
      file: path.join(workspace, 'app', 'Dockerfile'),
      push: true,
      pull: false,
      'no-cache': false,
      'semver-tags': true,
      latest: 'auto',
      version: undefined,
      target: undefined,
      network: undefined,
      tags: [],
      'build-args': [],
      labels: [],
      'registry-auth': []
    })
    expect(i.images.map(r => r.name)).toEqual(['ghcr.io/acme/orders'])
  })

  test('lists, key-values and choices', () => {
    const {inputs: i} = inputs({
      images: 'ghcr.io/acme/orders, 127.0.0.1:5000/orders\n# a comment\n\nghcr.io/acme/orders',
      'build-args': 'PYTHON_VERSION=3.12\nAPP_PACKAGE_NAME=orders\nEXTRA=a=b,c\n',
      labels: 'org.opencontainers.image.title=Orders API',
      tags: 'stable\nedge',
      latest: 'FALSE',
      push: 'True',
      target: 'runtime',
      network: 'host',
      file: 'Containerfile'
    })
    expect(i.images.map(r => r.name)).toEqual(['ghcr.io/acme/orders', '127.0.0.1:5000/orders'])
    expect(i['build-args']).toEqual([
      ['PYTHON_VERSION', '3.12'],
      ['APP_PACKAGE_NAME', 'orders'],
      ['EXTRA', 'a=b,c']
    ])
    expect(i.labels).toEqual([['org.opencontainers.image.title', 'Orders API']])
    expect(i.tags).toEqual(['stable', 'edge'])
    expect(i.latest).toBe('false')
    expect(i.push).toBe(true)
    expect(i.target).toBe('runtime')
    expect(i.network).toBe('host')
    expect(i.file).toBe(path.join(workspace, 'Containerfile'))
  })

  test.each([
    ['refs/tags/v1.2.3', {}, '1.2.3'],
    ['refs/tags/1.2.3', {}, '1.2.3'],
    ['refs/heads/main', {}, undefined],
    ['refs/tags/v1.2.3', {version: 'v2.0.0'}, '2.0.0'],
    ['', {version: '1.2.3+build.5'}, '1.2.3+build.5']
  ])('version from %j and %j', (ref, values, version) => {
    expect(inputs(values, ref).inputs.version).toBe(version)
  })

  test('secrets are masked as soon as they are read', () => {
    const {masked} = inputs({
      username: 'u',
      password: 'p@ss',
      'registry-auth': '- registry: ghcr.io\n  username: a\n  password: tok3n\n'
    })
    expect(masked).toEqual(['p@ss', 'tok3n'])
  })

  test('registry-auth types', () => {
    const {inputs: i} = inputs({
      'registry-auth': [
        '- registry: 123456789012.dkr.ecr.eu-west-1.amazonaws.com',
        '- registry: proxy.internal:5000',
        '  type: ECR',
        '  region: us-east-2',
        '- registry: public.ecr.aws',
        '- registry: 210987654321.dkr.ecr.us-east-1.amazonaws.com',
        '  username: AWS',
        '  password: pre-fetched'
      ].join('\n')
    })
    expect(i['registry-auth']).toEqual([
      {
        registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
        type: 'ecr',
        region: 'eu-west-1',
        registryId: '123456789012'
      },
      {registry: 'proxy.internal:5000', type: 'ecr', region: 'us-east-2', registryId: undefined},
      {registry: 'public.ecr.aws', type: 'ecr-public'},
      {
        registry: '210987654321.dkr.ecr.us-east-1.amazonaws.com',
        type: 'basic',
        username: 'AWS',
        password: 'pre-fetched'
      }
    ])
  })

  test('AWS inputs', () => {
    const {inputs: i} = inputs({
      images: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders',
      'aws-role-to-assume': 'arn:aws:iam::123456789012:role/gh/publisher',
      'aws-region': 'eu-west-1',
      'ecr-tag-mutability': 'IMMUTABLE',
      'ecr-create-repository': 'true'
    })
    expect(i).toMatchObject({
      'aws-role-to-assume': 'arn:aws:iam::123456789012:role/gh/publisher',
      'aws-region': 'eu-west-1',
      'aws-role-session-name': 'stevedore',
      'aws-audience': 'sts.amazonaws.com',
      'ecr-tag-mutability': 'IMMUTABLE',
      'ecr-create-repository': true,
      'ecr-scan-on-push': false
    })
  })

  test('Azure inputs; the client secret is masked', () => {
    const {inputs: i, masked} = inputs({
      images: 'acmeorders.azurecr.io/orders',
      'azure-client-id': '11111111-2222-3333-4444-555555555555',
      'azure-tenant-id': 'contoso.onmicrosoft.com',
      'azure-client-secret': 'az-s3cret'
    })
    expect(i).toMatchObject({
      'azure-client-id': '11111111-2222-3333-4444-555555555555',
      'azure-tenant-id': 'contoso.onmicrosoft.com',
      'azure-client-secret': 'az-s3cret'
    })
    expect(masked).toContain('az-s3cret')
  })

  test('push false needs no images', () => {
    expect(inputs({images: '', push: 'false'}).inputs.images).toEqual([])
  })

  test.each<[string, Record<string, string>, string, RegExp]>([
    ['push without images', {images: ''}, 'images', /required when push is true/],
    ['image with a tag', {images: 'ghcr.io/acme/orders:1.0'}, 'images', /has a tag/],
    ['invalid image name', {images: 'ghcr.io/acme/orders!'}, 'images', /invalid path component/],
    ['invalid extra tag', {tags: 'good\n-bad'}, 'tags', /'-bad' is not a valid tag/],
    ['tag with plus', {tags: '1.0+x'}, 'tags', /not a valid tag/],
    ['build-arg without = that is no name', {'build-args': 'PYTHON VERSION'}, 'build-args', /not KEY=VALUE/],
    ['build-arg with empty key', {'build-args': '=3.12'}, 'build-args', /not KEY=VALUE/],
    ['build-arg with bad key', {'build-args': '1X=3'}, 'build-args', /not a valid key/],
    ['label without =', {labels: 'title'}, 'labels', /not KEY=VALUE/],
    ['unknown latest', {latest: 'sometimes'}, 'latest', /one of: auto, true, false/],
    ['bad boolean', {push: 'yes'}, 'push', /true or false/],
    ['bad no-cache', {'no-cache': '1'}, 'no-cache', /true or false/],
    ['bad semver-tags', {'semver-tags': 'on'}, 'semver-tags', /true or false/],
    ['missing Dockerfile', {context: '.'}, 'file', /Dockerfile.*does not exist/],
    ['missing file', {file: 'nope/Dockerfile'}, 'file', /'nope\/Dockerfile' does not exist/],
    ['file outside the workspace', {file: '../../etc/passwd'}, 'file', /outside the workspace/],
    ['context outside the workspace', {context: '..'}, 'context', /outside the workspace/],
    ['absolute context outside', {context: '/etc'}, 'context', /outside the workspace/],
    ['context is a URL but not Git', {context: 'https://example.com/ctx.tar.gz'}, 'context', /not a Git URL/],
    [
      'context a Git URL, file outside it',
      {context: 'https://github.com/acme/orders.git', file: '../Dockerfile'},
      'file',
      /inside the repository/
    ],
    ['context missing', {context: 'nope'}, 'context', /not a directory/],
    ['bad version', {version: 'not a version'}, 'version', /cannot be a tag/],
    ['bad target', {target: 'run time'}, 'target', /not a stage name/],
    ['bad network', {network: 'my net'}, 'network', /not a network name/],
    ['username without password', {username: 'u'}, 'password', /go together/],
    ['password without username', {password: 'p'}, 'username', /go together/],
    ['registry-auth not YAML', {'registry-auth': '- registry: [unclosed'}, 'registry-auth', /not valid YAML/],
    ['registry-auth not a list', {'registry-auth': 'registry: ghcr.io'}, 'registry-auth', /YAML list/],
    ['registry-auth entry not a map', {'registry-auth': '- ghcr.io'}, 'registry-auth', /entry 1 is not a mapping/],
    [
      'registry-auth unknown key',
      {'registry-auth': '- registry: ghcr.io\n  username: a\n  password: b\n  pasword: c'},
      'registry-auth',
      /unknown key 'pasword'/
    ],
    [
      'registry-auth missing password',
      {'registry-auth': '- registry: ghcr.io\n  username: a'},
      'registry-auth',
      /needs 'password'/
    ],
    [
      'registry-auth bad host',
      {'registry-auth': '- registry: not a host\n  username: a\n  password: b'},
      'registry-auth',
      /not a registry host/
    ],
    [
      'registry-auth unknown type',
      {'registry-auth': '- registry: ghcr.io\n  type: gcr'},
      'registry-auth',
      /unknown type 'gcr'; accepted types: basic, ecr, ecr-public/
    ],
    [
      'registry-auth ecr with a password',
      {'registry-auth': '- registry: 127.0.0.1:5000\n  type: ecr\n  region: eu-west-1\n  password: x'},
      'registry-auth',
      /'password' does not go with type ecr/
    ],
    [
      'registry-auth ecr bad region',
      {'registry-auth': '- registry: 127.0.0.1:5000\n  type: ecr\n  region: europe'},
      'registry-auth',
      /region 'europe' is not an AWS region/
    ],
    [
      'registry-auth ecr bad registry-id',
      {'registry-auth': '- registry: 127.0.0.1:5000\n  type: ecr\n  region: eu-west-1\n  registry-id: "123"'},
      'registry-auth',
      /registry-id '123' is not a 12-digit AWS account ID/
    ],
    [
      'registry-auth basic without credentials',
      {'registry-auth': '- registry: ghcr.io'},
      'registry-auth',
      /needs 'username'/
    ],
    ['bad aws-region', {'aws-region': 'mars-1'}, 'aws-region', /not an AWS region/],
    ['bad role ARN', {'aws-role-to-assume': 'publisher'}, 'aws-role-to-assume', /not an IAM role ARN/],
    ['bad session name', {'aws-role-session-name': 'has space'}, 'aws-role-session-name', /2-64 of letters/],
    ['bad tag mutability', {'ecr-tag-mutability': 'frozen'}, 'ecr-tag-mutability', /one of: mutable, immutable/],
    ['bad ecr-create-repository', {'ecr-create-repository': 'please'}, 'ecr-create-repository', /true or false/],
    [
      'registry-auth acr with a password',
      {'registry-auth': '- registry: acme.azurecr.io\n  type: acr\n  password: x'},
      'registry-auth',
      /'password' does not go with type acr/
    ],
    [
      'bad azure-client-id',
      {'azure-client-id': 'my-app', 'azure-tenant-id': 'contoso.onmicrosoft.com'},
      'azure-client-id',
      /not an application \(client\) ID/
    ],
    [
      'bad azure-tenant-id',
      {'azure-client-id': '11111111-2222-3333-4444-555555555555', 'azure-tenant-id': 'not a tenant'},
      'azure-tenant-id',
      /not a tenant/
    ],
    [
      'client id without tenant',
      {'azure-client-id': '11111111-2222-3333-4444-555555555555'},
      'azure-tenant-id',
      /go together/
    ],
    ['secret without client id', {'azure-client-secret': 's'}, 'azure-client-secret', /needs 'azure-client-id'/],
    [
      'azure-client-id with no ACR host',
      {
        images: 'ghcr.io/acme/orders',
        'azure-client-id': '11111111-2222-3333-4444-555555555555',
        'azure-tenant-id': 'contoso.onmicrosoft.com'
      },
      'azure-client-id',
      /no registry is recognised as ACR \(ghcr\.io: not <name>\.azurecr\.io, \.azurecr\.cn or \.azurecr\.us\)\. For a registry under another name, add it to 'registry-auth' with type: acr/
    ],
    [
      'azure-client-id with an ACR name too short',
      {
        images: 'acme.azurecr.io/orders',
        'azure-client-id': '11111111-2222-3333-4444-555555555555',
        'azure-tenant-id': 'contoso.onmicrosoft.com'
      },
      'azure-client-id',
      /acme\.azurecr\.io: an ACR name is 5-50 letters and digits \('acme' has 4\)/
    ],
    [
      'azure-client-id with an ACR name with a dash',
      {
        images: 'acme-prod.azurecr.io/orders',
        'azure-client-id': '11111111-2222-3333-4444-555555555555',
        'azure-tenant-id': 'contoso.onmicrosoft.com'
      },
      'azure-client-id',
      /an ACR name is letters and digits only \('acme-prod' is not\)/
    ],
    [
      'aws-role-to-assume with no ECR host',
      {
        images: 'ghcr.io/acme/orders\n12345.dkr.ecr.eu-west-1.amazonaws.com/orders',
        'aws-role-to-assume': 'arn:aws:iam::123456789012:role/publisher'
      },
      'aws-role-to-assume',
      /no registry is recognised as ECR \(ghcr\.io: not <account>\.dkr\.ecr.*; 12345\.dkr\.ecr\.eu-west-1\.amazonaws\.com: an ECR host is <12-digit account>.*\)\. For a registry under another name, add it to 'registry-auth' with type: ecr/
    ],
    [
      'aws-role-to-assume with push false and no registry',
      {images: '', push: 'false', 'aws-role-to-assume': 'arn:aws:iam::123456789012:role/publisher'},
      'aws-role-to-assume',
      /no registry is named in images, source or registry-auth/
    ],
    [
      'registry-auth password cut by a comment',
      {'registry-auth': '- registry: ghcr.io\n  username: a\n  password: abc #def'},
      'registry-auth',
      /entry 1: 'password': the value is cut where ' #' starts a YAML comment\. Quote pasted values; always safe: password: \$\{\{ toJSON\(secrets\.NAME\) \}\}/
    ],
    [
      'registry-auth password read as a number',
      {'registry-auth': '- registry: ghcr.io\n  username: a\n  password: 0123'},
      'registry-auth',
      /entry 1: 'password': YAML reads the value as a number \(not shown\), not as text\. Quote/
    ],
    [
      'registry-auth password read as an exponent',
      {'registry-auth': '- registry: ghcr.io\n  username: a\n  password: 1e3'},
      'registry-auth',
      /'password': YAML reads the value as a number/
    ],
    [
      'registry-auth password read as a boolean',
      {'registry-auth': '- registry: ghcr.io\n  username: a\n  password: true'},
      'registry-auth',
      /'password': YAML reads the value as a boolean/
    ],
    [
      'registry-auth username read as a number',
      {'registry-auth': '- registry: ghcr.io\n  username: 007\n  password: x'},
      'registry-auth',
      /'username': YAML reads 007 as a number \(7\)/
    ],
    [
      'registry-auth unquoted registry-id',
      {'registry-auth': '- registry: 127.0.0.1:5000\n  type: ecr\n  region: eu-west-1\n  registry-id: 012345678901'},
      'registry-auth',
      /'registry-id': YAML reads 012345678901 as a number \(12345678901\), not as text/
    ],
    [
      'registry-auth empty password',
      {'registry-auth': '- registry: ghcr.io\n  username: a\n  password:'},
      'registry-auth',
      /'password' is empty \(an unset secret or variable\?\)/
    ],
    [
      'registry-auth with an unquoted colon',
      {'registry-auth': '- registry: ghcr.io\n  username: a\n  password: ab: cd'},
      'registry-auth',
      /not valid YAML \(Nested mappings are not allowed in compact mappings\)\. Quote pasted values/
    ],
    [
      'images with a space',
      {images: 'Bad Name'},
      'images',
      /'bad name' has an invalid path component 'bad name': use lowercase letters/
    ],
    [
      'a full reference in tags',
      {tags: 'ghcr.io/acme/orders:1.0'},
      'tags',
      /^Input 'tags': 'ghcr\.io\/acme\/orders:1\.0' is a full image reference; tags are bare \(1\.0\) and repositories go in 'images'$/
    ],
    [
      'a repository in tags',
      {tags: 'acme/orders'},
      'tags',
      /'acme\/orders' is a full image reference; tags are bare and repositories go in 'images'$/
    ],
    [
      'a name:tag in tags',
      {tags: 'orders:1.0'},
      'tags',
      /'orders:1\.0' is a full image reference; tags are bare \(1\.0\)/
    ],
    [
      'secrets line without =',
      {secrets: 'hunter2-no-id'},
      'secrets',
      /^Input 'secrets': line 1 is not id=value; an id is letters, digits and \. _ -/
    ],
    [
      'secret-files missing file',
      {'secret-files': 'npmrc=nope/.npmrc'},
      'secret-files',
      /'npmrc': .*nope\/\.npmrc is not a file/
    ],
    [
      'secret-envs bad name',
      {'secret-envs': 'gh=GH-TOKEN'},
      'secret-envs',
      /'GH-TOKEN' is not an environment variable name/
    ],
    [
      'secret id twice',
      {secrets: 'tok=a', 'secret-envs': 'tok=GH_TOKEN'},
      'secrets',
      /the secret id 'tok' is given twice/
    ],
    ['ssh with a bad id', {ssh: 'my key=/x'}, 'ssh', /'my key=\/x' is not accepted; give default, or id=path/],
    [
      'ssh key that does not exist',
      {ssh: 'deploy=/nonexistent/key'},
      'ssh',
      /'deploy': \/nonexistent\/key does not exist/
    ],
    [
      'registry-auth duplicate',
      {
        'registry-auth':
          '- {registry: ghcr.io, username: a, password: b}\n- {registry: https://ghcr.io/, username: c, password: d}'
      },
      'registry-auth',
      /listed twice/
    ]
  ])('%s', (_name, values, input, message) => {
    const e = failure(values)
    expect(e.input).toBe(input)
    expect(e.message).toMatch(new RegExp(`^Input '${input}': `))
    expect(e.message).toMatch(message)
  })

  test('build secrets: values masked, files resolved, environment names kept, ssh paths resolved', () => {
    const {inputs: i, masked} = inputs({
      secrets: 'pip_token=s3cr=t\n# a comment\n\nnpm.token=abc',
      'secret-files': 'dockerfile=app/Dockerfile',
      'secret-envs': 'gh=GH_TOKEN',
      ssh: 'default\ndeploy=app/Dockerfile'
    })
    expect(i.secrets).toEqual([
      {id: 'pip_token', value: 's3cr=t'},
      {id: 'npm.token', value: 'abc'},
      {id: 'dockerfile', src: path.join(workspace, 'app', 'Dockerfile')},
      {id: 'gh', env: 'GH_TOKEN'}
    ])
    expect(masked).toEqual(['s3cr=t', 'abc'])
    expect(i.ssh).toEqual(['default', `deploy=${path.join(workspace, 'app', 'Dockerfile')}`])
  })

  test('a malformed secrets line is named by number: its text may be a secret', () => {
    const e = failure({secrets: 'ok=1\nmy-secret-value'})
    expect(e.message).toMatch(/line 2 is not id=value/)
    expect(e.message).not.toContain('my-secret-value')
  })

  test('cloud inputs are taken where a registry-auth entry names the kind', () => {
    const {inputs: i} = inputs({
      images: 'registry.internal.example/orders',
      'registry-auth':
        '- registry: registry.internal.example\n  type: acr\n- registry: ecr-proxy.internal.example\n  type: ecr\n  region: eu-west-1',
      'azure-client-id': '11111111-2222-3333-4444-555555555555',
      'azure-tenant-id': 'contoso.onmicrosoft.com',
      'aws-role-to-assume': 'arn:aws:iam::123456789012:role/publisher'
    })
    expect(i['registry-auth'].map(a => a.type)).toEqual(['acr', 'ecr'])
  })

  // the form the README recommends: toJSON turns any secret into a YAML-safe quoted string
  test.each([
    'abc #def',
    'a: b',
    `it's "quoted"`,
    '0123',
    'yes',
    '1e3',
    '#leading',
    '- dash',
    'back\\slash',
    'tab\there'
  ])('password %j pasted with toJSON arrives unchanged', password => {
    const yaml = `- registry: ghcr.io\n  username: ${JSON.stringify('bot')}\n  password: ${JSON.stringify(password)}\n`
    const {inputs: i, masked} = inputs({'registry-auth': yaml})
    expect(i['registry-auth']).toEqual([{registry: 'ghcr.io', type: 'basic', username: 'bot', password}])
    expect(masked).toEqual([password])
  })

  test('a bad version from GITHUB_REF names the ref', () => {
    const e = failure({}, 'refs/tags/has space')
    expect(e.message).toMatch(/version.*GITHUB_REF refs\/tags\/has space/)
  })
})

describe('tags in metadata-action language, and flavor', () => {
  test('a type= line makes every line a rule; plain lines are type=raw, in their place', () => {
    const {inputs: i} = inputs({tags: 'type=semver,pattern={{version}}\nstable, edge\ntype=sha,prefix=git-'})
    expect(i.tags).toEqual([])
    expect(i.tagRules.map(r => [r.type, r.attrs.pattern ?? r.attrs.value ?? r.attrs.prefix, r.priority])).toEqual([
      ['semver', '{{version}}', 900],
      ['raw', 'stable', 200],
      ['raw', 'edge', 200],
      ['sha', 'git-', 100]
    ])
  })

  test("flavor's latest= is the latest input; both given and different fail", () => {
    expect(inputs({flavor: 'latest=false'}).inputs.latest).toBe('false')
    expect(failure({flavor: 'latest=false', latest: 'true'})).toEqual(
      new InputError('latest', 'is true but flavor says latest=false; give one of them')
    )
  })

  test.each([
    ['semver-tags', {'semver-tags': 'false'}],
    ['version', {version: '1.2.3'}]
  ])('%s with rules fails, naming the rule to use', (name, values) => {
    const e = failure({tags: 'type=ref,event=tag', ...values})
    expect([e.input, e.message]).toEqual([
      name,
      expect.stringContaining('does not go with type= rules') as unknown as string
    ])
  })

  test('flavor prefix without rules fails: there is nothing it would apply to', () => {
    expect(failure({flavor: 'prefix=app-'}).input).toBe('flavor')
  })
})

describe("login-action's logout", () => {
  test.each([
    [{}, true],
    [{logout: 'false'}, false],
    [{logout: 'TRUE'}, true]
  ])('%j: %s', (values, logout) => expect(inputs(values).inputs.logout).toBe(logout))
  test('anything else is refused', () => expect(failure({logout: 'sometimes'}).input).toBe('logout'))
})

describe('compression and compression-level', () => {
  test.each<[Record<string, string>, string, number]>([
    [{}, 'gzip', 3],
    [{compression: 'zstd'}, 'zstd', 3],
    [{compression: 'ZSTD', 'compression-level': '19'}, 'zstd', 19],
    [{compression: 'gzip', 'compression-level': '9'}, 'gzip', 9]
  ])('%j: %s level %d', (values, compression, level) => {
    const i = inputs(values).inputs
    expect([i.compression, i['compression-level']]).toEqual([compression, level])
  })
  test.each<[Record<string, string>, string, RegExp]>([
    [
      {compression: 'brotli'},
      'compression',
      /'brotli' is not accepted; use gzip \(every client\) or zstd \(Docker 23\+, containerd 1\.5\+\)/
    ],
    [{'compression-level': '10'}, 'compression-level', /use a gzip level from 1 \(fastest\) to 9 \(smallest\)/],
    [
      {compression: 'zstd', 'compression-level': '20'},
      'compression-level',
      /use a zstd level from 1 \(fastest\) to 19/
    ],
    [{compression: 'zstd', 'compression-level': 'max'}, 'compression-level', /'max' is not accepted/]
  ])('%j is refused', (values, input, message) => {
    const e = failure(values)
    expect(e.input).toBe(input)
    expect(e.message).toMatch(message)
  })
})

describe("build-push-action's call", () => {
  test('build by default; check pushes nothing and needs no images', () => {
    expect(inputs({}).inputs.mode).toBe('build')
    const check = inputs({call: 'check', images: ''}).inputs
    expect([check.mode, check.push]).toEqual(['check', false])
  })
  test.each([
    [{call: 'outline'}, 'call'],
    [{call: 'check', source: 'ghcr.io/acme/orders:1.0'}, 'call']
  ])('%j is refused', (values, input) => expect(failure(values).input).toBe(input))
})

describe("metadata-action's images with name= and enable=", () => {
  test('a disabled entry is left out; a list with name= is newline-separated', () => {
    const given =
      'name=ghcr.io/acme/orders\nname=docker.io/acme/orders,enable=false\nname=127.0.0.1:5000/acme/orders,enable=TRUE'
    expect(inputs({images: given}).inputs.images.map(r => r.name)).toEqual([
      'ghcr.io/acme/orders',
      '127.0.0.1:5000/acme/orders'
    ])
  })
  test.each(['name=ghcr.io/acme/orders,enable=maybe', 'name=ghcr.io/acme/orders,tag=1'])('%s is refused', images =>
    expect(failure({images}).message).toMatch(/name=<repository> with enable=true\|false/)
  )
})

describe('input names (as the runner passes them)', () => {
  test("INPUT_NAMES is action.yml's inputs", () => {
    expect([...INPUT_NAMES].sort()).toEqual(actionInputs().sort())
  })

  test.each([
    ['INPUT_BUILD-ARG', /^Input 'build-arg': is not an input of stevedore; did you mean 'build-args'\?/],
    ['INPUT_IMAGE', /^Input 'image': .*did you mean 'images'\?/],
    ['INPUT_OUTPUTS', /^Input 'outputs': is not an input of stevedore: build-push-action's outputs is not taken/],
    ['INPUT_ATTESTS', /attests is not taken: use its shorthand inputs provenance and sbom/],
    ['INPUT_BAKE-TARGET', /bake-target is not taken: stevedore does not use Bake/],
    ['INPUT_CGROUP-PARENT', /cgroup-parent is not taken/],
    ['INPUT_SCOPE', /login-action's scope is not taken/],
    ['INPUT_FROBNICATE', /^Input 'frobnicate': is not an input of stevedore\. Nothing was built or pushed$/]
  ])('%s is refused', (name, message) => {
    expect(() => refuseUnknownInputs(['PATH', 'INPUT_IMAGES', name])).toThrow(message)
  })

  test('the inputs of action.yml pass, and every other one is named', () => {
    expect(() => refuseUnknownInputs(INPUT_NAMES.map(n => `INPUT_${n.toUpperCase()}`))).not.toThrow()
    expect(() => refuseUnknownInputs(['INPUT_OUTPUTS', 'INPUT_BUILD-ARG'])).toThrow(
      /^Input 'build-arg': .*Also not taken: outputs\./
    )
  })
})

describe("a fork's pull request gets no secrets", () => {
  test('push: false with an empty password: no login, and a notice says why', () => {
    const {inputs: i} = inputs({push: 'false', username: 'octocat', password: ''})
    expect([i.username, i.password]).toEqual([undefined, undefined])
    expect(i.notices).toEqual([expect.stringMatching(/^'username' and 'password': password is empty .*not logged in/)])
  })

  test('push: false with an empty registry-auth password: the entry is skipped, with a notice', () => {
    const {inputs: i} = inputs({
      push: 'false',
      'registry-auth':
        '- registry: ghcr.io\n  username: octocat\n  password: ""\n- registry: quay.io\n  username: q\n  password: "x"'
    })
    expect(i['registry-auth'].map(a => a.registry)).toEqual(['quay.io'])
    expect(i.notices).toEqual([
      expect.stringMatching(/^registry-auth: the entry for ghcr.io has an empty username or password/)
    ])
  })

  test('with push an empty credential still fails, naming it', () => {
    expect(failure({username: 'octocat', password: ''}).message).toMatch(/'username' and 'password' go together/)
    expect(failure({'registry-auth': '- registry: ghcr.io\n  username: octocat\n  password: ""'}).message).toMatch(
      /entry 1: 'password' is empty/
    )
  })
})

test('username and password through toJSON, as registry-auth takes them, are the same values', () => {
  const {inputs: i, masked} = inputs({username: JSON.stringify('ci'), password: JSON.stringify('p"w #1')})
  expect([i.username, i.password]).toEqual(['ci', 'p"w #1'])
  expect(masked).toContain('p"w #1')
})

test('build-args KEY alone takes its value from the environment, as build-push-action passes it', () => {
  const {inputs: i} = inputs({'build-args': 'PYTHON_VERSION\nUID=10001'}, '', {PYTHON_VERSION: '3.12'})
  expect(i['build-args']).toEqual([
    ['UID', '10001'],
    ['PYTHON_VERSION', undefined]
  ])
  expect(() => inputs({'build-args': 'PYTHON_VERSION'}, '', {})).toThrow(
    /^Input 'build-args': 'PYTHON_VERSION' takes its value from the environment, and PYTHON_VERSION is not set in this step/
  )
})

describe('images as metadata-action reads them', () => {
  test('upper case is lowered, with a notice (images: ghcr.io/${{ github.repository }} for any owner)', () => {
    const {inputs: i} = inputs({images: 'ghcr.io/MyOrg/MyApp'})
    expect(i.images.map(r => r.name)).toEqual(['ghcr.io/myorg/myapp'])
    expect(i.notices).toEqual([
      expect.stringMatching(/^images: 'ghcr.io\/MyOrg\/MyApp' is taken as 'ghcr.io\/myorg\/myapp'/)
    ])
  })

  test.each([
    ['org/app,enable=false\nghcr.io/org/app', ['ghcr.io/org/app']],
    ['name=org/app,enable=true\nname=ghcr.io/org/app,enable=false', ['docker.io/org/app']],
    ['org/app,ghcr.io/org/app', ['docker.io/org/app', 'ghcr.io/org/app']],
    ['enable=true,org/app', ['docker.io/org/app']]
  ])('%j gives %j', (images, names) => {
    expect(inputs({images}).inputs.images.map(r => r.name)).toEqual(names)
  })

  test('each repository keeps the name as written, for the tags output', () => {
    expect(inputs({images: 'user/app\nGHCR.io/user/app'}).inputs.images.map(r => r.written)).toEqual([
      'user/app',
      'ghcr.io/user/app'
    ])
  })
})

describe('source: docker-daemon:NAME, an image the engine holds', () => {
  test('is published as a build would be: no mirror, the version from the run', () => {
    const {inputs: i} = inputs({source: 'docker-daemon:orders:dev', context: ''}, 'refs/tags/v1.2.3')
    expect([i.localImage, i.source, i.version]).toEqual(['orders:dev', undefined, '1.2.3'])
  })

  test.each([
    [{source: 'docker-daemon:'}, /'docker-daemon:' names no image/],
    [{source: 'docker-daemon:orders:dev', push: 'false'}, /publishes orders:dev to 'images', which needs push: true/],
    [{source: 'docker-daemon:orders:dev', 'build-args': 'A=1'}, /does not go with 'build-args'/]
  ])('%j is refused', (values, message) => {
    expect(failure({context: '', ...values}).message).toMatch(message)
  })
})
