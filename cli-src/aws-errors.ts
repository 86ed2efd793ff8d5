/**
 * AWS errors a CI log can act on: missing, expired or unknown credentials and a missing region get
 * one line that says which and what to do, never "retry" or "deploy again" (the deployment is not
 * at fault). Names from the SDK's credential providers (@smithy/property-provider
 * CredentialsProviderError) and the services' error codes (ExpiredToken, InvalidClientTokenId, …).
 */
export function credentialProblem(e: unknown): string | undefined {
  const name = String((e as any)?.name ?? '');
  const message = String((e as any)?.message ?? e);
  if (name === 'CredentialsProviderError' || /Could not load credentials|credentials? (were|was) not found|Unable to locate credentials/i.test(message)) {
    return 'no AWS credentials were found: set AWS_PROFILE (or --profile), or in CI give the job a role ' +
      '(aws-actions/configure-aws-credentials with an OIDC role; --print-policy prints what it needs)';
  }
  if (/^(ExpiredToken|ExpiredTokenException|TokenRefreshRequired|RequestExpired)$/.test(name) || /token (has|is) expired|session has expired|credentials have expired/i.test(message)) {
    return 'your AWS credentials have expired: log in again (`aws sso login`), or in CI give the role session a longer duration';
  }
  if (/^(UnrecognizedClientException|InvalidClientTokenId|SignatureDoesNotMatch|InvalidAccessKeyId)$/.test(name)) {
    return `AWS does not recognise these credentials (${name}): keys of another partition or account, or a mistyped AWS_SECRET_ACCESS_KEY`;
  }
  if (/Region is missing|region is not set/i.test(message)) return 'no AWS region: set AWS_REGION (or --region) to the stacks\' region';
  return undefined;
}
