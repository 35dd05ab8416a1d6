// The official `openai` npm package against a porticod whose models are served by an upstream of
// type anthropic (anthropic_upstream.ini: a second porticod's /v1/messages). Every chat call
// crosses the translation both ways: requests to Messages requests, messages to chat
// completions, Anthropic event streams to chat chunks, Anthropic errors to OpenAI errors.
// Run with `node --test openai_via_anthropic.test.mjs`; node exits non-zero when a check fails.
//
// Environment: PORTICO_BASE_URL (required), PORTICO_TEXT_MODEL (default portico-echo: the
// upstream's model that echoes the last user message, as a Messages answer).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI, { BadRequestError, NotFoundError } from 'openai';

const baseURL = process.env.PORTICO_BASE_URL;
if (!baseURL) {
  console.error('PORTICO_BASE_URL is not set (e.g. http://127.0.0.1:8000/v1)');
  process.exit(2);
}
const client = new OpenAI({ baseURL, apiKey: 'sk-portico-conformance', maxRetries: 0, timeout: 30_000 });
const TEXT = process.env.PORTICO_TEXT_MODEL ?? 'portico-echo';

const messages = [
  { role: 'system', content: 'You are an echo.' },
  { role: 'user', content: 'Served by Anthropic, read by OpenAI.' },
];

const weather = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, days: { type: 'integer' } },
      required: ['city', 'days'],
    },
  },
};

test('chat.completions.create: the message, its finish_reason and usage', async () => {
  const whole = await client.chat.completions.create({ model: TEXT, messages });
  assert.equal(whole.object, 'chat.completion');
  assert.equal(whole.model, TEXT);
  assert.equal(whole.choices.length, 1);
  assert.equal(whole.choices[0].message.role, 'assistant');
  assert.equal(whole.choices[0].message.content, 'Served by Anthropic, read by OpenAI.');
  assert.equal(whole.choices[0].finish_reason, 'stop');
  assert.ok(whole.usage.prompt_tokens > 0 && whole.usage.completion_tokens > 0, JSON.stringify(whole.usage));
  assert.equal(whole.usage.total_tokens, whole.usage.prompt_tokens + whole.usage.completion_tokens);

  const cut = await client.chat.completions.create({ model: TEXT, messages, max_completion_tokens: 2 });
  assert.equal(cut.choices[0].finish_reason, 'length');
  assert.equal(cut.usage.completion_tokens, 2);

  const stopped = await client.chat.completions.create({ model: TEXT, messages, stop: ['read'] });
  assert.equal(stopped.choices[0].message.content, 'Served by Anthropic, ');
  assert.equal(stopped.choices[0].finish_reason, 'stop');
});

test('chat stream: the same text and usage as the whole answer; the usage chunk only when asked', async () => {
  const whole = await client.chat.completions.create({ model: TEXT, messages });

  const stream = await client.chat.completions.create({
    model: TEXT, messages, stream: true, stream_options: { include_usage: true },
  });
  const chunks = [];
  let text = '';
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'chat.completion.chunk');
    chunks.push(chunk);
    for (const choice of chunk.choices) text += choice.delta.content ?? '';
  }
  assert.ok(chunks.length > 3, `${chunks.length} chunks`);
  assert.equal(text, whole.choices[0].message.content);
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  assert.ok(chunks.every((c) => c.id === chunks[0].id), 'one id for every chunk');
  const withChoices = chunks.filter((c) => c.choices.length > 0);
  assert.equal(withChoices.at(-1).choices[0].finish_reason, 'stop');
  const last = chunks.at(-1);
  assert.equal(last.choices.length, 0, 'the usage chunk has no choices');
  assert.deepEqual(
    [last.usage.prompt_tokens, last.usage.completion_tokens, last.usage.total_tokens],
    [whole.usage.prompt_tokens, whole.usage.completion_tokens, whole.usage.total_tokens],
  );

  // Not asked: no usage chunk, no usage member (what an OpenAI upstream sends).
  const plain = await client.chat.completions.create({ model: TEXT, messages, stream: true });
  let plainText = '';
  for await (const chunk of plain) {
    assert.equal(chunk.choices.length, 1, 'no usage chunk');
    assert.equal(chunk.usage, undefined);
    plainText += chunk.choices[0].delta.content ?? '';
  }
  assert.equal(plainText, whole.choices[0].message.content);

  // The SDK's helper assembles the same completion.
  const assembled = await client.chat.completions.stream({ model: TEXT, messages }).finalChatCompletion();
  assert.equal(assembled.choices[0].message.content, whole.choices[0].message.content);
});

test('tools: a required call comes back as tool_calls, streamed and not', async () => {
  const whole = await client.chat.completions.create({
    model: TEXT, messages, tools: [weather], tool_choice: 'required',
  });
  const choice = whole.choices[0];
  assert.equal(choice.finish_reason, 'tool_calls');
  assert.equal(choice.message.tool_calls.length, 1);
  const call = choice.message.tool_calls[0];
  assert.equal(call.type, 'function');
  assert.equal(call.function.name, 'get_weather');
  assert.ok(call.id.length > 0);
  const args = JSON.parse(call.function.arguments);
  assert.deepEqual(Object.keys(args).sort(), ['city', 'days']);

  // Streamed: the SDK's helper assembles the call from its argument deltas.
  const assembled = await client.chat.completions
    .stream({ model: TEXT, messages, tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } } })
    .finalChatCompletion();
  const streamed = assembled.choices[0];
  assert.equal(streamed.finish_reason, 'tool_calls');
  assert.equal(streamed.message.tool_calls[0].function.name, 'get_weather');
  assert.deepEqual(JSON.parse(streamed.message.tool_calls[0].function.arguments), args);

  // The call's result goes back as a tool message (a tool_result block upstream).
  const next = await client.chat.completions.create({
    model: TEXT,
    messages: [
      ...messages,
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', tool_call_id: call.id, content: 'Sunny, 21 degrees' },
    ],
  });
  assert.equal(next.choices[0].message.content, 'Sunny, 21 degrees');
});

test('errors: what cannot be translated is a 400 naming the field; the upstream\'s errors in OpenAI\'s shape', async () => {
  await assert.rejects(client.chat.completions.create({ model: TEXT, messages, n: 2 }), (error) => {
    assert.ok(error instanceof BadRequestError, `expected BadRequestError, got ${error}`);
    assert.equal(error.param, 'n');
    assert.equal(error.type, 'invalid_request_error');
    return true;
  });
  // The upstream refuses max_tokens over its limit: its Anthropic error, as OpenAI's.
  await assert.rejects(client.chat.completions.create({ model: TEXT, messages, max_tokens: 100_000_000 }), (error) => {
    assert.ok(error instanceof BadRequestError, `expected BadRequestError, got ${error}`);
    assert.equal(error.type, 'invalid_request_error');
    assert.match(error.message, /max_tokens/);
    return true;
  });
  await assert.rejects(
    client.chat.completions.create({ model: 'portico-no-such-model', messages, stream: true }),
    (error) => error instanceof NotFoundError && error.status === 404,
  );
  // Embeddings have no Anthropic counterpart.
  await assert.rejects(client.embeddings.create({ model: TEXT, input: 'x' }), (error) => error instanceof BadRequestError);
});
