/** Slow, salted password hashing (bcrypt in production); async so it never blocks the event loop. */
export interface PasswordHasher {
  hash(plain: string): Promise<string>;
  verify(plain: string, hash: string): Promise<boolean>;
}
