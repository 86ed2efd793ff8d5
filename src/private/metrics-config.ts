/**
 * The configuration files the metrics instance writes for Graphite and Grafana, as pure functions
 * so tests can read them (and run carbon on them) without an instance.
 */

/**
 * carbon.conf. Carbon's own defaults fill in everything not named here. MAX_CREATES_PER_MINUTE
 * is the one that matters: carbon's default of 50 silently drops the metrics of new pages.
 */
export function carbonConf(): string {
  return [
    '[cache]',
    'DATABASE = whisper',
    'MAX_CACHE_SIZE = inf',
    'MAX_UPDATES_PER_SECOND = 500',
    'MAX_CREATES_PER_MINUTE = inf',
    'LINE_RECEIVER_INTERFACE = 0.0.0.0',
    'LINE_RECEIVER_PORT = 2003',
    'ENABLE_UDP_LISTENER = False',
    'PICKLE_RECEIVER_INTERFACE = 0.0.0.0',
    'PICKLE_RECEIVER_PORT = 2004',
    'CACHE_QUERY_INTERFACE = 0.0.0.0',
    'CACHE_QUERY_PORT = 7002',
    'USE_FLOW_CONTROL = True',
    'LOG_UPDATES = False',
    'LOG_CREATES = False',
    'LOG_CACHE_HITS = False',
    'CACHE_WRITE_STRATEGY = sorted',
    'WHISPER_AUTOFLUSH = False',
    'WHISPER_FALLOCATE_CREATE = True',
    'ENABLE_TAGS = False',
    '',
  ].join('\n');
}

/**
 * storage-schemas.conf with sitespeed.io's retention: per-run data every 10 s for 8 days, page
 * summaries hourly for 65 days, CrUX daily for 2 years. First match wins. Whisper files keep the
 * retention they were created with: a change here applies to new metrics only.
 */
export function storageSchemasConf(): string {
  return [
    '[carbon]',
    'pattern = ^carbon\\.',
    'retentions = 60s:90d',
    '',
    '[sitespeed_crux]',
    'pattern = ^sitespeed_io\\.crux\\.',
    'retentions = 1d:2y',
    '',
    '[sitespeed_run]',
    'pattern = ^sitespeed_io\\.[^.]+\\.[^.]+\\.run\\.',
    'retentions = 10s:8d',
    '',
    '[sitespeed]',
    'pattern = ^sitespeed_io\\.',
    'retentions = 1h:65d',
    '',
    '[default]',
    'pattern = .*',
    'retentions = 5m:1d,1h:30d',
    '',
  ].join('\n');
}

/** Grafana's provisioned Graphite datasource, the default one (sitespeed.io's dashboards ask for it by name). */
export function grafanaDatasourceYaml(graphiteUrl: string): string {
  return [
    'apiVersion: 1',
    'datasources:',
    '  - name: graphite',
    '    uid: graphite',
    '    type: graphite',
    '    access: proxy',
    '    orgId: 1',
    `    url: ${graphiteUrl}`,
    '    isDefault: true',
    '    editable: false',
    // Graphite's nginx admits only the stack's user; Grafana puts the values in from its
    // environment (https://grafana.com/docs/grafana/latest/administration/provisioning/#using-environment-variables).
    '    basicAuth: true',
    '    basicAuthUser: ${GRAPHITE_AUTH_USER}',
    '    secureJsonData:',
    '      basicAuthPassword: ${GRAPHITE_AUTH_PASSWORD}',
    '    jsonData:',
    '      graphiteVersion: "1.1"',
    '',
  ].join('\n');
}

/** Grafana's dashboard provider: every JSON file in `folder`, rescanned so late downloads appear. */
export function grafanaDashboardsYaml(folder: string): string {
  return [
    'apiVersion: 1',
    'providers:',
    '  - name: sitespeed.io',
    '    orgId: 1',
    '    folder: sitespeed.io',
    '    type: file',
    '    disableDeletion: false',
    '    updateIntervalSeconds: 30',
    '    allowUiUpdates: true',
    '    options:',
    `      path: ${folder}`,
    '      foldersFromFilesStructure: false',
    '',
  ].join('\n');
}

/** The environment file of the dashboards unit (systemd's EnvironmentFile: one double-quoted value a line). */
export function dashboardsEnvFile(values: Record<string, string>): string {
  return Object.entries(values).map(([key, value]) => `${key}="${value}"`).join('\n');
}

/**
 * The systemd unit that fetches Grafana's dashboards onto the metrics volume: a oneshot of its
 * own after the network and the volume's mount, so a slow download never holds up the ECS agent.
 */
export function dashboardsUnit(options: { mountPoint: string; environmentFile: string; command: string }): string {
  return [
    '[Unit]',
    'Description=cdk-sitespeed: fetch Grafana dashboards onto the metrics volume',
    'Wants=network-online.target',
    'After=network-online.target',
    `RequiresMountsFor=${options.mountPoint}`,
    '[Service]',
    'Type=oneshot',
    `EnvironmentFile=${options.environmentFile}`,
    `ExecStart=${options.command}`,
    '[Install]',
    'WantedBy=multi-user.target',
  ].join('\n');
}

/**
 * storage-aggregation.conf: sitespeed.io's own (sitespeedio/docker-graphite-statsd
 * conf/graphite/storage-aggregation.conf, the one file its image adds that matters), mounted on the
 * upstream image. Its catch-all keeps an hourly point from a single run (xFilesFactor 0.0, where
 * upstream's 0.3 would drop an hour holding one 10 s point of 360); whisper files keep the
 * aggregation they were created with.
 */
export function storageAggregationConf(): string {
  return [
    '[min]',
    'pattern = \\.min$',
    'xFilesFactor = 0.1',
    'aggregationMethod = min',
    '',
    '[max]',
    'pattern = \\.max$',
    'xFilesFactor = 0.1',
    'aggregationMethod = max',
    '',
    '[sum]',
    'pattern = \\.count$',
    'xFilesFactor = 0',
    'aggregationMethod = sum',
    '',
    '[default_average]',
    'pattern = .*',
    'xFilesFactor = 0.0',
    'aggregationMethod = average',
    '',
  ].join('\n');
}
