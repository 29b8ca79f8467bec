import { describe, expect, it } from '@jest/globals';
import { endpointAddressPolicy, isPrivateAddress } from '../../../src/infrastructure/integrations/endpointAddressPolicy.js';
import { loadConfig } from '../../../src/infrastructure/config.js';
import { testLedgerSigningKey } from '../../support/ledgerKeys.js';

describe('which addresses count as private', () => {
  it.each([
    ['127.0.0.1', true], ['10.0.0.8', true], ['172.16.4.1', true], ['172.32.0.1', false], ['192.168.1.1', true], ['169.254.169.254', true],
    ['100.64.0.1', true], ['0.0.0.0', true], ['224.0.0.1', true], ['8.8.8.8', false], ['93.184.215.14', false],
    ['::1', true], ['::', true], ['fd00::1', true], ['fe80::1', true], ['::ffff:127.0.0.1', true], ['::ffff:8.8.8.8', false],
    ['2606:4700::1111', false], ['not-an-address', true],
  ])('%s: %s', (address, expected) => expect(isPrivateAddress(address)).toBe(expected));
});

describe('the endpoint address policy', () => {
  const strict = endpointAddressPolicy({ allowPrivate: false });
  const lenient = endpointAddressPolicy({ allowPrivate: true });

  it.each([
    ['http://127.0.0.1:8080/hooks', /private/],
    ['http://[::1]/hooks', /private/],
    ['http://localhost/hooks', /private/],
    ['http://app.localhost/hooks', /private/],
    ['https://user:pw@93.184.215.14/hooks', /credentials/],
    ['ftp://93.184.215.14/hooks', /http and https/],
  ])('refuses %s when private addresses are not allowed', async (url, reason) => {
    expect(await strict.refusal(new URL(url))).toMatch(reason);
  });

  it('accepts a public address, and loopback when allowed (development and tests)', async () => {
    expect(await strict.refusal(new URL('https://93.184.215.14/hooks'))).toBeNull();
    expect(await lenient.refusal(new URL('http://127.0.0.1:8080/hooks'))).toBeNull();
    expect(await lenient.refusal(new URL('ftp://127.0.0.1/hooks'))).toMatch(/http and https/);
  });
});

describe('webhook configuration', () => {
  const production = { NODE_ENV: 'production' };
  it.each([
    ['development allows private addresses', {}, true],
    ['tests allow them', { NODE_ENV: 'test' }, true],
    ['production refuses them', production, false],
    ['production allows them when told to', { ...production, WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' }, true],
    ['development refuses them when told to', { WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'false' }, false],
  ])('%s', (_, env, allowed) => {
    const secrets = {
      JWT_SECRET: 'a-production-secret-that-is-long-enough-1234', RAZORPAY_KEY_ID: 'rzp_live_x', RAZORPAY_KEY_SECRET: 'k',
      RAZORPAY_WEBHOOK_SECRET: 'w', LEDGER_SIGNING_KEY: testLedgerSigningKey,
    };
    expect(loadConfig({ ...secrets, ...env }).webhookAllowPrivateAddresses).toBe(allowed);
  });

  it('refuses a retry base longer than its window, and a short secret key', () => {
    expect(() => loadConfig({ WEBHOOK_RETRY_BASE_SECONDS: '600', WEBHOOK_RETRY_WINDOW_SECONDS: '60' })).toThrow(/WEBHOOK_RETRY_BASE_SECONDS/);
    expect(() => loadConfig({ WEBHOOK_SECRET_KEY: 'short' })).toThrow(/WEBHOOK_SECRET_KEY/);
  });
});
