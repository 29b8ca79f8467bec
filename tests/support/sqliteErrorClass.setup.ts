import Database from 'better-sqlite3';
import { createRequire } from 'node:module';

/**
 * Jest gives every test file its own module registry and globals (its own `Error`), but a native
 * addon is loaded once per worker process. better-sqlite3 hands its SqliteError class to the addon
 * only when the first database of the process opens, so in every later test file of the same worker
 * SQLite errors are built from the first file's class: `instanceof Error` is false there and
 * `expect(...).rejects.toThrow()` reports a rejected constraint violation as "did not throw".
 * Handing the addon this file's class restores what a single production process has.
 */
const require = createRequire(import.meta.url);
const addon = require('better-sqlite3/build/Release/better_sqlite3.node') as { setErrorConstructor(constructor: unknown): void };
addon.setErrorConstructor(Database.SqliteError);
