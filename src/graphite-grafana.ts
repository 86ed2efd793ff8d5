import { Aws, Duration, RemovalPolicy, Resource, Size, Stack, Tags } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { Construct } from 'constructs';
import { VOLUME_ATTRIBUTE } from './contract/check-entry';
import { CLUSTER_TAG } from './contract/site-names';
import { EcsAmi } from './ecs-ami';
import { GrafanaAccess } from './grafana-access';
import { GrafanaDashboards } from './grafana-dashboards';
import { InstanceSchedule } from './instance-schedule';
import { checkUserDataSize, installedShell, installShell, runShellAtBoot, writeFileAtBoot } from './private/boot-shell';
import { logicalIdOf, markForCheck } from './private/check-metadata';
import { placeKey, usePlace, usersOfPlace } from './private/data-homes';
import { DEFAULTS } from './private/defaults';
import { ecsInstanceRole, ecsLaunchTemplate, scopeInstanceLogWrites } from './private/ecs-instance';
import { afterEcsServiceRole } from './private/ecs-service-role';
import { forCaller, spelledValidation } from './private/for-caller';
import { checkGraphiteGrafanaProps, GRAFANA_MIB, GRAPHITE_MIB } from './private/graphite-grafana-props';
import {
  carbonConf, dashboardsEnvFile, dashboardsUnit, grafanaDashboardsYaml, grafanaDatasourceYaml, storageAggregationConf, storageSchemasConf,
} from './private/metrics-config';
import { acknowledge, acknowledgeWildcardResource, CONTAINER_INSIGHTS_OFF } from './private/nag';
import { ISitespeedMetrics } from './sitespeed-metrics';

/** Properties of a {@link GraphiteGrafana}. */
export interface GraphiteGrafanaProps {
  /** The VPC. The sitespeed.io cluster that sends metrics must be in it (or peered with it). */
  readonly vpc: ec2.IVpc;

  /**
   * Where the metrics instance runs. Public subnets give the instance a public IP, so it can pull
   * images and fetch dashboards without a NAT gateway; its security group admits only Grafana's
   * port per `grafanaAccess` (nothing by default). Graphite's task gets no public IP either way.
   * @default - the VPC's public subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The Availability Zone of the metrics volume, and so of the instance (an EBS volume attaches
   * only within its zone). Changing it later means restoring a backup into the new zone.
   * @default - the first zone of the selected subnets
   */
  readonly availabilityZone?: string;

  /**
   * Instance type of the metrics instance. Graphite and Grafana are light: measured with the real
   * carbon-cache and graphite-web (bench/metrics-memory.sh, docs/costs.md), carbon peaks at 45 MiB
   * after a run of 10 sites and 181 MiB after one of 200, graphite-web's two workers take about
   * 250 MiB, so a 2 GiB burstable instance holds 200 sites. Graviton is the default: both images
   * are multi-arch. Any type with 2 GiB or more works (one the library's table does not know gets
   * a warning that its memory is not checked).
   * @default ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.SMALL)
   */
  readonly instanceType?: ec2.InstanceType;

  /**
   * The image the metrics instance boots. Pinned, because any change of image or user data
   * replaces the instance (Graphite and Grafana down for a few minutes; runs in that window lose
   * their metrics and annotations): with `EcsAmi.latest()` every AMI release would do that at
   * your next deploy. To upgrade, name a newer release and deploy at a quiet time.
   * @default EcsAmi.release(EcsAmi.DEFAULT_RELEASE)
   */
  readonly machineImage?: EcsAmi;

  /**
   * When the metrics instance runs. An on/off schedule saves money, but runs outside its windows
   * send their metrics nowhere: keep it on whenever sites are tested.
   * @default InstanceSchedule.alwaysOn()
   */
  readonly schedule?: InstanceSchedule;

  /**
   * Whether the metrics instance runs. `false` keeps it (and so Graphite and Grafana) stopped
   * while the volume, its backups and the secret stay: for a mirror stage that is switched off.
   * @default true
   */
  readonly running?: boolean;

  /**
   * Size of the metrics volume. sitespeed.io's retention needs roughly 25 MB of whisper per tested page.
   * @default 50
   */
  readonly volumeSizeGiB?: number;

  /**
   * Creates the metrics volume from this snapshot (a recovery point of the backup plan) instead
   * of blank: the restore path. Setting or changing it replaces the volume; the old one is
   * retained, detached, for you to delete once the restore is checked.
   * @default - a blank volume
   */
  readonly snapshotId?: string;

