// Virtual keys through the official `openai` npm package: keys created with the admin API
// (plain fetch, as an operator's script would), then used by the SDK against porticod.
//
// Environment (set by the launcher, see CMakeLists.txt):
//   PORTICO_BASE_URL        the instance serving the admin API (its public listener), .../v1
//   PORTICO_OTHER_BASE_URL  a second instance on the same key store, without the admin API
//   PORTICO_ADMIN_URL       the admin listener, http://127.0.0.1:<port>
//   PORTICO_ADMIN_KEY       the admin key
//   PORTICO_API_KEY         a key of the keys file (fixed keys keep working beside virtual ones)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI, { AuthenticationError, PermissionDeniedError, RateLimitError } from 'openai';

for (const name of ['PORTICO_BASE_URL', 'PORTICO_OTHER_BASE_URL', 'PORTICO_ADMIN_URL', 'PORTICO_ADMIN_KEY', 'PORTICO_API_KEY']) {
  if (!process.env[name]) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
}
const baseURL = process.env.PORTICO_BASE_URL;
const otherBaseURL = process.env.PORTICO_OTHER_BASE_URL;
const adminURL = process.env.PORTICO_ADMIN_URL;
const adminKey = process.env.PORTICO_ADMIN_KEY;

const clientFor = (apiKey, url = baseURL) => new OpenAI({ baseURL: url, apiKey, maxRetries: 0, timeout: 30_000 });

