/**
 * vCPUs and memory of the instance types the reservation arithmetic knows.
 *
 * CDK has no table of instance specifications, and a task that reserves more than the
 * instance registers can never be placed, so we keep our own for the x86_64 families
 * that suit browser tests (sitespeed.io's image ships Chrome and Firefox for x86_64).
 */
export interface InstanceCapacity {
  readonly vcpus: number;
  readonly memoryMiB: number;
}

const VCPUS_BY_SIZE: Record<string, number> = {
  'large': 2,
  'xlarge': 4,
  '2xlarge': 8,
  '4xlarge': 16,
  '8xlarge': 32,
  '9xlarge': 36,
  '12xlarge': 48,
  '16xlarge': 64,
  '18xlarge': 72,
  '24xlarge': 96,
};

/** family → [MiB of memory per vCPU, sizes that exist] */
const FAMILIES: Record<string, [number, string[]]> = {
  c5: [2048, ['large', 'xlarge', '2xlarge', '4xlarge', '9xlarge', '12xlarge', '18xlarge', '24xlarge']],
  c5a: [2048, ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge']],
  c6i: [2048, ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge']],
  c6a: [2048, ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge']],
  c7i: [2048, ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge']],
  c7a: [2048, ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge']],
  m5: [4096, ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge']],
  m6i: [4096, ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge']],
  m6a: [4096, ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge']],
  m7i: [4096, ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge']],
  m7a: [4096, ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge']],
  r5: [8192, ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge']],
  r6i: [8192, ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge']],
};

/** Burstable types: memory is not a fixed ratio, so they are listed whole. */
const BURSTABLE: Record<string, InstanceCapacity> = {
  't3.small': { vcpus: 2, memoryMiB: 2048 },
  't3a.small': { vcpus: 2, memoryMiB: 2048 },
  't4g.small': { vcpus: 2, memoryMiB: 2048 },
  't4g.medium': { vcpus: 2, memoryMiB: 4096 },
  't4g.large': { vcpus: 2, memoryMiB: 8192 },
  't4g.xlarge': { vcpus: 4, memoryMiB: 16384 },
  't3.medium': { vcpus: 2, memoryMiB: 4096 },
  't3.large': { vcpus: 2, memoryMiB: 8192 },
  't3.xlarge': { vcpus: 4, memoryMiB: 16384 },
  't3.2xlarge': { vcpus: 8, memoryMiB: 32768 },
  't3a.medium': { vcpus: 2, memoryMiB: 4096 },
  't3a.large': { vcpus: 2, memoryMiB: 8192 },
  't3a.xlarge': { vcpus: 4, memoryMiB: 16384 },
  't3a.2xlarge': { vcpus: 8, memoryMiB: 32768 },
};

/** The instance types the table knows, for error messages. */
export function knownInstanceTypes(): string {
  const fixed = Object.entries(FAMILIES).map(([family, [, sizes]]) => `${family}.{${sizes.join(',')}}`);
  return [...fixed, ...Object.keys(BURSTABLE)].join(', ');
}

/** The capacity of an instance type such as `c5.large`, or undefined when unknown. */
export function instanceCapacity(instanceType: string): InstanceCapacity | undefined {
  if (BURSTABLE[instanceType]) {
    return BURSTABLE[instanceType];
  }
  const [family, size] = instanceType.split('.');
  const entry = FAMILIES[family];
  if (!entry || !entry[1].includes(size)) {
    return undefined;
  }
  const vcpus = VCPUS_BY_SIZE[size];
  return { vcpus, memoryMiB: vcpus * entry[0] };
}

/** True for families whose CPU credits make test metrics drift (t2, t3, t3a, t4g). */
export function isBurstable(instanceType: string): boolean {
  return /^t\d[a-z]*\./.test(instanceType);
}

/**
 * Memory the task reserves: what the ECS agent registers is less than the nominal size (the
 * kernel and the agent keep some), so we leave max(512 MiB, 10%) for them. A reservation above
 * the registered memory would leave the task PROVISIONING forever.
 */
export function taskMemoryReservationMiB(capacity: InstanceCapacity): number {
  const headroom = Math.max(512, Math.ceil(capacity.memoryMiB * 0.1));
  return capacity.memoryMiB - headroom;
}

/**
 * Node's heap for sitespeed.io (MAX_OLD_SPACE_SIZE): half the reservation, between 1024 MiB
 * and the 3072 MiB sitespeed.io's maintainers run with; the browser needs the rest.
 */
export function maxOldSpaceSizeMiB(reservationMiB: number): number {
  return Math.min(3072, Math.max(1024, Math.floor(reservationMiB / 2)));
}
