/** The moto_server that global-setup.ts started for this test run. */
export function motoEndpoint(): string {
  const endpoint = process.env.MOTO_ENDPOINT;
  if (!endpoint) {
    throw new Error('MOTO_ENDPOINT is not set: run the tests through jest, whose global setup starts moto_server.');
  }
  return endpoint;
}

/** SDK v3 client configuration for moto: fixed test credentials, path-style S3. */
export function motoClientConfig() {
  return {
    endpoint: motoEndpoint(),
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    forcePathStyle: true,
  };
}

/** Clears everything moto holds, so a test starts from an empty account. */
export async function resetMoto(): Promise<void> {
  const response = await fetch(`${motoEndpoint()}/moto-api/reset`, { method: 'POST' });
  if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
}
