import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, loadConfig } from '../../src/infrastructure/config.js';
import { testLedgerSigningKey } from '../support/ledgerKeys.js';

const productionBasics = {
  NODE_ENV: 'production',
  JWT_SECRET: 'a-production-secret-that-is-long-enough-1234',
  RAZORPAY_KEY_ID: 'rzp_live_x',
  RAZORPAY_KEY_SECRET: 'secret',
  RAZORPAY_WEBHOOK_SECRET: 'whsec',
  LEDGER_SIGNING_KEY: testLedgerSigningKey,
};
const productionStores = { EVENTSTORE_URL: 'esdb://localhost:2113?tls=false', MONGODB_URL: 'mongodb://localhost' };

describe('configuration', () => {
  it('runs on defaults alone: embedded profile, simulator, 15-minute holds, port 5000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 5000, HOLD_TTL_SECONDS: 900, MIN_NOTICE_MINUTES: 30, profile: 'embedded', paymentSimulator: true,
      SQLITE_SYNCHRONOUS: 'full', seedDemo: true,
    });
    expect(config.sqliteFile).toMatch(/data\/healthvision\.sqlite$/);
  });

  it.each([
    ['PORT', { PORT: 'eighty' }],
    ['HOLD_TTL_SECONDS', { HOLD_TTL_SECONDS: '-5' }],
    ['JWT_SECRET', { JWT_SECRET: 'short' }],
    ['SQLITE_SYNCHRONOUS', { SQLITE_SYNCHRONOUS: 'off' }],
    ['ML_SERVICE_URL', { ML_SERVICE_URL: 'not a url' }],
  ])('names %s when its value is malformed', (name, env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });

  it('refuses the development JWT secret in production', () => {
    const { JWT_SECRET: _omitted, ...rest } = productionBasics;
    expect(() => loadConfig(rest)).toThrow(/JWT_SECRET/);
  });

  it('refuses the local payment simulator in production', () => {
    const { RAZORPAY_KEY_ID: _id, ...rest } = productionBasics;
    expect(() => loadConfig(rest)).toThrow(/simulator/);
  });

  it('starts in production with real secrets, without demo data', () => {
    expect(loadConfig(productionBasics)).toMatchObject({ NODE_ENV: 'production', paymentSimulator: false, seedDemo: false });
  });

  it('selects the production profile when a server URL is set', () => {
    expect(loadConfig({ ...productionStores, LEDGER_SIGNING_KEY: testLedgerSigningKey, ALLOW_LOCAL_FILES_IN_PRODUCTION: 'true' }).profile).toBe('production');
  });

  it('wants both production stores or neither', () => {
    expect(() => loadConfig({ EVENTSTORE_URL: 'esdb://localhost:2113?tls=false' })).toThrow(/MONGODB_URL/);
  });

  it.each([
    ['NODE_ENV=production', (({ LEDGER_SIGNING_KEY: _omitted, ...rest }) => rest)(productionBasics)],
    ['the production profile', productionStores],
  ])('refuses to start with %s and no ledger signing key', (_, env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/LEDGER_SIGNING_KEY/);
  });

  it.each([
    ['a PEM', generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()],
    ['base64 PKCS#8', testLedgerSigningKey],
  ])('takes a ledger signing key as %s', (_, key) => {
    expect(loadConfig({ LEDGER_SIGNING_KEY: key }).LEDGER_SIGNING_KEY).toBe(key.trim());
  });

  it.each([
    ['not a key', 'hello'],
    ['an RSA key', generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()],
  ])('refuses a ledger signing key that is %s', (_, key) => {
    expect(() => loadConfig({ LEDGER_SIGNING_KEY: key })).toThrow(/LEDGER_SIGNING_KEY/);
  });

  it('signs a head every 1000 events or 60 seconds unless told otherwise', () => {
    expect(loadConfig({})).toMatchObject({ LEDGER_CHECKPOINT_EVERY_EVENTS: 1000, LEDGER_CHECKPOINT_EVERY_SECONDS: 60 });
    expect(loadConfig({ LEDGER_CHECKPOINT_EVERY_EVENTS: '10', LEDGER_CHECKPOINT_EVERY_SECONDS: '5' })).toMatchObject({ LEDGER_CHECKPOINT_EVERY_EVENTS: 10, LEDGER_CHECKPOINT_EVERY_SECONDS: 5 });
    expect(() => loadConfig({ LEDGER_CHECKPOINT_EVERY_EVENTS: '0' })).toThrow(/LEDGER_CHECKPOINT_EVERY_EVENTS/);
  });

  it('wants TURN URLs and secret together', () => {
    expect(() => loadConfig({ TURN_URLS: 'turn:turn.example.com' })).toThrow(/TURN/);
  });
});
