import * as net from 'net'

/** Listens on a port of the kernel's choosing on 127.0.0.1 (nothing can take it in between); returns the port. */
export async function listenOnLoopback(server: net.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const addr = server.address()
  if (typeof addr !== 'object' || addr === null) throw new Error('the server has no TCP address')
  return addr.port
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))))
    })
  })
}

/** Polls until `probe` resolves true, or throws after `ms`. */
export async function waitFor(what: string, probe: () => Promise<boolean>, ms = 15000): Promise<void> {
  const until = Date.now() + ms
  for (;;) {
    if (await probe().catch(() => false)) return
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise(r => setTimeout(r, 100))
  }
}
