import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../src/infrastructure/config.js';
import { testLedgerSigningKey } from '../support/ledgerKeys.js';

/** Settings that matter once several instances run behind a load balancer. */
const productionProfile = {
  EVENTSTORE_URL: 'esdb://localhost:2113?tls=false', MONGODB_URL: 'mongodb://localhost', LEDGER_SIGNING_KEY: testLedgerSigningKey,
};
const fileStores = {
  CLOUDINARY_URL: 'cloudinary://key:secret@cloud',
  IMAGEKIT_PUBLIC_KEY: 'public', IMAGEKIT_PRIVATE_KEY: 'private', IMAGEKIT_URL_ENDPOINT: 'https://ik.imagekit.io/hv',
};

describe('TRUST_PROXY', () => {
  it.each([
    ['unset: only a proxy on this machine', undefined, ['loopback']],
    ['false: the socket address, whatever the headers say', 'false', false],
    ['true: every hop', 'true', true],
    ['a number of hops', '2', 2],
    ['addresses and subnets, spaces allowed', '10.0.0.0/8, 192.168.1.5,fd00::/8', ['10.0.0.0/8', '192.168.1.5', 'fd00::/8']],
    ['express range names', 'loopback,uniquelocal', ['loopback', 'uniquelocal']],
  ])('%s', (_, value, expected) => {
    expect(loadConfig(value === undefined ? {} : { TRUST_PROXY: value }).TRUST_PROXY).toEqual(expected);
  });

  it.each([['a word', 'yes'], ['a subnet with a bad prefix', '10.0.0.0/33'], ['a negative count', '-1'], ['an empty list', ', ,']])(
    'refuses %s and names the variable', (_, value) => {
      expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(ConfigError);
      expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY/);
    },
  );
});

describe('the listening address', () => {
  it('is 127.0.0.1 without NODE_ENV, and in test, unless HOST is set', () => {
    expect(loadConfig({})).toMatchObject({ HOST: '127.0.0.1', hostDefaulted: true });
    expect(loadConfig({ NODE_ENV: 'test' })).toMatchObject({ HOST: '127.0.0.1', hostDefaulted: true });
    expect(loadConfig({ HOST: '0.0.0.0' })).toMatchObject({ HOST: '0.0.0.0', hostDefaulted: false });
  });

  it('is every interface in production unless HOST says otherwise', () => {
    const production = {
      NODE_ENV: 'production', JWT_SECRET: 'a-production-secret-that-is-long-enough-1234', RAZORPAY_KEY_ID: 'rzp_live_x',
      RAZORPAY_KEY_SECRET: 'secret', RAZORPAY_WEBHOOK_SECRET: 'whsec', LEDGER_SIGNING_KEY: testLedgerSigningKey,
    };
    expect(loadConfig(production)).toMatchObject({ HOST: '0.0.0.0', hostDefaulted: true });
    expect(loadConfig({ ...production, HOST: '10.1.2.3' }).HOST).toBe('10.1.2.3');
  });
});

describe('files in the production profile', () => {
  it.each([
    ['no file store at all', {}, /CLOUDINARY_URL.*IMAGEKIT_/],
    ['reports on local disk', { ...fileStores, CLOUDINARY_URL: '' }, /CLOUDINARY_URL \(reports\)/],
    ['avatars on local disk', { ...fileStores, IMAGEKIT_PRIVATE_KEY: '' }, /IMAGEKIT_\* \(avatars\)/],
  ])('refuses %s, naming what is missing and how to allow one instance', (_, files, message) => {
    expect(() => loadConfig({ ...productionProfile, ...files })).toThrow(ConfigError);
    expect(() => loadConfig({ ...productionProfile, ...files })).toThrow(message);
    expect(() => loadConfig({ ...productionProfile, ...files })).toThrow(/ALLOW_LOCAL_FILES_IN_PRODUCTION=true/);
  });

  it('starts with both file stores, or with local disk when explicitly allowed for one instance', () => {
    expect(loadConfig({ ...productionProfile, ...fileStores }).profile).toBe('production');
    expect(loadConfig({ ...productionProfile, ALLOW_LOCAL_FILES_IN_PRODUCTION: 'true' }).profile).toBe('production');
  });

  it('keeps local disk the default of the embedded profile', () => {
    expect(loadConfig({}).profile).toBe('embedded');
  });
});

describe('idempotency keys', () => {
  it('are remembered for a day, and an unfinished one blocks for five minutes, unless told otherwise', () => {
    expect(loadConfig({})).toMatchObject({ IDEMPOTENCY_KEY_TTL_SECONDS: 86_400, IDEMPOTENCY_IN_PROGRESS_TTL_SECONDS: 300 });
    expect(loadConfig({ IDEMPOTENCY_KEY_TTL_SECONDS: '3600', IDEMPOTENCY_IN_PROGRESS_TTL_SECONDS: '30' }))
      .toMatchObject({ IDEMPOTENCY_KEY_TTL_SECONDS: 3600, IDEMPOTENCY_IN_PROGRESS_TTL_SECONDS: 30 });
    expect(() => loadConfig({ IDEMPOTENCY_IN_PROGRESS_TTL_SECONDS: '0' })).toThrow(/IDEMPOTENCY_IN_PROGRESS_TTL_SECONDS/);
  });
});
