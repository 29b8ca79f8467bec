export interface Ids {
  /** A new opaque unique id (UUID v4 in production). */
  next(): string;
}
