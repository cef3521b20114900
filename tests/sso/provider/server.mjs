// A real OpenID Connect provider (oidc-provider) for Suivi's single sign-on tests.
// Usage: node server.mjs PORT REDIRECT_URI [BACKCHANNEL_LOGOUT_URI]
// It prints "ready <issuer>" once listening. POST /test/next {account, acr, amr, deny}
// chooses how the next sign-in ends: which account signs in, the acr/amr it reports, or
// access_denied. Interactions finish at once (no login form): the test plays the person.
import http from 'node:http';
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const redirectUri = process.argv[3];
const backchannelUri = process.argv[4];
const issuer = `http://127.0.0.1:${port}`;

const accounts = {
  nurse: { sub: 'psc-nurse-1', email: 'nurse.sso@example.org', rpps: '10000000001' },
  stranger: { sub: 'psc-stranger', email: 'nobody@example.org', rpps: '19999999999' },
  other: { sub: 'psc-other', email: 'nurse.sso@example.org', rpps: '10000000001' },
};
let next = { account: 'nurse', acr: 'eidas1', amr: ['pwd'] };

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'suivi', client_secret: 'suivi-test-secret',
    redirect_uris: [redirectUri], post_logout_redirect_uris: [redirectUri.replace(/\/web\/sso\/callback$/, '/web/login')],
    grant_types: ['authorization_code'], response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...(backchannelUri ? {
      backchannel_logout_uri: backchannelUri, backchannel_logout_session_required: true,
    } : {}),
  }],
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'rpps'],
  claims: { openid: ['sub', 'acr', 'amr', 'auth_time'], email: ['email', 'email_verified'], rpps: ['rpps'] },
  acrValues: ['eidas1', 'eidas2', 'eidas3'],
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true },
    backchannelLogout: { enabled: Boolean(backchannelUri) },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['suivi-test-cookie-key'] },
  // The provider refuses to call private addresses (SSRF protection); Suivi and the
  // test's back-channel receiver are on 127.0.0.1, so this test provider may.
  fetch: (url, options) => fetch(url, { ...options, dispatcher: undefined }),
  async findAccount(ctx, id) {
    const account = Object.values(accounts).find((one) => one.sub === id);
    if (!account) return undefined;
    return { accountId: id, claims: async () => ({ ...account, email_verified: true }) };
  },
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email rpps');
    await grant.save();
    return grant;
  },
});

provider.on('backchannel.error', (ctx, err) => console.error(`backchannel logout failed: ${err} ${err.cause}`));

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (next.deny) {
    return provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'The person refused' });
  }
  const account = accounts[next.account];
  return provider.interactionFinished(req, res, {
    login: { accountId: account.sub, acr: next.acr, amr: next.amr },
  }, { mergeWithLastSubmission: false });
}

function readJson(req) {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => resolve(body ? JSON.parse(body) : {}));
  });
}

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  try {
    if (req.url === '/test/next' && req.method === 'POST') {
      next = await readJson(req);
      res.writeHead(204).end();
    } else if (req.url.startsWith('/interaction/')) {
      await interaction(req, res);
    } else {
      callback(req, res);
    }
  } catch (error) {
    res.writeHead(500).end(String(error));
  }
});
server.listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
