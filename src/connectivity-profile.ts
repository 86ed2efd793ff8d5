/** Options for {@link ConnectivityProfile.custom}. */
export interface CustomConnectivityOptions {
  /** Download bandwidth in kbit/s. */
  readonly downKbps: number;
  /** Upload bandwidth in kbit/s. */
  readonly upKbps: number;
  /** Round-trip latency in ms. */
  readonly rttMs: number;
}

/**
 * The network a run emulates: one of sitespeed.io's profiles (`-c 4g`, `cable`, …) or custom
 * figures. The profile names the run in Graphite keys; the shaping itself comes with the
 * cluster's connectivity engine.
 */
export class ConnectivityProfile {
  public static readonly FOUR_G = new ConnectivityProfile('4g');
  public static readonly THREE_G = new ConnectivityProfile('3g');
  public static readonly THREE_G_FAST = new ConnectivityProfile('3gfast');
  public static readonly THREE_G_SLOW = new ConnectivityProfile('3gslow');
  public static readonly THREE_G_EM = new ConnectivityProfile('3gem');
  public static readonly TWO_G = new ConnectivityProfile('2g');
  public static readonly CABLE = new ConnectivityProfile('cable');
  /** No emulation: the instance's own network. */
  public static readonly NATIVE = new ConnectivityProfile('native');

  /** Your own bandwidth and latency. */
  public static custom(options: CustomConnectivityOptions): ConnectivityProfile {
    for (const [field, value] of Object.entries(options)) {
      if (!Number.isInteger(value) || value < 0) {
        throw new Error(`ConnectivityProfile.custom: ${field} (${value}) must be a whole number, 0 or more.`);
      }
    }
    if (options.downKbps === 0 || options.upKbps === 0) {
      throw new Error('ConnectivityProfile.custom: downKbps and upKbps must be above 0; a link without bandwidth loads nothing.');
    }
    return new ConnectivityProfile('custom', options);
  }

  private constructor(
    /** sitespeed.io's name of the profile. */
    public readonly name: string,
    private readonly customOptions?: CustomConnectivityOptions,
  ) {}

  /** The sitespeed.io arguments that select this profile. @internal */
  public _args(): string[] {
    const args = ['--browsertime.connectivity.profile', this.name];
    if (this.customOptions) {
      args.push(
        '--browsertime.connectivity.down', String(this.customOptions.downKbps),
        '--browsertime.connectivity.up', String(this.customOptions.upKbps),
        '--browsertime.connectivity.rtt', String(this.customOptions.rttMs),
      );
    }
    return args;
  }
}
