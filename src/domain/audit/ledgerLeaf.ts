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
  const stream = Buffer.from(leaf.streamId, 'utf8');
  const hash = Buffer.from(leaf.hash, 'utf8');
  const out = Buffer.alloc(8 + 8 + 4 + stream.length + 4 + hash.length);
  let at = out.writeBigUInt64BE(BigInt(leaf.leafIndex), 0);
  at = out.writeBigUInt64BE(BigInt(leaf.revision), at);
  at = out.writeUInt32BE(stream.length, at);
  at += stream.copy(out, at);
  at = out.writeUInt32BE(hash.length, at);
  hash.copy(out, at);
  return out;
}
