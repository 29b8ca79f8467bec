import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { PersonalDataKeys } from '../../src/application/ports/personalDataKeys.js';

/** The PersonalDataKeys contract, run against every adapter (SQLite here, MongoDB when a server is configured). */
export interface PersonalDataKeysHarness {
  keys: PersonalDataKeys;
  /** A fresh adapter on the same storage (a process restart, or a second instance). */
  reopen(): Promise<PersonalDataKeys>;
  cleanup(): Promise<void>;
}

const at = new Date('2030-01-07T03:30:00Z');

export function personalDataKeysContract(name: string, open: () => Promise<PersonalDataKeysHarness>): void {
  describe(`PersonalDataKeys contract: ${name}`, () => {
    let h: PersonalDataKeysHarness;
    beforeEach(async () => { h = await open(); });
    afterEach(async () => { await h.cleanup(); });

    it('makes a 32-byte key on first use and answers the same one afterwards, also after a restart', async () => {
      const first = await h.keys.keyFor('ann');
      expect(first).toHaveLength(32);
      expect(await h.keys.keyFor('ann')).toEqual(first);
      expect(await (await h.reopen()).keyFor('ann')).toEqual(first);
    });

    it('gives each person their own key', async () => {
      const [ann, bob] = [await h.keys.keyFor('ann'), await h.keys.keyFor('bob')];
      expect(ann).not.toEqual(bob);
    });

    it('two simultaneous first uses agree on one key', async () => {
      const other = await h.reopen();
      const both = await Promise.all([h.keys.keyFor('carol'), other.keyFor('carol'), h.keys.keyFor('carol')]);
      expect(both[1]).toEqual(both[0]);
      expect(both[2]).toEqual(both[0]);
    });

    it('keysOf answers the keys people have and never creates one', async () => {
      const ann = await h.keys.keyFor('ann');
      const found = await h.keys.keysOf(['ann', 'nobody', 'ann']);
      expect([...found.keys()]).toEqual(['ann']);
      expect(found.get('ann')).toEqual(ann);
      expect((await h.keys.keysOf(['nobody'])).size).toBe(0);
      expect((await h.keys.keysOf([])).size).toBe(0);
    });

    it('an erased key is gone for good: no key again, not even a new one', async () => {
      await h.keys.keyFor('ann');
      await h.keys.keyFor('bob');
      await h.keys.erase('ann', at);
      expect(await h.keys.keyFor('ann')).toBeNull();
      const found = await h.keys.keysOf(['ann', 'bob', 'nobody']);
      expect(found.get('ann')).toBeNull();
      expect(found.get('bob')).toHaveLength(32);
      expect(found.has('nobody')).toBe(false);
      expect(await (await h.reopen()).keyFor('ann')).toBeNull();
    });

    it('erasing twice, or someone who never had a key, is harmless and sticks', async () => {
      await h.keys.keyFor('ann');
      await h.keys.erase('ann', at);
      await h.keys.erase('ann', at);
      await h.keys.erase('never-keyed', at);
      expect(await h.keys.keyFor('never-keyed')).toBeNull();
      expect((await h.keys.keysOf(['never-keyed'])).get('never-keyed')).toBeNull();
      expect(await h.keys.keyFor('ann')).toBeNull();
    });
  });
}
