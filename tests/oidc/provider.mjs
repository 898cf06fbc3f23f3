// A real OpenID provider for the sign-in tests: npm's `oidc-provider` with
// one client (oncotrack) and invented accounts, started by the tests
// (tests/it/oidc.rs) on a port of their choosing. Its own sign-in page asks
// only for the account to sign in as, the way a test IdP does.
//
// Environment:
//   OIDC_PROVIDER_MODULE  path of oidc-provider's entry (lib/index.js)
//   PORT                  port on 127.0.0.1
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI
//   OIDC_ACCOUNTS         JSON: { "<sub>": { "email": ..., "employeeHsaId": ..., ... } }
import { pathToFileURL } from 'node:url';

const { default: Provider } = await import(pathToFileURL(process.env.OIDC_PROVIDER_MODULE).href);

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || '{}');

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.OIDC_CLIENT_ID,
    client_secret: process.env.OIDC_CLIENT_SECRET,
    redirect_uris: [process.env.OIDC_REDIRECT_URI],
    response_types: ['code'],
    grant_types: ['authorization_code'],
  }],
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'employeeHsaId'],
  },
  async findAccount(ctx, id) {
    const claims = accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['a-key-for-tests-only'] },
});

const page = (uid) => `<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>Test-IdP</title></head>
<body><main><h1>Test-IdP</h1>
<form method="post" action="/interaction/${uid}">
<label for="login">Konto</label> <input id="login" name="login" autocomplete="username">
<button type="submit">Logga in</button>
</form></main></body></html>`;

function readForm(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (c) => { data += c; });
    req.on('end', () => resolve(new URLSearchParams(data)));
    req.on('error', reject);
  });
}

provider.use(async (ctx, next) => {
  const m = ctx.path.match(/^\/interaction\/([^/]+)$/);
  if (!m) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (ctx.method === 'GET') {
    ctx.type = 'html';
    ctx.body = page(details.uid);
    return undefined;
  }
  const form = await readForm(ctx.req);
  const accountId = form.get('login') || '';
  if (!accounts[accountId]) {
    ctx.status = 400;
    ctx.type = 'html';
    ctx.body = page(details.uid);
    return undefined;
  }
  const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  ctx.respond = false;
  await provider.interactionFinished(ctx.req, ctx.res, {
    login: { accountId },
    consent: { grantId },
  }, { mergeWithLastSubmission: false });
  return undefined;
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`listening ${issuer}`);
});
