import { randomBytes } from 'node:crypto';
import type { FeedSecrets } from '../../application/ports/feedSecrets.js';

export const cryptoFeedSecrets: FeedSecrets = { generate: () => randomBytes(32).toString('base64url') };
