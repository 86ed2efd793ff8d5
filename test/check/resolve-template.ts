/**
 * What CloudFormation does to a synthesized template's values at deploy time, enough for the
 * check command's tests: Ref, Fn::GetAtt, Fn::Join, Fn::Select, Fn::Split, Fn::ImportValue and
 * pseudo parameters, given the physical ids the test created on moto.
 */
export interface DeployedTemplates {
  /** stack name → template */
  readonly templates: Record<string, any>;
  /** `${stack}/${logicalId}` → physical id */
  readonly physical: Map<string, string>;
  /** `${stack}/${logicalId}.${attribute}` → value (ARNs, domain names) */
  readonly attributes: Map<string, string>;
  readonly region: string;
  readonly account: string;
}

export function resolveValue(d: DeployedTemplates, stack: string, value: any): any {
  if (Array.isArray(value)) return value.map(v => resolveValue(d, stack, v));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [fn] = keys;
    const arg = value[fn];
    switch (fn) {
      case 'Ref': return ref(d, stack, arg);
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split('.');
        const found = d.attributes.get(`${stack}/${id}.${attribute}`);
        if (found === undefined) throw new Error(`the test has no value for ${stack}/${id}.${attribute}`);
        return found;
      }
      case 'Fn::Join': return resolveValue(d, stack, arg[1]).join(arg[0]);
      case 'Fn::Select': return resolveValue(d, stack, arg[1])[Number(resolveValue(d, stack, arg[0]))];
      case 'Fn::Split': return String(resolveValue(d, stack, arg[1])).split(arg[0]);
      case 'Fn::ImportValue': return importValue(d, resolveValue(d, stack, arg));
    }
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveValue(d, stack, v)]));
}

function ref(d: DeployedTemplates, stack: string, name: string): string {
  const pseudo: Record<string, string> = {
    'AWS::Region': d.region, 'AWS::AccountId': d.account, 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com', 'AWS::StackName': stack,
  };
  const found = pseudo[name] ?? d.physical.get(`${stack}/${name}`);
  if (found === undefined) throw new Error(`the test has no physical id for ${stack}/${name}`);
  return found;
}

function importValue(d: DeployedTemplates, name: string): string {
  for (const [stack, template] of Object.entries(d.templates)) {
    for (const output of Object.values<any>(template.Outputs ?? {})) {
      if (output.Export && resolveValue(d, stack, output.Export.Name) === name) return resolveValue(d, stack, output.Value);
    }
  }
  throw new Error(`no stack exports ${name}`);
}
