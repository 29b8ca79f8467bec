import bcrypt from 'bcrypt';
import type { PasswordHasher } from '../../application/ports/passwordHasher.js';

/** bcrypt's async API runs on the libuv pool, so hashing at cost 12 never stalls other requests. */
export function bcryptPasswordHasher(cost: number): PasswordHasher {
  return {
    hash: (plain) => bcrypt.hash(plain, cost),
    verify: (plain, hash) => bcrypt.compare(plain, hash),
  };
}
