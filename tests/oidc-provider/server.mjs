// An OpenID Connect provider for the forge's sign-in tests (tests/oidc.rs),
// built on the `oidc-provider` package. Not for production use.
//
// Started by the tests as `node server.mjs`, it listens on 127.0.0.1, on
// the port given by the PORT environment variable or the first argument
// (0, the default, picks a free one), and prints one line
// `listening on PORT` once it serves. It stops when its standard input
// closes, so it never outlives the test that started it.
//
// Environment:
//   CLIENT_ID, CLIENT_SECRET  the forge's client ("forge", "forge-secret")
//   REDIRECT_URIS             the forge's callback URLs, comma-separated
//
// A second client, "other" (secret "other-secret"), has the same redirect
// URIs. Test accounts (login / password):
//   alice / alice-password    preferred_username "alice"
//   carol / carol-password    preferred_username "carol"
//   dave  / dave-password     preferred_username "dave", no e-mail address
//
// Interactions are simple HTML forms the tests submit: a login form
// (fields login, password) posted to /interaction/UID/login, a consent
// form posted to /interaction/UID/confirm, and a "deny" form posted to
// /interaction/UID/abort.
//
// Test controls, under /test (JSON bodies):
//   POST /test/mode  sets how the provider misbehaves, replacing the
//                    previous mode; {} is normal behaviour:
//     token_delay_ms     wait this long before answering the token endpoint
//     discovery_delay_ms wait this long before answering discovery
//     jwks               "current" (default), "rotated" (only the key it
//                        is rotated to, not the one tokens are signed
//                        with), "both"
//     tamper             change the ID token the token endpoint returns,
//                        signed again: { aud, exp_offset, nonce, key }
//                        where key is "current" (default), "next" (the
//                        rotated-to key, ES256, with its own kid) or
//                        "forged" (the current key named, but the
//                        signature altered)

import { createServer } from 'node:http';
import { generateKeyPairSync, sign } from 'node:crypto';

// Stop when the test that started us goes away (its end of our standard
// input closes), even while still starting.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();

// oidc-provider warns on load about its development-only defaults (the
// in-memory store, the Node.js version); none of that matters to tests.
const warn = console.warn;
console.warn = (...args) => {
  if (!String(args[0]).includes('oidc-provider WARNING')) warn(...args);
};
const { Provider } = await import('oidc-provider');

const clientId = process.env.CLIENT_ID || 'forge';
const clientSecret = process.env.CLIENT_SECRET || 'forge-secret';
const redirectUris = (process.env.REDIRECT_URIS || 'http://127.0.0.1:3000/user/oauth2/coop/callback')
  .split(',')
  .map((u) => u.trim())
  .filter(Boolean);
const port = Number(process.env.PORT || process.argv[2] || 0);

const accounts = {
  alice: { password: 'alice-password', claims: { preferred_username: 'alice', email: 'alice@coop.example', email_verified: true, name: 'Alice Martin' } },
  carol: { password: 'carol-password', claims: { preferred_username: 'carol', email: 'carol@coop.example', email_verified: true, name: 'Carol Durand' } },
  dave: { password: 'dave-password', claims: { preferred_username: 'dave', name: 'Dave' } },
};

// The signing key (RS256, what most providers use) and the key it is
// rotated to (ES256, so that both kinds of signature are exercised; an EC
// key is also quick to make, and the tests start many providers).
function signingKey(kid, alg) {
  const { privateKey, publicKey } = alg === 'RS256'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privateJwk = { ...privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, privateJwk, publicJwk };
}

const current = signingKey('current-key', 'RS256');
const next = signingKey('next-key', 'ES256');

