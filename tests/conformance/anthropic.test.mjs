// Portico's Anthropic conformance suite: the official `@anthropic-ai/sdk` npm package,
// unmodified, against a running porticod's Messages API (POST /v1/messages and
// /v1/messages/count_tokens, served by the local text model). Run with
// `node --test anthropic.test.mjs`; node exits non-zero when any check fails.
//
// Environment (as conformance.test.mjs):
//   PORTICO_BASE_URL     the API root with /v1, e.g. http://127.0.0.1:8000/v1 (required); the SDK
//                        gets it without /v1 (it adds /v1/messages itself)
//   PORTICO_API_KEY      sent as x-api-key (default: a dummy; auth may be off). When set, the
//                        authentication checks run too (a wrong key: AuthenticationError)
//   PORTICO_TEXT_MODEL   default portico-echo (a model that echoes the last user message; an alias
//                        of it works the same)
//   PORTICO_SERVED_AS    the model an answer names (default PORTICO_TEXT_MODEL): a catalog name
//                        served by an upstream answers with the deployment's model, as for chat
//   PORTICO_VIA_CHAT     set when porticod serves the model through an OpenAI-compatible upstream
//                        (the request translated to chat completions): chat does not say which
//                        stop sequence ended an answer, so stop_reason is end_turn there

import { test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic, { AuthenticationError, BadRequestError, NotFoundError } from '@anthropic-ai/sdk';

const apiRoot = process.env.PORTICO_BASE_URL;
if (!apiRoot) {
  console.error('PORTICO_BASE_URL is not set (e.g. http://127.0.0.1:8000/v1)');
  process.exit(2);
}
const baseURL = apiRoot.replace(/\/v1\/?$/, '');
const client = new Anthropic({
  baseURL,
  apiKey: process.env.PORTICO_API_KEY ?? 'sk-portico-conformance',
  maxRetries: 0,
  timeout: 30_000,
});
const MODEL = process.env.PORTICO_TEXT_MODEL ?? 'portico-echo';
const SERVED_AS = process.env.PORTICO_SERVED_AS ?? MODEL;
const VIA_CHAT = Boolean(process.env.PORTICO_VIA_CHAT);

const weatherTool = {
  name: 'get_weather',
  description: 'The weather in a city',
  input_schema: {
    type: 'object',
    properties: { city: { type: 'string' }, days: { type: 'integer' }, unit: { type: 'string', enum: ['c', 'f'] } },
    required: ['city', 'unit'],
  },
};

/** The parts of a Message that do not change from call to call. */
function comparable(message) {
  // parsed_output: added by the SDK's stream helper (structured outputs), not sent.
  const { id, parsed_output: _parsed, ...rest } = message;
  assert.match(id, /^msg_[0-9a-f]+$/);
  return {
    ...rest,
    content: rest.content.map(({ id: blockId, ...block }) => {
      if (block.type === 'tool_use') assert.match(blockId, /^toolu_[0-9a-f]+$/);
      return block;
    }),
  };
}

test('messages.create: text', async () => {
  const message = await client.messages.create({
    model: MODEL,
    max_tokens: 100,
    messages: [{ role: 'user', content: 'Hello, world!' }],
  });
  assert.match(message.id, /^msg_/);
  assert.equal(message.type, 'message');
  assert.equal(message.role, 'assistant');
  assert.equal(message.model, SERVED_AS);
  assert.equal(message.content.length, 1);
  assert.equal(message.content[0].type, 'text');
  assert.equal(message.content[0].text, 'Hello, world!');
  assert.equal(message.stop_reason, 'end_turn');
  assert.equal(message.stop_sequence, null);
  assert.equal(message.usage.input_tokens, 4);
  assert.equal(message.usage.output_tokens, 4);
  // The SDK reads the request id from `request-id`: the trace id (tracing runs in every config).
  assert.match(message._request_id, /^[0-9a-f]{32}$/);
});

test('messages.create: system, multi-turn and blocks', async () => {
  const message = await client.messages.create({
    model: MODEL,
    max_tokens: 100,
    system: [{ type: 'text', text: 'You are terse.' }],
    temperature: 0.2,
    top_p: 0.9,
    top_k: 10,
    metadata: { user_id: 'conformance' },
    messages: [
      { role: 'user', content: 'First question' },
      { role: 'assistant', content: 'First answer' },
      {
        role: 'user',
        content: [
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'text', text: 'Second question' },
        ],
      },
    ],
  });
  assert.equal(message.content[0].text, 'Second question');
  const { input_tokens } = await client.messages.countTokens({
    model: MODEL,
    system: [{ type: 'text', text: 'You are terse.' }],
    messages: [
      { role: 'user', content: 'First question' },
      { role: 'assistant', content: 'First answer' },
      {
        role: 'user',
        content: [
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'text', text: 'Second question' },
        ],
      },
    ],
  });
  assert.equal(message.usage.input_tokens, input_tokens);
});

