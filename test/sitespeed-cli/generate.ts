// `npx projen sitespeed:options`: rewrites src/contract/sitespeed-options.ts from the pinned
// sitespeed.io's option files (run `npx projen test:tools` first, or after changing the version).
import * as fs from 'fs';
import * as path from 'path';
import { GENERATED_FILE, renderOptionsFile } from './option-table';
import { optionTable } from './sitespeed-cli';

const file = path.join(__dirname, '..', '..', GENERATED_FILE);
fs.writeFileSync(file, renderOptionsFile(optionTable()));
console.log(`wrote ${GENERATED_FILE}`);
