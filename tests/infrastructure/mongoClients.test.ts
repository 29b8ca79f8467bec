import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createMongoClient } from '../../src/infrastructure/mongo/mongoClient.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');
const FACTORY = join('infrastructure', 'mongo', 'mongoClient.ts');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('MongoDB clients', () => {
  it('leave undefined values out, write with majority acknowledgement and retry writes and reads', () => {
    // Constructing a client does not connect.
    const { options } = createMongoClient('mongodb://127.0.0.1:1/?replicaSet=rs0');
    expect(options).toMatchObject({ ignoreUndefined: true, retryWrites: true, retryReads: true });
    expect(options.writeConcern?.w).toBe('majority');
  });

  it('are made in one place only, so no adapter writes with other options', () => {
    const makers = sources(SRC)
      .filter((file) => relative(SRC, file) !== FACTORY)
      .filter((file) => /new MongoClient\(|MongoClient\.connect\(/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(SRC, file));
    expect(makers).toEqual([]);
  });
});
