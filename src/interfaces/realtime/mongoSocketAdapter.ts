import type { Server as HttpServer } from 'node:http';
import type { Collection } from 'mongodb';
import { createAdapter } from '@socket.io/mongo-adapter';
import type { Server } from 'socket.io';
import type { Logger } from '../../infrastructure/logger.js';
import { createMongoClient } from '../../infrastructure/mongo/mongoClient.js';

const COLLECTION = 'socketio_adapter_events';
/** Adapter messages are only useful for seconds; the TTL index keeps the collection small. */
const EVENT_TTL_SECONDS = 3600;
/**
 * A live instance answers a `fetchSockets` within a change-stream round trip (milliseconds). One that
 * has died still counts as a server until its heartbeats are missed for `heartbeatTimeout` (10 s), and
 * the adapter would wait `requestsTimeout` (5 s) for it and then fail the whole call.
 */
const DEFAULT_ANSWERS_WITHIN_MS = 1000;

/** The adapter's pending `fetchSockets` request (internal to @socket.io/mongo-adapter 0.4). */
interface PendingRequest {
  type: number;
  resolve(responses: unknown[]): void;
  timeout: NodeJS.Timeout;
  current: number;
  expected: number;
  responses: unknown[];
}
const FETCH_SOCKETS = 7;

/**
 * The adapter's table of pending requests, with a shorter deadline for `fetchSockets`: when it
 * passes, the call answers with the sockets of the instances that did answer (the local ones
 * always), instead of failing after the adapter's own timeout. A join during a rolling deploy thus
 * waits at most `answersWithinMs` for instances that are gone, and still sees peers on live ones.
 */
class AnswersSoFar extends Map<string, PendingRequest> {
  constructor(private readonly answersWithinMs: number, private readonly log: Logger) {
    super();
  }

  override set(id: string, request: PendingRequest): this {
    super.set(id, request);
    if (request.type === FETCH_SOCKETS) {
      setTimeout(() => {
        if (this.get(id) !== request) return;
        clearTimeout(request.timeout);
        this.delete(id);
        this.log.warn({ answered: request.current, expected: request.expected }, 'socket.io adapter: answering without the instances that did not reply');
        request.resolve(request.responses);
      }, this.answersWithinMs).unref();
    }
    return this;
  }
}

/** The collection calls the adapter makes (a change stream and inserts). */
export type AdapterCollection = Pick<Collection, 'watch' | 'insertOne'>;

export interface SocketAdapterOptions {
  /** How long a `fetchSockets` waits for other instances' answers before going on without the missing ones. */
  answersWithinMs?: number;
  /** Heartbeats between instances; an instance not heard from for `heartbeatTimeout` no longer counts. */
  heartbeatIntervalMs?: number;
  heartbeatTimeoutMs?: number;
}

/** The MongoDB adapter, tolerant of instances that stopped answering. */
export function mongoSocketAdapter(collection: AdapterCollection, log: Logger, options: SocketAdapterOptions = {}) {
  const make = createAdapter(collection as Collection, {
    addCreatedAtField: true,
    heartbeatInterval: options.heartbeatIntervalMs,
    heartbeatTimeout: options.heartbeatTimeoutMs,
  });
  const answersWithinMs = options.answersWithinMs ?? DEFAULT_ANSWERS_WITHIN_MS;
  return function tolerantAdapter(nsp: unknown) {
    const adapter = make(nsp);
    (adapter as unknown as { requests: AnswersSoFar }).requests = new AnswersSoFar(answersWithinMs, log);
    // Once closed (shutdown), the adapter's fetchSockets would publish anyway and leave an unhandled
    // rejection ("adapter is closed") that ends the process; the departures recorded while the
    // server closes only need this instance's sockets then.
    let closed = false;
    const close = adapter.close.bind(adapter);
    const fetchSockets = adapter.fetchSockets.bind(adapter);
    adapter.close = () => { closed = true; return close(); };
    adapter.fetchSockets = (opts) => (closed ? fetchSockets({ ...opts, flags: { ...opts.flags, local: true } }) : fetchSockets(opts));
    return adapter;
  };
}

/**
 * Several API instances behind a load balancer: peers of one room may sit on different instances.
 * The MongoDB adapter carries broadcasts, `fetchSockets` and remote disconnects between them through
 * a change stream (so MongoDB must run as a replica set, as in the production profile).
 */
export function useMongoSocketAdapter(io: Server, httpServer: HttpServer, url: string, dbName: string, log: Logger): void {
  const client = createMongoClient(url);
  const collection = client.db(dbName).collection(COLLECTION);
  collection.createIndex({ createdAt: 1 }, { expireAfterSeconds: EVENT_TTL_SECONDS })
    .catch((error: unknown) => log.error({ err: error }, 'socket.io adapter: could not create the TTL index'));
  io.adapter(mongoSocketAdapter(collection, log));
  httpServer.once('close', () => { client.close().catch(() => {}); });
}
