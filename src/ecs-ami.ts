import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { factoryOnly } from './private/factory-only';
import { forCaller } from './private/for-caller';
import { isToken } from './private/tokens';

/**
 * The ECS-optimised Amazon Linux 2023 image an instance group boots.
 *
 * A release is named the same in every region and never changes, so an instance group pinned to
 * one is replaced only when you name another; `latest()` is read at every deploy, so each AMI
 * release (about weekly: aws/amazon-ecs-ami CHANGELOG.md) replaces the instances at the next
 * deploy. The metrics instance is pinned by default (a replacement takes Graphite and Grafana
 * down for a few minutes); the sitespeed clusters follow the latest (their instances hold no
 * state and come and go with the schedule anyway).
 */
export abstract class EcsAmi {
  /**
   * The release GraphiteGrafana pins by default: the newest AL2023 release of aws/amazon-ecs-ami
   * when this library version was made (release-al2023.auto.pkrvars.hcl, ami_version_al2023).
   * A library upgrade that moves it replaces the metrics instance once.
   */
  public static readonly DEFAULT_RELEASE = '2023.0.20260820';

  /**
   * The recommended image, read at every deploy from
   * `/aws/service/ecs/optimized-ami/amazon-linux-2023[/arm64]/recommended/image_id`.
   */
  public static latest(): EcsAmi {
    return new LatestAmi();
  }

  /**
   * One release, by its version as aws/amazon-ecs-ami names it (e.g. `2023.0.20260820`):
   * `/aws/service/ecs/optimized-ami/amazon-linux-2023[/arm64]/al2023-ami-ecs-hvm-<version>-kernel-<kernel>-<arch>/image_id`
   * (Amazon ECS developer guide, "Retrieving Amazon ECS-optimized Linux AMI metadata"), the
   * architecture taken from the instance type. Find versions with
   * `aws ssm get-parameters-by-path --path /aws/service/ecs/optimized-ami/amazon-linux-2023 --query 'Parameters[].Name'`.
   * @param version e.g. `2023.0.20260820`
   * @param kernel the kernel line of the release name (default `6.1`)
   */
  public static release(version: string, kernel?: string): EcsAmi {
    try {
      const kernelLine = kernel ?? '6.1';
      if (!isToken(version) && !/^2023\.0\.\d{8}$/.test(version)) {
        throw new Error(`EcsAmi.release: '${version}' is not an ECS-optimised AL2023 release version: expected 2023.0.YYYYMMDD, e.g. '${EcsAmi.DEFAULT_RELEASE}' (the aws/amazon-ecs-ami CHANGELOG.md headings).`);
      }
      if (!isToken(kernelLine) && !/^\d+\.\d+$/.test(kernelLine)) {
        throw new Error(`EcsAmi.release: kernel '${kernelLine}' is not a kernel line such as '6.1' or '6.12'.`);
      }
      return new ReleaseAmi(version, kernelLine);
    } catch (error) {
      throw forCaller(error);
    }
  }

  /**
   * An image id of your own (one region only), e.g. an AMI built from the ECS-optimised one.
   * It must run the ECS agent and cloud-init as that AMI does.
   */
  public static fromAmiId(amiId: string): EcsAmi {
    try {
      if (!isToken(amiId) && !/^ami-[0-9a-f]{8,17}$/.test(amiId)) {
        throw new Error(`EcsAmi.fromAmiId: '${amiId}' is not an AMI id (ami- and 8 or 17 hex digits).`);
      }
      return new AmiId(amiId);
    } catch (error) {
      throw forCaller(error);
    }
  }

  /** Made by the static factories only (see factoryOnly). */
  protected constructor() {
    factoryOnly(new.target, EcsAmi, 'EcsAmi.latest(), EcsAmi.release(...) or EcsAmi.fromAmiId(...)');
  }

  /** @internal */
  public abstract _machineImage(instanceType: ec2.InstanceType): ec2.IMachineImage;
}

const isArm = (instanceType: ec2.InstanceType) => instanceType.architecture === ec2.InstanceArchitecture.ARM_64;

class LatestAmi extends EcsAmi {
  public _machineImage(instanceType: ec2.InstanceType): ec2.IMachineImage {
    return ecs.EcsOptimizedImage.amazonLinux2023(isArm(instanceType) ? ecs.AmiHardwareType.ARM : ecs.AmiHardwareType.STANDARD);
  }
}

class ReleaseAmi extends EcsAmi {
  constructor(private readonly version: string, private readonly kernel: string) {
    super();
  }

  public _machineImage(instanceType: ec2.InstanceType): ec2.IMachineImage {
    const arm = isArm(instanceType);
    const name = `al2023-ami-ecs-hvm-${this.version}-kernel-${this.kernel}-${arm ? 'arm64' : 'x86_64'}`;
    return ec2.MachineImage.fromSsmParameter(`/aws/service/ecs/optimized-ami/amazon-linux-2023/${arm ? 'arm64/' : ''}${name}/image_id`);
  }
}

class AmiId extends EcsAmi {
  constructor(private readonly amiId: string) {
    super();
  }

  public _machineImage(): ec2.IMachineImage {
    return { getImage: () => ({ imageId: this.amiId, osType: ec2.OperatingSystemType.LINUX, userData: ec2.UserData.forLinux() }) };
  }
}
