// Portico's OpenAI conformance suite: the official `openai` npm package, unmodified, against a
// running porticod. Run with `node --test conformance.test.mjs`; node exits non-zero when any
// check fails.
//
// Environment:
//   PORTICO_BASE_URL     the API root, e.g. http://127.0.0.1:8000/v1 (required)
//   PORTICO_API_KEY      sent as the bearer key (default: a dummy; auth may be off)
//   PORTICO_TEXT_MODEL   default portico-echo (a model that echoes the last user message)
//   PORTICO_EMBED_MODEL  default portico-embed
//   PORTICO_ALIASES      "alias=target,...": names among the two above that are aliases (the
//                        model catalog's alias_of); answers name the target, which served them,
//                        and an alias must answer exactly as its target
//   PORTICO_TEXT_ROUTE   "<deployment> <attempts>": the X-Portico-Deployment and
//                        X-Portico-Attempts every text call must carry (a catalog model)
//   PORTICO_EMBED_ROUTE  the same for embedding calls
//   PORTICO_FALLBACK_MODEL, PORTICO_FALLBACK_ROUTE
//                        a catalog model whose deployments fail and whose fallback answers
//                        (it must echo, like the text model), and the headers it must carry

import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI, { AuthenticationError, BadRequestError, NotFoundError } from 'openai';

const baseURL = process.env.PORTICO_BASE_URL;
if (!baseURL) {
  console.error('PORTICO_BASE_URL is not set (e.g. http://127.0.0.1:8000/v1)');
  process.exit(2);
}
const client = new OpenAI({
  baseURL,
  apiKey: process.env.PORTICO_API_KEY ?? 'sk-portico-conformance',
  maxRetries: 0,
  timeout: 30_000,
});
const TEXT = process.env.PORTICO_TEXT_MODEL ?? 'portico-echo';
const EMBED = process.env.PORTICO_EMBED_MODEL ?? 'portico-embed';
const ALIASES = new Map(
  (process.env.PORTICO_ALIASES ?? '').split(',').filter((pair) => pair.includes('='))
    .map((pair) => pair.split('=').map((name) => name.trim())),
);
/** The model an answer for `name` names: the alias's target, which served it. */
const servedAs = (name) => ALIASES.get(name) ?? name;
function route(text) {
  if (!text) return null;
  const [deployment, attempts] = text.trim().split(/\s+/);
  return { deployment, attempts };
}
const TEXT_ROUTE = route(process.env.PORTICO_TEXT_ROUTE);
const EMBED_ROUTE = route(process.env.PORTICO_EMBED_ROUTE);
const FALLBACK_MODEL = process.env.PORTICO_FALLBACK_MODEL;
const FALLBACK_ROUTE = route(process.env.PORTICO_FALLBACK_ROUTE);

const norm = (v) => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
const dot = (a, b) => a.reduce((sum, x, i) => sum + x * b[i], 0);

/**
 * A Response without what differs per call (ids, times) and without what the SDK adds on its
 * side (output_text; the stream helper's output_parsed and parts' parsed).
 */
function comparable(response) {
  const copy = structuredClone(response);
  delete copy.output_text;
  delete copy.output_parsed;
  copy.id = copy.created_at = copy.completed_at = null;
  for (const item of copy.output) {
    item.id = null;
    for (const part of item.content ?? []) delete part.parsed;
  }
  return copy;
}

test('models: list, retrieve, and 404 for an unknown id', async () => {
  const page = await client.models.list();
  const ids = page.data.map((m) => m.id);
  assert.ok(ids.includes(TEXT), `models list lacks ${TEXT}: ${ids}`);
  assert.ok(ids.includes(EMBED), `models list lacks ${EMBED}: ${ids}`);
  for (const model of page.data) {
    assert.equal(model.object, 'model');
    assert.equal(typeof model.created, 'number');
    assert.equal(typeof model.owned_by, 'string');
  }
  const model = await client.models.retrieve(TEXT);
  assert.equal(model.id, TEXT);
  assert.equal(model.object, 'model');
  await assert.rejects(client.models.retrieve('portico-no-such-model'), (error) => {
    assert.ok(error instanceof NotFoundError, `expected NotFoundError, got ${error}`);
    assert.equal(error.status, 404);
    assert.equal(error.code, 'model_not_found');
    return true;
  });
});

