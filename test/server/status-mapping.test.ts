import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpSettings, type NcRequest, NextcloudClient } from '../../server/nextcloud/client.js';
import { updateShare } from '../../server/nextcloud/sharing.js';

/**
 * The one status table as Nextcloud 29 answers: its reason kept from whatever shape the body has, a
 * 412 read by the request that met it, 401 by the credential, and "try again later" only where it is.
 */
describe('the status table, with what Nextcloud answers', () => {
  let server: Server;
  let basic: NextcloudClient;
  let bearer: NextcloudClient;
  /** The next answer: status, content type and body. */
  let next: { status: number; type?: string; body: string };

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(next.status, next.type ? { 'content-type': next.type } : {}).end(next.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const settings = createHttpSettings(new URL(`http://127.0.0.1:${port}`), 2000);
    basic = new NextcloudClient(settings, { authorization: 'Basic eDp5', user: 'alice' });
    bearer = new NextcloudClient(settings, { authorization: 'Bearer eyJ.x.y', user: 'alice' });
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  /** The error a request meets; POST so that a 5xx is not retried. */
  async function refusal(answer: typeof next, req: Partial<NcRequest> = {}, nc = basic) {
    next = answer;
    const error = await nc.send({ method: 'POST', path: '/x', what: 'Thing 1', ...req }).then(
      () => undefined,
      (caught: unknown) => caught as { code: string; message: string; transient: boolean },
    );
    if (!error) throw new Error('the request did not fail');
    return { code: error.code, message: error.message, transient: error.transient };
  }
  const json = 'application/json; charset=utf-8';
  const sabre = (exception: string, message: string) =>
    '<?xml version="1.0" encoding="utf-8"?>\n<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">\n' +
    `  <s:exception>Sabre\\DAV\\Exception\\${exception}</s:exception>\n  <s:message>${message}</s:message>\n</d:error>`;

  it('reads a 412 to a write with If-Match as an etag mismatch', async () => {
    const error = await refusal(
      { status: 412, type: json, body: '{"message":"ETag mismatch"}' },
      { method: 'PUT', headers: { 'If-Match': '"abc"' } },
    );
    expect(error).toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: 'Thing 1 changed since you read it (etag mismatch): read it again and retry',
    });
  });

  it("keeps Nextcloud's reason for a 412 that is not about an etag (Deck's CSRF check)", async () => {
    const error = await refusal(
      { status: 412, type: json, body: '{"message":"CSRF check failed"}' },
      { method: 'PUT' },
    );
    expect(error).toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: 'Nextcloud refused the request for Thing 1: CSRF check failed',
    });
  });

  it('reads a 412 to a create with If-None-Match as something already there, with the DAV reason', async () => {
    const error = await refusal(
      {
        status: 412,
        type: 'application/xml; charset=utf-8',
        body: sabre(
          'PreconditionFailed',
          'VCard object with uid already exists in this addressbook collection.',
        ),
      },
      { method: 'PUT', headers: { 'if-none-match': '*' } },
    );
    expect(error).toMatchObject({
      code: 'CONFLICT',
      message: 'Thing 1 already exists: VCard object with uid already exists in this addressbook collection.',
    });
  });

  it.each([
    [
      'a bare JSON string (Cookbook)',
      json,
      '"Could not resolve host: recipes.invalid"',
      'Could not resolve host: recipes.invalid',
    ],
    ['{"message"}', json, '{"message":"Board not found"}', 'Board not found'],
    [
      '{"error"}',
      json,
      '{"error":"Column does not belong to this table"}',
      'Column does not belong to this table',
    ],
    ['{"msg"} (Cookbook)', json, '{"msg":"No recipe found on the page"}', 'No recipe found on the page'],
    [
      'Sabre XML',
      'application/xml',
      sabre('BadRequest', 'Invalid &quot;Depth&quot; header'),
      'Invalid "Depth" header',
    ],
    ['short plain text', 'text/plain', 'Quota exceeded for alice\n', 'Quota exceeded for alice'],
    [
      'an OCS envelope',
      json,
      '{"ocs":{"meta":{"status":"failure","statuscode":400,"message":"Wrong permissions"},"data":[]}}',
      'Wrong permissions',
    ],
  ])("keeps Nextcloud's reason from %s", async (_shape, type, body, reason) => {
    const error = await refusal({ status: 400, type, body });
    expect(error).toMatchObject({
      code: 'INVALID_INPUT',
      message: `Nextcloud refused the request for Thing 1: ${reason}`,
    });
  });

  it.each([
    ['an HTML page', 'text/html', '<!DOCTYPE html><html><body><h1>Bad request</h1></body></html>'],
    ['a long body', 'text/plain', 'x'.repeat(2000)],
    ['a status line again', 'text/plain', 'Bad Request'],
    ['a status line again, as Radicale says it', 'text/plain', 'Bad request.'],
    ['an HTML page labelled as text', 'text/plain', '<html><body>Oops</body></html>'],
  ])('never echoes %s', async (_shape, type, body) => {
    const error = await refusal({ status: 400, type, body });
    expect(error.message).toBe('Nextcloud refused the request for Thing 1');
  });

  it('adds nothing to a 404 whose reason only says the object is missing (nor its DAV path)', async () => {
    const body = sabre('NotFound', 'File with name /remote.php/dav/files/alice/a.md could not be located');
    const error = await refusal({ status: 404, type: 'application/xml', body }, { method: 'GET' });
    expect(error).toMatchObject({ code: 'NOT_FOUND', message: 'Thing 1 not found' });
  });

  it.each([
    [
      405,
      'INVALID_INPUT',
      'Nextcloud does not allow this on Thing 1: The resource you tried to create already exists',
    ],
    [
      500,
      'UPSTREAM_FAILED',
      'Nextcloud failed with an internal error (HTTP 500) on Thing 1: The resource you tried to create already exists; its log tells why',
    ],
    [
      501,
      'UPSTREAM_FAILED',
      'Nextcloud does not support this on Thing 1 (HTTP 501): The resource you tried to create already exists',
    ],
  ])('says a permanent %i is permanent: no "try again later"', async (status, code, message) => {
    const body = sabre('MethodNotAllowed', 'The resource you tried to create already exists');
    const error = await refusal({ status, type: 'application/xml', body });
    expect(error).toEqual({ code, message, transient: false });
  });

  it.each([502, 503, 504])('says a %i is transient: try again later', async (status) => {
    const error = await refusal({ status, body: '' });
    expect(error).toEqual({
      code: 'UPSTREAM_FAILED',
      message: `Nextcloud failed with HTTP ${status} on Thing 1; try again later`,
      transient: true,
    });
  });

  it('says a wrong app password is wrong, and how to make one', async () => {
    const error = await refusal({
      status: 401,
      type: json,
      body: '{"message":"Current user is not logged in"}',
    });
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.message).toMatch(/^Nextcloud did not accept the user name or app password/);
    expect(error.message).toContain('create a new app password');
    expect(error.message).not.toContain('sign in again');
  });

  it('says this Nextcloud refuses bearer tokens on app routes, not "sign in again"', async () => {
    const error = await refusal(
      { status: 401, type: json, body: '{"message":"CORS requires basic auth"}' },
      { method: 'GET' },
      bearer,
    );
    expect(error).toMatchObject({
      code: 'FORBIDDEN',
      message:
        'This Nextcloud refuses bearer tokens on this app\'s API ("CORS requires basic auth"): it needs ' +
        'Nextcloud 31 or later, which accepts them with the OCS-APIRequest header; see docs/nextcloud.md',
      transient: false,
    });
  });

  it('asks to sign in again when a bearer token itself is refused', async () => {
    const error = await refusal(
      { status: 401, type: json, body: '{"message":"Current user is not logged in"}' },
      { method: 'GET' },
      bearer,
    );
    expect(error).toMatchObject({
      code: 'UNAUTHORIZED',
      message: 'Nextcloud did not accept the access token; sign in again',
    });
  });

  it('reads an OCS 404 for an expiration date in the past as a refused date, not "not found"', async () => {
    next = {
      status: 404,
      type: json,
      body: JSON.stringify({
        ocs: {
          meta: { status: 'failure', statuscode: 404, message: 'Expiration date is in the past' },
          data: [],
        },
      }),
    };
    await expect(updateShare(basic, 7, { expireDate: '2001-01-01' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: 'Nextcloud refused the request for Share 7: Expiration date is in the past',
    });
    next = {
      status: 404,
      type: json,
      body: JSON.stringify({
        ocs: {
          meta: { status: 'failure', statuscode: 404, message: 'Wrong share ID, share does not exist' },
          data: [],
        },
      }),
    };
    await expect(updateShare(basic, 7, { note: 'x' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'Share 7 not found: Wrong share ID, share does not exist',
    });
  });
});
