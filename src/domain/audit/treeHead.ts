/**
 * The bytes a tree head's signature covers: a fixed label, then size, root and signing time, one per
 * line (UTF-8, each line ending in \n). The label keeps these signatures from being valid for anything
 * else the key might sign; the public key is not covered, it is checked against the trusted one.
 *
 *   healthvision-ledger-tree-head-v1\n{size in decimal}\n{rootHash, lower-case hex}\n{signedAt, ISO-8601 UTC}\n
 */
export const TREE_HEAD_LABEL = 'healthvision-ledger-tree-head-v1';

export function treeHeadMessage(head: { size: number; rootHash: string; signedAt: string }): Uint8Array {
  return Buffer.from(`${TREE_HEAD_LABEL}\n${head.size}\n${head.rootHash}\n${head.signedAt}\n`, 'utf8');
}
