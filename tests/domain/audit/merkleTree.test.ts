import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import {
  CompactRange, consistencyProof, inclusionProof, leafHash, merkleRoot, verifyConsistency, verifyInclusion, type Hash,
} from '../../../src/domain/audit/merkleTree.js';
import { eventLeafData } from '../../../src/domain/audit/ledgerLeaf.js';

/** RFC 6962 §2.1 written out literally over arrays, as an independent reference. */
const sha = (...parts: Uint8Array[]) => { const h = createHash('sha256'); for (const p of parts) h.update(p); return h.digest(); };
const k = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1);
function naiveMth(data: Uint8Array[]): Buffer {
  if (data.length === 0) return sha();
  if (data.length === 1) return sha(Buffer.from([0]), data[0]);
  return sha(Buffer.from([1]), naiveMth(data.slice(0, k(data.length))), naiveMth(data.slice(k(data.length))));
}
function naivePath(m: number, data: Uint8Array[]): Buffer[] {
  if (data.length === 1) return [];
  const s = k(data.length);
  return m < s ? [...naivePath(m, data.slice(0, s)), naiveMth(data.slice(s))] : [...naivePath(m - s, data.slice(s)), naiveMth(data.slice(0, s))];
}
function naiveSubproof(m: number, data: Uint8Array[], b: boolean): Buffer[] {
  if (m === data.length) return b ? [] : [naiveMth(data)];
  const s = k(data.length);
  return m <= s
    ? [...naiveSubproof(m, data.slice(0, s), b), naiveMth(data.slice(s))]
    : [...naiveSubproof(m - s, data.slice(s), false), naiveMth(data.slice(0, s))];
}

const data = (n: number) => Array.from({ length: n }, (_, i) => Buffer.from(`leaf ${i}`));
const leaves = (n: number) => data(n).map(leafHash);
const hex = (hs: Uint8Array[]) => hs.map((h) => Buffer.from(h).toString('hex'));
const flip = (h: Hash): Hash => { const c = Buffer.from(h); c[0] ^= 1; return c; };
const SIZES = Array.from({ length: 33 }, (_, i) => i + 1);

