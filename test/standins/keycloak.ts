import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A stand-in for the parts of Keycloak's admin REST API the operator uses, following its
 * documented routes and statuses: 201 + Location on create, 409 on a duplicate name or clientId,
 * 404 on anything missing, 204 on updates and deletes; admin tokens from the master realm's
 * password grant. Realms come pre-seeded with the "Allowed Client Scopes" registration policies
 * a new Keycloak realm has. It can be made to fail or go slow, and it counts writes.
 */
interface Scope {
  id: string;
  name: string;
  protocol?: string;
  attributes?: Record<string, string>;
  protocolMappers: Mapper[];
}
interface Mapper {
  id: string;
  name: string;
  protocol: string;
  protocolMapper: string;
  config: Record<string, string>;
}
interface Client {
  id: string;
  clientId: string;
  secret: string;
  defaultScopes: Set<string>;
  optionalScopes: Set<string>;
  [key: string]: unknown;
}
interface Component {
  id: string;
  name: string;
  providerId: string;
  providerType: string;
  subType: string;
  parentId: string;
  config: Record<string, string[]>;
}
interface Realm {
  scopes: Map<string, Scope>;
  clients: Map<string, Client>;
  components: Map<string, Component>;
}

export interface KeycloakStandin {
  readonly url: string;
  readonly admin: { readonly username: string; readonly password: string };
  /** Non-GET admin requests served, for "a steady state writes nothing". */
  writes: number;
  /** Answer the next admin requests with this status, or stall them this long. */
  fail(options: { status?: number; delayMs?: number; times?: number }): void;
  realm(name: string): Realm;
  stop(): Promise<void>;
}

