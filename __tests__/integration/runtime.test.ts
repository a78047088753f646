/**
 * The bundle runs on the Node that GitHub uses for it: action.yml's
 * `runs.using` (node24), here from npm's node@24 (scripts/setup-engines.sh).
 */
import {execFileSync} from 'child_process'
import * as fs from 'fs'
import * as path from 'path'
import {parse} from 'yaml'
import {ROOT, actionNode, errors, runAction} from '../support/action'

test("the harness runs dist/ on the Node major that action.yml's runs.using names, and the bundle starts there", async () => {
  const action = parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {runs: {using: string}}
  const major = /^node(\d+)$/.exec(action.runs.using)?.[1]
  expect(major).toBe('24')
  expect(execFileSync(actionNode(), ['--version'], {encoding: 'utf8'}).trim()).toMatch(new RegExp(`^v${major}\\.`))
  // a run that stops at input checking: the bundle loads and reports on that Node, with no warning on stderr
  const run = await runAction({images: 'ghcr.io/acme/orders!', context: '__tests__/fixtures/multistage'})
  expect(errors(run)).toEqual([expect.stringMatching(/^Input 'images': .*lowercase/)])
  expect(run.stderr).toBe('')
})