test('embeddings: default (base64 on the wire) and float give the same vectors', async () => {
  const input = ['the cat sat on the mat', 'a cat sat on a mat', 'quarterly revenue grew in europe'];
  // The SDK asks for base64 when no encoding_format is given, and decodes it.
  const raw = await client.embeddings.create({ model: EMBED, input }).asResponse();
  const wire = await raw.json();
  assert.equal(typeof wire.data[0].embedding, 'string', 'the default request should get base64');
  const byDefault = await client.embeddings.create({ model: EMBED, input });
  const asFloat = await client.embeddings.create({ model: EMBED, input, encoding_format: 'float' });
  assert.equal(byDefault.object, 'list');
  assert.equal(byDefault.model, servedAs(EMBED));
  assert.equal(byDefault.data.length, input.length);
  byDefault.data.forEach((item, i) => {
    assert.equal(item.object, 'embedding');
    assert.equal(item.index, i, 'batch answers come back in order');
    // float text is the shortest decimal of each float32: rounding it gives the base64 value.
    assert.deepEqual(item.embedding, asFloat.data[i].embedding.map(Math.fround));
    assert.ok(Math.abs(norm(item.embedding) - 1) < 1e-5, `norm ${norm(item.embedding)}`);
  });
  assert.ok(byDefault.usage.prompt_tokens > 0);
  assert.equal(byDefault.usage.total_tokens, byDefault.usage.prompt_tokens);
  // Texts that share words are closer than unrelated ones.
  const [cat, cat2, revenue] = byDefault.data.map((d) => d.embedding);
  assert.ok(dot(cat, cat2) > dot(cat, revenue) + 0.2, `${dot(cat, cat2)} vs ${dot(cat, revenue)}`);
});

test('embeddings: requested dimensions, batches equal single calls', async () => {
  for (const dimensions of [8, 64, 1536]) {
    const result = await client.embeddings.create({ model: EMBED, input: 'size me', dimensions });
    assert.equal(result.data[0].embedding.length, dimensions);
    assert.ok(Math.abs(norm(result.data[0].embedding) - 1) < 1e-5);
  }
  const inputs = ['alpha', 'beta gamma', 'delta'];
  const batch = await client.embeddings.create({ model: EMBED, input: inputs, dimensions: 32 });
  for (const [i, text] of inputs.entries()) {
    const single = await client.embeddings.create({ model: EMBED, input: text, dimensions: 32 });
    assert.deepEqual(batch.data[i].embedding, single.data[0].embedding);
  }
});

test('responses.create: output_text, status, usage', async () => {
  const response = await client.responses.create({ model: TEXT, input: 'Hello from the official SDK' });
  assert.match(response.id, /^resp_/);
  assert.equal(response.object, 'response');
  assert.equal(response.status, 'completed');
  assert.equal(response.output_text, 'Hello from the official SDK');
  assert.equal(response.output[0].type, 'message');
  assert.equal(response.output[0].role, 'assistant');
  assert.ok(response.usage.input_tokens > 0);
  assert.equal(response.usage.total_tokens, response.usage.input_tokens + response.usage.output_tokens);

  const cut = await client.responses.create({ model: TEXT, input: 'one two three four five six', max_output_tokens: 2 });
  assert.equal(cut.status, 'incomplete');
  assert.equal(cut.incomplete_details.reason, 'max_output_tokens');
  assert.equal(cut.usage.output_tokens, 2);
});

test('responses.stream: events in order, final response equals the non-streamed one', async () => {
  const params = {
    model: TEXT,
    instructions: 'Repeat after me.',
    input: [{ role: 'user', content: [{ type: 'input_text', text: 'Streaming through Portico works' }] }],
  };
  const stream = client.responses.stream(params);
  const events = [];
  for await (const event of stream) events.push(event);
  const final = await stream.finalResponse();
  const whole = await client.responses.create(params);
  assert.deepEqual(comparable(final), comparable(whole));
  assert.equal(final.output_text, 'Streaming through Portico works');

  events.forEach((event, i) => assert.equal(event.sequence_number, i, `event ${i} (${event.type})`));
  const types = events.map((e) => e.type);
  const deltas = types.filter((t) => t === 'response.output_text.delta').length;
  assert.ok(deltas >= 4, `expected one delta per word, got ${deltas}`);
  assert.deepEqual(types, [
    'response.created',
    'response.in_progress',
    'response.output_item.added',
    'response.content_part.added',
    ...Array(deltas).fill('response.output_text.delta'),
    'response.output_text.done',
    'response.content_part.done',
    'response.output_item.done',
    'response.completed',
  ]);
  const text = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
  assert.equal(text, final.output_text);
});

