import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IPV4_CIDR } from './private/cidr';
import { factoryOnly } from './private/factory-only';
import { forCaller } from './private/for-caller';
import { isToken } from './private/tokens';

/**
 * Who can open Grafana. Either way it needs the admin password from Secrets Manager; anonymous
 * access and sign-up are off.
 */
export abstract class GrafanaAccess {
  /**
   * Nothing may connect to Grafana's port: open it through SSM port forwarding (docs/metrics.md),
   * which needs only IAM permissions and no inbound rule at all.
   */
  public static privateOnly(): GrafanaAccess {
    return new CidrAccess([]);
  }

  /**
   * Grafana's port is open to these IPv4 ranges (your office or VPN, say), e.g. `['203.0.113.0/24']`.
   * The whole internet (`0.0.0.0/0`) is refused: use a narrower range or `privateOnly()`.
   */
  public static fromCidrs(cidrs: string[]): GrafanaAccess {
    try {
      if (cidrs.length === 0) {
        throw new Error('GrafanaAccess.fromCidrs: give at least one IPv4 CIDR, or use GrafanaAccess.privateOnly().');
      }
      for (const cidr of cidrs) {
        if (!isToken(cidr) && !IPV4_CIDR.test(cidr)) {
          throw new Error(`GrafanaAccess.fromCidrs: '${cidr}' is not an IPv4 address or CIDR such as '203.0.113.0/24'.`);
        }
        if (cidr.endsWith('/0')) {
          throw new Error(`GrafanaAccess.fromCidrs: '${cidr}' opens Grafana to the whole internet; give your own ranges or use GrafanaAccess.privateOnly().`);
        }
      }
      return new CidrAccess(cidrs);
    } catch (error) {
      throw forCaller(error);
    }
  }

  /** Made by the static factories only (see factoryOnly). */
  protected constructor() {
    factoryOnly(new.target, GrafanaAccess, 'GrafanaAccess.privateOnly() or GrafanaAccess.fromCidrs(...)');
  }

  /** @internal */
  public abstract _allow(connections: ec2.Connections, port: ec2.Port): void;
  /** @internal */
  public abstract get _isPrivate(): boolean;
}

class CidrAccess extends GrafanaAccess {
  constructor(private readonly cidrs: string[]) {
    super();
  }

  public _allow(connections: ec2.Connections, port: ec2.Port): void {
    for (const cidr of this.cidrs) {
      connections.allowFrom(ec2.Peer.ipv4(cidr.includes('/') ? cidr : `${cidr}/32`), port, `Grafana from ${cidr}`);
    }
  }

  public get _isPrivate(): boolean {
    return this.cidrs.length === 0;
  }
}
