// The cors plugin in a real browser: headless Chromium (Debian's chromium, driven by
// puppeteer-core) loads a page from one origin (a static server started here, 127.0.0.1:
// PORTICO_PAGE_PORT) and calls porticod on another origin (another port) with an API key.
//
//  - PORTICO_ALLOWED_URL: porticod whose [cors] allow_origins is the page's origin. fetch() of
//    /v1/chat/completions, plain and streamed (the SSE body read to data: [DONE]), and the
//    official openai npm package in the page, all work; the headers cors exposes are readable;
//    a wrong key gives a readable 401.
//  - PORTICO_REFUSED_URL: porticod allowing other origins only (the same port on "localhost",
//    https://app.example.com). The browser blocks both calls (fetch rejects with a TypeError);
//    porticod's side shows why: its metrics count the browser's preflights, answered 204, and no
//    POST, and the same preflight sent from here gets no CORS header.
//
// Run by tests/browser/CMakeLists.txt through portico_conformance, which starts both porticods
// (auth on, a real key from porticod --new-key in PORTICO_API_KEY) and picks the page's port.
// Every wait is bounded: launch, navigation, each call in the page, each test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run through ctest: browser_cors)`);
  return value;
}

const allowedUrl = env('PORTICO_ALLOWED_URL');
const refusedUrl = env('PORTICO_REFUSED_URL');
const pagePort = Number(env('PORTICO_PAGE_PORT'));
const apiKey = env('PORTICO_API_KEY');
const chromiumPath = process.env.PORTICO_CHROMIUM || '/usr/bin/chromium';
const pageOrigin = `http://127.0.0.1:${pagePort}`;
const openaiDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'node_modules', 'openai');

const CALL_TIMEOUT_MS = 20000;
const TEST_TIMEOUT = { timeout: 60000 };

let pageServer;
let browser;
let page;
const consoleLines = [];

/// The page, and the openai package's ES modules under /openai/ for the SDK check. Nothing
/// else; 127.0.0.1 only.
async function servePage(request, response) {
  const url = new URL(request.url, pageOrigin);
  if (url.pathname === '/') {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><meta charset="utf-8"><title>Portico CORS test page</title><p>CORS test page</p>');
    return;
  }
  if (url.pathname.startsWith('/openai/')) {
    const file = path.resolve(openaiDir, '.' + decodeURIComponent(url.pathname.slice('/openai'.length)));
    if (file.startsWith(openaiDir + path.sep) && /\.m?js$/.test(file)) {
      try {
        const body = await readFile(file);
        response.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' });
        response.end(body);
        return;
      } catch {
        // fall through to 404
      }
    }
  }
  response.writeHead(404, { 'Content-Type': 'text/plain' });
  response.end('not found');
}

before(async () => {
  pageServer = http.createServer((request, response) => {
    servePage(request, response).catch((error) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise((resolve, reject) => {
    pageServer.once('error', reject);
    pageServer.listen(pagePort, '127.0.0.1', resolve);
  });
  browser = await puppeteer.launch({
    executablePath: chromiumPath,
    headless: true,
    // --no-sandbox: the tests may run as root, where Chromium's sandbox refuses to start.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check'],
    timeout: 30000,
    protocolTimeout: 60000,
  });
  page = await browser.newPage();
  page.setDefaultTimeout(30000);
  page.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => consoleLines.push(`pageerror: ${error.message}`));
  await page.goto(pageOrigin + '/', { waitUntil: 'load', timeout: 15000 });
  assert.equal(await page.evaluate(() => window.location.origin), pageOrigin);
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (pageServer ? pageServer.close(resolve) : resolve()));
  if (consoleLines.length) console.log('page console:\n  ' + consoleLines.join('\n  '));
});

/// POST /v1/chat/completions from the page with fetch(); a stream's body is read chunk by chunk
/// to its end. Returns what the page could see, or how fetch failed.
function callFromPage(base, { stream, key = apiKey }) {
  return page.evaluate(
    async (base, key, stream, timeoutMs) => {
      try {
        const response = await fetch(base + '/v1/chat/completions', {
          method: 'POST',
          headers: { Authorization: 'Bearer ' + key, 'Content-Type': 'application/json' },
          body: JSON.stringify({
            model: 'portico-echo',
            messages: [{ role: 'user', content: 'hello from the browser' }],
            stream,
          }),
          signal: AbortSignal.timeout(timeoutMs),
        });
        let body = '';
        let reads = 0;
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          reads += 1;
          body += decoder.decode(value, { stream: true });
        }
        body += decoder.decode();
        const headers = {};
        response.headers.forEach((value, name) => (headers[name] = value));
        return { ok: true, status: response.status, body, reads, headers };
      } catch (error) {
        return { ok: false, name: error.name, message: String(error.message) };
      }
    },
    base,
    key,
    stream,
    CALL_TIMEOUT_MS,
  );
}