test('chat.completions: streamed and not give the same text; include_usage', async () => {
  const messages = [
    { role: 'system', content: 'You are an echo.' },
    { role: 'user', content: 'Chat completions, streamed or not.' },
  ];
  const whole = await client.chat.completions.create({ model: TEXT, messages });
  assert.equal(whole.object, 'chat.completion');
  assert.equal(whole.choices[0].message.role, 'assistant');
  assert.equal(whole.choices[0].finish_reason, 'stop');
  const expected = whole.choices[0].message.content;
  assert.equal(expected, 'Chat completions, streamed or not.');

  const stream = await client.chat.completions.create({
    model: TEXT, messages, stream: true, stream_options: { include_usage: true },
  });
  let text = '';
  let usage = null;
  const chunks = [];
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'chat.completion.chunk');
    chunks.push(chunk);
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) text += choice.delta.content ?? '';
  }
  assert.equal(text, expected);
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  const withChoices = chunks.filter((c) => c.choices.length > 0);
  assert.equal(withChoices.at(-1).choices[0].finish_reason, 'stop');
  assert.equal(chunks.at(-1).choices.length, 0, 'the usage chunk has no choices');
  assert.deepEqual(
    [usage.prompt_tokens, usage.completion_tokens, usage.total_tokens],
    [whole.usage.prompt_tokens, whole.usage.completion_tokens, whole.usage.total_tokens],
  );

  // The SDK's stream helper assembles the same completion.
  const helper = client.chat.completions.stream({ model: TEXT, messages });
  const assembled = await helper.finalChatCompletion();
  assert.equal(assembled.choices[0].message.content, expected);

  const cut = await client.chat.completions.create({ model: TEXT, messages, max_completion_tokens: 1 });
  assert.equal(cut.choices[0].finish_reason, 'length');
});

test('a bad request raises BadRequestError naming the field', async () => {
  const cases = [
    [() => client.responses.create({ model: TEXT, input: '' }), 'input'],
    [() => client.responses.create({ model: TEXT, input: 'x', max_output_tokens: 0 }), 'max_output_tokens'],
    [() => client.embeddings.create({ model: EMBED, input: 'x', dimensions: 0 }), 'dimensions'],
    [() => client.embeddings.create({ model: EMBED, input: [] }), 'input'],
    [() => client.chat.completions.create({ model: TEXT, messages: [] }), 'messages'],
  ];
  for (const [call, param] of cases) {
    await assert.rejects(call(), (error) => {
      assert.ok(error instanceof BadRequestError, `expected BadRequestError, got ${error}`);
      assert.equal(error.status, 400);
      assert.equal(error.param, param);
      assert.equal(error.type, 'invalid_request_error');
      return true;
    });
  }
  await assert.rejects(client.chat.completions.create({ model: 'portico-no-such-model', messages: [{ role: 'user', content: 'x' }] }),
    (error) => error instanceof NotFoundError && error.code === 'model_not_found');
});

// With a real key (conformance_auth), the auth plugin is on: everything above passed with it,
// and a wrong or missing key is refused the way the SDK expects.
const KEY = process.env.PORTICO_API_KEY;

test('auth: a wrong key raises AuthenticationError with code invalid_api_key', { skip: !KEY }, async () => {
  const wrong = new OpenAI({ baseURL, apiKey: 'sk-portico-wrong0000000000000000000', maxRetries: 0 });
  await assert.rejects(wrong.models.list(), (error) => {
    assert.ok(error instanceof AuthenticationError, `got ${error?.constructor?.name}`);
    assert.equal(error.status, 401);
    assert.equal(error.code, 'invalid_api_key');
    assert.equal(error.type, 'invalid_request_error');
    assert.equal(error.headers.get('www-authenticate'), 'Bearer');
    assert.match(error.headers.get('x-trace-id') ?? '', /^[0-9a-f]{32}$/);
    return true;
  });
  // A streaming call fails the same way, before any event.
  await assert.rejects(
    wrong.chat.completions.create({ model: TEXT, messages: [{ role: 'user', content: 'hi' }], stream: true }),
    AuthenticationError,
  );
});