describe('the Merkle tree of RFC 6962', () => {
  // The test inputs and roots published with RFC 6962's reference implementation (certificate-transparency).
  const rfcInputs = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) => Buffer.from(h, 'hex'));
  it.each([
    [0, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    [1, '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d'],
    [2, 'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'],
    [3, 'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77'],
    [4, 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'],
    [5, '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4'],
    [6, '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef'],
    [7, 'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c'],
    [8, '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
  ])('the root of the first %i reference inputs is the published one', (n, root) => {
    expect(Buffer.from(merkleRoot(rfcInputs.slice(0, n).map(leafHash))).toString('hex')).toBe(root);
  });

  it.each(SIZES)('a tree of %i leaves has the root of the literal definition, also when grown leaf by leaf', (n) => {
    expect(hex([merkleRoot(leaves(n))])).toEqual(hex([naiveMth(data(n))]));
    expect(hex([CompactRange.of(leaves(n)).root()])).toEqual(hex([naiveMth(data(n))]));
  });

  it.each(SIZES)('a range of %i leaves restored from its stored frontier grows to the same roots as the full tree', (n) => {
    const restored = CompactRange.restore(CompactRange.of(leaves(n)).frontier())!;
    expect(restored.size).toBe(n);
    for (const leaf of leaves(n + 5).slice(n)) restored.append(leaf);
    expect(hex([restored.root()])).toEqual(hex([merkleRoot(leaves(n + 5))]));
  });

  it('a frontier whose subtrees do not fit its size is no frontier', () => {
    const { subtrees } = CompactRange.of(leaves(6)).frontier();
    expect(CompactRange.restore({ size: 7, subtrees })).toBeNull();
    expect(CompactRange.restore({ size: 6, subtrees: [...subtrees].reverse() })).toBeNull();
    expect(CompactRange.restore({ size: 6, subtrees: [{ ...subtrees[0], hash: new Uint8Array(3) }, subtrees[1]] })).toBeNull();
  });

  it.each(SIZES)('every audit path in a tree of %i leaves is the literal one and verifies', (n) => {
    const root = merkleRoot(leaves(n));
    for (let m = 0; m < n; m += 1) {
      const path = inclusionProof(leaves(n), m);
      expect(hex(path)).toEqual(hex(naivePath(m, data(n))));
      expect(verifyInclusion(m, n, leaves(n)[m], path, root)).toBe(true);
    }
  });

  it.each(SIZES)('every consistency proof into a tree of %i leaves is the literal one and verifies', (n) => {
    const toRoot = merkleRoot(leaves(n));
    for (let m = 1; m <= n; m += 1) {
      const proof = consistencyProof(leaves(n), m);
      expect(hex(proof)).toEqual(hex(naiveSubproof(m, data(n), true)));
      expect(verifyConsistency(m, n, merkleRoot(leaves(m)), toRoot, proof)).toBe(true);
    }
  });

  describe('an inclusion proof fails', () => {
    const n = 13;
    const all = leaves(n);
    const root = merkleRoot(all);
    const path = inclusionProof(all, 5);
    it.each([
      ['for another leaf', () => verifyInclusion(5, n, all[6], path, root)],
      ['at another index', () => verifyInclusion(4, n, all[5], path, root)],
      ['in a tree size of another shape', () => verifyInclusion(5, 8, all[5], path, root)],
      ['against another root', () => verifyInclusion(5, n, all[5], path, merkleRoot(leaves(n + 1)))],
      ['with a changed step', () => verifyInclusion(5, n, all[5], [path[0], flip(path[1]), ...path.slice(2)], root)],
      ['with a step missing', () => verifyInclusion(5, n, all[5], path.slice(1), root)],
      ['with a step too many', () => verifyInclusion(5, n, all[5], [...path, path[0]], root)],
      ['for an index beyond the tree', () => verifyInclusion(n, n, all[5], path, root)],
      ['for a negative index', () => verifyInclusion(-1, n, all[5], path, root)],
    ])('%s', (_, check) => expect(check()).toBe(false));
  });

  describe('a consistency proof fails', () => {
    const [m, n] = [6, 19];
    const proof = consistencyProof(leaves(n), m);
    const fromRoot = merkleRoot(leaves(m));
    const toRoot = merkleRoot(leaves(n));
    const rewritten = leaves(n).map((h, i) => (i === 2 ? flip(h) : h));
    it.each([
      ['when the old tree was rewritten', () => verifyConsistency(m, n, fromRoot, merkleRoot(rewritten), consistencyProof(rewritten, m))],
      ['against another new root', () => verifyConsistency(m, n, fromRoot, merkleRoot(leaves(n - 1)), proof)],
      ['against another old root', () => verifyConsistency(m, n, merkleRoot(leaves(m + 1)), toRoot, proof)],
      ['with a changed step', () => verifyConsistency(m, n, fromRoot, toRoot, [flip(proof[0]), ...proof.slice(1)])],
      ['with a step missing', () => verifyConsistency(m, n, fromRoot, toRoot, proof.slice(0, -1))],
      ['for other sizes', () => verifyConsistency(m + 1, n, fromRoot, toRoot, proof)],
      ['from a larger tree to a smaller one', () => verifyConsistency(n, m, toRoot, fromRoot, proof)],
      ['from the empty tree', () => verifyConsistency(0, n, merkleRoot([]), toRoot, proof)],
      ['between equal sizes with different roots', () => verifyConsistency(n, n, fromRoot, toRoot, [])],
      ['with an empty proof between different sizes', () => verifyConsistency(m, n, fromRoot, toRoot, [])],
    ])('%s', (_, check) => expect(check()).toBe(false));
  });

  it('a deleted newest leaf, or a deleted leaf in the middle, changes the root', () => {
    const all = leaves(10);
    expect(hex([merkleRoot(all.slice(0, 9))])).not.toEqual(hex([merkleRoot(all)]));
    expect(hex([merkleRoot([...all.slice(0, 4), ...all.slice(5)])])).not.toEqual(hex([merkleRoot(all.slice(0, 9))]));
  });

  it('refuses to prove what is not in the tree', () => {
    expect(() => inclusionProof(leaves(3), 3)).toThrow(RangeError);
    expect(() => consistencyProof(leaves(3), 0)).toThrow(RangeError);
    expect(() => consistencyProof(leaves(3), 4)).toThrow(RangeError);
  });
});

describe('the leaf of an event', () => {
  const base = { leafIndex: 7, streamId: 'slot-d:2030', revision: 2, hash: 'ab'.repeat(32) };
  it.each([
    ['index', { ...base, leafIndex: 8 }],
    ['stream', { ...base, streamId: 'slot-d:2031' }],
    ['revision', { ...base, revision: 3 }],
    ['chain hash', { ...base, hash: 'ac'.repeat(32) }],
    ['a chain hash that is not hex', { ...base, hash: 'zz'.repeat(32) }],
  ])('changes with its %s', (_, other) => {
    expect(Buffer.from(eventLeafData(other)).equals(Buffer.from(eventLeafData(base)))).toBe(false);
  });

  it('cannot be confused by moving bytes between the stream id and the hash', () => {
    const a = eventLeafData({ ...base, streamId: 'ab', hash: 'cd' });
    const b = eventLeafData({ ...base, streamId: 'abc', hash: 'd' });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it('is the documented encoding', () => {
    expect(Buffer.from(eventLeafData({ leafIndex: 1, streamId: 'é', revision: 2, hash: 'ff' })).toString('hex'))
      .toBe('0000000000000001' + '0000000000000002' + '00000002' + 'c3a9' + '00000002' + '6666');
  });
});
