/** The runner emulation (scripts/local-runner.js) plus what tests read from a run. */
export {ROOT, actionDefaults, actionInputs, actionNode, parseCommandFile, runAction} from '../../scripts/local-runner'
export type {ActionRun} from '../../scripts/local-runner'

/** The annotation lines (`::error::…`) of a run, decoded. */
export function errors(run: {stdout: string}): string[] {
  return run.stdout
    .split('\n')
    .filter(l => l.startsWith('::error::'))
    .map(l => l.slice('::error::'.length).replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%'))
}
