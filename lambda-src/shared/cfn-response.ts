import * as http from 'http';
import * as https from 'https';

/*
 * A CloudFormation custom resource answered by the function itself (no provider framework: no
 * second Lambda, no state machine). CloudFormation waits for a PUT of the outcome to the
 * event's ResponseURL, a presigned S3 URL; without one it waits an hour and then fails. So every
 * path answers, errors included (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html).
 */

export interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
}

export interface CfnResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
}

/** Runs the work for an event and always answers CloudFormation: SUCCESS with its summary, or FAILED with the error. */
export async function answerCloudFormation(
  event: CustomResourceEvent,
  physicalId: string,
  work: () => Promise<object>,
): Promise<CfnResponse> {
  let response: CfnResponse;
  try {
    const outcome = await work();
    response = respond(event, physicalId, 'SUCCESS', JSON.stringify(outcome));
  } catch (error) {
    const err = error as Error;
    console.error(JSON.stringify({ error: err.name, message: err.message }));
    response = respond(event, physicalId, 'FAILED', `${err.name}: ${err.message}`);
  }
  await put(event.ResponseURL, JSON.stringify(response));
  return response;
}

function respond(event: CustomResourceEvent, physicalId: string, status: CfnResponse['Status'], reason: string): CfnResponse {
  return {
    Status: status,
    // CloudFormation shows the reason in its events; it allows 4 KB for the whole response.
    Reason: reason.slice(0, 2000),
    PhysicalResourceId: event.PhysicalResourceId ?? physicalId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  };
}

function put(url: string, body: string): Promise<void> {
  const target = new URL(url);
  const client = target.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    // The presigned URL is signed without a content type: send none.
    const request = client.request(target, { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } }, response => {
      response.resume();
      response.on('end', () => (response.statusCode === 200
        ? resolve()
        : reject(new Error(`CloudFormation's response URL answered ${response.statusCode}`))));
    });
    request.on('error', reject);
    request.end(body);
  });
}
