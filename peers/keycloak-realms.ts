/**
 * The real Keycloak the suites share (TEST_KEYCLOAK_URL, started by peers/): a realm of its
 * own per suite, a counting HTTP proxy in front of it that a test can cut, realm exports to
 * compare, and a user's tokens for token exchange.
 */
import { randomBytes } from 'node:crypto';
import { createServer, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import KeycloakAdminClient from '@keycloak/keycloak-admin-client';
import { z } from 'zod';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suites with the real peers (peers/)`);
  return value;
};
export const keycloakUrl = () => env('TEST_KEYCLOAK_URL');
export const keycloakAdmin = () => ({
  username: env('TEST_KEYCLOAK_ADMIN'),
  password: env('TEST_KEYCLOAK_ADMIN_PASSWORD'),
});

/** A master-realm admin client, signed in now (its token lives a minute: take a fresh one per step). */
export async function admin(realm?: string): Promise<KeycloakAdminClient> {
  const kc = new KeycloakAdminClient({ baseUrl: keycloakUrl(), realmName: 'master' });
  await kc.auth({ grantType: 'password', clientId: 'admin-cli', ...keycloakAdmin() });
  if (realm) kc.setConfig({ realmName: realm });
  return kc;
}

/** The Nextcloud client every test realm has: the audience exchanged tokens are minted for. */
export const NEXTCLOUD_AUDIENCE = 'nextcloud';

export interface TestRealm {
  readonly name: string;
  /** `<Keycloak>/realms/<name>`. */
  readonly issuer: string;
  delete(): Promise<void>;
}

/**
 * A realm with a unique name (the suites run in parallel against one Keycloak), admin events on
 * (they record every admin write), and the `nextcloud` client. `frontendUrl` makes Keycloak name
 * another base URL (a proxy's) in its issuer and registration URIs.
 */
export async function createRealm(
  prefix: string,
  options: { nextcloud?: boolean; frontendUrl?: string } = {},
): Promise<TestRealm> {
  const name = `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const kc = await admin();
  await kc.realms.create({
    realm: name,
    enabled: true,
    adminEventsEnabled: true,
    ...(options.frontendUrl ? { attributes: { frontendUrl: options.frontendUrl } } : {}),
  });
  if (options.nextcloud ?? true) {
    kc.setConfig({ realmName: name });
    await kc.clients.create({
      clientId: NEXTCLOUD_AUDIENCE,
      publicClient: false,
      standardFlowEnabled: true,
      redirectUris: ['https://cloud.example/apps/user_oidc/code'],
    });
  }
  return {
    name,
    issuer: `${options.frontendUrl ?? keycloakUrl()}/realms/${name}`,
    async delete() {
      await (await admin()).realms.del({ realm: name });
    },
  };
}

/** Admin writes Keycloak recorded in the realm (its admin events), oldest first. */
export async function adminWrites(realm: string): Promise<string[]> {
  const events = await (await admin()).realms.findAdminEvents({ realm, max: 10_000 });
  return events.map((event) => `${event.operationType} ${event.resourcePath}`).reverse();
}

/**
 * The realm as `partial-export` gives it (clients, scopes, groups and roles, components), with
 * every array sorted so a different listing order is no difference (Keycloak lists a client's
 * default scopes in either order). Keycloak regenerates nothing else between two exports of an
 * unchanged realm: ids stay, secrets come masked.
 */
export async function realmExport(realm: string): Promise<unknown> {
  const kc = await admin();
  const response = await fetch(
    `${keycloakUrl()}/admin/realms/${realm}/partial-export?exportClients=true&exportGroupsAndRoles=true`,
    { method: 'POST', headers: { authorization: `Bearer ${kc.accessToken}` } },
  );
  if (!response.ok) throw new Error(`partial export answered HTTP ${response.status}`);
  return sorted(await response.json());
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(sorted);
    const key = (item: unknown) => JSON.stringify(item);
    return items.sort((a, b) => key(a).localeCompare(key(b)));
  }
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, sorted(v)]),
  );
}

export interface KeycloakProxy {
  readonly url: string;
  /** Requests and writes (non-GET) to the admin API that went through. */
  readonly counts: { requests: number; writes: number };
  /** Every request that went through, as `METHOD /path`. */
  readonly log: string[];
  /** Refuses connections and drops open ones, as a Keycloak that went down. */
  cut(): Promise<void>;
  restore(): Promise<void>;
  stop(): Promise<void>;
}

/** An HTTP proxy in front of the shared Keycloak, counting admin API calls, that a test can cut. */
export async function startKeycloakProxy(): Promise<KeycloakProxy> {
  const upstream = new URL(keycloakUrl());
  const counts = { requests: 0, writes: 0 };
  const log: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    log.push(`${req.method} ${req.url?.split('?')[0]}`);
    if (req.url?.startsWith('/admin/')) {
      counts.requests++;
      if (req.method !== 'GET') counts.writes++;
    }
    const forwarded = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    log,
    cut: close,
    restore: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve)),
    stop: close,
  };
}

/** A user of the realm with a permanent password. */
export async function createUser(
  realm: string,
  chosen?: { username: string; password: string },
): Promise<{ username: string; password: string; id: string }> {
  const username = chosen?.username ?? `user-${randomBytes(3).toString('hex')}`;
  const password = chosen?.password ?? randomBytes(12).toString('hex');
  const { id } = await (await admin(realm)).users.create({
    username,
    enabled: true,
    email: `${username}@example.com`,
    firstName: 'Test',
    lastName: 'User',
    emailVerified: true,
    credentials: [{ type: 'password', value: password, temporary: false }],
  });
  return { username, password, id };
}

const TokenResponse = z.object({ access_token: z.string() });

/** POSTs a form to the realm's token endpoint; the JSON answer and status. */
export async function tokenRequest(issuer: string, form: Record<string, string>, basic?: [string, string]) {
  const response = await fetch(`${issuer}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: basic ? { authorization: `Basic ${Buffer.from(basic.join(':')).toString('base64')}` } : {},
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/**
 * A user's access token carrying `scopes`, from a public direct-access-grant client made only for
 * this (the browser sign-in is the end-to-end suite's): the subject token of an exchange.
 */
export async function subjectToken(
  realm: TestRealm,
  user: { username: string; password: string },
  scopes: readonly string[],
): Promise<string> {
  const kc = await admin(realm.name);
  const clientId = `subject-${randomBytes(3).toString('hex')}`;
  const { id } = await kc.clients.create({
    clientId,
    publicClient: true,
    standardFlowEnabled: false,
    directAccessGrantsEnabled: true,
  });
  const all = await kc.clientScopes.find();
  for (const name of scopes) {
    const scope = all.find((candidate) => candidate.name === name);
    if (scope?.id) await kc.clients.addOptionalClientScope({ id, clientScopeId: scope.id });
  }
  const { status, body } = await tokenRequest(realm.issuer, {
    grant_type: 'password',
    client_id: clientId,
    username: user.username,
    password: user.password,
    scope: ['openid', ...scopes].join(' '),
  });
  if (status !== 200) throw new Error(`password grant answered ${status}: ${JSON.stringify(body)}`);
  return TokenResponse.parse(body).access_token;
}

/** An initial access token for RFC 7591 registration in the realm (admin API), good for 20 clients. */
export async function initialAccessToken(realm: string): Promise<string> {
  const answer = await (await admin()).realms.createClientsInitialAccess(
    { realm },
    { expiration: 600, count: 20 },
  );
  return z.object({ token: z.string() }).parse(answer).token;
}
