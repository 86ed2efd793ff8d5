/**
 * The plain-value defaults of the public props, named once: the code reads them here, and
 * test/defaults.test.ts fails when a prop's `@default` doc says anything else (the docs are
 * API.md and the Python docstrings, so a stale one misleads every user).
 */
export const DEFAULTS = {
  SitespeedClusterProps: {
    minCapacity: 0,
    maxCapacity: 2,
    sharedMemorySizeMiB: 2048,
    rootVolumeSizeGiB: 30,
    containerInsights: false,
    siteMetrics: false,
  },
  GraphiteGrafanaProps: {
    containerInsights: false,
  },
  OnOffScheduleOptions: {
    startMinute: 0,
    stopMinute: 0,
    weekDays: 'MON-FRI',
    warmInstances: 1,
    hardStop: false,
  },
  ScheduledSiteOptions: {
    iterations: 5,
    mobile: false,
    enabled: true,
    graphitePort: 2003,
  },
  SiteAlertsProps: {
    confirmFailures: true,
    remindAfterRuns: 0,
    staleAfterIntervals: 2,
    notStartedAlertAfterRuns: 2,
    alertOnRegressions: false,
  },
} as const;
