import { createHash } from 'node:crypto';
import { DomainError } from '../../src/domain/shared/errors.js';
import { AnalysisError, type ReportAnalyzer } from '../../src/application/ports/reportAnalyzer.js';
import type { FileStorage } from '../../src/application/ports/fileStorage.js';
import type { Mailer } from '../../src/application/ports/mailer.js';
import type { PaymentGateway } from '../../src/application/ports/paymentGateway.js';
import type { AdapterWrappers } from '../../src/infrastructure/compositionRoot.js';

export type FaultTarget = 'mail' | 'gateway.createOrder' | 'gateway.fetchPayment' | 'gateway.refund' | 'files.put' | 'files.read' | 'analyzer';

/**
 * `transient`: the service is down for this call (a retry may pass). `lostAnswer`: the call took
 * effect but its answer never came back. `permanent`: the service refuses this very operation
 * (same mail, refund, order receipt, file) now and on every retry.
 */
export type FaultKind = 'transient' | 'lostAnswer' | 'permanent';

export const FAULT_TARGETS: readonly FaultTarget[] = ['mail', 'gateway.createOrder', 'gateway.fetchPayment', 'gateway.refund', 'files.put', 'files.read', 'analyzer'];

function down(target: FaultTarget): Error {
  if (target === 'analyzer') return new AnalysisError('injected: the analysis service is down', true);
  return new DomainError('unavailable', `${target.split('.')[0]}_unavailable`, `injected: ${target} is unavailable`);
}

function refused(target: FaultTarget): Error {
  if (target === 'analyzer') return new AnalysisError('injected: the analyzer cannot read this file', false);
  return new DomainError('invalid', `${target.split('.')[0]}_refused`, `injected: ${target} refused the request`);
}

const fingerprint = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * Failures of the outside world (mail, gateway, file storage, analyzer) armed by a test and injected
 * through the composition root's `wrapAdapters` seam. The plan outlives a service restart: pass the
 * same `wrappers` to the next service on the same data.
 */
export class AdapterFaults {
  private readonly armed: Array<{ target: FaultTarget; kind: FaultKind; remaining: number }> = [];
  /** Operations refused for good, by target and operation key. */
  private readonly refusedForGood = new Set<string>();
  /** Every failure injected so far, for the report of a failing run. */
  readonly injected: Array<{ target: FaultTarget; kind: FaultKind; key: string }> = [];
  /** When (wall clock) the last failure a retry can get past was injected: retries in progress may still be waiting. */
  lastTransientAt = 0;

  /** The next `times` calls to `target` fail as `kind`. */
  arm(target: FaultTarget, kind: FaultKind, times: number): void {
    this.armed.push({ target, kind, remaining: times });
  }

  private async around<T>(target: FaultTarget, key: string, call: () => Promise<T>): Promise<T> {
    if (this.refusedForGood.has(`${target}|${key}`)) {
      this.injected.push({ target, kind: 'permanent', key });
      throw refused(target);
    }
    const fault = this.armed.find((f) => f.target === target && f.remaining > 0);
    if (!fault) return call();
    fault.remaining -= 1;
    this.injected.push({ target, kind: fault.kind, key });
    if (fault.kind === 'permanent') {
      this.refusedForGood.add(`${target}|${key}`);
      throw refused(target);
    }
    this.lastTransientAt = Date.now();
    if (fault.kind === 'lostAnswer') await call();
    throw down(target);
  }

  readonly wrappers: AdapterWrappers = {
    mailer: (mailer: Mailer): Mailer => ({
      send: (message) => this.around('mail', message.idempotencyKey, () => mailer.send(message)),
    }),
    gateway: (gateway: PaymentGateway): PaymentGateway => ({
      keyId: gateway.keyId,
      createOrder: (order) => this.around('gateway.createOrder', order.receipt, () => gateway.createOrder(order)),
      fetchPayment: (id) => this.around('gateway.fetchPayment', id, () => gateway.fetchPayment(id)),
      refund: (id, amountPaise, key) => this.around('gateway.refund', key, () => gateway.refund(id, amountPaise, key)),
    }),
    files: (files: FileStorage): FileStorage => ({
      put: async (name, content, mimeType) => this.around('files.put', fingerprint(Buffer.from(await content.arrayBuffer())), () => files.put(name, content, mimeType)),
      read: (storageKey, mimeType) => this.around('files.read', storageKey, () => files.read(storageKey, mimeType)),
      signedUrl: (storageKey, options) => files.signedUrl(storageKey, options),
      ...(files.openSigned ? { openSigned: files.openSigned.bind(files) } : {}),
    }),
    analyzer: (analyzer: ReportAnalyzer): ReportAnalyzer => ({
      analyze: (file) => this.around('analyzer', fingerprint(file.bytes), () => analyzer.analyze(file)),
      chat: (context, message, history) => analyzer.chat(context, message, history),
    }),
  };
}
