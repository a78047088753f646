/**
 * What kind of registry a host is, and so how we log in to it. Pure.
 */

export type RegistryKind =
  | {readonly kind: 'ecr'; readonly account: string | undefined; readonly region: string}
  | {readonly kind: 'ecr-public'}
  | {readonly kind: 'basic'}

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

/** Recognises ECR and ECR Public by host (a port or upper case does not change the kind). */
export function detectRegistryKind(registry: string): RegistryKind {
  const host = registry.toLowerCase()
  if (host === ECR_PUBLIC_HOST) return {kind: 'ecr-public'}
  const m = ECR_HOST.exec(host)
  if (m?.[1] !== undefined) {
    const region = m[2] ?? m[3]
    if (region !== undefined) return {kind: 'ecr', account: m[1], region}
  }
  return {kind: 'basic'}
}
