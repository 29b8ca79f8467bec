/**
 * The bytes a ledger leaf stands for: which event sits at which place in global order, and the chain
 * hash stored with it (which covers the event's type, data and metadata). Hashing the stored chain hash
 * rather than decoded content keeps the ledger independent of how payloads are read back (upcasters,
 * decryption of personal fields).
 *
 *   u64 BE leafIndex ‖ u64 BE revision ‖ u32 BE byteLength(streamId) ‖ streamId (UTF-8)
 *                    ‖ u32 BE byteLength(hash) ‖ hash (its hex text, UTF-8)
 *
 * Length prefixes make the encoding unambiguous; the hash is kept as its text so a stored value that is
 * not 64 hex digits still changes the leaf instead of being silently truncated.
 */
export interface LeafSubject {
  leafIndex: number;
  streamId: string;
  revision: number;
  /** The event's stored chain hash (`metadata.hash`). */
  hash: string;
}

export function eventLeafData(leaf: LeafSubject): Uint8Array {
  const streamLength = Buffer.byteLength(leaf.streamId, 'utf8');
  const hashLength = Buffer.byteLength(leaf.hash, 'utf8');
  // One buffer written in place: this runs once per event beside every append.
  const out = Buffer.allocUnsafe(8 + 8 + 4 + streamLength + 4 + hashLength);
  let at = writeU64(out, leaf.leafIndex, 0);
  at = writeU64(out, leaf.revision, at);
  at = out.writeUInt32BE(streamLength, at);
  at += out.write(leaf.streamId, at, 'utf8');
  at = out.writeUInt32BE(hashLength, at);
  out.write(leaf.hash, at, 'utf8');
  return out;
}

/** A u64 as two u32 halves (a BigInt per field costs more than the rest of the encoding). */
function writeU64(out: Buffer, n: number, at: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${n} is not a u64 the ledger can encode`);
  out.writeUInt32BE(Math.floor(n / 2 ** 32), at);
  return out.writeUInt32BE(n % 2 ** 32, at + 4);
}
