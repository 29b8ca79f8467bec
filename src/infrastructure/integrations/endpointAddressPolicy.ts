import { BlockList, isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import type { EndpointAddressPolicy } from '../../application/ports/webhookTransport.js';

/** Loopback, private, link-local (cloud metadata), carrier-grade NAT, multicast and reserved ranges. */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) PRIVATE.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1], 'ipv4');
  const family = isIP(address);
  return family === 4 ? PRIVATE.check(address, 'ipv4') : family === 6 ? PRIVATE.check(address, 'ipv6') : true;
}

/**
 * With `allowPrivate` false (production's default) an endpoint must be on the public internet: its
 * host, or every address its name resolves to, outside the private ranges, so a webhook cannot be
 * pointed at the service's own network. Checked at registration and again before every attempt, as
 * names can be re-pointed.
 */
export function endpointAddressPolicy(options: { allowPrivate: boolean }): EndpointAddressPolicy {
  return {
    async refusal(url) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'only http and https URLs are allowed';
      if (url.username || url.password) return 'credentials in the URL are not allowed';
      if (options.allowPrivate) return null;
      const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
      if (isIP(host)) return isPrivateAddress(host) ? 'the address is private or reserved' : null;
      if (host === 'localhost' || host.endsWith('.localhost')) return 'the address is private or reserved';
      const addresses = await lookup(host, { all: true }).catch(() => null);
      if (!addresses || addresses.length === 0) return 'its host name does not resolve';
      return addresses.some((a) => isPrivateAddress(a.address)) ? 'its host name resolves to a private or reserved address' : null;
    },
  };
}
