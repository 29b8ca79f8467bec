import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { buildOpenApiDocument } from '../../../tools/openApiDocument.js';

/**
 * The generated OpenAPI document passes Redocly's recommended rules (redocly.yaml) with no errors, as an
 * outside tool would lint `/api-docs.json`. Warnings are allowed and listed: `info-license` (the
 * service is not published under a licence) and `no-ambiguous-paths` (`/api/reports/files/{name}` beside
 * `/api/reports/{id}/chat`; the paths are part of the contract and the router resolves them in order).
 * `operation-4xx-response` is accepted on the three probes, which take no input, no token and no rate
 * limit and so cannot refuse anything (`/healthz`, `/readyz`, `/metrics`), and nowhere else.
 */
const REDOCLY = resolve('node_modules/@redocly/cli/bin/cli.js');
const ACCEPTED_WARNINGS = ['info-license', 'no-ambiguous-paths'];
const WITHOUT_REFUSALS = ['#/paths/~1healthz/', '#/paths/~1readyz/', '#/paths/~1metrics/'];
const accepted = (p: LintReport['problems'][number]) => ACCEPTED_WARNINGS.includes(p.ruleId)
  || (p.ruleId === 'operation-4xx-response' && WITHOUT_REFUSALS.some((path) => p.location[0]?.pointer.startsWith(path)));

interface LintReport { problems: Array<{ ruleId: string; severity: 'error' | 'warn'; message: string; location: Array<{ pointer: string }> }> }

async function lint(document: object): Promise<LintReport> {
  const dir = mkdtempSync(join(tmpdir(), 'healthvision-redocly-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(document));
    // Exits 1 when there are errors; the JSON report is on stdout either way. No telemetry, no update check.
    const { stdout } = await promisify(execFile)(process.execPath, [REDOCLY, 'lint', file, '--config', resolve('redocly.yaml'), '--format', 'json'], {
      timeout: 60_000, maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, NODE_OPTIONS: '', REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    return JSON.parse(stdout.slice(stdout.indexOf('{'))) as LintReport;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the OpenAPI document under Redocly lint (recommended rules)', () => {
  it('has no errors, and only the warnings accepted above', async () => {
    const { problems } = await lint(await buildOpenApiDocument());
    const where = (p: LintReport['problems'][number]) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`;
    expect(problems.filter((p) => p.severity === 'error').map(where)).toEqual([]);
    expect(problems.filter((p) => !accepted(p)).map(where)).toEqual([]);
  }, 90_000);
});
