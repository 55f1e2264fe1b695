import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const INITIAL_ACCESS_TOKEN = 'initial-access-token-for-tests';

export interface RegistrationIdp {
  readonly issuer: string;
  readonly provider: Provider;
  /** Registrations (POST /reg) and RFC 7592 deletes served so far. */
  readonly calls: { registrations: number; deletes: number };
  /** While true every request answers 503, as an IdP that is down. */
  down: boolean;
  stop(): Promise<void>;
}

/** An IdP (oidc-provider) allowing RFC 7591 registration only with an initial access token, and RFC 7592. */
export async function startRegistrationIdp(): Promise<RegistrationIdp> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    features: {
      registration: { enabled: true, initialAccessToken: INITIAL_ACCESS_TOKEN },
      registrationManagement: { enabled: true },
      devInteractions: { enabled: false },
    },
  });
  provider.registerGrantType(TOKEN_EXCHANGE, () => undefined, [
    'subject_token',
    'subject_token_type',
    'audience',
  ]);
  const callback = provider.callback();
  const idp: RegistrationIdp = {
    issuer,
    provider,
    calls: { registrations: 0, deletes: 0 },
    down: false,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  server.on('request', (req, res) => {
    if (idp.down) {
      res.writeHead(503).end();
      return;
    }
    if (req.method === 'POST' && req.url === '/reg') idp.calls.registrations++;
    if (req.method === 'DELETE') idp.calls.deletes++;
    callback(req, res);
  });
  return idp;
}