let mode = {};

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title></head>`
    + `<body><h1>${escape(title)}</h1>${body}</body></html>`;
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function b64url(data) {
  return Buffer.from(data).toString('base64url');
}

// Signs `payload` again as an RS256 JWT, as the tamper mode asks.
function resign(idToken) {
  const [, payloadPart] = idToken.split('.');
  const payload = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
  const tamper = mode.tamper || {};
  if (tamper.aud !== undefined) payload.aud = tamper.aud;
  if (tamper.nonce !== undefined) payload.nonce = tamper.nonce;
  if (tamper.exp_offset !== undefined) {
    const now = Math.floor(Date.now() / 1000);
    payload.exp = now + tamper.exp_offset;
    payload.iat = Math.min(payload.iat, payload.exp - 60);
  }
  const key = tamper.key === 'next' ? next : current;
  const header = { alg: key.alg, typ: 'JWT', kid: key.kid };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  // ES256 signatures are the raw r and s (IEEE P1363), not DER.
  const signature = key.alg === 'ES256'
    ? sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
    : sign('sha256', Buffer.from(input), key.privateKey);
  if (tamper.key === 'forged') {
    // The right key named, but a signature it did not make.
    signature[signature.length - 1] ^= 0x01;
  }
  return `${input}.${b64url(signature)}`;
}

let provider;
let handler;

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url, 'http://127.0.0.1');
    const path = url.pathname;

    if (path === '/test/mode' && req.method === 'POST') {
      mode = JSON.parse((await readBody(req)) || '{}');
      res.writeHead(204).end();
      return;
    }

    if (path === '/.well-known/openid-configuration' && mode.discovery_delay_ms) {
      await sleep(mode.discovery_delay_ms);
    }

    if (path === '/jwks' && mode.jwks && mode.jwks !== 'current') {
      const keys = mode.jwks === 'rotated' ? [next.publicJwk] : [current.publicJwk, next.publicJwk];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
      return;
    }

    if (path === '/token' && req.method === 'POST') {
      if (mode.token_delay_ms) await sleep(mode.token_delay_ms);
      if (mode.tamper) {
        const end = res.end.bind(res);
        res.end = (chunk, ...rest) => {
          try {
            const answer = JSON.parse(Buffer.from(chunk).toString('utf8'));
            if (answer.id_token) {
              answer.id_token = resign(answer.id_token);
              const body = JSON.stringify(answer);
              res.setHeader('content-length', Buffer.byteLength(body));
              return end(body);
            }
          } catch {
            // Not a JSON answer: leave it alone.
          }
          return end(chunk, ...rest);
        };
      }
    }

    const interaction = path.match(/^\/interaction\/([^/]+)(?:\/(login|confirm|abort))?$/);
    if (interaction) {
      const [, , action] = interaction;
      const details = await provider.interactionDetails(req, res);
      const { uid, prompt, params, session } = details;
      if (!action && req.method === 'GET') {
        let body;
        if (prompt.name === 'login') {
          body = `<form method="post" action="/interaction/${escape(uid)}/login">`
            + '<label>Login <input name="login"></label>'
            + '<label>Password <input name="password" type="password"></label>'
            + '<button type="submit">Sign in</button></form>';
        } else {
          body = `<p>${escape(params.client_id)} asks for: ${escape(params.scope)}</p>`
            + `<form method="post" action="/interaction/${escape(uid)}/confirm">`
            + '<button type="submit">Allow</button></form>'
            + `<form method="post" action="/interaction/${escape(uid)}/abort">`
            + '<button type="submit">Deny</button></form>';
        }
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(prompt.name, body));
        return;
      }
      if (action === 'login' && req.method === 'POST') {
        const form = new URLSearchParams(await readBody(req));
        const login = form.get('login');
        const account = accounts[login];
        if (!account || account.password !== form.get('password')) {
          res.writeHead(401, { 'content-type': 'text/html; charset=utf-8' })
            .end(page('login', '<p>Wrong login or password.</p>'));
          return;
        }
        await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
        return;
      }
      if (action === 'confirm' && req.method === 'POST') {
        await readBody(req);
        let grant;
        if (details.grantId) {
          grant = await provider.Grant.find(details.grantId);
        } else {
          grant = new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
        }
        const missing = prompt.details;
        if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
        if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
        if (missing.missingResourceScopes) {
          for (const [indicator, scope] of Object.entries(missing.missingResourceScopes)) {
            grant.addResourceScope(indicator, scope.join(' '));
          }
        }
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
        return;
      }
      if (action === 'abort' && req.method === 'POST') {
        await readBody(req);
        await provider.interactionFinished(req, res, {
          error: 'access_denied',
          error_description: 'End-User aborted interaction',
        }, { mergeWithLastSubmission: false });
        return;
      }
    }

    handler ||= provider.callback();
    handler(req, res);
  } catch (error) {
    console.error(error);
    if (!res.headersSent) {
      res.writeHead(500, { 'content-type': 'text/plain' });
    }
    res.end(`test provider error: ${error.message}`);
  }
});

server.listen(port, '127.0.0.1', () => {
  const { port: actual } = server.address();
  const issuer = `http://127.0.0.1:${actual}`;
  const client = (id, secret) => ({
    client_id: id,
    client_secret: secret,
    redirect_uris: redirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  });
  provider = new Provider(issuer, {
    clients: [client(clientId, clientSecret), client('other', 'other-secret')],
    jwks: { keys: [current.privateJwk] },
    cookies: { keys: ['test-cookie-key-1', 'test-cookie-key-2'] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    claims: {
      openid: ['sub'],
      profile: ['preferred_username', 'name'],
      email: ['email', 'email_verified'],
    },
    pkce: { required: () => true },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: 600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
    async findAccount(ctx, id) {
      const account = accounts[id];
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, ...account.claims };
        },
      };
    },
  });
  // Quiet: the tests print what matters.
  provider.on('server_error', (ctx, error) => console.error('server_error', error));
  console.log(`listening on ${actual}`);
});