  /**
   * When the volume is backed up (AWS Backup, EBS snapshots).
   * @default - weekly, Sundays 03:00 UTC
   */
  readonly backupSchedule?: events.Schedule;

  /**
   * How long each backup is kept, in days.
   * @default 35
   */
  readonly backupRetentionDays?: number;

  /**
   * The private DNS namespace (Cloud Map) Graphite is registered in, as `graphite.<name>`.
   * Use a different name per stage when stages share a VPC.
   * @default 'sitespeed.internal'
   */
  readonly cloudMapNamespaceName?: string;

  /**
   * Who can open Grafana.
   * @default GrafanaAccess.privateOnly()
   */
  readonly grafanaAccess?: GrafanaAccess;

  /**
   * The dashboards Grafana shows.
   * @default GrafanaDashboards.sitespeedRelease()
   */
  readonly dashboards?: GrafanaDashboards;

  /**
   * Grafana plugins to install at start (plugin ids, e.g. `['marcusolsson-json-datasource']`).
   * Grafana runs on the instance's network, so it can download them without a NAT gateway.
   * @default - none (sitespeed.io's Graphite dashboards need none)
   */
  readonly grafanaPlugins?: string[];

  /**
   * The Graphite image: graphite-project/docker-graphite-statsd's layout (its runit services, its
   * nginx on port 80, carbon on 2003), which the mounted configuration files and the
   * `*_DISABLED` switches assume.
   * @default ecs.ContainerImage.fromRegistry(GraphiteGrafana.GRAPHITE_IMAGE)
   */
  readonly graphiteImage?: ecs.ContainerImage;

  /**
   * The Grafana image.
   * @default ecs.ContainerImage.fromRegistry(GraphiteGrafana.GRAFANA_IMAGE)
   */
  readonly grafanaImage?: ecs.ContainerImage;

  /**
   * CloudWatch Container Insights for the metrics cluster. Its metrics are custom metrics: about
   * 56 for the two services, some $16.80 a month (`npx cdk-sitespeed cost`), more than the instance.
   * Graphite's and Grafana's logs are in CloudWatch Logs either way.
   * @default false
   */
  readonly containerInsights?: boolean;

  /**
   * What happens to the metrics volume, the backup vault and Grafana's admin secret when the
   * construct is removed. Only `DESTROY` deletes your metrics with the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * How long Graphite's and Grafana's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The first two parts of the Graphite keys of the sites that send here (`<a>.<b>`, then the
   * slug). It must start with `sitespeed_io.`, the prefix the retention is set for.
   * @default 'sitespeed_io.default'
   */
  readonly graphiteNamespace?: string;
}

/** Where the metrics volume is mounted on the instance. */
const DATA = '/data/metrics';
/** Where the instance keeps the configuration it writes for the containers. */
const CONF = '/etc/cdk-sitespeed';
/** Graphite's htpasswd on the instance (sitespeed-graphite-auth writes it at every boot). */
const GRAPHITE_HTPASSWD = `${CONF}/graphite/htpasswd`;
/** Graphite's nginx site on the instance: the image's own plus basic auth (shell/graphite-statsd.nginx.conf). */
const GRAPHITE_NGINX_SITE = `${CONF}/graphite/nginx-site.conf`;
const GRAFANA_DASHBOARDS_IN_CONTAINER = '/etc/grafana/dashboards';
const DASHBOARDS_UNIT = 'cdk-sitespeed-dashboards.service';

/**
 * Graphite and Grafana for sitespeed.io's metrics, on one small ECS instance whose data lives on
 * a fixed, encrypted, backed-up EBS volume. Graphite is reached by a private DNS name (Cloud Map),
 * so no load balancer is needed; Grafana is private by default.
 *
 * This is the construct; {@link MetricsStack} is a stack holding one, the layout we recommend
 * (Graphite and Grafana outlive redeployments of the test clusters).
 */
export class GraphiteGrafana extends Construct implements ISitespeedMetrics {
  /**
   * The pinned Graphite image: the upstream graphite-statsd, multi-arch (its release workflow,
   * .github/workflows/release-publish.yml at tag 1.1.10-3, pushes linux/amd64 and linux/arm64/v8).
   * sitespeedio/graphite is this image plus configuration files; the one that matters,
   * storage-aggregation.conf, is mounted here instead.
   */
  public static readonly GRAPHITE_IMAGE = 'graphiteapp/graphite-statsd:1.1.10-3';
  /** The pinned Grafana image. */
  public static readonly GRAFANA_IMAGE = 'grafana/grafana:12.4.0';

