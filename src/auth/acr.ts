/**
 * Azure Container Registry: the Entra token exchanged for an ACR refresh
 * token (POST /oauth2/exchange), the push-rights check, and the read-back of
 * every tag through @azure/container-registry.
 */
import * as core from '@actions/core'
import {ContainerRegistryContentClient} from '@azure/container-registry'
import {AzureIdentity, describeAzureError} from './azure-credentials'
import {ActionError} from '../errors'
import {Credentials, MAX_JSON_BYTES, basicAuthorization, errorText, readJson} from '../registry/transport'
import type {AzureCloud} from './registry-kind'

/** An ACR token request that has not answered by then has failed. */
const ACR_DEADLINE_MS = 30_000

/** The user name ACR expects with a refresh token. */
export const ACR_TOKEN_USER = '00000000-0000-0000-0000-000000000000'

/** Entra token → ACR refresh token, the password docker logs in with. */
export async function acrRefreshToken(
  registry: string,
  cloud: AzureCloud,
  identity: AzureIdentity,
  tenant: string | undefined
): Promise<Credentials> {
  let aad
  try {
    aad = await identity.credential.getToken(`${cloud.audience}/.default`)
  } catch (e) {
    throw describeAzureError(`Getting an Entra token for ${registry}`, identity, e)
  }
  if (!aad?.token)
    throw new ActionError(`Getting an Entra token for ${registry} with ${identity.description} returned no token`)
  core.setSecret(aad.token)
  const form = new URLSearchParams({grant_type: 'access_token', service: registry, access_token: aad.token})
  if (tenant !== undefined) form.set('tenant', tenant)
  const res = await fetch(`https://${registry}/oauth2/exchange`, {
    method: 'POST',
    headers: {'content-type': 'application/x-www-form-urlencoded'},
    body: form,
    signal: AbortSignal.timeout(ACR_DEADLINE_MS)
  })
  if (!res.ok) {
    throw new ActionError(
      `${registry} refused the token exchange (HTTP ${res.status}): ${await errorText(res)}. Check that ${identity.description} has a role on this registry.`
    )
  }
  const body = await readJson<{refresh_token?: unknown}>(res, MAX_JSON_BYTES, `${registry}'s token exchange`)
  if (typeof body.refresh_token !== 'string' || body.refresh_token === '')
    throw new ActionError(`${registry}'s token exchange answered without a refresh token`)
  core.setSecret(body.refresh_token)
  return {username: ACR_TOKEN_USER, password: body.refresh_token}
}

/** The actions ACR grants on a repository, read from the access token it issues (a JWT). */
export async function grantedActions(
  registry: string,
  creds: Credentials,
  repoPath: string
): Promise<string[] | undefined> {
  const url = new URL(`https://${registry}/oauth2/token`)
  url.searchParams.set('service', registry)
  url.searchParams.set('scope', `repository:${repoPath}:pull,push`)
  const res = await fetch(url, {
    headers: {authorization: basicAuthorization(creds)},
    signal: AbortSignal.timeout(ACR_DEADLINE_MS)
  })
  if (!res.ok)
    throw new ActionError(
      `${registry} refused an access token for ${repoPath} (HTTP ${res.status}): ${await errorText(res)}`
    )
  const granted = await readJson<{access_token?: unknown}>(res, MAX_JSON_BYTES, `${registry}'s token service`)
  const token = typeof granted.access_token === 'string' ? granted.access_token : ''
  core.setSecret(token)
  const payload = token.split('.')[1]
  if (payload === undefined) return undefined
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      access?: Array<{type?: string; name?: string; actions?: string[]}>
    }
    return (claims.access ?? [])
      .filter(a => a.type === 'repository' && a.name === repoPath)
      .flatMap(a => a.actions ?? [])
  } catch (e) {
    core.debug(`${registry}: the access token's claims were not read (${e instanceof Error ? e.message : String(e)})`)
    return undefined
  }
}

export async function requirePushRights(
  registry: string,
  creds: Credentials,
  repoPath: string,
  identity: AzureIdentity
): Promise<void> {
  const actions = await grantedActions(registry, creds, repoPath)
  if (actions !== undefined && !actions.includes('push') && !actions.includes('*')) {
    throw new ActionError(
      `${identity.description} may not push to ${registry}/${repoPath}: ACR granted ${actions.length > 0 ? actions.join(', ') : 'nothing'}. ` +
        `Assign it the AcrPush role (or a repository-scoped token with write) on the registry.`
    )
  }
}

/** Every tag, read through the ACR SDK, must resolve to the pushed digest. */
export async function verifyWithAcrSdk(
  registry: string,
  repoPath: string,
  tags: readonly string[],
  digest: string,
  cloud: AzureCloud,
  identity: AzureIdentity
): Promise<void> {
  const client = new ContainerRegistryContentClient(`https://${registry}`, repoPath, identity.credential, {
    audience: cloud.audience
  })
  for (const tag of tags) {
    let found: string
    try {
      found = (await client.getManifest(tag)).digest
    } catch (e) {
      const err = e as {name?: string; message?: string}
      throw new ActionError(
        `Reading ${registry}/${repoPath}:${tag} through the ACR SDK failed: ${err.name ?? 'Error'}: ${(err.message ?? String(e)).split('\n')[0]}`
      )
    }
    if (found !== digest) {
      throw new ActionError(`The ACR SDK reads ${registry}/${repoPath}:${tag} as ${found}, but ${digest} was pushed`)
    }
  }
  core.info(`${registry}/${repoPath}: ${tags.length} tag(s) confirmed with @azure/container-registry`)
}
