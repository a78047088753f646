/**
 * A byte stream's chunks gathered into pieces of at least `size` bytes (the last may be smaller).
 * Sockets deliver 64 KiB reads; passed on one by one, each costs a write per destination
 * (docs/benchmarks.md says what that costs). Pure: works on any async iterable of bytes.
 */
export async function* inPieces(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  size: number
): AsyncGenerator<Buffer, void, undefined> {
  let parts: Buffer[] = []
  let pending = 0
  for await (const chunk of source) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    if (pending === 0 && buf.length >= size) {
      yield buf
      continue
    }
    parts.push(buf)
    pending += buf.length
    if (pending >= size) {
      yield parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, pending)
      parts = []
      pending = 0
    }
  }
  if (pending > 0) yield parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, pending)
}
