/** `npm run cfn-lint:example`: cfn-lint over every template of a cloud assembly; exit 1 on any error. */
import { cfnLintFiles, templatesIn } from './cfn-lint';

const dir = process.argv[2] ?? 'cdk.out';
const templates = templatesIn(dir);
if (templates.length === 0) {
  console.error(`cfn-lint: no *.template.json under ${dir}; synthesize first (npm run synth:example)`);
  process.exit(1);
}
const matches = cfnLintFiles(templates);
for (const m of matches) console.log(`${m.level} ${m.rule} ${m.resource}: ${m.message}`);
const errors = matches.filter(m => m.level === 'Error');
console.log(`cfn-lint: ${templates.length} templates, ${errors.length} errors, ${matches.length - errors.length} warnings/info`);
process.exit(errors.length > 0 ? 1 : 0);