  /** The ECS cluster of the metrics instance. */
  public readonly cluster: ecs.Cluster;
  /** The Auto Scaling group of the one metrics instance (min = max = 1, per the schedule, or 0 when not running). */
  public readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /** The value of the `cdk-sitespeed:cluster` tag on the metrics instance (Run Command for deploy markers is limited to it). */
  public readonly instanceTagValue: string;
  /** The metrics instance's role. */
  public readonly instanceRole: iam.IRole;
  /** The metrics volume: whisper files, graphite.db and Grafana's database. */
  public readonly volume: ec2.Volume;
  /** The Availability Zone of the volume and the instance. */
  public readonly availabilityZone: string;
  /** The backup plan of the volume. */
  public readonly backupPlan: backup.BackupPlan;
  /** The vault the backups are kept in. */
  public readonly backupVault: backup.BackupVault;
  /** Grafana's admin user (`username`) and generated password (`password`). */
  public readonly grafanaAdminSecret: secretsmanager.Secret;
  /**
   * Graphite's HTTP credentials (`username`, generated `password`): its nginx admits only them
   * (written as its htpasswd at every boot), Grafana's datasource and the runs use them.
   */
  public readonly graphiteAuthSecret: secretsmanager.Secret;
  /** The same secret, as {@link ISitespeedMetrics} reads it (optional there: not every Graphite has credentials). */
  public readonly graphiteAuth?: secretsmanager.ISecret;
  /** The Graphite service (awsvpc, registered in Cloud Map). */
  public readonly graphiteService: ecs.Ec2Service;
  /** The Grafana service (bridge, on the instance's network). */
  public readonly grafanaService: ecs.Ec2Service;
  /** The private DNS namespace Graphite is registered in. */
  public readonly cloudMapNamespace: servicediscovery.PrivateDnsNamespace;
  /** Graphite's private DNS name, e.g. `graphite.sitespeed.internal`. */
  public readonly graphiteHost: string;
  /** Graphite's plain text port. */
  public readonly graphitePort: number = 2003;
  /** Graphite's HTTP port (render API and annotations). */
  public readonly graphiteHttpPort: number = 80;
  /** Grafana's port on the instance. */
  public readonly grafanaPort: number = 3000;
  /** The Graphite key prefix of the sites that send here. */
  public readonly graphiteNamespace: string;
  /** Graphite's security group: allow senders with {@link allowMetricsFrom}. */
  public readonly connections: ec2.Connections;
  /** The metrics instance's security group (Grafana's port). */
  public readonly grafanaConnections: ec2.Connections;
  /** The log group of Graphite and Grafana. */
  public readonly logGroup: logs.ILogGroup;
  /** The VPC Graphite and Grafana run in. */
  public readonly vpc: ec2.IVpc;

  private readonly allowedGroups = new Set<ec2.ISecurityGroup>();

