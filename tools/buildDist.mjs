// Compiles src/ to dist/ (tsconfig.build.json) and copies the files the service loads next to its modules
// (the PDF worker, the consultation page), so `node dist/...` needs no TypeScript at run time.
// `--if-stale` builds only when dist/ is missing or older than src/: `npm start` runs it first, which makes a
// fresh clone's `npm install && npm start` work and keeps a restart instant.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');
// Written last: a build that was interrupted has no stamp and counts as missing.
const stamp = join(dist, '.build-complete');
const inputs = [src, join(root, 'tsconfig.json'), join(root, 'tsconfig.build.json'), join(root, 'package.json')];

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtime(join(path, name))), stat.mtimeMs);
}

function isFresh() {
  return existsSync(stamp) && statSync(stamp).mtimeMs >= Math.max(...inputs.map(newestMtime));
}

if (process.argv.includes('--if-stale') && isFresh()) process.exit(0);

process.stderr.write('Building dist/ from src/ …\n');
rmSync(dist, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
cpSync(src, dist, { recursive: true, filter: (path) => statSync(path).isDirectory() || !path.endsWith('.ts') });
writeFileSync(stamp, `${new Date().toISOString()}\n`);
