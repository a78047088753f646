'use strict'
// Runs the bundled action the way a GitHub runner does: every input's
// action.yml default first, then the caller's inputs, as INPUT_* variables; GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY files under a
// fresh RUNNER_TEMP, then the post step with the saved state as STATE_*.
// Used by the local demo (scripts/demo.sh) and by the integration tests.
const {spawn} = require('child_process')
const fs = require('fs')
const os = require('os')
const path = require('path')

const ROOT = path.resolve(__dirname, '..')
const ENGINES_FILE = path.join(process.env.STEVEDORE_ENGINES || '/opt/stevedore', 'engines.json')

/**
 * The Node that runs the bundle: the one GitHub uses (action.yml's runs.using,
 * node24), as scripts/setup-engines.sh installs it; else this process's own.
 */
function actionNode() {
  if (process.env.STEVEDORE_ACTION_NODE) return process.env.STEVEDORE_ACTION_NODE
  if (fs.existsSync(ENGINES_FILE)) {
    const node = JSON.parse(fs.readFileSync(ENGINES_FILE, 'utf8')).node24
    if (node && fs.existsSync(node)) return node
  }
  return process.execPath
}

/** The names of action.yml's inputs. */
function actionInputs() {
  const {parse} = require('yaml')
  return Object.keys(parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')).inputs || {})
}

/**
 * The `default:` of each input in action.yml. A runner sends these as INPUT_*
 * whether or not the workflow sets the input, so the action must expect them.
 */
function actionDefaults() {
  const {parse} = require('yaml')
  const action = parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8'))
  const defaults = {}
  for (const [name, spec] of Object.entries(action.inputs || {})) {
    if (spec && spec.default !== undefined) defaults[name] = String(spec.default)
  }
  return defaults
}

/** Parses the `name<<delimiter` format of GITHUB_OUTPUT and GITHUB_STATE. */
function parseCommandFile(text) {
  const out = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i])
    if (!m) continue
    const value = []
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i])
    out[m[1]] = value.join('\n')
  }
  return out
}

function spawnNode(script, env, capture, wrap = []) {
  return new Promise((resolve, reject) => {
    const [command, ...args] = [...wrap, actionNode(), script]
    const child = spawn(command, args, {
      env,
      cwd: env.GITHUB_WORKSPACE,
      stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit'
    })
    let stdout = ''
    let stderr = ''
    if (capture) {
      child.stdout.on('data', d => (stdout += d))
      child.stderr.on('data', d => (stderr += d))
    }
    child.on('error', reject)
    child.on('close', code => resolve({exitCode: code === null ? -1 : code, stdout, stderr}))
  })
}

/** This process's environment without anything a runner sets per step. */
function cleanEnv() {
  const env = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(INPUT|GITHUB|STATE|RUNNER)_/.test(k)) env[k] = v
  }
  return env
}

async function runAction(inputs, opts = {}) {
  const capture = opts.capture !== false
  const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-runner-'))
  const files = {}
  for (const [name, file] of [
    ['GITHUB_OUTPUT', 'output'],
    ['GITHUB_STATE', 'state'],
    ['GITHUB_STEP_SUMMARY', 'summary'],
    ['GITHUB_ENV', 'env'],
    ['GITHUB_PATH', 'path']
  ]) {
    files[name] = path.join(runnerTemp, file)
    fs.writeFileSync(files[name], '')
  }
  const env = {
    ...cleanEnv(),
    GITHUB_WORKSPACE: ROOT,
    GITHUB_REPOSITORY: 'acme/orders',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/heads/main',
    RUNNER_TEMP: runnerTemp,
    ...files,
    ...opts.env
  }
  // the one expression among the defaults: the job's token, which a runner fills in (here opts.githubToken)
  const defaults = actionDefaults()
  for (const [name, value] of Object.entries(defaults)) {
    if (value === '${{ github.token }}') defaults[name] = opts.githubToken ?? ''
  }
  // as GitHub's runner: an input action.yml does not declare is passed on, with a warning
  const declared = new Set(actionInputs())
  const unexpected = Object.keys(inputs).filter(name => !declared.has(name))
  const warning =
    unexpected.length === 0
      ? ''
      : `##[warning]Unexpected input(s) '${unexpected.join("', '")}', valid inputs are ['${[...declared].join("', '")}']\n`
  if (!capture) process.stdout.write(warning)
  for (const [name, value] of Object.entries({...defaults, ...inputs})) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  }
  const wrap = opts.wrap ?? (() => [])
  const run = await spawnNode(path.join(ROOT, 'dist', 'index.js'), env, capture, wrap('main'))
  const main = {...run, stdout: warning + run.stdout}
  const state = parseCommandFile(fs.readFileSync(files.GITHUB_STATE, 'utf8'))
  const result = {
    ...main,
    outputs: parseCommandFile(fs.readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    state,
    exported: parseCommandFile(fs.readFileSync(files.GITHUB_ENV, 'utf8')),
    summary: fs.readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    runnerTemp
  }
  if (opts.post === false) return result
  const postEnv = {...env}
  for (const [k, v] of Object.entries(state)) postEnv[`STATE_${k}`] = v
  result.post = await spawnNode(path.join(ROOT, 'dist', 'post', 'index.js'), postEnv, capture, wrap('post'))
  return result
}

module.exports = {ROOT, actionDefaults, actionInputs, actionNode, parseCommandFile, runAction}
