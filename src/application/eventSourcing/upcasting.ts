import type { RecordedEvent } from '../ports/eventStore.js';

/**
 * Old events evolve on read, never by rewriting the log. An upcaster lifts the payload of one event
 * type from `fromVersion` to `fromVersion + 1`; chains of them run until the current version.
 */
export interface Upcaster {
  type: string;
  fromVersion: number;
  /** Returns the lifted payload; must not mutate its input (delivered events are frozen). */
  up(data: unknown): unknown;
}

export type Upcast = (event: RecordedEvent) => RecordedEvent;

export function upcasterChain(upcasters: readonly Upcaster[]): Upcast {
  const byType = new Map<string, Map<number, Upcaster>>();
  for (const u of upcasters) {
    const versions = byType.get(u.type) ?? new Map<number, Upcaster>();
    versions.set(u.fromVersion, u);
    byType.set(u.type, versions);
  }
  return (event) => {
    const versions = byType.get(event.type);
    if (!versions) return event;
    let { data } = event;
    let version = event.metadata.schemaVersion;
    for (let step = versions.get(version); step; step = versions.get(version)) {
      data = step.up(data);
      version += 1;
    }
    return version === event.metadata.schemaVersion
      ? event
      : { ...event, data, metadata: { ...event.metadata, schemaVersion: version } };
  };
}

export const noUpcast: Upcast = (event) => event;