async function admin(method, path, body, key = adminKey) {
  const response = await fetch(adminURL + path, {
    method,
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function createKey(policy) {
  const created = await admin('POST', '/admin/keys', policy);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.match(created.body.id, /^vk_[0-9a-f]{24}$/);
  assert.match(created.body.key, /^sk-portico-[A-Za-z0-9]{43}$/);
  return created.body;
}

const chat = (client, model = 'portico-echo') =>
  client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hello' }] });

/**
 * The other instance learns of a change to the key store within its [admin] refresh_ms (250 ms
 * by default): `check` is retried every 50 ms and must pass within `limitMs` of `since`.
 */
async function within(limitMs, since, what, check) {
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() - since >= limitMs) throw new Error(`${what}: not within ${limitMs} ms: ${error}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('the admin API needs the admin key and is not on the public listener', async () => {
  assert.equal((await admin('GET', '/admin/keys', undefined, 'sk-portico-not-the-admin-key')).status, 401);
  const noKey = await fetch(adminURL + '/admin/keys');
  assert.equal(noKey.status, 401);
  assert.equal((await admin('GET', '/admin/keys')).status, 200);
  // The admin routes do not exist on the public listener, and the API keys do not open them.
  const onPublic = await fetch(baseURL.replace(/\/v1$/, '') + '/admin/keys', {
    headers: { Authorization: `Bearer ${adminKey}` },
  });
  assert.equal(onPublic.status, 401);
  const withApiKey = await fetch(baseURL.replace(/\/v1$/, '') + '/admin/keys', {
    headers: { Authorization: `Bearer ${process.env.PORTICO_API_KEY}` },
  });
  assert.equal(withApiKey.status, 404);
  // The API's routes do not exist on the admin listener.
  const modelsOnAdmin = await fetch(adminURL + '/v1/models', { headers: { Authorization: `Bearer ${adminKey}` } });
  assert.equal(modelsOnAdmin.status, 404);
});

test('a key limited to portico-echo gets an error on portico-embed', async () => {
  const createdAt = Date.now();
  const created = await createKey({ models: ['portico-echo'], metadata: { team: 'conformance' } });
  assert.deepEqual(created.models, ['portico-echo']);
  assert.deepEqual(created.metadata, { team: 'conformance' });
  const client = clientFor(created.key);
  const answer = await chat(client);
  assert.equal(answer.choices[0].message.content, 'hello');
  await assert.rejects(client.embeddings.create({ model: 'portico-embed', input: 'hello' }), (error) => {
    assert.ok(error instanceof PermissionDeniedError, String(error));
    assert.equal(error.status, 403);
    assert.equal(error.code, 'model_not_allowed');
    assert.ok(!error.message.includes(created.key));
    return true;
  });
  // Its model list shows only what it may use; another model is not found, as OpenAI says it.
  const listed = [];
  for await (const model of client.models.list()) listed.push(model.id);
  assert.deepEqual(listed, ['portico-echo']);
  assert.equal((await client.models.retrieve('portico-echo')).id, 'portico-echo');
  await assert.rejects(client.models.retrieve('portico-embed'), (error) => {
    assert.equal(error.status, 404, String(error));
    assert.equal(error.code, 'model_not_found');
    return true;
  });
  // A glob admits what it matches.
  const globbed = clientFor((await createKey({ models: ['portico-e*'] })).key);
  assert.equal((await globbed.embeddings.create({ model: 'portico-embed', input: 'x' })).data.length, 1);
  const globList = [];
  for await (const model of globbed.models.list()) globList.push(model.id);
  assert.deepEqual(globList.sort(), ['portico-echo', 'portico-embed']);
  // The same key works on the other instance (one key store) within a second.
  const answerThere = await within(1000, createdAt, 'the new key on the other instance', () =>
    chat(clientFor(created.key, otherBaseURL)));
  assert.equal(answerThere.choices[0].message.content, 'hello');
});

test('a key with rpm 10 gets exactly 10 of 15 quick requests, with its x-ratelimit headers', async () => {
  const created = await createKey({ rpm: 10 });
  const client = clientFor(created.key);
  const outcomes = await Promise.allSettled(
    Array.from({ length: 15 }, () => client.chat.completions.create({ model: 'portico-echo', messages: [{ role: 'user', content: 'hi' }] }).withResponse()),
  );
  const admitted = outcomes.filter((o) => o.status === 'fulfilled');
  const refused = outcomes.filter((o) => o.status === 'rejected');
  assert.equal(admitted.length, 10);
  assert.equal(refused.length, 5);
  for (const { reason } of refused) {
    assert.ok(reason instanceof RateLimitError, String(reason));
    assert.equal(reason.code, 'rate_limit_exceeded');
    assert.match(reason.message, /requests per minute of this API key: limit 10/);
    assert.equal(reason.headers.get('x-ratelimit-limit-requests'), '10');
    assert.equal(reason.headers.get('x-ratelimit-remaining-requests'), '0');
    assert.ok(Number(reason.headers.get('retry-after')) >= 1);
  }
  const remaining = admitted.map((o) => Number(o.value.response.headers.get('x-ratelimit-remaining-requests'))).sort((a, b) => a - b);
  assert.deepEqual(remaining, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // PATCH changes the limit at once: rpm 0 is no limit.
  const patched = await admin('PATCH', `/admin/keys/${created.id}`, { rpm: 0 });
  assert.equal(patched.status, 200);
  assert.equal(patched.body.rpm, 0);
  await chat(client);
});

test('a key with tpm is held back once its answers used the minute\'s tokens', async () => {
  const created = await createKey({ tpm: 30 });
  const client = clientFor(created.key);
  let used = 0;
  let refusal = null;
  for (let i = 0; i < 20 && !refusal; i++) {
    try {
      const { data, response } = await client.chat.completions
        .create({ model: 'portico-echo', messages: [{ role: 'user', content: 'several words in each of these calls' }] })
        .withResponse();
      assert.equal(response.headers.get('x-ratelimit-limit-tokens'), '30');
      used += data.usage.total_tokens;
    } catch (error) {
      refusal = error;
    }
  }
  assert.ok(refusal instanceof RateLimitError, String(refusal));
  assert.equal(refusal.code, 'rate_limit_exceeded');
  assert.match(refusal.message, /tokens per minute of this API key: limit 30/);
  assert.equal(refusal.headers.get('x-ratelimit-remaining-tokens'), '0');
  // Admitted while the bucket was above zero: the last answer took it to zero or below.
  assert.ok(used >= 30, `refused after ${used} tokens`);
});

test('an expired key and a revoked key are refused, on both instances', async () => {
  const expired = await createKey({ expires_at: '2020-01-01T00:00:00Z' });
  assert.equal(expired.expires_at, '2020-01-01T00:00:00Z');
  await assert.rejects(chat(clientFor(expired.key)), (error) => {
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.equal(error.code, 'expired_api_key');
    return true;
  });

  const createdAt = Date.now();
  const later = await createKey({ expires_at: new Date(Date.now() + 3_600_000).toISOString() });
  const client = clientFor(later.key);
  const other = clientFor(later.key, otherBaseURL);
  await chat(client);
  await within(1000, createdAt, 'the new key on the other instance', () => chat(other));
  const revokedAt = Date.now();
  const revoked = await admin('DELETE', `/admin/keys/${later.id}`);
  assert.equal(revoked.status, 200);
  assert.equal(revoked.body.revoked, true);
  // At once on the instance that revoked it; within a second on the other one.
  const isRevoked = (error) => {
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.equal(error.code, 'revoked_api_key');
    return true;
  };
  await assert.rejects(chat(client), isRevoked);
  await within(1000, revokedAt, 'the revocation on the other instance', () =>
    assert.rejects(chat(other), isRevoked));
  const shown = await admin('GET', `/admin/keys/${later.id}`);
  assert.equal(shown.status, 200);
  assert.equal(shown.body.revoked, true);
  assert.equal(shown.body.key, undefined);
  // A revoked key's policy cannot be changed; an unknown id is a 404.
  assert.equal((await admin('PATCH', `/admin/keys/${later.id}`, { rpm: 5 })).status, 409);
  assert.equal((await admin('GET', '/admin/keys/vk_000000000000000000000000')).status, 404);
});

// The suite's configs price portico-echo at $2.50 (input) and $10 (output) per million tokens:
// in pico-dollars per token, exactly.
const PRICE_PICO = { input: 2_500_000n, output: 10_000_000n };
const costPico = (usage) => BigInt(usage.prompt_tokens) * PRICE_PICO.input + BigInt(usage.completion_tokens) * PRICE_PICO.output;
const micros = (pico) => (pico + 500_000n) / 1_000_000n; // half up, as the ledger reports it
const usdToMicros = (usd) => BigInt(Math.round(usd * 1e6));

test('a key with a budget is refused with insufficient_quota once its spend crosses it; spend is exact, streams included', async () => {
  // $0.0003: each call below costs a few dozen micro-dollars.
  const created = await createKey({ budget_usd: 0.0003, budget_period: 'month' });
  assert.equal(created.budget_usd, 0.0003);
  assert.equal(created.budget_period, 'month');
  const client = clientFor(created.key);
  let spentPico = 0n;
  let calls = 0;
  let refusal = null;
  for (; calls < 100 && !refusal; calls++) {
    const content = `budget call ${calls}: ${'x '.repeat(calls % 7)}`;
    try {
      if (calls % 2 === 0) {
        const answer = await client.chat.completions.create({ model: 'portico-echo', messages: [{ role: 'user', content }] });
        spentPico += costPico(answer.usage);
      } else {
        const stream = await client.chat.completions.create({
          model: 'portico-echo', messages: [{ role: 'user', content }], stream: true, stream_options: { include_usage: true },
        });
        let usage = null;
        for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
        assert.ok(usage, 'the stream had no usage chunk');
        spentPico += costPico(usage);
      }
    } catch (error) {
      refusal = error;
    }
  }
  assert.ok(refusal, `still served after ${calls} calls`);
  assert.ok(refusal instanceof RateLimitError, String(refusal));
  assert.equal(refusal.status, 429);
  assert.equal(refusal.code, 'insufficient_quota');
  assert.equal(refusal.type, 'insufficient_quota');
  assert.ok(!refusal.message.includes(created.key));
  // Refused only once the budget was crossed, and (one request at a time) by less than one call.
  assert.ok(micros(spentPico) >= 300n, `refused at ${micros(spentPico)} micro-dollars`);
  const shown = await admin('GET', `/admin/keys/${created.id}`);
  assert.equal(usdToMicros(shown.body.spend_usd), micros(spentPico));
  assert.equal(usdToMicros(shown.body.budget_spent_usd), micros(spentPico));
  const ledger = await admin('GET', `/admin/spend?key_id=${created.id}`);
  assert.equal(ledger.status, 200);
  assert.equal(ledger.body.data.length, 1);
  assert.equal(ledger.body.data[0].model, 'portico-echo');
  assert.equal(ledger.body.data[0].requests, calls - 1);
  assert.equal(usdToMicros(ledger.body.total_usd), micros(spentPico));
  // The other instance shares the ledger: it refuses the key too.
  await within(1000, Date.now(), 'the budget on the other instance', () =>
    assert.rejects(chat(clientFor(created.key, otherBaseURL)), (error) => error.code === 'insufficient_quota'));
  // Raising the budget lets the key go on.
  assert.equal((await admin('PATCH', `/admin/keys/${created.id}`, { budget_usd: 1 })).status, 200);
  await chat(client);
  // Filters: another key's rows are not this key's; a bad day is a 400 naming it.
  assert.equal((await admin('GET', `/admin/spend?key_id=vk_000000000000000000000000`)).body.data.length, 0);
  const badDay = await admin('GET', '/admin/spend?from=yesterday');
  assert.equal(badDay.status, 400);
  assert.equal(badDay.body.error.param, 'from');
});

test('bad policies get 400 naming the field, and the fixed keys keep working', async () => {
  for (const [policy, field] of [
    [{ rpm: -1 }, 'rpm'],
    [{ rpm: 'ten' }, 'rpm'],
    [{ models: 'portico-echo' }, 'models'],
    [{ expires_at: 'tomorrow' }, 'expires_at'],
    [{ metadata: [] }, 'metadata'],
    [{ budget_usd: -5 }, 'budget_usd'],
    [{ budget_period: 'year' }, 'budget_period'],
    [{ tpm: -1 }, 'tpm'],
    [{ colour: 'blue' }, 'colour'],
  ]) {
    const answer = await admin('POST', '/admin/keys', policy);
    assert.equal(answer.status, 400, JSON.stringify(policy));
    assert.equal(answer.body.error.param, field);
  }
  const malformed = await fetch(adminURL + '/admin/keys', {
    method: 'POST',
    headers: { Authorization: `Bearer ${adminKey}` },
    body: '{"rpm":',
  });
  assert.equal(malformed.status, 400);
  const listed = await admin('GET', '/admin/keys');
  assert.equal(listed.body.object, 'list');
  assert.ok(listed.body.data.length >= 5);
  for (const key of listed.body.data) assert.equal(key.key, undefined);
  assert.equal((await chat(clientFor(process.env.PORTICO_API_KEY))).choices[0].message.content, 'hello');
});
