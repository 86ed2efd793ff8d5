import { forCaller } from './private/for-caller';
import { requirePlain } from './private/tokens';

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
  // Figures (kbit/s down, up, ms rtt) as browsertime 26 defines them (lib/connectivity/
  // trafficShapeParser.js); host tc shapes to these, the throttle engine looks them up itself.
  public static readonly FOUR_G = new ConnectivityProfile('4g', { downKbps: 9000, upKbps: 9000, rttMs: 85 });
  public static readonly THREE_G = new ConnectivityProfile('3g', { downKbps: 1600, upKbps: 768, rttMs: 150 });
  public static readonly THREE_G_FAST = new ConnectivityProfile('3gfast', { downKbps: 1600, upKbps: 768, rttMs: 75 });
  public static readonly THREE_G_SLOW = new ConnectivityProfile('3gslow', { downKbps: 400, upKbps: 400, rttMs: 200 });
  public static readonly THREE_G_EM = new ConnectivityProfile('3gem', { downKbps: 400, upKbps: 400, rttMs: 200 });
  public static readonly TWO_G = new ConnectivityProfile('2g', { downKbps: 280, upKbps: 256, rttMs: 400 });
  public static readonly CABLE = new ConnectivityProfile('cable', { downKbps: 5000, upKbps: 1000, rttMs: 14 });
  /** No emulation: the instance's own network. */
  public static readonly NATIVE = new ConnectivityProfile('native');

  /** Your own bandwidth and latency. */
  public static custom(options: CustomConnectivityOptions): ConnectivityProfile {
    try {
      for (const [field, value] of Object.entries(options)) {
        requirePlain(`ConnectivityProfile.custom: ${field}`, value, 'the runs\' arguments and the host tc shaping are written from it at synth');
        if (!Number.isInteger(value) || value < 0) {
          throw new Error(`ConnectivityProfile.custom: ${field} (${value}) must be a whole number, 0 or more.`);
        }
      }
      if (options.downKbps === 0 || options.upKbps === 0) {
        throw new Error('ConnectivityProfile.custom: downKbps and upKbps must be above 0; a link without bandwidth loads nothing.');
      }
      return new ConnectivityProfile('custom', options);
    } catch (error) {
      throw forCaller(error);
    }
  }

  private constructor(
    /** sitespeed.io's name of the profile. */
    public readonly name: string,
    private readonly figures?: CustomConnectivityOptions,
  ) {}

  /**
   * The sitespeed.io arguments that select this profile: the name, and the figures for a custom
   * profile or when `withFigures` (host tc reads them from the run's arguments). @internal
   */
  public _args(withFigures = false): string[] {
    const args = ['--browsertime.connectivity.profile', this.name];
    if (this.figures && (withFigures || this.name === 'custom')) {
      args.push(
        '--browsertime.connectivity.down', String(this.figures.downKbps),
        '--browsertime.connectivity.up', String(this.figures.upKbps),
        '--browsertime.connectivity.rtt', String(this.figures.rttMs),
      );
    }
    return args;
  }
}
