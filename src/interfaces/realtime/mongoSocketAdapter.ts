import type { Server as HttpServer } from 'node:http';
import { MongoClient } from 'mongodb';
import { createAdapter } from '@socket.io/mongo-adapter';
import type { Server } from 'socket.io';
import type { Logger } from '../../infrastructure/logger.js';

const COLLECTION = 'socketio_adapter_events';
/** Adapter messages are only useful for seconds; the TTL index keeps the collection small. */
const EVENT_TTL_SECONDS = 3600;

/**
 * Several API instances behind a load balancer: peers of one room may sit on different instances.
 * The MongoDB adapter carries broadcasts, `fetchSockets` and remote disconnects between them through
 * a change stream (so MongoDB must run as a replica set, as in the production profile).
 */
export function useMongoSocketAdapter(io: Server, httpServer: HttpServer, url: string, dbName: string, log: Logger): void {
  const client = new MongoClient(url);
  const collection = client.db(dbName).collection(COLLECTION);
  collection.createIndex({ createdAt: 1 }, { expireAfterSeconds: EVENT_TTL_SECONDS })
    .catch((error: unknown) => log.error({ err: error }, 'socket.io adapter: could not create the TTL index'));
  io.adapter(createAdapter(collection, { addCreatedAtField: true }));
  httpServer.once('close', () => { client.close().catch(() => {}); });
}
