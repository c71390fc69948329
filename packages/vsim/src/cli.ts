#!/usr/bin/env node
/** The vsim command: `vsim serve [flags]` and `vsim inventory [flags]`, with vcsim's flags. */
import { FlagError, formatUsage } from './cli/flags.js';
import { inventory } from './cli/inventory.js';
import { serve } from './cli/serve.js';
import { INVENTORY_FLAGS, SERVE_FLAGS } from './cli/vcsim-flags.js';

const COMMANDS: Record<
  string,
  { run: (argv: readonly string[]) => Promise<void>; flags: object; about: string }
> = {
  serve: { run: serve, flags: SERVE_FLAGS, about: 'serve a simulated vCenter (vcsim flags)' },
  inventory: {
    run: inventory,
    flags: INVENTORY_FLAGS,
    about: 'print the inventory a set of vcsim flags builds',
  },
};

const usage = () =>
  `Usage: vsim <command> [flags]\n\nCommands:\n${Object.entries(COMMANDS)
    .map(([name, c]) => `  ${name.padEnd(10)} ${c.about}`)
    .join('\n')}\n\nRun 'vsim <command> -h' for its flags.\n`;

const main = async () => {
  const [name, ...argv] = process.argv.slice(2);
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(usage());
    process.exit(name === undefined || name === '-h' || name === '--help' ? 0 : 2);
  }
  try {
    await command.run(argv);
  } catch (error) {
    if (error instanceof FlagError) {
      if (!error.help) process.stderr.write(`${error.message}\n`);
      process.stderr.write(`Usage of vsim ${name}:\n${formatUsage(command.flags as never)}`);
      process.exit(error.help ? 0 : 2);
    }
    process.stderr.write(`vsim ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
};

await main();
