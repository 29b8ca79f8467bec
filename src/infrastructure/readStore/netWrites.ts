import { InvalidQuery, type Write } from '../../application/ports/readStore.js';
import { checkCollection, checkFieldName, checkId } from './readStoreQuery.js';

/**
 * The net effect of one event's writes on one document. Collapsing a batch per document lets the
 * position guard be checked once per document: several writes to one document caused by the same
 * event all apply (the first would otherwise make the document's position equal to the event's and
 * the guard would skip the rest), while a replay of the whole batch is skipped.
 */
export type NetWrite =
  | { collection: string; id: string; kind: 'merge'; fields: Record<string, unknown> }
  /** A delete followed by sets: the document starts afresh from these fields. */
  | { collection: string; id: string; kind: 'replace'; fields: Record<string, unknown> }
  | { collection: string; id: string; kind: 'delete' };

function fieldsOf(write: { id: string; set: unknown }): Record<string, unknown> {
  const set = write.set;
  if (typeof set !== 'object' || set === null || Array.isArray(set)) {
    throw new InvalidQuery(`write to ${write.id}: set must be an object`);
  }
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(set)) {
    if (value === undefined) continue;
    if (name === 'id') {
      if (value !== write.id) throw new InvalidQuery(`write to ${write.id}: set.id ${JSON.stringify(value)} differs from the document id`);
      continue;
    }
    fields[checkFieldName(name)] = value;
  }
  return fields;
}

/** Net writes in the order each document was first touched, validated. */
export function netWrites(writes: readonly Write[]): NetWrite[] {
  const byDocument = new Map<string, NetWrite>();
  for (const write of writes) {
    const collection = checkCollection(write.collection);
    const id = checkId(write.id);
    const key = `${collection}\u0000${id}`;
    const previous = byDocument.get(key);
    if ('delete' in write && write.delete === true) {
      byDocument.set(key, { collection, id, kind: 'delete' });
      continue;
    }
    if (!('set' in write)) throw new InvalidQuery(`write to ${collection}/${id}: expected set or delete: true`);
    const fields = fieldsOf(write);
    if (previous === undefined) byDocument.set(key, { collection, id, kind: 'merge', fields });
    else if (previous.kind === 'delete') byDocument.set(key, { collection, id, kind: 'replace', fields });
    else previous.fields = { ...previous.fields, ...fields };
  }
  return [...byDocument.values()];
}
