/** One `npm run audit -- <name> …` command; audit.ts lists them. */
export interface AuditSubcommand {
  name: string;
  /** One line: `name <args>  what it does`. */
  usage: string;
  /** The exit status: 0 all verified, 1 something broken, 64 bad usage, 78 bad configuration. */
  run(args: readonly string[]): Promise<number>;
}

/** EX_USAGE (sysexits.h). */
export const EXIT_USAGE = 64;
