import type { Frontier } from '../../domain/audit/merkleTree.js';

/** Subtree sizes and hex hashes as JSON text; a row that does not parse reads as no frontier. */
export const encodeSubtrees = (frontier: Frontier) => JSON.stringify(frontier.subtrees.map((t) => [t.size, Buffer.from(t.hash).toString('hex')]));
export function decodeSubtrees(size: number, text: string): Frontier | null {
  try {
    const subtrees = (JSON.parse(text) as Array<[number, string]>).map(([n, hex]) => ({ size: n, hash: new Uint8Array(Buffer.from(hex, 'hex')) }));
    return { size, subtrees };
  } catch {
    return null;
  }
}