test('messages.create: stop_sequences and max_tokens', async () => {
  const stopped = await client.messages.create({
    model: MODEL,
    max_tokens: 100,
    stop_sequences: ['world'],
    messages: [{ role: 'user', content: 'Hello, world!' }],
  });
  assert.equal(stopped.content[0].text, 'Hello, ');
  assert.equal(stopped.stop_reason, VIA_CHAT ? 'end_turn' : 'stop_sequence');
  assert.equal(stopped.stop_sequence, VIA_CHAT ? null : 'world');
  const cut = await client.messages.create({
    model: MODEL,
    max_tokens: 2,
    messages: [{ role: 'user', content: 'Hello, world!' }],
  });
  assert.equal(cut.content[0].text, 'Hello,');
  assert.equal(cut.stop_reason, 'max_tokens');
  assert.equal(cut.usage.output_tokens, 2);
});

test('messages.create: tool use, and the tool result in the next turn', async () => {
  const message = await client.messages.create({
    model: MODEL,
    max_tokens: 200,
    tools: [weatherTool],
    tool_choice: { type: 'tool', name: 'get_weather' },
    messages: [{ role: 'user', content: 'Paris' }],
  });
  assert.equal(message.stop_reason, 'tool_use');
  const [call] = message.content;
  assert.equal(call.type, 'tool_use');
  assert.match(call.id, /^toolu_/);
  assert.equal(call.name, 'get_weather');
  assert.deepEqual(call.input, { city: 'Paris', unit: 'c' });
  const answer = await client.messages.create({
    model: MODEL,
    max_tokens: 200,
    tools: [weatherTool],
    messages: [
      { role: 'user', content: 'Paris' },
      { role: 'assistant', content: message.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'Sunny, 21 C' }] },
    ],
  });
  assert.equal(answer.stop_reason, 'end_turn');
  assert.equal(answer.content[0].text, 'Sunny, 21 C');
});

test('messages.stream: text events and finalMessage', async () => {
  const params = {
    model: MODEL,
    max_tokens: 100,
    system: 'Be brief',
    messages: [{ role: 'user', content: 'Streaming is fun to watch' }],
  };
  const stream = client.messages.stream(params);
  const deltas = [];
  stream.on('text', (delta) => deltas.push(delta));
  const final = await stream.finalMessage();
  assert.ok(deltas.length > 3, `one text event per token, got ${deltas.length}`);
  assert.equal(deltas.join(''), 'Streaming is fun to watch');
  assert.equal(await stream.finalText(), 'Streaming is fun to watch');
  const whole = await client.messages.create(params);
  assert.deepEqual(comparable(final), comparable(whole));
});

