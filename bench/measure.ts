/** How the benchmarks measure: medians, and what /usr/bin/time says of one process tree. */
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

/** Wall and CPU (user + sys) seconds of a process tree, and its peak RSS in MB. */
export interface Cost {
  readonly wall: number
  readonly cpu: number
  readonly rssMb: number
}

const TIME_FORMAT = '%e %U %S %M'

/** Runs `work` with the argv prefix that puts a command under /usr/bin/time, and reads what it measured. */
export async function measured(work: (timeArgv: string[]) => Promise<unknown>): Promise<Cost> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-bench-time-'))
  const file = path.join(dir, 'time')
  try {
    await work(['/usr/bin/time', '-f', TIME_FORMAT, '-o', file])
    const [wall, user, sys, rssKb] =
      fs.readFileSync(file, 'utf8').trim().split('\n').at(-1)?.split(' ').map(Number) ?? []
    return {wall: wall ?? 0, cpu: (user ?? 0) + (sys ?? 0), rssMb: (rssKb ?? 0) / 1024}
  } finally {
    fs.rmSync(dir, {recursive: true, force: true})
  }
}
