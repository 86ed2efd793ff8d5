// `npx projen sitespeed:options`: rewrites src/contract/sitespeed-options.ts from the pinned
// sitespeed.io's option files (run `npx projen test:tools` first, or after changing the version).
import * as fs from 'fs';
import * as path from 'path';
import { GENERATED_FILE, GENERATED_NAMES_FILE, renderOptionNamesFile, renderOptionsFile } from './option-table';
import { optionTable } from './sitespeed-cli';

const table = optionTable();
fs.writeFileSync(path.join(__dirname, '..', '..', GENERATED_FILE), renderOptionsFile(table));
fs.writeFileSync(path.join(__dirname, '..', '..', GENERATED_NAMES_FILE), renderOptionNamesFile(table));
console.log(`wrote ${GENERATED_FILE} and ${GENERATED_NAMES_FILE}`);
