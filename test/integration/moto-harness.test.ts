import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { motoClientConfig, motoEndpoint, resetMoto } from '../harness/moto';

// The harness every integration test stands on: a real local AWS API started by jest's global setup.
describe('moto_server harness', () => {
  const s3 = new S3Client(motoClientConfig());
  beforeEach(resetMoto);

  test('listens on 127.0.0.1 only', () => {
    expect(motoEndpoint()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('speaks the S3 API: an object put is read back', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'reports' }));
    await s3.send(new PutObjectCommand({ Bucket: 'reports', Key: 'site/2026-11-27-10-00-00/index.html', Body: '<h1>run</h1>' }));
    const object = await s3.send(new GetObjectCommand({ Bucket: 'reports', Key: 'site/2026-11-27-10-00-00/index.html' }));
    expect(await object.Body!.transformToString()).toBe('<h1>run</h1>');
  });

  test('reset leaves an empty account', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'leftover' }));
    await resetMoto();
    const buckets = await s3.send(new ListBucketsCommand({}));
    expect(buckets.Buckets ?? []).toEqual([]);
  });
});
