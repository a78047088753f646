/**
 * What kind of registry a host is, and so how we log in to it. Pure.
 */

export type RegistryKind =
  | {readonly kind: 'ecr'; readonly account: string | undefined; readonly region: string}
  | {readonly kind: 'ecr-public'}
  | {readonly kind: 'acr'; readonly cloud: AzureCloud}
  | {readonly kind: 'basic'}

/** What differs between Azure clouds for ACR: the token audience and the Entra authority. */
export interface AzureCloud {
  /** resource whose `/.default` scope the Entra token is for */
  readonly audience: string
  readonly authorityHost: string
}

export const AZURE_PUBLIC: AzureCloud = {
  audience: 'https://containerregistry.azure.net',
  authorityHost: 'https://login.microsoftonline.com'
}
const AZURE_CLOUDS: Record<string, AzureCloud> = {
  'azurecr.io': AZURE_PUBLIC,
  'azurecr.cn': {audience: 'https://management.chinacloudapi.cn', authorityHost: 'https://login.chinacloudapi.cn'},
  'azurecr.us': {audience: 'https://management.usgovcloudapi.net', authorityHost: 'https://login.microsoftonline.us'}
}
/** `<name>.azurecr.io` (ACR names are 5-50 letters and digits; a geo-replica or data endpoint adds a region label) */
const ACR_HOST = /^[a-z0-9]{5,50}(?:\.[a-z0-9-]+)?\.(azurecr\.(?:io|cn|us))$/

const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d{1,2}'
/** `<account>.dkr.ecr[-fips].<region>.<partition domain>` and dual-stack `<account>.dkr-ecr[-fips].<region>.on.aws` */
const ECR_HOST = new RegExp(
  `^(\\d{12})\\.(?:dkr\\.ecr(?:-fips)?\\.(${REGION})\\.(?:amazonaws\\.com(?:\\.cn)?|sc2s\\.sgov\\.gov|c2s\\.ic\\.gov|cloud\\.adc-e\\.uk|csp\\.hci\\.ic\\.gov)` +
    `|dkr-ecr(?:-fips)?\\.(${REGION})\\.on\\.aws)$`
)

export const ECR_PUBLIC_HOST = 'public.ecr.aws'
/** ECR Public's API lives in us-east-1 only. */
export const ECR_PUBLIC_REGION = 'us-east-1'

export function isValidAwsRegion(region: string): boolean {
  return new RegExp(`^${REGION}$`).test(region)
}

export function isAwsAccount(id: string): boolean {
  return /^\d{12}$/.test(id)
}

/** Recognises ECR, ECR Public and ACR by host (upper case does not change the kind). */
export function detectRegistryKind(registry: string): RegistryKind {
  const host = registry.toLowerCase()
  if (host === ECR_PUBLIC_HOST) return {kind: 'ecr-public'}
  const acr = ACR_HOST.exec(host)?.[1]
  if (acr !== undefined) return {kind: 'acr', cloud: AZURE_CLOUDS[acr] ?? AZURE_PUBLIC}
  const m = ECR_HOST.exec(host)
  if (m?.[1] !== undefined) {
    const region = m[2] ?? m[3]
    if (region !== undefined) return {kind: 'ecr', account: m[1], region}
  }
  return {kind: 'basic'}
}

/** Why a host is not taken for ACR, for messages: the rule it missed. */
export function whyNotAcr(registry: string): string {
  const host = registry.toLowerCase()
  const m = /^([^.]+)(?:\.[^.]+)?\.azurecr\.(?:io|cn|us)$/.exec(host)
  if (m?.[1] !== undefined) {
    const name = m[1]
    if (!/^[a-z0-9]+$/.test(name)) return `${registry}: an ACR name is letters and digits only ('${name}' is not)`
    return `${registry}: an ACR name is 5-50 letters and digits ('${name}' has ${name.length})`
  }
  return `${registry}: not <name>.azurecr.io, .azurecr.cn or .azurecr.us`
}

/** Why a host is not taken for ECR, for messages: the rule it missed. */
export function whyNotEcr(registry: string): string {
  const host = registry.toLowerCase()
  if (/\.dkr[.-]ecr(?:-fips)?\./.test(host) || /^dkr[.-]ecr/.test(host)) {
    return `${registry}: an ECR host is <12-digit account>.dkr.ecr.<region>.amazonaws.com; check the account and the region`
  }
  return `${registry}: not <account>.dkr.ecr.<region>.amazonaws.com (.com.cn), <account>.dkr-ecr.<region>.on.aws or public.ecr.aws`
}
