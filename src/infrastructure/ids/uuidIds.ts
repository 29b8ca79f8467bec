import { randomUUID } from 'node:crypto';
import type { Ids } from '../../application/ports/ids.js';

export const uuidIds: Ids = { next: () => randomUUID() };