  constructor(scope: Construct, id: string, props: GraphiteGrafanaProps) {
    super(scope, id);
    try {
      this.vpc = props.vpc;

      const {
        instanceType, volumeSizeGiB, backupRetentionDays: retentionDays, cloudMapNamespaceName: namespaceName,
        graphiteNamespace, schedule, removalPolicy, running,
      } = checkGraphiteGrafanaProps(this, props);
      this.graphiteNamespace = graphiteNamespace;

      const subnetSelection = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PUBLIC };
      const selected = props.vpc.selectSubnets(subnetSelection);
      this.availabilityZone = props.availabilityZone ?? selected.availabilityZones[0];
      const zoneSubnets = selected.subnets.filter(s => s.availabilityZone === this.availabilityZone);
      if (zoneSubnets.length === 0) {
        throw new Error(
          `availabilityZone '${this.availabilityZone}' has none of the selected subnets (vpcSubnets); ` +
          `choose one of: ${selected.availabilityZones.join(', ') || 'none — the selection is empty'}.`);
      }
      const inZone: ec2.SubnetSelection = { subnets: zoneSubnets };

      // The volume: never replaced by an update that does not ask for it, never deleted with the stack.
      this.volume = new ec2.Volume(this, 'Volume', {
        availabilityZone: this.availabilityZone,
        size: Size.gibibytes(volumeSizeGiB),
        snapshotId: props.snapshotId,
        volumeType: ec2.EbsDeviceVolumeType.GP3,
        encrypted: true,
        removalPolicy,
      });

      const instanceSecurityGroup = new ec2.SecurityGroup(this, 'InstanceSecurityGroup', {
        vpc: props.vpc,
        description: 'sitespeed.io metrics instance (Grafana on the host network)',
        allowAllOutbound: true,
      });
      this.grafanaConnections = new ec2.Connections({ securityGroups: [instanceSecurityGroup], defaultPort: ec2.Port.tcp(this.grafanaPort) });
      (props.grafanaAccess ?? GrafanaAccess.privateOnly())._allow(this.grafanaConnections, ec2.Port.tcp(this.grafanaPort));

      const graphiteSecurityGroup = new ec2.SecurityGroup(this, 'GraphiteSecurityGroup', {
        vpc: props.vpc,
        description: 'Graphite: plain text (2003) and HTTP (80) from the sitespeed.io clusters allowed to send',
        allowAllOutbound: false,
      });
      this.connections = new ec2.Connections({ securityGroups: [graphiteSecurityGroup], defaultPort: ec2.Port.tcp(this.graphitePort) });
      // Grafana queries Graphite from the instance's network (bridge mode).
      graphiteSecurityGroup.addIngressRule(instanceSecurityGroup, ec2.Port.tcp(this.graphiteHttpPort), 'Grafana reads Graphite');

      const instanceRole = ecsInstanceRole(this);
      this.instanceRole = instanceRole;

      // Hop limit 1 keeps Grafana (bridge mode) off the instance's role.
      const launchTemplate = ecsLaunchTemplate(this, {
        instanceType,
        ami: props.machineImage ?? EcsAmi.release(EcsAmi.DEFAULT_RELEASE),
        role: instanceRole,
        securityGroup: instanceSecurityGroup,
        userData: ec2.UserData.forLinux(),
        publicIp: selected.hasPublic,
        rootVolumeSizeGiB: 30,
      });

      this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'AutoScalingGroup', {
        vpc: props.vpc,
        vpcSubnets: inZone,
        launchTemplate,
        minCapacity: running ? 1 : 0,
        maxCapacity: running ? 1 : 0,
        // A changed launch template (new AMI, restored volume) replaces the instance: the old one
        // goes first, since only one instance can hold the volume.
        updatePolicy: autoscaling.UpdatePolicy.rollingUpdate({ minInstancesInService: 0, maxBatchSize: 1 }),
      });
      // The library's own tag, as on the test clusters' instances: DeployMarkers may Run Command on
      // instances that carry it (ssm:resourceTag, documented for customer tags). A tag change does
      // not replace the instance (rolling updates follow the launch template): one launched before
      // this tag existed gets it at its next replacement.
      this.instanceTagValue = this.node.addr;
      Tags.of(this.autoScalingGroup).add(CLUSTER_TAG, this.instanceTagValue, { applyToLaunchedInstances: true });
      // Nothing scales the metrics instance out on demand (no managed scaling): off is off.
      if (running) schedule._apply(this, { autoScalingGroup: this.autoScalingGroup, maxCapacity: 1, alwaysHardStop: true });
      this.volume.grantAttachVolumeByResourceTag(instanceRole, [this.autoScalingGroup]);
      instanceRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeVolumes'], resources: ['*'] }));

      // Not retained: nothing keeps it but the htpasswd file, rewritten from it at every boot.
      this.graphiteAuthSecret = new secretsmanager.Secret(this, 'GraphiteAuth', {
        description: 'cdk-sitespeed: the user and password of Graphite\'s HTTP side (annotations, Grafana)',
        generateSecretString: {
          secretStringTemplate: JSON.stringify({ username: 'sitespeed' }),
          generateStringKey: 'password',
          // Letters and digits: the password travels as user:password (sitespeed.io's graphite.auth).
          excludePunctuation: true,
          passwordLength: 32,
        },
      });
      this.graphiteAuth = this.graphiteAuthSecret;
      this.graphiteAuthSecret.grantRead(instanceRole);

      const graphiteUrl = `http://graphite.${namespaceName}:${this.graphiteHttpPort}`;
      this.writeBootScripts(launchTemplate.userData!, props, graphiteUrl);
      this.node.addValidation(spelledValidation({ validate: () => checkUserDataSize(this, launchTemplate.userData!) }));

