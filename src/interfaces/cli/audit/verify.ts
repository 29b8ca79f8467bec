import { existsSync, readFileSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { verifyLedger, type LedgerVerdict } from '../../../application/audit/ledgerVerification.js';
import type { SignedTreeHead } from '../../../application/audit/ledger.js';
import { openLedgerForAudit } from '../../../infrastructure/audit/ledgerWiring.js';
import { configOrReport, EXIT_CONFIG } from '../cliConfig.js';
import { EXIT_USAGE, type AuditSubcommand } from './subcommand.js';

const BAR_WIDTH = 30;

/** A `\r`-redrawn bar on a terminal's stderr; nothing when stderr is a pipe or a file. */
function progressBar(stream: NodeJS.WriteStream) {
  if (!stream.isTTY) return { update: () => undefined, done: () => undefined };
  return {
    update(done: number, total: number) {
      const filled = total === 0 ? BAR_WIDTH : Math.round((done / total) * BAR_WIDTH);
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${done}/${total} events`);
    },
    done: () => stream.write('\n'),
  };
}

/** `--public-key` as base64 SPKI DER, a PEM, or a file holding a PEM: the key heads must be signed with. */
export function trustedKey(value: string): string {
  const text = existsSync(value) ? readFileSync(value, 'utf8') : value;
  const key = text.includes('-----BEGIN') ? createPublicKey(text) : createPublicKey({ key: Buffer.from(text.trim(), 'base64'), format: 'der', type: 'spki' });
  return key.export({ format: 'der', type: 'spki' }).toString('base64');
}

/** `--head <file>`: a head saved from the API (one head, an array of them, or a `{ items }` page). */
function keptHeads(file: string): SignedTreeHead[] {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  const list = (Array.isArray(parsed) ? parsed : (parsed as { items?: unknown[] }).items ?? [parsed]) as SignedTreeHead[];
  for (const head of list) {
    if (!Number.isSafeInteger(head.size) || typeof head.rootHash !== 'string' || typeof head.signature !== 'string') throw new Error('not a signed tree head');
  }
  return list;
}

export function summary(v: LedgerVerdict): string {
  const counted = `${v.events} events in ${v.streams} streams, ${v.leaves} ledger leaves, ${v.heads} signed heads`;
  if (v.valid) return `audit verify: OK: ${counted}; every hash chain, leaf, root and signature verified.`;
  const b = v.firstBroken!;
  const kinds = Object.entries(v.breaks).map(([kind, n]) => `${n} ${kind}`).join(', ');
  const where = b.position !== null ? `at position ${b.position}` : b.afterPosition !== undefined ? `after position ${b.afterPosition}` : 'at an unknown position';
  return `audit verify: BROKEN ${where} (${b.kind}: ${b.detail}); ${counted}; breaks: ${kinds}.`;
}

export const verifyCommand: AuditSubcommand = {
  name: 'verify',
  usage: 'verify [--public-key <base64 | PEM | file>] [--head <file>]…  check the whole store: chains, leaves, Merkle roots, signatures',
  async run(args) {
    let publicKey: string | undefined;
    const kept: SignedTreeHead[] = [];
    for (let i = 0; i < args.length; i += 1) {
      const [flag, value] = [args[i], args[i + 1]];
      if ((flag === '--public-key' || flag === '--head') && value) {
        try {
          if (flag === '--public-key') publicKey = trustedKey(value);
          else kept.push(...keptHeads(value));
        } catch (error) {
          console.error(`${flag} ${value}: ${error instanceof Error ? error.message : String(error)}`);
          return EXIT_USAGE;
        }
        i += 1;
      } else {
        console.error(`Unknown argument ${args[i]}. Usage: npm run audit -- ${this.usage}`);
        return EXIT_USAGE;
      }
    }
    const config = configOrReport();
    if (!config) return EXIT_CONFIG;
    const opened = await openLedgerForAudit(config);
    const trusted = publicKey ?? opened.publicKey ?? undefined;
    if (!trusted) console.error('No public key given or configured: heads are checked against the key of the first head only.');
    const bar = progressBar(process.stderr);
    try {
      const verdict = await verifyLedger({ events: opened.events, store: opened.store, trustedPublicKey: trusted, keptHeads: kept, onProgress: bar.update });
      bar.done();
      console.log(summary(verdict));
      return verdict.valid ? 0 : 1;
    } finally {
      await opened.close();
    }
  },
};
