import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/**
 * Another writer won a conditional write: the ETag changed or the object exists (412), a write
 * was in flight (409), or the object was deleted since it was read (If-Match on a missing key: 404).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
 */
export function isLostRace(error: any): boolean {
  const status = error?.$metadata?.httpStatusCode;
  return status === 412 || status === 409 || status === 404 ||
    ['PreconditionFailed', 'ConditionalRequestConflict', 'NoSuchKey'].includes(error?.name);
}

export type ClaimOutcome = { readonly claimed: true } | { readonly claimed: false; readonly why: string };

/**
 * A claim on one piece of work, as a small S3 object: created with If-None-Match (only one writer
 * can), or, when it exists, taken over with If-Match if `heldBecause` finds nothing holding it
 * (its holder is done, or died: the claim is older than it can run). Used by the run outcomes
 * (one "Run Finished" per task) and reportIndex (one rebuild of a missing index).
 */
export async function claimObject(s3: S3Client, bucket: string, key: string, body: object,
  heldBecause: (claim: any) => string | undefined, lostTakeOver: string): Promise<ClaimOutcome> {
  const text = JSON.stringify(body);
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: 'application/json', IfNoneMatch: '*' }));
    return { claimed: true };
  } catch (error) {
    if (!isLostRace(error)) throw error;
  }
  const current = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  let claim: any;
  try {
    claim = JSON.parse(await current.Body!.transformToString());
  } catch {
    claim = undefined; // unreadable: nothing holds it
  }
  const why = heldBecause(claim);
  if (why) return { claimed: false, why };
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: 'application/json', IfMatch: current.ETag }));
    return { claimed: true };
  } catch (error) {
    if (isLostRace(error)) return { claimed: false, why: lostTakeOver };
    throw error;
  }
}