test('messages.create({stream: true}): the raw events in order', async () => {
  const stream = await client.messages.create({
    model: MODEL,
    max_tokens: 3,
    messages: [{ role: 'user', content: 'one two three four five' }],
    stream: true,
  });
  const types = [];
  let text = '';
  let delta;
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === 'message_start') assert.deepEqual(event.message.content, []);
    if (event.type === 'content_block_delta') text += event.delta.text;
    if (event.type === 'message_delta') delta = event;
  }
  assert.deepEqual(types, [
    'message_start', 'content_block_start',
    'content_block_delta', 'content_block_delta', 'content_block_delta',
    'content_block_stop', 'message_delta', 'message_stop',
  ]);
  assert.equal(text, 'one two three');
  assert.equal(delta.delta.stop_reason, 'max_tokens');
  assert.equal(delta.usage.output_tokens, 3);
});

test('messages.stream: tool use with input_json_delta', async () => {
  const stream = client.messages.stream({
    model: MODEL,
    max_tokens: 200,
    tools: [weatherTool],
    tool_choice: { type: 'any' },
    messages: [{ role: 'user', content: 'Lisbon' }],
  });
  const partials = [];
  stream.on('inputJson', (partial) => partials.push(partial));
  const final = await stream.finalMessage();
  assert.ok(partials.length > 3, `several input_json_delta events, got ${partials.length}`);
  assert.equal(final.stop_reason, 'tool_use');
  assert.equal(final.content[0].type, 'tool_use');
  assert.equal(final.content[0].name, 'get_weather');
  assert.deepEqual(final.content[0].input, { city: 'Lisbon', unit: 'c' });
  assert.deepEqual(JSON.parse(partials.join('')), { city: 'Lisbon', unit: 'c' });
  assert.equal(final.usage.output_tokens, partials.length);
});

test('messages.countTokens', async () => {
  const plain = await client.messages.countTokens({
    model: MODEL,
    system: 'Be brief',
    messages: [{ role: 'user', content: 'Hello, world!' }],
  });
  assert.deepEqual(plain, { input_tokens: 6 });
  const withTools = await client.messages.countTokens({
    model: MODEL,
    messages: [{ role: 'user', content: 'Hello, world!' }],
    tools: [weatherTool],
  });
  assert.ok(withTools.input_tokens > 4);
});

test('errors: BadRequestError naming the field', async () => {
  await assert.rejects(
    client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 5 }] }),
    (error) => {
      assert.ok(error instanceof BadRequestError, String(error));
      assert.equal(error.status, 400);
      assert.equal(error.error.type, 'error');
      assert.equal(error.error.error.type, 'invalid_request_error');
      assert.match(error.error.error.message, /^messages\.0\.content: /);
      return true;
    },
  );
  await assert.rejects(
    client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'x' }], tempreature: 1 }),
    (error) => error instanceof BadRequestError && /^tempreature: Extra inputs are not permitted/.test(error.error.error.message),
  );
  await assert.rejects(
    client.messages.countTokens({ model: MODEL, messages: [] }),
    (error) => error instanceof BadRequestError && /^messages: /.test(error.error.error.message),
  );
});

test('errors: NotFoundError for an unknown model', async () => {
  await assert.rejects(
    client.messages.create({ model: 'claude-nonexistent', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    (error) => {
      assert.ok(error instanceof NotFoundError, String(error));
      assert.equal(error.error.error.type, 'not_found_error');
      assert.match(error.error.error.message, /claude-nonexistent/);
      assert.match(error.requestID, /^[0-9a-f]{32}$/);
      return true;
    },
  );
});

test('authentication: x-api-key', { skip: !process.env.PORTICO_API_KEY }, async () => {
  const wrong = new Anthropic({ baseURL, apiKey: 'sk-portico-wrong-key', maxRetries: 0 });
  await assert.rejects(
    wrong.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    (error) => {
      assert.ok(error instanceof AuthenticationError, String(error));
      assert.equal(error.status, 401);
      assert.equal(error.error.error.type, 'authentication_error');
      assert.match(error.requestID, /^[0-9a-f]{32}$/);
      return true;
    },
  );
  // The same key as a bearer token (Anthropic's authToken) works too.
  const bearer = new Anthropic({ baseURL, apiKey: null, authToken: process.env.PORTICO_API_KEY, maxRetries: 0 });
  const message = await bearer.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(message.content[0].text, 'hi');
});