/// The same calls through the official openai package, imported as ES modules into the page.
function sdkFromPage(base) {
  return page.evaluate(
    async (base, key, timeoutMs) => {
      try {
        const { default: OpenAI } = await import('/openai/index.mjs');
        const client = new OpenAI({ apiKey: key, baseURL: base + '/v1', dangerouslyAllowBrowser: true, timeout: timeoutMs, maxRetries: 0 });
        const completion = await client.chat.completions.create({
          model: 'portico-echo',
          messages: [{ role: 'user', content: 'hello from the SDK' }],
        });
        const stream = await client.chat.completions.create({
          model: 'portico-echo',
          messages: [{ role: 'user', content: 'hello from the SDK' }],
          stream: true,
        });
        let streamed = '';
        let chunks = 0;
        for await (const chunk of stream) {
          chunks += 1;
          streamed += chunk.choices[0]?.delta?.content ?? '';
        }
        return { ok: true, content: completion.choices[0].message.content, streamed, chunks };
      } catch (error) {
        return { ok: false, name: error.name, message: String(error.message), constructor: error.constructor?.name };
      }
    },
    base,
    apiKey,
    CALL_TIMEOUT_MS,
  );
}

/// The preflight Chromium sends for callFromPage, sent from here (no browser): its answer's
/// status and headers, as porticod gave them.
async function preflight(base, origin = pageOrigin) {
  const response = await fetch(base + '/v1/chat/completions', {
    method: 'OPTIONS',
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'authorization,content-type',
    },
    signal: AbortSignal.timeout(10000),
  });
  await response.arrayBuffer();
  return { status: response.status, headers: Object.fromEntries(response.headers) };
}

function corsHeaderNames(headers) {
  return Object.keys(headers).filter((name) => name.startsWith('access-control-'));
}

