import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { factoryOnly } from './private/factory-only';
import { forCaller } from './private/for-caller';
import { acknowledgeWildcardResource } from './private/nag';
import { isToken } from './private/tokens';
import { SitespeedImage } from './sitespeed-image';

/** @internal */
export interface BoundGrafanaDashboards {
  /** An https:// archive or an s3:// prefix; undefined for none. */
  readonly source?: string;
  /** For an archive: the folder of dashboards inside it. */
  readonly pathInArchive?: string;
  /** File names to leave out. */
  readonly exclude?: string[];
}

/**
 * The dashboards Grafana shows. They are fetched by the metrics instance at every boot, in a
 * systemd unit that does not hold up Graphite (it has internet through its public IP; the tasks
 * do not need any), kept on the metrics volume, and replaced only by a complete new set.
 */
export abstract class GrafanaDashboards {
  /**
   * sitespeed.io's own dashboards (MIT), from the GitHub release archive of a sitespeed.io
   * version: the ones that read Graphite. Keep the version the same as the sitespeed.io image, so
   * the dashboards match the metrics it sends.
   * @param version sitespeed.io version, e.g. '42.7.0'; defaults to the pinned image's version
   */
  public static sitespeedRelease(version?: string): GrafanaDashboards {
    try {
      const v = version ?? SitespeedImage.DEFAULT_VERSION;
      if (!isToken(v) && !/^\d+\.\d+\.\d+$/.test(v)) {
        throw new Error(`GrafanaDashboards.sitespeedRelease: version '${v}' must be a sitespeed.io release such as '${SitespeedImage.DEFAULT_VERSION}'.`);
      }
      return new Fixed({
        source: `https://github.com/sitespeedio/sitespeed.io/archive/refs/tags/v${v}.tar.gz`,
        pathInArchive: 'docker/grafana/provisioning/dashboards',
        // These read OpenSearch or a JSON API, which this stack does not provide.
        exclude: ['OpenSearch.json', 'Plus1.json', 'WikipediaLogin.json'],
      });
    } catch (error) {
      throw forCaller(error);
    }
  }

  /**
   * Your own dashboards: every `.json` under a prefix of a bucket (the instance may read that
   * prefix only). They are fetched at every boot; to pick up changes sooner, run
   * `systemctl start cdk-sitespeed-dashboards` on the instance (SSM session).
   * @param prefix e.g. 'grafana/dashboards/'
   */
  public static fromBucket(bucket: s3.IBucket, prefix: string): GrafanaDashboards {
    try {
      if (prefix.startsWith('/') || prefix.split('/').includes('..')) {
        throw new Error(`GrafanaDashboards.fromBucket: prefix '${prefix}' must be a key prefix such as 'grafana/dashboards/' (no leading '/', no '..').`);
      }
      return new FromBucket(bucket, prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`);
    } catch (error) {
      throw forCaller(error);
    }
  }

  /** No dashboards are provisioned; build your own in Grafana (they live on the metrics volume). */
  public static none(): GrafanaDashboards {
    return new Fixed({});
  }

  /** Made by the static factories only (see factoryOnly). */
  protected constructor() {
    factoryOnly(new.target, GrafanaDashboards, 'GrafanaDashboards.sitespeedRelease(...), GrafanaDashboards.fromBucket(...) or GrafanaDashboards.none()');
  }

  /** @internal */
  public abstract _bind(scope: Construct, instanceRole: iam.IRole): BoundGrafanaDashboards;
}

class Fixed extends GrafanaDashboards {
  constructor(private readonly bound: BoundGrafanaDashboards) {
    super();
  }

  public _bind(): BoundGrafanaDashboards {
    return this.bound;
  }
}

class FromBucket extends GrafanaDashboards {
  constructor(private readonly bucket: s3.IBucket, private readonly prefix: string) {
    super();
  }

  public _bind(_scope: Construct, instanceRole: iam.IRole): BoundGrafanaDashboards {
    const objects = this.bucket.arnForObjects(`${this.prefix}*`);
    instanceRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objects] }));
    instanceRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [this.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${this.prefix}*`] } },
    }));
    this.bucket.encryptionKey?.grantDecrypt(instanceRole);
    acknowledgeWildcardResource(instanceRole, objects, 'The dashboards are whatever JSON files are under the prefix; the instance may read that prefix only.');
    return { source: `s3://${this.bucket.bucketName}/${this.prefix}` };
  }
}
