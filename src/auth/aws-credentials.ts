/**
 * AWS credentials: the SDK's default chain (what configure-aws-credentials
 * leaves behind), or the runner's OIDC token exchanged for a role with
 * AssumeRoleWithWebIdentity.
 */
import * as core from '@actions/core'
import {fromWebToken} from '@aws-sdk/credential-providers'
import {ActionError} from '../errors'
import type {Inputs} from '../inputs/inputs'

export type AwsCredentialProvider = ReturnType<typeof fromWebToken>

type Identity = Awaited<ReturnType<AwsCredentialProvider>>

export async function assumeRoleWithOidc(
  inputs: Pick<Inputs, 'aws-role-to-assume' | 'aws-role-session-name' | 'aws-audience'>,
  region: string,
  env: NodeJS.ProcessEnv
): Promise<AwsCredentialProvider | undefined> {
  const roleArn = inputs['aws-role-to-assume']
  if (roleArn === undefined) return undefined
  if (!env.ACTIONS_ID_TOKEN_REQUEST_URL || !env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    throw new ActionError(
      `'aws-role-to-assume' needs the workflow's OIDC token, and this job has none: add "permissions: id-token: write" to the job.`
    )
  }
  let webIdentityToken: string
  try {
    webIdentityToken = await core.getIDToken(inputs['aws-audience'])
  } catch (e) {
    throw new ActionError(
      `Could not get the runner's OIDC token for audience ${inputs['aws-audience']}: ${e instanceof Error ? e.message : String(e)}`
    )
  }
  core.setSecret(webIdentityToken)
  const provider = fromWebToken({
    roleArn,
    roleSessionName: inputs['aws-role-session-name'],
    webIdentityToken,
    clientConfig: {region}
  })
  let identity: Identity
  try {
    identity = await provider()
  } catch (e) {
    const err = e as {name?: string; message?: string; $metadata?: {httpStatusCode?: number}}
    // a refusal names the trust policy; a connection that failed names the network
    const refused =
      err.$metadata?.httpStatusCode !== undefined ||
      /AccessDenied|InvalidIdentityToken|IDPRejectedClaim/.test(err.name ?? '')
    throw new ActionError(
      `Assuming ${roleArn} with the OIDC token failed: ${err.name ?? 'Error'}: ${err.message ?? String(e)}. ` +
        (refused
          ? `Check the role's trust policy allows this repository and the audience ${inputs['aws-audience']}.`
          : `STS (${region}) was not reached: check the runner's network, a proxy, or AWS_ENDPOINT_URL_STS.`)
    )
  }
  core.setSecret(identity.secretAccessKey)
  if (identity.sessionToken) core.setSecret(identity.sessionToken)
  core.info(`Assumed ${roleArn} as session ${inputs['aws-role-session-name']}`)
  return () => Promise.resolve(identity)
}
