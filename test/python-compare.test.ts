import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compareAssemblies } from './python/compare-templates';

/** A cloud assembly folder with one stage holding the given templates. */
function assembly(templates: Record<string, any>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assembly-'));
  fs.mkdirSync(path.join(dir, 'assembly-prod'));
  for (const [name, body] of Object.entries(templates)) {
    fs.writeFileSync(path.join(dir, 'assembly-prod', `${name}.template.json`), JSON.stringify(body));
  }
  return dir;
}

const hashA = 'a'.repeat(64);
const hashB = 'b'.repeat(64);
const template = (hash: string, size: number, language: string) => ({
  Resources: {
    Volume: { Type: 'AWS::EC2::Volume', Properties: { Size: size } },
    Handler: { Type: 'AWS::Lambda::Function', Properties: { Code: { S3Key: `${hash}.zip` } } },
    CDKMetadata: { Type: 'AWS::CDK::Metadata', Properties: { Analytics: language } },
  },
});

test('templates equal but for asset hashes and CDKMetadata compare equal', () => {
  const result = compareAssemblies(assembly({ prodMetrics: template(hashA, 50, 'ts') }), assembly({ prodMetrics: template(hashB, 50, 'py') }));
  expect(result).toEqual({ problems: [], templates: 1, resources: 2 });
});

test('a differing property names the template, the resource, its type and the path', () => {
  const result = compareAssemblies(assembly({ prodMetrics: template(hashA, 50, 'ts') }), assembly({ prodMetrics: template(hashA, 60, 'ts') }));
  expect(result.problems).toEqual([
    'assembly-prod/prodMetrics.template.json: resource Volume (AWS::EC2::Volume) differs at /Properties/Size: typescript 50 ≠ python 60',
  ]);
});

test('a template or a resource only one side has is reported', () => {
  const extra = template(hashA, 50, 'ts') as any;
  extra.Resources.Extra = { Type: 'AWS::SQS::Queue' };
  const result = compareAssemblies(
    assembly({ prodMetrics: extra, prodNetwork: { Resources: {} } }),
    assembly({ prodMetrics: template(hashA, 50, 'ts') }),
  );
  expect(result.problems).toEqual([
    'assembly-prod/prodMetrics.template.json: resource Extra (AWS::SQS::Queue) differs at /: typescript {"Type":"AWS::SQS::Queue"} ≠ python absent',
    'assembly-prod/prodNetwork.template.json: only the typescript app has this template',
  ]);
});
