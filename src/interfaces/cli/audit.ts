import { verifyCommand } from './audit/verify.js';
import { verifyBundleCommand } from './audit/verifyBundle.js';
import { historyCommand } from './audit/history.js';
import { EXIT_USAGE, type AuditSubcommand } from './audit/subcommand.js';

/** `npm run audit -- <command> …`. A new command is a file in ./audit/ exporting an AuditSubcommand, listed here. */
const COMMANDS: readonly AuditSubcommand[] = [
  verifyCommand,
  verifyBundleCommand,
  historyCommand,
];

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    console.error(`Usage: npm run audit -- <command>\n${COMMANDS.map((c) => `  ${c.usage}`).join('\n')}`);
    return EXIT_USAGE;
  }
  return command.run(args);
}

main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
  console.error('audit failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
