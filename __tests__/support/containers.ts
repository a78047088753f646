/** A service container on the host network, on a port it may find taken. */
import {Engine} from './engines'
import {freePort, waitFor} from './ports'

export interface Served {
  readonly port: number
  readonly name: string
  stop(): Promise<void>
}

/**
 * Runs `image` with --network=host on a free port and waits until `GET /health` answers 200.
 * Another process may bind the port between choosing and the service binding it: when the
 * container stops saying the address is in use, it is started again on another port.
 */
export async function serveOnFreePort(
  e: Engine,
  label: string,
  runArgs: (port: number) => string[],
  attempts = 3
): Promise<Served> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const name = `stevedore-${label}-${e.name}-${port}`
    const stop = () =>
      e.docker(['rm', '-f', name]).then(
        () => undefined,
        () => undefined
      )
    await e.docker(['run', '-d', '--name', name, '--network=host', ...runArgs(port)])
    try {
      await waitFor(
        `${label} on ${e.name}, port ${port}`,
        async () => {
          if ((await e.docker(['inspect', '--format', '{{.State.Running}}', name])) !== 'true') {
            const logs = await e.docker(['logs', name]).catch(() => '')
            throw new Error(`${name} stopped: ${logs}`)
          }
          const res = await fetch(`http://127.0.0.1:${port}/health`)
          await res.arrayBuffer()
          return res.ok
        },
        30000
      )
      return {port, name, stop}
    } catch (err) {
      await stop()
      if (attempt < attempts && /address already in use/i.test(String(err))) continue
      throw err
    }
  }
}