      const insights = props.containerInsights ?? DEFAULTS.GraphiteGrafanaProps.containerInsights;
      this.cluster = new ecs.Cluster(this, 'Cluster', { vpc: props.vpc, containerInsightsV2: insights ? ecs.ContainerInsights.ENABLED : ecs.ContainerInsights.DISABLED });
      if (!insights) acknowledge(this.cluster, 'AwsSolutions-ECS4', CONTAINER_INSIGHTS_OFF);
      const capacityProvider = new ecs.AsgCapacityProvider(this, 'CapacityProvider', {
        autoScalingGroup: this.autoScalingGroup,
        // The group is always one instance (or the schedule's zero): nothing for ECS to scale.
        enableManagedScaling: false,
        enableManagedTerminationProtection: false,
        // ECS drains the tasks before an instance goes (schedule, replacement): no drain Lambda needed.
        enableManagedDraining: true,
      });
      this.cluster.addAsgCapacityProvider(capacityProvider);
      // A fresh account has no ECS service-linked role yet, and the capacity provider needs it.
      afterEcsServiceRole(this, props.logRetention ?? logs.RetentionDays.ONE_MONTH, this.cluster, capacityProvider);
      // Two private DNS namespaces of one name in one VPC: Cloud Map refuses the second at deploy.
      const namespaceKey = `${placeKey(props.vpc.vpcId, props.vpc)} ${namespaceName}`;
      const sharing = usersOfPlace(this, 'cloud map namespace', namespaceKey);
      if (sharing.length > 0) {
        throw new Error(`cloudMapNamespaceName '${namespaceName}' is already the Cloud Map namespace of ${sharing[0].node.path} in the same VPC; ` +
          'give this GraphiteGrafana another cloudMapNamespaceName (e.g. \'metrics2.internal\').');
      }
      usePlace(this, 'cloud map namespace', namespaceKey);
      this.cloudMapNamespace = new servicediscovery.PrivateDnsNamespace(this, 'Namespace', {
        vpc: props.vpc,
        name: namespaceName,
        description: 'cdk-sitespeed: Graphite for sitespeed.io',
      });
      this.graphiteHost = `graphite.${namespaceName}`;
      markForCheck(this.cluster, {
        kind: 'metrics-cluster',
        autoScalingGroup: logicalIdOf(this.autoScalingGroup),
        graphiteAuthSecret: logicalIdOf(this.graphiteAuthSecret),
        graphiteUrl,
        grafanaPort: this.grafanaPort,
      });

