import {inPieces} from '../../src/registry/pieces'

async function collect(chunks: Uint8Array[], size: number): Promise<Buffer[]> {
  const out: Buffer[] = []
  for await (const p of inPieces(chunks, size)) out.push(p)
  return out
}

const bytes = (n: number, fill: number) => Buffer.alloc(n, fill)

describe('inPieces: small reads gathered into pieces of at least the size', () => {
  test('the same bytes in the same order; every piece but the last at least the size', async () => {
    const chunks = [bytes(3, 1), bytes(3, 2), bytes(3, 3), bytes(10, 4), bytes(1, 5)]
    const pieces = await collect(chunks, 5)
    expect(pieces.map(p => p.length)).toEqual([6, 13, 1])
    expect(Buffer.concat(pieces)).toEqual(Buffer.concat(chunks))
  })
  test('a chunk as large as a piece, with nothing waiting, goes on as it is (no copy)', async () => {
    const big = bytes(8, 7)
    const pieces = await collect([big, bytes(2, 1)], 5)
    expect(pieces[0]).toBe(big)
    expect(pieces.map(p => p.length)).toEqual([8, 2])
  })
  test('a Uint8Array that is not a Buffer is viewed, not copied; nothing in, nothing out', async () => {
    const raw = new Uint8Array([1, 2, 3, 4, 5, 6])
    const [piece] = await collect([raw], 4)
    expect(piece?.buffer).toBe(raw.buffer)
    expect(await collect([], 4)).toEqual([])
  })
})
