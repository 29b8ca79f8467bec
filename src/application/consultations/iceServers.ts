import { createHmac } from 'node:crypto';
import type { IceSettings } from './consultationDeps.js';

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/**
 * STUN for everyone; TURN with short-lived credentials in coturn's REST scheme (`use-auth-secret`):
 * username `expiry:userId`, credential base64(HMAC-SHA1(secret, username)). The TURN server checks
 * both without calling us, and a leaked credential stops working at `expiry`.
 */
export function iceServersFor(userId: string, now: Date, settings: IceSettings): IceServer[] {
  const servers: IceServer[] = settings.stunUrls.length > 0 ? [{ urls: settings.stunUrls }] : [];
  if (settings.turnUrls?.length && settings.turnSecret) {
    const expiry = Math.floor(now.getTime() / 1000) + settings.turnTtlSeconds;
    const username = `${expiry}:${userId}`;
    const credential = createHmac('sha1', settings.turnSecret).update(username).digest('base64');
    servers.push({ urls: settings.turnUrls, username, credential });
  }
  return servers;
}