      this.logGroup = new logs.LogGroup(this, 'LogGroup', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
      scopeInstanceLogWrites(instanceRole, this.logGroup);
      this.graphiteService = this.createGraphite(props, graphiteSecurityGroup, inZone);
      this.grafanaAdminSecret = new secretsmanager.Secret(this, 'GrafanaAdmin', {
        description: 'cdk-sitespeed: Grafana admin user and password',
        generateSecretString: {
          secretStringTemplate: JSON.stringify({ username: 'admin' }),
          generateStringKey: 'password',
          excludePunctuation: true,
          passwordLength: 32,
        },
        removalPolicy,
      });
      this.grafanaService = this.createGrafana(props);

      this.backupVault = new backup.BackupVault(this, 'BackupVault', { removalPolicy });
      this.backupPlan = new backup.BackupPlan(this, 'BackupPlan', { backupVault: this.backupVault });
      this.backupPlan.addRule(new backup.BackupPlanRule({
        ruleName: 'MetricsVolume',
        scheduleExpression: props.backupSchedule ?? events.Schedule.cron({ weekDay: 'SUN', hour: '3', minute: '0' }),
        deleteAfter: Duration.days(retentionDays),
      }));
      this.backupPlan.addSelection('Volume', {
        resources: [backup.BackupResource.fromArn(Stack.of(this).formatArn({ service: 'ec2', resource: 'volume', resourceName: this.volume.volumeId }))],
        // Restores go through snapshotId (a new volume from the snapshot): no restore role needed.
        allowRestores: false,
      });

      this.acknowledgeNagFindings();
    } catch (error) {
      throw forCaller(error);
    }
  }

  /**
   * Lets a sitespeed.io cluster (or anything with a security group) send metrics and annotations.
   * The rule lives in the sender's stack, so the metrics stack never depends on the senders.
   */
  public allowMetricsFrom(peer: ec2.IConnectable): void {
    checkNoCycle(this, this.vpc, peer);
    const groups = peer.connections.securityGroups.filter(g => !this.allowedGroups.has(g));
    if (peer.connections.securityGroups.length === 0) {
      throw new Error('allowMetricsFrom: the peer has no security group; for address ranges, allow them on the metrics\' connections instead (allowFrom with an IPv4 peer and TCP port 2003).');
    }
    const graphiteGroup = this.connections.securityGroups[0];
    for (const group of groups) {
      this.allowedGroups.add(group);
      for (const port of [this.graphitePort, this.graphiteHttpPort]) {
        graphiteGroup.addIngressRule(group, ec2.Port.tcp(port), `sitespeed.io metrics (${port})`, true);
      }
    }
  }

  private writeBootScripts(userData: ec2.UserData, props: GraphiteGrafanaProps, graphiteUrl: string): void {
    // First: Graphite is placed only once the volume step sets its attribute, and it mounts this file.
    runShellAtBoot(userData, 'sitespeed-graphite-auth', { SECRET_ARN: this.graphiteAuthSecret.secretArn, AWS_REGION: Aws.REGION, HTPASSWD_FILE: GRAPHITE_HTPASSWD });
    runShellAtBoot(userData, 'sitespeed-metrics-volume', {
      VOLUME_ID: this.volume.volumeId, MOUNT_POINT: DATA, AWS_REGION: Aws.REGION, DEVICE_NAME: '/dev/xvdf', ECS_ATTRIBUTE: VOLUME_ATTRIBUTE,
    });
    writeFileAtBoot(userData, `${CONF}/graphite/carbon.conf`, carbonConf());
    writeFileAtBoot(userData, `${CONF}/graphite/storage-schemas.conf`, storageSchemasConf());
    writeFileAtBoot(userData, `${CONF}/graphite/storage-aggregation.conf`, storageAggregationConf());
    writeFileAtBoot(userData, GRAPHITE_NGINX_SITE, installedShell('graphite-statsd.nginx.conf'));
    writeFileAtBoot(userData, `${CONF}/grafana/provisioning/datasources/graphite.yaml`, grafanaDatasourceYaml(graphiteUrl));
    const dashboards = (props.dashboards ?? GrafanaDashboards.sitespeedRelease())._bind(this, this.instanceRole);
    if (dashboards.source) {
      writeFileAtBoot(userData, `${CONF}/grafana/provisioning/dashboards/cdk-sitespeed.yaml`, grafanaDashboardsYaml(GRAFANA_DASHBOARDS_IN_CONTAINER));
      // A unit of its own, started without waiting: a slow download never holds up the ECS agent
      // (Grafana rescans the folder), and it runs again at every boot.
      installShell(userData, 'sitespeed-grafana-dashboards', '/usr/local/sbin/sitespeed-grafana-dashboards', 'SITESPEED_GRAFANA_DASHBOARDS');
      writeFileAtBoot(userData, `${CONF}/dashboards.env`, dashboardsEnvFile({
        DASHBOARDS_SOURCE: dashboards.source,
        DASHBOARDS_PATH: dashboards.pathInArchive ?? '',
        DASHBOARDS_EXCLUDE: (dashboards.exclude ?? []).join(' '),
        DASHBOARDS_DIR: `${DATA}/grafana-dashboards`,
        AWS_REGION: Aws.REGION,
      }));
      writeFileAtBoot(userData, `/etc/systemd/system/${DASHBOARDS_UNIT}`, dashboardsUnit({
        mountPoint: DATA, environmentFile: `${CONF}/dashboards.env`, command: '/usr/local/sbin/sitespeed-grafana-dashboards',
      }));
      userData.addCommands('systemctl daemon-reload', `systemctl enable ${DASHBOARDS_UNIT}`, `systemctl start --no-block ${DASHBOARDS_UNIT}`);
    }
  }

  private createGraphite(props: GraphiteGrafanaProps, securityGroup: ec2.ISecurityGroup, subnets: ec2.SubnetSelection): ecs.Ec2Service {
    // awsvpc: Cloud Map can then register an A record, which sitespeed.io's plain host name needs.
    const taskDefinition = new ecs.Ec2TaskDefinition(this, 'GraphiteTask', { networkMode: ecs.NetworkMode.AWS_VPC });
    taskDefinition.addVolume({ name: 'storage', host: { sourcePath: `${DATA}/graphite` } });
    taskDefinition.addVolume({ name: 'carbon-conf', host: { sourcePath: `${CONF}/graphite/carbon.conf` } });
    taskDefinition.addVolume({ name: 'storage-schemas', host: { sourcePath: `${CONF}/graphite/storage-schemas.conf` } });
    taskDefinition.addVolume({ name: 'storage-aggregation', host: { sourcePath: `${CONF}/graphite/storage-aggregation.conf` } });
    taskDefinition.addVolume({ name: 'htpasswd', host: { sourcePath: GRAPHITE_HTPASSWD } });
    taskDefinition.addVolume({ name: 'nginx-site', host: { sourcePath: GRAPHITE_NGINX_SITE } });
    const container = taskDefinition.addContainer('graphite', {
      image: props.graphiteImage ?? ecs.ContainerImage.fromRegistry(GraphiteGrafana.GRAPHITE_IMAGE),
      memoryReservationMiB: GRAPHITE_MIB,
      portMappings: [{ containerPort: this.graphitePort }, { containerPort: this.graphiteHttpPort }],
      // The image's entrypoint turns a runit service off for <SERVICE>_DISABLED (conf/entrypoint,
      // tag 1.1.10-3): sitespeed.io sends to carbon-cache on 2003, never to statsd or the aggregator.
      // Two gunicorn workers instead of four: about 110 MiB less (bench/metrics-memory.sh), and
      // Grafana's queries are few.
      environment: { STATSD_DISABLED: '1', CARBON_AGGREGATOR_DISABLED: '1', GRAPHITE_WSGI_PROCESSES: '2' },
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'graphite', logGroup: this.logGroup }),
      essential: true,
    });
    container.addMountPoints(
      { sourceVolume: 'storage', containerPath: '/opt/graphite/storage', readOnly: false },
      { sourceVolume: 'carbon-conf', containerPath: '/opt/graphite/conf/carbon.conf', readOnly: true },
      { sourceVolume: 'storage-schemas', containerPath: '/opt/graphite/conf/storage-schemas.conf', readOnly: true },
      { sourceVolume: 'storage-aggregation', containerPath: '/opt/graphite/conf/storage-aggregation.conf', readOnly: true },
      // The image's nginx site has no auth_basic (graphite-project/docker-graphite-statsd
      // conf/etc/nginx/sites-enabled/graphite-statsd.conf, tags 1.1.7-9 to 1.1.10-5): ours replaces
      // it, the same file plus auth_basic reading the users below.
      { sourceVolume: 'nginx-site', containerPath: '/etc/nginx/sites-enabled/graphite-statsd.conf', readOnly: true },
      { sourceVolume: 'htpasswd', containerPath: '/etc/nginx/.htpasswd', readOnly: true },
    );
    return new ecs.Ec2Service(this, 'Graphite', {
      cluster: this.cluster,
      taskDefinition,
      desiredCount: 1,
      ...this.singleWriter(),
      securityGroups: [securityGroup],
      vpcSubnets: subnets,
      assignPublicIp: false,
      cloudMapOptions: {
        name: 'graphite',
        cloudMapNamespace: this.cloudMapNamespace,
        dnsRecordType: servicediscovery.DnsRecordType.A,
        dnsTtl: Duration.seconds(10),
      },
    });
  }

  private createGrafana(props: GraphiteGrafanaProps): ecs.Ec2Service {
    // Bridge: Grafana downloads plugins, which an awsvpc task without NAT cannot.
    const taskDefinition = new ecs.Ec2TaskDefinition(this, 'GrafanaTask', { networkMode: ecs.NetworkMode.BRIDGE });
    taskDefinition.addVolume({ name: 'data', host: { sourcePath: `${DATA}/grafana` } });
    taskDefinition.addVolume({ name: 'dashboards', host: { sourcePath: `${DATA}/grafana-dashboards` } });
    taskDefinition.addVolume({ name: 'provisioning', host: { sourcePath: `${CONF}/grafana/provisioning` } });
    const environment: Record<string, string> = {
      GF_AUTH_ANONYMOUS_ENABLED: 'false',
      GF_USERS_ALLOW_SIGN_UP: 'false',
      GF_USERS_ALLOW_ORG_CREATE: 'false',
      GF_AUTH_BASIC_ENABLED: 'false',
      GF_ANALYTICS_REPORTING_ENABLED: 'false',
      GF_ANALYTICS_CHECK_FOR_UPDATES: 'false',
    };
    if (props.grafanaPlugins && props.grafanaPlugins.length > 0) environment.GF_PLUGINS_PREINSTALL = props.grafanaPlugins.join(',');
    const container = taskDefinition.addContainer('grafana', {
      image: props.grafanaImage ?? ecs.ContainerImage.fromRegistry(GraphiteGrafana.GRAFANA_IMAGE),
      memoryReservationMiB: GRAFANA_MIB,
      portMappings: [{ containerPort: this.grafanaPort, hostPort: this.grafanaPort }],
      environment,
      // Only read when Grafana creates its database; see docs/metrics.md for changing it later.
      secrets: {
        GF_SECURITY_ADMIN_USER: ecs.Secret.fromSecretsManager(this.grafanaAdminSecret, 'username'),
        GF_SECURITY_ADMIN_PASSWORD: ecs.Secret.fromSecretsManager(this.grafanaAdminSecret, 'password'),
        // The provisioned datasource reads them (grafanaDatasourceYaml).
        GRAPHITE_AUTH_USER: ecs.Secret.fromSecretsManager(this.graphiteAuthSecret, 'username'),
        GRAPHITE_AUTH_PASSWORD: ecs.Secret.fromSecretsManager(this.graphiteAuthSecret, 'password'),
      },
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'grafana', logGroup: this.logGroup }),
      essential: true,
    });
    container.addMountPoints(
      { sourceVolume: 'data', containerPath: '/var/lib/grafana', readOnly: false },
      { sourceVolume: 'dashboards', containerPath: GRAFANA_DASHBOARDS_IN_CONTAINER, readOnly: true },
      { sourceVolume: 'provisioning', containerPath: '/etc/grafana/provisioning', readOnly: true },
    );
    return new ecs.Ec2Service(this, 'Grafana', {
      cluster: this.cluster,
      taskDefinition,
      desiredCount: 1,
      ...this.singleWriter(),
    });
  }

  /**
   * One task at a time, only where the volume is mounted: two Graphites on one whisper tree (or
   * a Graphite on the root disk) would corrupt or lose data. A deployment stops the old task first.
   */
  private singleWriter(): Pick<ecs.Ec2ServiceProps, 'minHealthyPercent' | 'maxHealthyPercent' | 'placementConstraints' | 'circuitBreaker'> {
    return {
      minHealthyPercent: 0,
      maxHealthyPercent: 100,
      placementConstraints: [ecs.PlacementConstraint.memberOf(`attribute:${VOLUME_ATTRIBUTE} == mounted`)],
      circuitBreaker: { rollback: true },
    };
  }

  private acknowledgeNagFindings(): void {
    acknowledge(this.autoScalingGroup, 'AwsSolutions-AS3',
      'One instance, min = max; replacements show in the Auto Scaling activity history and CloudTrail.');
    acknowledge(this.instanceRole, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      'The AWS-maintained minimal policy for SSM Session Manager: the way onto the instance and to Grafana (no SSH, no inbound rules).');
    acknowledge(this.instanceRole, 'AwsSolutions-IAM5[Resource::*]',
      'ec2:DescribeVolumes and the ECS agent\'s own permissions support no resource-level restriction.');
    acknowledge(this.instanceRole, 'AwsSolutions-IAM5[Action::ecs:Submit*]',
      'The ECS agent\'s own permissions, added by aws-ecs for container instances.');
    acknowledgeWildcardResource(this.instanceRole, Stack.of(this).formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' }),
      'AttachVolume on the instance the group launches, whose id is unknown at synth: the statement requires the volume\'s grant tag on the instance too.');
    acknowledge(this.backupPlan, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      'The AWS-maintained policy AWS Backup needs to snapshot EBS volumes; the selection limits it to this volume.');
    acknowledge(this.graphiteAuthSecret, 'AwsSolutions-SMG4',
      'Rotation would need the Graphite htpasswd rewritten and Grafana restarted; both read the secret at start. Change it, then replace the instance.');
    acknowledge(this.grafanaAdminSecret, 'AwsSolutions-SMG4',
      'Grafana reads the admin password only when it creates its database; a rotated secret would no longer match. Change it with grafana cli (docs/metrics.md).');
    for (const task of [this.graphiteService.taskDefinition, this.grafanaService.taskDefinition]) {
      acknowledge(task, 'AwsSolutions-ECS2', 'Only non-secret Grafana settings are in the environment; the admin credentials come from Secrets Manager.');
    }
  }
}

/**
 * A sender in the VPC's stack, with the metrics in another stack, is a dependency cycle: the
 * metrics use the VPC, and the sender's ingress rule names Graphite's security group. CDK would
 * say so only as a cyclic reference between stacks; say where the VPC should go.
 */
function checkNoCycle(metrics: Construct, vpc: ec2.IVpc, peer: ec2.IConnectable): void {
  // An imported VPC (fromLookup, fromVpcAttributes) is plain values in every stack: no cycle.
  if (!Construct.isConstruct(peer) || !Resource.isOwnedResource(vpc)) return;
  const vpcStack = Stack.of(vpc);
  const peerStack = Stack.of(peer);
  const metricsStack = Stack.of(metrics);
  if (vpcStack === peerStack && metricsStack !== peerStack) {
    throw new Error(
      `${peer.node.path} sends metrics to ${metrics.node.path} in stack ${metricsStack.stackName}, but the VPC is in the sender's stack ` +
      `(${peerStack.stackName}), which makes the two stacks depend on each other. Put the VPC in a stack of its own ` +
      '(as the reference app\'s Network stack does) or in the metrics\' stack.',
    );
  }
}