test('auth: no key at all is a 401 that says so; /healthz needs none', { skip: !KEY }, async () => {
  const answer = await fetch(`${baseURL}/models`);
  assert.equal(answer.status, 401);
  const body = await answer.json();
  assert.equal(body.error.code, 'invalid_api_key');
  assert.match(body.error.message, /didn't provide an API key/i);
  const health = await fetch(new URL('/healthz', baseURL));
  assert.equal(health.status, 200);
});

// ---- the model catalog (routing/): aliases, deployments, failover and fallbacks ----

function assertRoute(response, expected, what) {
  assert.equal(response.headers.get('x-portico-deployment'), expected.deployment, `${what}: X-Portico-Deployment`);
  assert.equal(response.headers.get('x-portico-attempts'), expected.attempts, `${what}: X-Portico-Attempts`);
}

/** Chat and responses, streamed and not, for `model` (an echo): answers and routing headers. */
async function textThroughCatalog(model, expected) {
  const said = `routed to ${model}`;
  const messages = [{ role: 'user', content: said }];

  const chat = await client.chat.completions.create({ model, messages }).withResponse();
  assertRoute(chat.response, expected, `${model} chat`);
  assert.equal(chat.data.choices[0].message.content, said);
  assert.equal(chat.data.choices[0].finish_reason, 'stop');

  const chatStream = await client.chat.completions.create({ model, messages, stream: true }).withResponse();
  assertRoute(chatStream.response, expected, `${model} chat stream`);
  let text = '';
  let finish = null;
  for await (const chunk of chatStream.data) {
    for (const choice of chunk.choices) {
      text += choice.delta.content ?? '';
      finish = choice.finish_reason ?? finish;
    }
  }
  assert.equal(text, said);
  assert.equal(finish, 'stop');

  const response = await client.responses.create({ model, input: said }).withResponse();
  assertRoute(response.response, expected, `${model} responses`);
  assert.equal(response.data.status, 'completed');
  assert.equal(response.data.output_text, said);

  const responseStream = await client.responses.create({ model, input: said, stream: true }).withResponse();
  assertRoute(responseStream.response, expected, `${model} responses stream`);
  const events = [];
  for await (const event of responseStream.data) events.push(event);
  assert.equal(events[0].type, 'response.created');
  assert.equal(events.at(-1).type, 'response.completed');
  events.forEach((event, i) => assert.equal(event.sequence_number, i));
  const deltas = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
  assert.equal(deltas, said);
  assert.equal(events.at(-1).response.output_text ?? events.at(-1).response.output[0].content[0].text, said);
}

test('aliases: listed, retrievable, and answering exactly as their targets', { skip: ALIASES.size === 0 }, async () => {
  const ids = (await client.models.list()).data.map((m) => m.id);
  for (const [alias, target] of ALIASES) {
    assert.ok(ids.includes(alias), `models list lacks ${alias}: ${ids}`);
    assert.ok(ids.includes(target), `models list lacks ${target}: ${ids}`);
    assert.equal((await client.models.retrieve(alias)).id, alias);
  }
  if (ALIASES.has(EMBED)) {
    const input = ['an alias embeds', 'like its target'];
    const viaAlias = await client.embeddings.create({ model: EMBED, input, encoding_format: 'float' });
    const direct = await client.embeddings.create({ model: servedAs(EMBED), input, encoding_format: 'float' });
    assert.equal(viaAlias.model, servedAs(EMBED));
    assert.deepEqual(viaAlias.data, direct.data);
    assert.deepEqual(viaAlias.usage, direct.usage);
  }
  if (ALIASES.has(TEXT)) {
    const params = { instructions: 'Echo.', input: 'an alias answers like its target' };
    const viaAlias = await client.responses.create({ model: TEXT, ...params });
    const direct = await client.responses.create({ model: servedAs(TEXT), ...params });
    assert.equal(viaAlias.model, servedAs(TEXT));
    assert.deepEqual(comparable(viaAlias), comparable(direct));
    const messages = [{ role: 'user', content: 'chat under another name' }];
    const chatAlias = await client.chat.completions.create({ model: TEXT, messages });
    const chatDirect = await client.chat.completions.create({ model: servedAs(TEXT), messages });
    assert.equal(chatAlias.model, servedAs(TEXT));
    assert.deepEqual(chatAlias.choices, chatDirect.choices);
    assert.deepEqual(chatAlias.usage, chatDirect.usage);
  }
});

test('catalog: text calls carry the deployment that answered and the attempts made', { skip: !TEXT_ROUTE }, async () => {
  await textThroughCatalog(TEXT, TEXT_ROUTE);
});

test('catalog: embedding calls carry the deployment that answered', { skip: !EMBED_ROUTE }, async () => {
  const answer = await client.embeddings.create({ model: EMBED, input: 'routed embedding' }).withResponse();
  assertRoute(answer.response, EMBED_ROUTE, `${EMBED} embeddings`);
  assert.equal(answer.data.data[0].embedding.length, 256);
});

test('catalog: a model whose deployments fail is answered by its fallback', { skip: !FALLBACK_MODEL }, async () => {
  await textThroughCatalog(FALLBACK_MODEL, FALLBACK_ROUTE);
});
