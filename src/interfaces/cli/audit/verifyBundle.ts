import { readFileSync } from 'node:fs';
import { verifyBundle, type BundleVerdict } from '../../../application/audit/caseBundle.js';
import { EXIT_USAGE, type AuditSubcommand } from './subcommand.js';
import { trustedKey } from './verify.js';

export function bundleSummary(file: string, v: BundleVerdict): string {
  if (v.valid) {
    const newer = v.events - v.proven;
    return `audit verify-bundle: OK: ${file}: ${v.events} events, ${v.proven} proven in the signed tree`
      + `${newer > 0 ? `, ${newer} newer than its head (covered by the signed manifest)` : ''}; signatures verified.`;
  }
  const lines = v.problems.map((p) => `  ${p.problem}${p.position === undefined ? '' : ` at position ${p.position} (${p.streamId} #${p.revision})`}: ${p.detail}`);
  return [`audit verify-bundle: BROKEN: ${file}: ${v.problems.length} problem(s) in ${v.events} events`, ...lines].join('\n');
}

/** Checks a downloaded case bundle with nothing but the file and the key the auditor trusts: no database, no configuration. */
export const verifyBundleCommand: AuditSubcommand = {
  name: 'verify-bundle',
  usage: 'verify-bundle <file> --public-key <base64 | PEM | file>  check a case bundle offline: chains, leaves, proofs, signatures',
  async run(args) {
    const [file, flag, value, ...rest] = args;
    if (!file || flag !== '--public-key' || !value || rest.length > 0) {
      console.error(`Usage: npm run audit -- ${this.usage}`);
      return EXIT_USAGE;
    }
    let publicKey: string;
    try {
      publicKey = trustedKey(value);
    } catch {
      console.error(`--public-key: not an Ed25519 public key: ${value}`);
      return EXIT_USAGE;
    }
    let bundle: unknown;
    try {
      bundle = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      console.error(`audit verify-bundle: BROKEN: ${file} is not a readable JSON file (${error instanceof Error ? error.message : String(error)})`);
      return 1;
    }
    const verdict = verifyBundle(bundle, publicKey);
    console.log(bundleSummary(file, verdict));
    return verdict.valid ? 0 : 1;
  },
};
