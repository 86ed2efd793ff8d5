import { Fn } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { factoryOnly } from './private/factory-only';
import { forCaller, warn } from './private/for-caller';
import { isToken } from './private/tokens';

/** @internal */
export interface BoundSitespeedImage {
  readonly containerImage: ecs.ContainerImage;
  /** What `docker pull` takes on the instance. */
  readonly imageName: string;
  /** The ECR registry to log in to before pulling, when the image is in ECR. */
  readonly ecrRegistry?: string;
}

/**
 * The sitespeed.io container image the tests run.
 *
 * Pin a version: sitespeed.io and its browsers change metrics between releases, so an
 * unpinned tag makes trends jump for reasons that are not your site's.
 */
export abstract class SitespeedImage {
  /** The sitespeed.io release this library is tested with. */
  public static readonly DEFAULT_VERSION = '42.7.0';

  /** `sitespeedio/sitespeed.io` at {@link SitespeedImage.DEFAULT_VERSION}. */
  public static pinned(): SitespeedImage {
    return new RegistryImage(`sitespeedio/sitespeed.io:${SitespeedImage.DEFAULT_VERSION}`);
  }

  /**
   * An image from a public registry, e.g. `sitespeedio/sitespeed.io:42.7.0` or a derived image
   * with your own scripts. A name without a tag, or `:latest`, gets a warning.
   */
  public static fromRegistry(name: string): SitespeedImage {
    try {
      if (!isToken(name) && (!name || /\s/.test(name))) {
        throw new Error(`SitespeedImage.fromRegistry: '${name}' is not an image name (e.g. 'sitespeedio/sitespeed.io:${SitespeedImage.DEFAULT_VERSION}').`);
      }
      return new RegistryImage(name);
    } catch (error) {
      throw forCaller(error);
    }
  }

  /** An image in one of your ECR repositories (for a derived image, or to avoid Docker Hub's pull limits). */
  public static fromEcrRepository(repository: ecr.IRepository, tag?: string): SitespeedImage {
    try {
      return new EcrImage(repository, tag ?? SitespeedImage.DEFAULT_VERSION);
    } catch (error) {
      throw forCaller(error);
    }
  }

  /** Made by the static factories only (see factoryOnly). */
  protected constructor() {
    factoryOnly(new.target, SitespeedImage, 'SitespeedImage.pinned(), SitespeedImage.fromRegistry(...) or SitespeedImage.fromEcrRepository(...)');
  }

  /** @internal */
  public abstract _bind(scope: Construct, instanceRole: iam.IGrantable): BoundSitespeedImage;
}

class RegistryImage extends SitespeedImage {
  constructor(private readonly name: string) {
    super();
  }

  public _bind(scope: Construct): BoundSitespeedImage {
    const lastPart = this.name.split('/').pop() ?? '';
    const tag = lastPart.includes('@') ? 'digest' : lastPart.split(':')[1];
    if (!tag || tag === 'latest') {
      warn(scope, 'cdk-sitespeed:unpinnedImage',
        `The sitespeed.io image '${this.name}' is not pinned to a version: metrics will jump whenever the image changes. Use a version tag such as :${SitespeedImage.DEFAULT_VERSION}.`,
      );
    }
    return { containerImage: ecs.ContainerImage.fromRegistry(this.name), imageName: this.name };
  }
}

class EcrImage extends SitespeedImage {
  constructor(private readonly repository: ecr.IRepository, private readonly tag: string) {
    super();
  }

  public _bind(_scope: Construct, instanceRole: iam.IGrantable): BoundSitespeedImage {
    // The instance pre-pulls the image at boot, so its role needs the same pull rights as the task.
    this.repository.grantPull(instanceRole);
    return {
      containerImage: ecs.ContainerImage.fromEcrRepository(this.repository, this.tag),
      imageName: this.repository.repositoryUriForTag(this.tag),
      ecrRegistry: Fn.select(0, Fn.split('/', this.repository.repositoryUri)),
    };
  }
}