export async function startKeycloakStandin(): Promise<KeycloakStandin> {
  const realms = new Map<string, Realm>();
  const tokens = new Set<string>();
  const faults: { status?: number; delayMs?: number; times: number }[] = [];
  const admin = { username: 'admin', password: 'admin-password' };

  const realmOf = (name: string): Realm => {
    let realm = realms.get(name);
    if (!realm) {
      realm = { scopes: new Map(), clients: new Map(), components: new Map() };
      for (const subType of ['anonymous', 'authenticated']) {
        const id = randomUUID();
        realm.components.set(id, {
          id,
          name: 'Allowed Client Scopes',
          providerId: 'allowed-client-templates',
          providerType: 'org.keycloak.services.clientregistration.policy.ClientRegistrationPolicy',
          subType,
          parentId: name,
          config: { 'allow-default-scopes': ['true'] },
        });
      }
      realms.set(name, realm);
    }
    return realm;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://keycloak');
    const body = await readJson(req);
    const send = (status: number, data?: unknown, headers: Record<string, string> = {}) => {
      res
        .writeHead(status, {
          ...(data === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        })
        .end(data === undefined ? undefined : JSON.stringify(data));
    };
    if (url.pathname === '/realms/master/protocol/openid-connect/token' && req.method === 'POST') {
      const form = new URLSearchParams(body.raw);
      if (form.get('username') !== admin.username || form.get('password') !== admin.password) {
        return send(401, { error: 'invalid_grant', error_description: 'Invalid user credentials' });
      }
      const token = randomBytes(16).toString('hex');
      tokens.add(token);
      return send(200, { access_token: token, expires_in: 60, token_type: 'Bearer', refresh_token: token });
    }
    const match = /^\/admin\/realms\/([^/]+)(\/.*)?$/.exec(url.pathname);
    if (!match) return send(404, { error: 'not found' });
    if (!tokens.has((req.headers.authorization ?? '').replace(/^Bearer /, ''))) return send(401);
    const fault = faults.find((candidate) => candidate.times > 0);
    if (fault) {
      fault.times--;
      if (fault.delayMs) await sleep(fault.delayMs);
      if (fault.status) return send(fault.status, { error: 'injected' });
    }
    if (req.method !== 'GET') standin.writes++;
    const realm = realmOf(decodeURIComponent(match[1] ?? ''));
    const path = (match[2] ?? '/').split('/').filter(Boolean);
    const created = (id: string) => send(201, undefined, { location: `${standin.url}${url.pathname}/${id}` });
    const json = body.json as Record<string, unknown>;

    // client-scopes[/{id}[/protocol-mappers/models[/{mid}]]]
    if (path[0] === 'client-scopes') {
      if (path.length === 1 && req.method === 'GET') return send(200, [...realm.scopes.values()]);
      if (path.length === 1 && req.method === 'POST') {
        if ([...realm.scopes.values()].some((scope) => scope.name === json.name)) {
          return send(409, { errorMessage: `Client Scope ${json.name} already exists` });
        }
        const id = randomUUID();
        realm.scopes.set(id, { ...(json as object), id, name: String(json.name), protocolMappers: [] });
        return created(id);
      }
      const scope = realm.scopes.get(path[1] ?? '');
      if (!scope) return send(404, { error: 'Could not find client scope' });
      if (path.length === 2 && req.method === 'GET') return send(200, scope);
      if (path.length === 2 && req.method === 'PUT') {
        Object.assign(scope, json, { id: scope.id, protocolMappers: scope.protocolMappers });
        return send(204);
      }
      if (path.length === 2 && req.method === 'DELETE') {
        realm.scopes.delete(scope.id);
        for (const client of realm.clients.values()) {
          client.defaultScopes.delete(scope.id);
          client.optionalScopes.delete(scope.id);
        }
        return send(204);
      }
      if (path[2] === 'protocol-mappers' && path[3] === 'models') {
        if (path.length === 4 && req.method === 'GET') return send(200, scope.protocolMappers);
        if (path.length === 4 && req.method === 'POST') {
          if (scope.protocolMappers.some((mapper) => mapper.name === json.name)) {
            return send(409, { errorMessage: `Protocol mapper exists with same name` });
          }
          const id = randomUUID();
          scope.protocolMappers.push({ ...(json as unknown as Mapper), id });
          return created(id);
        }
        const index = scope.protocolMappers.findIndex((mapper) => mapper.id === path[4]);
        if (index < 0) return send(404, { error: 'Model not found' });
        if (req.method === 'PUT') {
          scope.protocolMappers[index] = { ...(json as unknown as Mapper), id: path[4] ?? '' };
          return send(204);
        }
        if (req.method === 'DELETE') {
          scope.protocolMappers.splice(index, 1);
          return send(204);
        }
      }
    }

    // clients[/{id}[/client-secret | /(default|optional)-client-scopes[/{sid}]]]
    if (path[0] === 'clients') {
      const view = (client: Client) => {
        const { secret: _secret, defaultScopes: _d, optionalScopes: _o, ...rest } = client;
        return rest;
      };
      if (path.length === 1 && req.method === 'GET') {
        const wanted = url.searchParams.get('clientId');
        return send(
          200,
          [...realm.clients.values()]
            .filter((client) => wanted === null || client.clientId === wanted)
            .map(view),
        );
      }
      if (path.length === 1 && req.method === 'POST') {
        if ([...realm.clients.values()].some((client) => client.clientId === json.clientId)) {
          return send(409, { errorMessage: `Client ${json.clientId} already exists` });
        }
        const id = randomUUID();
        realm.clients.set(id, {
          ...json,
          id,
          clientId: String(json.clientId),
          secret: randomBytes(24).toString('base64url'),
          defaultScopes: new Set(),
          optionalScopes: new Set(),
        });
        return created(id);
      }
      const client = realm.clients.get(path[1] ?? '');
      if (!client) return send(404, { error: 'Could not find client' });
      if (path.length === 2 && req.method === 'GET') return send(200, view(client));
      if (path.length === 2 && req.method === 'PUT') {
        Object.assign(client, json, { id: client.id, secret: client.secret });
        return send(204);
      }
      if (path.length === 2 && req.method === 'DELETE') {
        realm.clients.delete(client.id);
        return send(204);
      }
      if (path[2] === 'client-secret') {
        if (req.method === 'POST') client.secret = randomBytes(24).toString('base64url');
        return send(200, { type: 'secret', value: client.secret });
      }
      const kind =
        path[2] === 'default-client-scopes'
          ? 'defaultScopes'
          : path[2] === 'optional-client-scopes'
            ? 'optionalScopes'
            : undefined;
      if (kind) {
        const set = client[kind];
        if (path.length === 3 && req.method === 'GET') {
          return send(
            200,
            [...set].map((id) => ({ id, name: realm.scopes.get(id)?.name })),
          );
        }
        const scopeId = path[3] ?? '';
        if (!realm.scopes.has(scopeId)) return send(404, { error: 'Client scope not found' });
        if (req.method === 'PUT') set.add(scopeId);
        if (req.method === 'DELETE') set.delete(scopeId);
        return send(204);
      }
    }

    // components[/{id}]
    if (path[0] === 'components') {
      if (path.length === 1 && req.method === 'GET') {
        const type = url.searchParams.get('type');
        const name = url.searchParams.get('name');
        return send(
          200,
          [...realm.components.values()].filter(
            (component) =>
              (type === null || component.providerType === type) &&
              (name === null || component.name === name),
          ),
        );
      }
      const component = realm.components.get(path[1] ?? '');
      if (!component) return send(404, { error: 'Could not find component' });
      if (req.method === 'GET') return send(200, component);
      if (req.method === 'PUT') {
        Object.assign(component, json, { id: component.id });
        return send(204);
      }
    }
    return send(404, { error: 'unknown route' });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const standin: KeycloakStandin = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    admin,
    writes: 0,
    fail(options) {
      faults.push({ ...options, times: options.times ?? 1 });
    },
    realm: realmOf,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return standin;
}

async function readJson(req: IncomingMessage): Promise<{ raw: string; json: unknown }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (!raw || !String(req.headers['content-type']).includes('json')) return { raw, json: {} };
  return { raw, json: JSON.parse(raw) };
}
