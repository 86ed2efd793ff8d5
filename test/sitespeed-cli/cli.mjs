// sitespeed.io's own command-line module, at the pinned version, as the tests ask it things.
// Run with `node --import ./register.mjs cli.mjs <command>` (stub-hooks.mjs stands in for the
// runtime dependencies the CLI module imports but never calls while parsing).
//   table            prints {version, options: {name: [aliases]}}: every option its option files
//                    define, read back from yargs after they registered (so aliases are yargs's).
//   parse <args>     parses the JSON array <args> exactly as the sitespeed.io binary does
//                    (parseCommandLine: yargs, sitespeed.io's defaults and its validateInput) and
//                    prints {urls, options}; a refused argument list exits 1 with yargs's message.
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = process.env.SITESPEED_CLI_ROOT;
if (!root) throw new Error('SITESPEED_CLI_ROOT (the folder holding node_modules/sitespeed.io) is not set');
const cliDir = path.join(root, 'node_modules', 'sitespeed.io', 'lib', 'cli');
const require = createRequire(path.join(cliDir, 'cli.js'));
const version = require('../../package.json').version;
const [command, argsJson] = process.argv.slice(2);

if (command === 'table') {
  const yargs = (await import(require.resolve('yargs'))).default;
  const parser = yargs([]);
  for (const file of readdirSync(path.join(cliDir, 'options')).sort()) {
    (await import(path.join(cliDir, 'options', file))).addOptions(parser);
  }
  const { key, alias } = parser.getOptions();
  const options = {};
  for (const name of Object.keys(key).sort()) options[name] = [...(alias[name] ?? [])].sort();
  process.stdout.write(JSON.stringify({ version, options }));
} else if (command === 'parse') {
  // The CLI reads process.argv (also at import time, for --config and --plugins.add).
  process.argv = [process.argv[0], path.join(root, 'node_modules', 'sitespeed.io', 'bin', 'sitespeed.js'), ...JSON.parse(argsJson)];
  const { parseCommandLine } = await import(path.join(cliDir, 'cli.js'));
  const parsed = await parseCommandLine();
  process.stdout.write(JSON.stringify({ version, urls: parsed.urls, options: parsed.options }));
} else {
  throw new Error(`unknown command '${command}': table or parse <json array>`);
}
