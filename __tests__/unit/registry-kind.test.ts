import {detectRegistryKind, isValidAwsRegion} from '../../src/auth/registry-kind'

describe('detectRegistryKind', () => {
  test.each([
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com', '123456789012', 'eu-west-1'],
    ['123456789012.dkr.ecr.us-east-1.amazonaws.com', '123456789012', 'us-east-1'],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', '123456789012', 'cn-north-1'],
    ['123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com', '123456789012', 'us-gov-west-1'],
    ['123456789012.dkr.ecr-fips.us-east-2.amazonaws.com', '123456789012', 'us-east-2'],
    ['123456789012.dkr-ecr.eu-central-1.on.aws', '123456789012', 'eu-central-1'],
    ['123456789012.dkr-ecr-fips.us-west-2.on.aws', '123456789012', 'us-west-2'],
    ['123456789012.dkr.ecr.ap-southeast-4.amazonaws.com', '123456789012', 'ap-southeast-4'],
    ['123456789012.DKR.ECR.EU-WEST-1.AMAZONAWS.COM', '123456789012', 'eu-west-1'],
    ['123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov', '123456789012', 'us-iso-east-1']
  ])('%s is ECR in %s', (host, account, region) => {
    expect(detectRegistryKind(host)).toEqual({kind: 'ecr', account, region})
  })

  test('public.ecr.aws is ECR Public', () => {
    expect(detectRegistryKind('public.ecr.aws')).toEqual({kind: 'ecr-public'})
  })

  test.each([
    '12345678901.dkr.ecr.eu-west-1.amazonaws.com', // 11 digits
    '1234567890123.dkr.ecr.eu-west-1.amazonaws.com', // 13 digits
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com.evil.io',
    'evil.io.123456789012.dkr.ecr.eu-west-1.amazonaws.com',
    '123456789012.dkr.ecr.amazonaws.com', // no region
    '123456789012.dkr.ecr.eu-west.amazonaws.com', // not a region
    '123456789012.ecr.eu-west-1.amazonaws.com', // no dkr
    '123456789012.dkr.ecr.eu-west-1.on.aws', // dual-stack is dkr-ecr
    '123456789012.dkr-ecr.eu-west-1.amazonaws.com',
    'abcdefghijkl.dkr.ecr.eu-west-1.amazonaws.com',
    '123456789012.dkr.ecr.eu-west-1.amazonaws.co',
    'public.ecr.aws.evil.io',
    'x.public.ecr.aws',
    'ecr.aws',
    'ghcr.io',
    '127.0.0.1:5000'
  ])('%s is not ECR', host => {
    expect(detectRegistryKind(host)).toEqual({kind: 'basic'})
  })

  test.each([
    ['acmeregistry.azurecr.io', 'https://containerregistry.azure.net', 'https://login.microsoftonline.com'],
    ['acme01.azurecr.cn', 'https://management.chinacloudapi.cn', 'https://login.chinacloudapi.cn'],
    ['acmegov.azurecr.us', 'https://management.usgovcloudapi.net', 'https://login.microsoftonline.us'],
    ['acmeregistry.westeurope.azurecr.io', 'https://containerregistry.azure.net', 'https://login.microsoftonline.com'],
    ['AcmeRegistry.AzureCR.io', 'https://containerregistry.azure.net', 'https://login.microsoftonline.com']
  ])('%s is ACR', (host, audience, authorityHost) => {
    expect(detectRegistryKind(host)).toEqual({kind: 'acr', cloud: {audience, authorityHost}})
  })

  test.each([
    'acr.azurecr.io',
    'azurecr.io',
    'acme_registry.azurecr.io',
    'acmeregistry.azurecr.io.evil.com',
    'acmeregistry.azurecr.com',
    'acmeregistry.azure.io'
  ])('%s is not ACR', host => expect(detectRegistryKind(host)).toEqual({kind: 'basic'}))

  test.each([
    ['eu-west-1', true],
    ['us-gov-west-1', true],
    ['cn-northwest-1', true],
    ['eu-west', false],
    ['EU-WEST-1', false],
    ['', false]
  ])('isValidAwsRegion(%j) = %s', (r, ok) => expect(isValidAwsRegion(r)).toBe(ok))
})