/// Sum of portico_http_requests_total for one method (and status, when given) on a porticod.
async function requestCount(base, method, status) {
  const response = await fetch(base + '/metrics', {
    headers: { Authorization: 'Bearer ' + apiKey },
    signal: AbortSignal.timeout(10000),
  });
  assert.equal(response.status, 200, 'GET /metrics');
  let sum = 0;
  for (const line of (await response.text()).split('\n')) {
    if (!line.startsWith('portico_http_requests_total{')) continue;
    if (!line.includes(`method="${method}"`)) continue;
    if (status && !line.includes(`status="${status}"`)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

test('the preflight of the allowed origin is answered by cors, before auth', TEST_TIMEOUT, async () => {
  const { status, headers } = await preflight(allowedUrl);
  assert.equal(status, 204); // not 401: no key on a preflight, and auth never sees it
  assert.equal(headers['access-control-allow-origin'], pageOrigin);
  assert.match(headers['access-control-allow-methods'], /\bPOST\b/);
  assert.equal(headers['access-control-allow-headers'], 'authorization, content-type');
  assert.equal(headers['access-control-max-age'], '600');
  assert.match(headers['vary'], /\bOrigin\b/);
  assert.equal(headers['access-control-allow-credentials'], undefined);
});

test('allowed origin: a plain call works from the page', TEST_TIMEOUT, async () => {
  const result = await callFromPage(allowedUrl, { stream: false });
  assert.equal(result.ok, true, `fetch failed: ${result.name}: ${result.message}`);
  assert.equal(result.status, 200, result.body);
  const completion = JSON.parse(result.body);
  assert.equal(completion.object, 'chat.completion');
  assert.equal(completion.model, 'portico-echo');
  assert.ok(completion.choices[0].message.content.length > 0);
  // Readable only because cors lists them in Access-Control-Expose-Headers.
  assert.match(result.headers['x-request-id'] ?? '', /.+/, JSON.stringify(result.headers));
  assert.match(result.headers['x-trace-id'] ?? '', /^[0-9a-f]{32}$/);
  assert.match(result.headers['x-ratelimit-remaining-requests'] ?? '', /^\d+$/);
});

test('allowed origin: a streamed call works from the page, to data: [DONE]', TEST_TIMEOUT, async () => {
  const result = await callFromPage(allowedUrl, { stream: true });
  assert.equal(result.ok, true, `fetch failed: ${result.name}: ${result.message}`);
  assert.equal(result.status, 200, result.body);
  assert.match(result.headers['content-type'], /^text\/event-stream/);
  assert.match(result.body, /"object":"chat\.completion\.chunk"/);
  assert.ok(result.body.trimEnd().endsWith('data: [DONE]'), `stream ends with: ${result.body.slice(-200)}`);
  assert.match(result.headers['x-trace-id'] ?? '', /^[0-9a-f]{32}$/);
});

test('allowed origin: an error (401, wrong key) is readable by the page', TEST_TIMEOUT, async () => {
  const result = await callFromPage(allowedUrl, { stream: false, key: 'sk-portico-not-a-key' });
  assert.equal(result.ok, true, `fetch failed: ${result.name}: ${result.message}`);
  assert.equal(result.status, 401);
  assert.equal(JSON.parse(result.body).error.code, 'invalid_api_key');
  assert.match(result.headers['x-trace-id'] ?? '', /^[0-9a-f]{32}$/);
});

test('allowed origin: the official openai package works in the page', TEST_TIMEOUT, async () => {
  const result = await sdkFromPage(allowedUrl);
  assert.equal(result.ok, true, `SDK failed: ${result.constructor} ${result.name}: ${result.message}`);
  assert.ok(result.content.length > 0);
  assert.ok(result.chunks > 1, `chunks: ${result.chunks}`);
  assert.ok(result.streamed.length > 0);
});

test('refused origin: the browser blocks both calls; porticod sent no CORS header', TEST_TIMEOUT, async () => {
  // porticod is up and would answer a caller that is no browser.
  const health = await fetch(refusedUrl + '/healthz', { signal: AbortSignal.timeout(10000) });
  assert.equal(health.status, 200);
  const optionsBefore = await requestCount(refusedUrl, 'OPTIONS', '204');
  const postsBefore = await requestCount(refusedUrl, 'POST');

  for (const stream of [false, true]) {
    const result = await callFromPage(refusedUrl, { stream });
    assert.equal(result.ok, false, `stream=${stream}: the browser let the call through (status ${result.status})`);
    // A CORS refusal is a TypeError ("Failed to fetch"); a timeout would be a TimeoutError.
    assert.equal(result.name, 'TypeError', `stream=${stream}: ${result.name}: ${result.message}`);
  }

  // porticod's side: the browser's two preflights reached it and were answered 204 (by cors,
  // without asking for a key), and no POST followed them.
  assert.ok((await requestCount(refusedUrl, 'OPTIONS', '204')) >= optionsBefore + 2, 'two preflights answered 204');
  assert.equal(await requestCount(refusedUrl, 'POST'), postsBefore, 'no POST reached porticod');
  // ... with no CORS header in the answer (the same preflight, sent from here).
  const { status, headers } = await preflight(refusedUrl);
  assert.equal(status, 204);
  assert.deepEqual(corsHeaderNames(headers), [], JSON.stringify(headers));
  assert.match(headers['vary'] ?? '', /\bOrigin\b/);
  // The origin it does allow gets them: the refusal is about the page's origin.
  const other = await preflight(refusedUrl, 'https://app.example.com');
  assert.equal(other.headers['access-control-allow-origin'], 'https://app.example.com');
  // Chromium says why in the page's console.
  assert.ok(consoleLines.some((line) => line.includes('CORS policy')), consoleLines.join('\n'));
});
