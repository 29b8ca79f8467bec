import type { PersonalDataRule } from '../../domain/shared/personalData.js';
import type {
  AppendResult, EventStore, EventToAppend, ExpectedRevision, ReadAllOptions, ReadStreamOptions, RecordedEvent, StreamAppend, Subscription,
} from '../ports/eventStore.js';
import type { PersonalDataKeys } from '../ports/personalDataKeys.js';
import { forgottenAtWrite, isSealed, seal, unseal } from './fieldCipher.js';

type Data = Record<string, unknown>;

function valueAt(data: unknown, path: readonly string[]): unknown {
  let value = data;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Data)[segment];
  }
  return value;
}

/** A copy of `data` with `value` at `path` (stored events are frozen, so nothing is changed in place). */
function withValueAt(data: unknown, path: readonly string[], value: unknown): unknown {
  const [head, ...rest] = path;
  const object = data as Data;
  return { ...object, [head]: rest.length === 0 ? value : withValueAt(object[head], rest, value) };
}

interface CompiledRule {
  owner: PersonalDataRule['owner'];
  fields: Array<{ path: string; segments: string[]; forgotten: unknown }>;
}

/**
 * The event store as everyone in the service sees it: personal fields (per the contexts' tables) are
 * sealed with their owner's key before the store hashes and writes them, and opened on every read
 * and delivery. The store's hash chain is therefore over ciphertext, which erasing a key never
 * changes, so every chain (and anything built on the stored hashes) stays verifiable. `raw` reads
 * answer exactly what is stored. Events of types without personal data pass through untouched.
 */
export class PersonalDataEventStore implements EventStore {
  private readonly rules: Map<string, CompiledRule>;
  /** Offered exactly when the inner store offers it (an optional capability of the port). */
  readonly appendMany?: (appends: readonly StreamAppend[]) => Promise<AppendResult[]>;

  constructor(private readonly inner: EventStore, private readonly keys: PersonalDataKeys, rules: readonly PersonalDataRule[]) {
    this.rules = new Map(rules.map((rule) => [rule.type, {
      owner: rule.owner,
      fields: rule.fields.map((f) => ({ path: f.path, segments: f.path.split('.'), forgotten: f.forgotten })),
    }]));
    const appendMany = inner.appendMany?.bind(inner);
    if (appendMany) {
      this.appendMany = async (appends) => appendMany(await Promise.all(appends.map(async (a) => ({ ...a, events: await this.sealed(a.events) }))));
    }
  }

  async append(streamId: string, events: EventToAppend[], expected: ExpectedRevision): Promise<AppendResult> {
    return this.inner.append(streamId, await this.sealed(events), expected);
  }

  private async sealed(events: EventToAppend[]): Promise<EventToAppend[]> {
    if (!events.some((e) => this.rules.has(e.type))) return events;
    const keys = new Map<string, Buffer | null>();
    const sealed: EventToAppend[] = [];
    for (const event of events) {
      const rule = this.rules.get(event.type);
      const owner = rule?.owner(event.data as Data, event.metadata.actor) ?? null;
      if (!rule || owner === null) { sealed.push(event); continue; }
      if (!keys.has(owner)) keys.set(owner, await this.keys.keyFor(owner));
      const key = keys.get(owner) ?? null;
      let data = event.data;
      for (const field of rule.fields) {
        const value = valueAt(data, field.segments);
        if (value === undefined) continue;
        data = withValueAt(data, field.segments, key ? seal(key, owner, event.metadata.eventId, field.path, value) : forgottenAtWrite(owner));
      }
      sealed.push({ ...event, data });
    }
    return sealed;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const events = await this.inner.readStream(streamId, options);
    return options.raw ? events : this.open(events);
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.open(await this.inner.readAll(options));
  }

  subscribeToAll(options?: { fromPosition?: number }): Subscription {
    const subscription = this.inner.subscribeToAll(options);
    const open = (run: RecordedEvent[]) => this.open(run);
    return {
      async* [Symbol.asyncIterator]() {
        for await (const event of subscription) yield* await open([event]);
      },
      runs: (max) => ({
        async* [Symbol.asyncIterator]() {
          for await (const run of subscription.runs(max)) yield await open(run);
        },
      }),
      close: () => subscription.close(),
    };
  }

  headPosition(): Promise<number> {
    return this.inner.headPosition();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /**
   * Opens the personal fields of a run of events with one key look-up for all their owners. A field
   * whose owner was erased reads as the table's placeholder, whether it was sealed or (written before
   * encryption) plain; so does one that cannot be decrypted. Reading never fails for want of a key.
   */
  private async open(events: RecordedEvent[]): Promise<RecordedEvent[]> {
    const owners: Array<string | null> = events.map((e) => {
      const rule = this.rules.get(e.type);
      return rule ? rule.owner(e.data as Data, e.metadata.actor) : null;
    });
    const wanted = owners.filter((o): o is string => o !== null);
    if (wanted.length === 0) return events;
    const keys = await this.keys.keysOf(wanted);
    return events.map((event, index) => {
      const owner = owners[index];
      if (owner === null) return event;
      const erased = keys.get(owner) === null;
      let data = event.data;
      for (const field of this.rules.get(event.type)!.fields) {
        const stored = valueAt(data, field.segments);
        if (stored === undefined) continue;
        const value = isSealed(stored)
          ? unseal(keys.get(stored.by), stored, event.metadata.eventId) ?? field.forgotten
          : erased ? field.forgotten : stored;
        if (value !== stored) data = withValueAt(data, field.segments, value);
      }
      return data === event.data ? event : { ...event, data };
    });
  }
}
