import {InputError} from '../../src/errors'
import {parseRegistryAuth} from '../../src/inputs/parsing'
import {loginRegistries, planLogins, registriesOf} from '../../src/auth/login-plan'
import {Repository, parseRepository} from '../../src/registry/reference'

const repo = (s: string): Repository => parseRepository(s) as Repository
const none = {
  'registry-auth': [],
  username: undefined,
  password: undefined,
  'aws-region': undefined,
  registry: undefined,
  images: []
}

describe('planLogins', () => {
  test('each registry by its kind', () => {
    const images = [
      repo('123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders'),
      repo('123456789012.dkr.ecr.eu-west-1.amazonaws.com/billing'),
      repo('public.ecr.aws/acme/orders'),
      repo('ghcr.io/acme/orders'),
      repo('127.0.0.1:5000/orders')
    ]
    const auth = parseRegistryAuth('registry-auth', '- registry: 127.0.0.1:5000\n  username: local\n  password: pw')
    expect(planLogins(images, {...none, images, 'registry-auth': auth, username: 'u', password: 'p'})).toEqual([
      {
        registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
        method: 'ecr',
        region: 'eu-west-1',
        registryId: '123456789012'
      },
      {registry: 'public.ecr.aws', method: 'ecr-public'},
      {registry: 'ghcr.io', method: 'basic', username: 'u', password: 'p'},
      {registry: '127.0.0.1:5000', method: 'basic', username: 'local', password: 'pw'}
    ])
  })

  test('type: ecr for a host that is not recognised, region from aws-region', () => {
    const auth = parseRegistryAuth('registry-auth', '- registry: 127.0.0.1:5000\n  type: ecr')
    expect(
      planLogins([repo('127.0.0.1:5000/orders')], {...none, 'registry-auth': auth, 'aws-region': 'eu-north-1'})
    ).toEqual([{registry: '127.0.0.1:5000', method: 'ecr', region: 'eu-north-1', registryId: undefined}])
  })

  test('type: ecr without any region is an input error', () => {
    const auth = parseRegistryAuth('registry-auth', '- registry: 127.0.0.1:5000\n  type: ecr')
    expect(() => planLogins([repo('127.0.0.1:5000/orders')], {...none, 'registry-auth': auth})).toThrow(InputError)
    expect(() => planLogins([repo('127.0.0.1:5000/orders')], {...none, 'registry-auth': auth})).toThrow(
      /needs a region/
    )
  })

  test('ACR by host, and by type for other hosts', () => {
    const auth = parseRegistryAuth('registry-auth', '- registry: 127.0.0.1:5000\n  type: acr')
    expect(
      planLogins([repo('acme01.azurecr.cn/orders'), repo('127.0.0.1:5000/orders')], {...none, 'registry-auth': auth})
    ).toEqual([
      {
        registry: 'acme01.azurecr.cn',
        method: 'acr',
        cloud: {audience: 'https://management.chinacloudapi.cn', authorityHost: 'https://login.chinacloudapi.cn'}
      },
      {
        registry: '127.0.0.1:5000',
        method: 'acr',
        cloud: {audience: 'https://containerregistry.azure.net', authorityHost: 'https://login.microsoftonline.com'}
      }
    ])
  })

  test('no credentials: anonymous', () => {
    expect(planLogins([repo('127.0.0.1:5000/x')], none)).toEqual([{registry: '127.0.0.1:5000', method: 'anonymous'}])
  })

  test('Docker Hub aliases in registry-auth', () => {
    const auth = parseRegistryAuth('registry-auth', '- registry: index.docker.io\n  username: hub\n  password: h')
    expect(planLogins([repo('acme/orders')], {...none, 'registry-auth': auth})).toEqual([
      {registry: 'docker.io', method: 'basic', username: 'hub', password: 'h'}
    ])
  })

  test("username/password never go to a mirror's source on another host", () => {
    const images = [repo('ghcr.io/acme/orders')]
    const source = repo('docker.io/library/nginx')
    expect(planLogins([...images, source], {...none, images, username: 'u', password: 'p'})).toEqual([
      {registry: 'ghcr.io', method: 'basic', username: 'u', password: 'p'},
      {registry: 'docker.io', method: 'anonymous'}
    ])
  })

  test("a source on the same registry as images gets that registry's credentials", () => {
    const images = [repo('ghcr.io/acme/orders')]
    expect(
      planLogins([...images, repo('ghcr.io/acme/upstream')], {...none, images, username: 'u', password: 'p'})
    ).toEqual([{registry: 'ghcr.io', method: 'basic', username: 'u', password: 'p'}])
  })

  test("username/password for two registries without 'registry' are refused, naming both", () => {
    const images = [repo('ghcr.io/acme/orders'), repo('docker.io/acme/orders')]
    expect(() => planLogins(images, {...none, images, username: 'u', password: 'p'})).toThrow(
      /'username' and 'password' would go to 2 registries \(ghcr.io, docker.io\); set 'registry'/
    )
  })

  test("login-action's registry decides where username/password go", () => {
    const images = [repo('ghcr.io/acme/orders'), repo('docker.io/acme/orders')]
    expect(planLogins(images, {...none, images, registry: 'ghcr.io', username: 'u', password: 'p'})).toEqual([
      {registry: 'ghcr.io', method: 'basic', username: 'u', password: 'p'},
      {registry: 'docker.io', method: 'anonymous'}
    ])
  })

  test('registriesOf keeps order, drops repeats', () => {
    expect(registriesOf([repo('ghcr.io/a'), repo('quay.io/b'), repo('ghcr.io/c')])).toEqual(['ghcr.io', 'quay.io'])
  })
})

describe('loginRegistries', () => {
  const auth = parseRegistryAuth('registry-auth', '- registry: base.internal.example\n  username: a\n  password: b')
  const images = [repo('ghcr.io/acme/orders')]
  test('with push: pushed registries, then every registry-auth entry', () => {
    expect(
      registriesOf(loginRegistries({push: true, images, source: undefined, 'registry-auth': auth, registry: undefined}))
    ).toEqual(['ghcr.io', 'base.internal.example'])
  })
  test('without push: only the registry-auth entries (a private base image is pulled from them)', () => {
    expect(
      registriesOf(
        loginRegistries({push: false, images, source: undefined, 'registry-auth': auth, registry: undefined})
      )
    ).toEqual(['base.internal.example'])
    expect(loginRegistries({push: false, images, source: undefined, 'registry-auth': [], registry: undefined})).toEqual(
      []
    )
  })
  test('a mirror also logs in to its source', () => {
    const source = {repository: repo('quay.io/acme/orders'), tag: '1.0', digest: undefined}
    expect(
      registriesOf(loginRegistries({push: true, images, source, 'registry-auth': [], registry: undefined}))
    ).toEqual(['ghcr.io', 'quay.io'])
  })
})
