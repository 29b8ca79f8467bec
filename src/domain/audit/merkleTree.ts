import { createHash, hash as sha } from 'node:crypto';

/**
 * The Merkle tree of RFC 6962 §2.1 (as restated in RFC 9162 §2.1): leaves hashed with a 0x00 prefix,
 * interior nodes with 0x01, and a tree of n leaves split at the largest power of two below n. Hashes
 * are 32-byte SHA-256 digests. Functions take the leaf hashes (not the leaf data), in order.
 */
export type Hash = Uint8Array;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

// One-shot hashing: a Hash object per leaf and per node (the ledger makes about two per event)
// costs more than the SHA-256 itself.
export function leafHash(leafData: Uint8Array): Hash {
  return sha('sha256', Buffer.concat([LEAF_PREFIX, leafData]), 'buffer');
}

export function nodeHash(left: Hash, right: Hash): Hash {
  return sha('sha256', Buffer.concat([NODE_PREFIX, left, right]), 'buffer');
}

/** The largest power of two smaller than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[lo:hi]). */
function subtreeRoot(leaves: readonly Hash[], lo: number, hi: number): Hash {
  if (hi - lo === 1) return leaves[lo];
  const k = splitPoint(hi - lo);
  return nodeHash(subtreeRoot(leaves, lo, lo + k), subtreeRoot(leaves, lo + k, hi));
}

/** MTH(D[n]); the empty tree's root is SHA-256 of nothing. */
export function merkleRoot(leaves: readonly Hash[]): Hash {
  return leaves.length === 0 ? createHash('sha256').digest() : subtreeRoot(leaves, 0, leaves.length);
}

/** PATH(m, D[n]): the audit path of leaf m, nearest sibling first. */
export function inclusionProof(leaves: readonly Hash[], m: number): Hash[] {
  if (!Number.isInteger(m) || m < 0 || m >= leaves.length) throw new RangeError(`leaf ${m} is not in a tree of ${leaves.length}`);
  const path: Hash[] = [];
  const walk = (lo: number, hi: number, index: number): void => {
    if (hi - lo === 1) return;
    const k = splitPoint(hi - lo);
    if (index < k) {
      walk(lo, lo + k, index);
      path.push(subtreeRoot(leaves, lo + k, hi));
    } else {
      walk(lo + k, hi, index - k);
      path.push(subtreeRoot(leaves, lo, lo + k));
    }
  };
  walk(0, leaves.length, m);
  return path;
}

/** PROOF(m, D[n]): that the first m leaves are a prefix of the n (0 < m ≤ n). */
export function consistencyProof(leaves: readonly Hash[], m: number): Hash[] {
  if (!Number.isInteger(m) || m < 1 || m > leaves.length) throw new RangeError(`no consistency proof from ${m} to ${leaves.length}`);
  const proof: Hash[] = [];
  const sub = (lo: number, hi: number, size: number, whole: boolean): void => {
    if (size === hi - lo) {
      if (!whole) proof.push(subtreeRoot(leaves, lo, hi));
      return;
    }
    const k = splitPoint(hi - lo);
    if (size <= k) {
      sub(lo, lo + k, size, whole);
      proof.push(subtreeRoot(leaves, lo + k, hi));
    } else {
      sub(lo + k, hi, size - k, false);
      proof.push(subtreeRoot(leaves, lo, lo + k));
    }
  };
  sub(0, leaves.length, m, true);
  return proof;
}

const same = (a: Hash, b: Hash): boolean => a.length === b.length && Buffer.compare(a, b) === 0;

/** RFC 9162 §2.1.3.2: does `proof` lead from leaf `leafIndex`'s hash to `root` in a tree of `treeSize`? */
export function verifyInclusion(leafIndex: number, treeSize: number, leaf: Hash, proof: readonly Hash[], root: Hash): boolean {
  if (!Number.isSafeInteger(leafIndex) || !Number.isSafeInteger(treeSize) || leafIndex < 0 || leafIndex >= treeSize) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && same(r, root);
}

const isPowerOfTwo = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

/** RFC 9162 §2.1.4.2: is the tree of `to` leaves with root `toRoot` an extension of the tree of `from` with `fromRoot`? */
export function verifyConsistency(from: number, to: number, fromRoot: Hash, toRoot: Hash, proof: readonly Hash[]): boolean {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 1 || from > to) return false;
  if (from === to) return proof.length === 0 && same(fromRoot, toRoot);
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(from) ? [fromRoot, ...proof] : [...proof];
  let fn = from - 1;
  let sn = to - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && same(fr, fromRoot) && same(sr, toRoot);
}

/**
 * The roots of the perfect subtrees that make up a growing tree (largest first), so appending a leaf
 * and taking the root cost O(log n) rather than rehashing the whole log.
 */
/** A compact range as stored: the perfect subtrees (left to right) of a tree of `size` leaves. */
export interface Frontier {
  size: number;
  subtrees: Array<{ size: number; hash: Hash }>;
}

export class CompactRange {
  private subtrees: Array<{ size: number; hash: Hash }> = [];
  private count = 0;

  static of(leaves: readonly Hash[]): CompactRange {
    const range = new CompactRange();
    for (const leaf of leaves) range.append(leaf);
    return range;
  }

  /** The range a stored frontier describes, or null if it is not one (sizes must be the set bits of `size`, largest first). */
  static restore(frontier: Frontier): CompactRange | null {
    const sizes = frontier.subtrees.map((t) => t.size);
    const expected = [...frontier.size.toString(2)].flatMap((bit, i, bits) => (bit === '1' ? [2 ** (bits.length - 1 - i)] : []));
    if (frontier.size < 0 || sizes.length !== expected.length || sizes.some((n, i) => n !== expected[i])) return null;
    if (frontier.subtrees.some((t) => t.hash.length !== 32)) return null;
    const range = new CompactRange();
    range.subtrees = frontier.subtrees.map((t) => ({ size: t.size, hash: t.hash }));
    range.count = frontier.size;
    return range;
  }

  frontier(): Frontier {
    return { size: this.count, subtrees: this.subtrees.map((t) => ({ ...t })) };
  }

  get size(): number {
    return this.count;
  }

  append(leaf: Hash): void {
    this.subtrees.push({ size: 1, hash: leaf });
    this.count += 1;
    for (let n = this.subtrees.length; n >= 2 && this.subtrees[n - 2].size === this.subtrees[n - 1].size; n -= 1) {
      const right = this.subtrees.pop() as { size: number; hash: Hash };
      const left = this.subtrees.pop() as { size: number; hash: Hash };
      this.subtrees.push({ size: left.size * 2, hash: nodeHash(left.hash, right.hash) });
    }
  }

  /** Equals merkleRoot of the leaves appended: the RFC's split makes each perfect subtree a left child. */
  root(): Hash {
    if (this.subtrees.length === 0) return merkleRoot([]);
    let acc = this.subtrees[this.subtrees.length - 1].hash;
    for (let i = this.subtrees.length - 2; i >= 0; i -= 1) acc = nodeHash(this.subtrees[i].hash, acc);
    return acc;
  }
}
