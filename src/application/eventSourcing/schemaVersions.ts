/**
 * Current payload schema version per event type. Types not listed are at version 1. When a payload
 * changes shape, bump its version here and register an upcaster from the previous version.
 */
const current: Record<string, number> = {};

export function schemaVersionOf(type: string): number {
  return current[type] ?? 1;
}
