import { Connectivity, ConnectivityProfile, GrafanaAccess, GrafanaDashboards, InstanceSchedule, SitespeedImage } from '../src';

// jsii gives each of these a constructor in Python and the other languages; made that way, or
// subclassed there, they must fail at once and name their factories (not later, in a construct,
// with "_apply is not a function").
describe('choice classes are made by their factories only', () => {
  const cases: Array<[string, Function, RegExp, () => unknown]> = [
    ['InstanceSchedule', InstanceSchedule, /use InstanceSchedule\.alwaysOn\(\), InstanceSchedule\.onOff\(\.\.\.\) or InstanceSchedule\.aroundRuns/, () => InstanceSchedule.alwaysOn()],
    ['SitespeedImage', SitespeedImage, /use SitespeedImage\.pinned\(\)/, () => SitespeedImage.pinned()],
    ['Connectivity', Connectivity, /use Connectivity\.none\(\), Connectivity\.throttle/, () => Connectivity.throttle(ConnectivityProfile.CABLE)],
    ['GrafanaAccess', GrafanaAccess, /use GrafanaAccess\.privateOnly\(\)/, () => GrafanaAccess.fromCidrs(['192.0.2.0/24'])],
    ['GrafanaDashboards', GrafanaDashboards, /use GrafanaDashboards\.sitespeedRelease/, () => GrafanaDashboards.none()],
  ];
  test.each(cases)('%s: new throws and names the factories; the factories still work', (name, cls, factories, factory) => {
    expect(() => new (cls as any)()).toThrow(new RegExp(`^${name} cannot be constructed or subclassed directly; ${factories.source}`));
    expect(factory()).toBeInstanceOf(cls);
  });
});
