// e2e-faas-local's Node.js worker: serves one function's handler.js on
// 127.0.0.1 with the standard http module. It reports "ready <port>" or
// "error <json string>" on file descriptor 3. See LOCAL_RUNTIMES.md for the
// handler contract.
//
// Usage: node worker.js CODE_DIR HANDLER_NAME
'use strict';
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');

const [codeDir, handlerName] = process.argv.slice(2);

function report(line) {
  fs.writeSync(3, line + '\n');
  fs.closeSync(3);
}

let fn;
try {
  const mod = require(path.join(codeDir, 'handler.js'));
  fn = typeof mod === 'function' ? mod : mod && mod[handlerName];
  if (typeof fn !== 'function') {
    throw new Error(`handler.js exports no function: export one with module.exports = async (event, context) => ..., ` +
      `or export a function named ${JSON.stringify(handlerName)} (handler_function)`);
  }
} catch (e) {
  const message = 'cannot load handler.js: ' + ((e && e.stack) || String(e));
  console.error(message);
  report('error ' + JSON.stringify(message));
  process.exit(1);
}

// Context follows the OpenFaaS node templates: chainable status, headers,
// succeed and fail; a handler may return the context itself.
class Context {
  constructor() {
    this.statusCode = 200;
    this.headerValues = {};
    this.result = undefined;
    this.hostname = os.hostname();
    this.functionName = process.env.E2E_FUNCTION_NAME || '';
  }
  status(code) { this.statusCode = code; return this; }
  headers(values) { Object.assign(this.headerValues, values); return this; }
  succeed(value) { this.result = value; return this; }
  fail(value) { this.statusCode = 500; this.result = value; return this; }
}

function toResponse(ret, context) {
  let status = 200, headers = {}, body = ret;
  if (ret === context) {
    status = context.statusCode; headers = context.headerValues; body = context.result;
  } else if (ret && typeof ret === 'object' && !Buffer.isBuffer(ret) && ('statusCode' in ret || 'body' in ret)) {
    status = ret.statusCode || 200; headers = ret.headers || {}; body = ret.body;
  }
  let data, type;
  if (body === undefined || body === null) data = Buffer.alloc(0);
  else if (Buffer.isBuffer(body)) { data = body; type = 'application/octet-stream'; }
  else if (typeof body === 'string') { data = Buffer.from(body); type = 'text/plain; charset=utf-8'; }
  else if (body instanceof Error) { data = Buffer.from(String(body)); type = 'text/plain; charset=utf-8'; }
  else { data = Buffer.from(JSON.stringify(body)); type = 'application/json'; }
  headers = Object.assign({}, headers);
  if (type && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = type;
  for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-length') delete headers[k];
  headers['Content-Length'] = data.length;
  return { status, headers, data };
}

const server = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const rawBody = Buffer.concat(chunks);
  const url = new URL(req.url, 'http://localhost');
  let body = rawBody.toString('utf8');
  if ((req.headers['content-type'] || '').includes('json') && rawBody.length > 0) {
    try { body = JSON.parse(body); } catch (e) { /* keep the text */ }
  }
  const event = {
    method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams),
    headers: req.headers, body, rawBody,
  };
  const context = new Context();
  let out;
  try {
    out = toResponse(await fn(event, context), context);
  } catch (e) {
    console.error(e);
    out = toResponse({ statusCode: 500, body: 'handler threw: ' + ((e && e.message) || String(e)) });
  }
  res.writeHead(out.status, out.headers);
  res.end(req.method === 'HEAD' ? undefined : out.data);
});
server.listen(0, '127.0.0.1', () => report('ready ' + server.address().port));
