/**
 * The main step. Build mode: inputs → plan → auth → build → compress →
 * publish → verify → report. Mirror mode (`source`): inputs → plan → auth →
 * read the source → publish → verify → report, with no engine at all.
 * The one place errors become the step's failure.
 */

import {buildMode, checkMode, localImageMode} from './modes/build-mode'
import {mergeMode, mirrorMode} from './modes/copy-mode'
import {facts} from './modes/steps'
import * as fs from 'fs'
import * as os from 'os'
import * as core from '@actions/core'
import {ActionError, errorMessage} from './errors'
import {readGitHubContext} from './inputs/github-context'
import {getInputs, isBuild} from './inputs/inputs'
import {refuseUnknownInputs} from './inputs/input-names'
import {loginRegistries, planLogins} from './auth/login-plan'
import {makePlan} from './plan/plan'

/** The event payload the runner wrote (GITHUB_EVENT_PATH); none when it is missing or not JSON. */
function readEventPayload(env: NodeJS.ProcessEnv): unknown {
  const file = env.GITHUB_EVENT_PATH
  if (!file) return {}
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown
  } catch (e) {
    core.debug(`the event payload ${file} was not read: ${errorMessage(e)}`)
    return {}
  }
}

export async function run(): Promise<void> {
  try {
    refuseUnknownInputs(Object.keys(process.env))
    const ctx = readGitHubContext(process.env, process.cwd(), os.tmpdir(), readEventPayload(process.env))
    const inputs = getInputs(name => core.getInput(name), {...ctx, env: process.env}, core.setSecret)
    for (const n of inputs.notices) core.notice(n)
    facts.commit = ctx.sha
    facts.push = inputs.push
    const logins = planLogins(loginRegistries(inputs), inputs)
    const plan = makePlan(inputs, ctx, new Date())
    for (const w of plan.warnings) core.warning(w)
    if (isBuild(inputs) && inputs.gitContext !== undefined)
      core.info(`Context: ${inputs.gitContext.url}, fetched by the builder (no checkout needed)`)
    if (inputs.mode === 'check') return await checkMode(inputs, ctx, plan, logins)
    if (inputs.push && !inputs['push-by-digest'] && plan.tags.fixed.length + plan.tags.floating.length === 0) {
      throw new ActionError('No tags to push: this is neither a tag nor a branch build. Set `version` or `tags`.')
    }
    if (inputs.mode === 'local') await localImageMode(inputs, ctx, plan, logins)
    else if (inputs.mode === 'mirror') await mirrorMode(inputs, plan, logins, ctx.runnerTemp)
    else if (inputs.mode === 'merge') await mergeMode(inputs, plan, logins, ctx.runnerTemp)
    else await buildMode(inputs, ctx, plan, logins)
  } catch (e) {
    core.setFailed(errorMessage(e))
  }
}
