#!/usr/bin/env node
// Partner sample for Node.js 20: node:crypto and node:http only, no npm packages.
//
// The partner side of both integration profiles of the webview partner API (docs/partners/):
//   check-vectors FILE           check docs/partners/vectors.json; exit 1 on any mismatch
//   launch                       hmac: POST /api/v1/webview-url, print data.url_open
//   transaction                  hmac: GET /api/v1/transaction (signed over the request target), print the answer
//   ipn                          hmac: POST /api/v1/payment/ipn, print the answer
//   result-link                  hmac: print url_checkout_result with &transaction_id=&timestamp=&sig=
//   envelope-login               envelope: POST /api/v1/partner/login, print the decrypted redirect_url
//   envelope-query               envelope: POST /api/v1/partner/query-trans, print the decrypted fields as JSON
//   serve                        a tiny partner server on 127.0.0.1: create / query / refund endpoints that
//                                verify the merchant's signed calls, a payment page whose approval sends the
//                                signed IPN, and (envelope) the place-order redirect and the commit call
// Options are --name value pairs; run a command with --help to list them.

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

const WINDOW_MS = 300_000;
const TIMEOUT_MS = 15_000;

// ---------------------------------------------------------------------------------------- profile hmac

export function b64url(buffer) {
  return Buffer.from(buffer).toString('base64url'); // URL-safe alphabet, no '=' padding
}

/** base64url_nopad(P), P = timestamp "." client_id "." (raw body bytes, or the raw request target). */
export function signingInput(timestamp, clientId, message) {
  const payload = Buffer.concat([Buffer.from(`${timestamp}.${clientId}.`, 'utf8'), Buffer.from(message)]);
  return b64url(payload);
}

/** X-Signature: lowercase hex HMAC-SHA256(key = client secret as UTF-8, msg = base64url_nopad(P)). */
export function hmacSign(clientId, secret, timestamp, message) {
  return crypto.createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(signingInput(timestamp, clientId, message), 'ascii').digest('hex');
}

export function signedHeaders(clientId, secret, message, timestampMs = Date.now()) {
  const timestamp = String(timestampMs);
  return { 'X-Client-Id': clientId, 'X-Timestamp': timestamp,
    'X-Signature': hmacSign(clientId, secret, timestamp, message) };
}

/** The raw request target of a URL: path and query, no "?" when the query is empty. */
export function requestTarget(url) {
  const parsed = new URL(url);
  return (parsed.pathname || '/') + (parsed.search.length > 1 ? parsed.search : '');
}

/** Check the merchant's X-Client-Id / X-Timestamp / X-Signature; returns null when good, else the reason. */
export function verifySigned(headers, message, clientId, secrets, seen, nowMs = Date.now()) {
  const id = headers['x-client-id'] || '';
  const timestamp = headers['x-timestamp'] || '';
  const signature = (headers['x-signature'] || '').toLowerCase();
  if (!id || !timestamp || !signature) return 'missing X-Client-Id, X-Timestamp or X-Signature';
  if (id !== clientId) return 'unknown client id';
  if (!/^[0-9]{1,16}$/.test(timestamp)) return 'malformed timestamp';
  if (Math.abs(nowMs - Number(timestamp)) > WINDOW_MS) return 'timestamp outside ±300 s';
  if (!/^[0-9a-f]{64}$/.test(signature)) return 'malformed signature';
  let ok = false;
  for (const secret of secrets) { // during a secret rotation both secrets verify
    const expected = Buffer.from(hmacSign(id, secret, timestamp, message), 'ascii');
    ok = crypto.timingSafeEqual(expected, Buffer.from(signature, 'ascii')) || ok;
  }
  if (!ok) return 'invalid signature';
  const digest = crypto.createHash('sha256')
    .update(Buffer.concat([Buffer.from(`${timestamp}.${id}.`), Buffer.from(message)])).digest('hex');
  const replayKey = `${id}:${timestamp}:${digest}`;
  if (seen && seen.has(replayKey)) return 'replay';
  if (seen) seen.set(replayKey, Number(timestamp) + WINDOW_MS);
  return null;
}

/** sig of a result link: hex HMAC-SHA256(secret, base64url_nopad("timestamp.client_id.partner_code.transaction_id")). */
export function resultLinkSignature(secret, clientId, partnerCode, transactionId, timestamp) {
  return crypto.createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(b64url(Buffer.from(`${timestamp}.${clientId}.${partnerCode}.${transactionId}`, 'utf8')), 'ascii')
    .digest('hex');
}

export function resultLink(urlCheckoutResult, clientId, secret, partnerCode, transactionId, timestampMs = Date.now()) {
  const timestamp = String(timestampMs);
  const sig = resultLinkSignature(secret, clientId, partnerCode, transactionId, timestamp);
  const joiner = urlCheckoutResult.includes('?') ? '&' : '?';
  return `${urlCheckoutResult}${joiner}transaction_id=${encodeURIComponent(transactionId)}` +
    `&timestamp=${timestamp}&sig=${sig}`;
}

// ------------------------------------------------------------------------------------ profile envelope

// signature data = the fields without the signature; original data = the fields with it, at this position.
// The modern suite appends "timestamp" (unix ms) at the very end of both.
export const MESSAGES = {
  login_request: 'access_code|user_id|layout|product|signature',
  login_response: 'access_code|error_code|redirect_url|signature',
  place_order: 'access_code|booking_number|product_type|signature|total_amount',
  commit_request: 'access_code|booking_number|partner_trans_id|product_type|signature',
  query_request: 'access_code|booking_number|signature',
  commit_response: 'access_code|booking_number|error_code|product_type|properties|return_url|signature|total_amount',
  query_response: 'access_code|booking_number|error_code|product_type|properties|return_url|signature|total_amount',
};

export function layouts(name, suite) {
  const original = MESSAGES[name].split('|').concat(suite === 'modern' ? ['timestamp'] : []);
  return { original, signed: original.filter((field) => field !== 'signature') };
}

function b64decode(text) { // either alphabet, padding optional
  const standard = String(text).trim().replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(standard)) throw new Error('not base64');
  return Buffer.from(standard, 'base64');
}

const OAEP = { padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }; // MGF1 uses SHA-256 too
const PSS = { padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
const PKCS1 = { padding: crypto.constants.RSA_PKCS1_PADDING };

export function signText(suite, privateKey, text) {
  return crypto.sign('sha256', Buffer.from(text, 'utf8'), { key: privateKey, ...(suite === 'modern' ? PSS : PKCS1) })
    .toString('base64');
}

export function verifyText(suite, publicKey, text, signatureB64) {
  try {
    return crypto.verify('sha256', Buffer.from(text, 'utf8'), { key: publicKey, ...(suite === 'modern' ? PSS : PKCS1) },
      b64decode(signatureB64));
  } catch { return false; }
}

function wrapKey(suite, publicKey, symmetricKey) {
  return crypto.publicEncrypt({ key: publicKey, ...(suite === 'modern' ? OAEP : PKCS1) }, symmetricKey);
}

// Node 20 refuses RSA PKCS#1 v1.5 *private decryption* (CVE-2023-46809), which the legacy suite needs to unwrap the
// merchant's 3DES key. This does it with the key's own numbers (CRT, BigInt). It is not constant-time: keep the
// legacy suite for compatibility testing only, as the merchant does (sandbox only unless enabled per partner).
function bigFromB64url(text) { return BigInt(`0x${Buffer.from(text, 'base64url').toString('hex') || '0'}`); }
function modPow(base, exponent, modulus) {
  let result = 1n; base %= modulus;
  for (; exponent > 0n; exponent >>= 1n) {
    if (exponent & 1n) result = (result * base) % modulus;
    base = (base * base) % modulus;
  }
  return result;
}
function pkcs1v15Decrypt(privateKey, wrapped) {
  const jwk = privateKey.export({ format: 'jwk' });
  const n = bigFromB64url(jwk.n); const p = bigFromB64url(jwk.p); const q = bigFromB64url(jwk.q);
  const size = Buffer.from(jwk.n, 'base64url').length;
  if (wrapped.length !== size) throw new Error('decryption failed');
  const c = BigInt(`0x${wrapped.toString('hex')}`);
  if (c >= n) throw new Error('decryption failed');
  const m1 = modPow(c, bigFromB64url(jwk.dp), p); const m2 = modPow(c, bigFromB64url(jwk.dq), q);
  const h = (bigFromB64url(jwk.qi) * (((m1 - m2) % p) + p)) % p;
  const m = Buffer.from((m2 + h * q).toString(16).padStart(size * 2, '0'), 'hex');
  const zero = m.indexOf(0, 2);
  if (m[0] !== 0 || m[1] !== 2 || zero < 10) throw new Error('decryption failed');
  return m.subarray(zero + 1);
}

function unwrapKey(suite, privateKey, wrapped) {
  const key = suite === 'modern' ? crypto.privateDecrypt({ key: privateKey, ...OAEP }, wrapped)
    : pkcs1v15Decrypt(privateKey, wrapped);
  if (key.length !== (suite === 'modern' ? 32 : 24)) throw new Error('symmetric key of the wrong length');
  return key;
}

export function encryptData(suite, key, plaintext, nonce = crypto.randomBytes(12)) {
  if (suite === 'modern') {
    const cipher = crypto.createCipheriv('aes-256-gcm', key, nonce);
    return Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  }
  const cipher = crypto.createCipheriv('des-ede3-ecb', key, null); // PKCS#5 padding (Node's default)
  return Buffer.concat([cipher.update(plaintext), cipher.final()]);
}

export function decryptData(suite, key, data) {
  if (suite === 'modern') {
    if (data.length < 28) throw new Error('data too short');
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
  }
  const decipher = crypto.createDecipheriv('des-ede3-ecb', key, null);
  return Buffer.concat([decipher.update(data), decipher.final()]);
}

/** Sign with our key, encrypt to theirs: {key, data} (plus the texts, for logs and the vector check). */
export function seal(name, suite, values, ownPrivate, theirPublic, options = {}) {
  const { signed, original } = layouts(name, suite);
  const filled = { ...values };
  if (suite === 'modern') filled.timestamp = String(options.timestampMs ?? filled.timestamp ?? Date.now());
  for (const field of signed) {
    if (typeof filled[field] !== 'string' || filled[field].includes('|')) throw new Error(`field ${field} missing or has '|'`);
  }
  const signatureData = signed.map((field) => filled[field]).join('|');
  filled.signature = signText(suite, ownPrivate, signatureData);
  const originalData = original.map((field) => filled[field]).join('|');
  const key = options.key || crypto.randomBytes(suite === 'modern' ? 32 : 24);
  const data = encryptData(suite, key, Buffer.from(originalData, 'utf8'), options.nonce);
  return { key: b64url(wrapKey(suite, theirPublic, key)), data: b64url(data), signatureData, originalData,
    signature: filled.signature };
}

/** Decrypt with our key, verify with theirs (and, modern, the ±300 s timestamp): the fields, timestamp included. */
export function open(name, suite, body, ownPrivate, theirPublic, nowMs = Date.now()) {
  const { signed, original } = layouts(name, suite);
  let text;
  try {
    const key = unwrapKey(suite, ownPrivate, b64decode(body.key));
    text = decryptData(suite, key, b64decode(body.data)).toString('utf8');
  } catch { throw new Error('04: cannot decrypt'); }
  const parts = text.split('|');
  if (parts.length !== original.length) throw new Error(`07: expected ${original.length} fields, got ${parts.length}`);
  const fields = Object.fromEntries(original.map((field, index) => [field, parts[index]]));
  if (!verifyText(suite, theirPublic, signed.map((field) => fields[field]).join('|'), fields.signature)) {
    throw new Error('04: bad signature');
  }
  if (suite === 'modern' && (!/^[0-9]{1,16}$/.test(fields.timestamp)
      || Math.abs(nowMs - Number(fields.timestamp)) > WINDOW_MS)) throw new Error('04: stale timestamp');
  delete fields.signature;
  return fields;
}

/** An RSA key from PEM, or from .NET XML <RSAKeyValue> (public, or private with P, Q, DP, DQ, InverseQ, D). */
export function loadKey(text, kind) {
  if (text.includes('<RSAKeyValue>')) {
    const tag = (name) => {
      const match = text.match(new RegExp(`<${name}>\\s*([^<]+?)\\s*</${name}>`));
      return match ? Buffer.from(match[1], 'base64').toString('base64url') : undefined;
    };
    const jwk = { kty: 'RSA', n: tag('Modulus'), e: tag('Exponent') };
    if (kind === 'private') Object.assign(jwk, { d: tag('D'), p: tag('P'), q: tag('Q'), dp: tag('DP'), dq: tag('DQ'), qi: tag('InverseQ') });
    return kind === 'private' ? crypto.createPrivateKey({ key: jwk, format: 'jwk' })
      : crypto.createPublicKey({ key: jwk, format: 'jwk' });
  }
  return kind === 'private' ? crypto.createPrivateKey(text) : crypto.createPublicKey(text);
}

// --------------------------------------------------------------------------------------------- HTTP client

export function httpRequest(method, url, headers = {}, body = null) {
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request({ method, hostname: target.hostname, port: target.port,
      path: requestTarget(url), headers: { ...headers, ...(body ? { 'Content-Length': body.length } : {}) },
      timeout: TIMEOUT_MS }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => {
        const raw = Buffer.concat(chunks);
        let json = null;
        try { json = JSON.parse(raw.toString('utf8')); } catch { /* not JSON */ }
        resolve({ status: response.statusCode, headers: response.headers, raw, json });
      });
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
    if (body) request.write(body);
    request.end();
  });
}

function hmacPost(url, clientId, secret, payload) {
  const body = Buffer.from(JSON.stringify(payload), 'utf8'); // the bytes sent are the bytes signed
  return httpRequest('POST', url, { 'Content-Type': 'application/json', ...signedHeaders(clientId, secret, body) }, body);
}

function hmacGet(url, clientId, secret) {
  return httpRequest('GET', url, signedHeaders(clientId, secret, Buffer.from(requestTarget(url), 'utf8')));
}

async function envelopeCall(baseUrl, path, name, replyName, values, o) {
  const sealed = seal(name, o.suite, values, o.partnerKey, o.merchantKey);
  const body = Buffer.from(JSON.stringify({ key: sealed.key, data: sealed.data }), 'utf8');
  const answer = await httpRequest('POST', `${baseUrl.replace(/\/$/, '')}${path}`,
    { 'Content-Type': 'application/json', apikey: o.apiKey, 'x-ibe-req-name': o.accessCode }, body);
  if (!answer.json || typeof answer.json.key !== 'string') { // unknown partner: plaintext {"error_code": "10"}
    return { error_code: String(answer.json?.error_code ?? '99'), http_status: answer.status };
  }
  return { ...open(replyName, o.suite, answer.json, o.partnerKey, o.merchantKey), http_status: answer.status };
}

// ------------------------------------------------------------------------------------------ vector check

export function checkVectors(document) {
  const failures = [];
  let checks = 0;
  const expect = (ok, what) => { checks += 1; if (!ok) failures.push(what); };
  for (const vector of document.hmac.requests) {
    const message = Buffer.from(vector.body !== null ? vector.body : vector.target, 'utf8');
    expect(signingInput(vector.timestamp, vector.client_id, message) === vector.signing_input_base64url,
      `hmac ${vector.name}: signing input`);
    expect(hmacSign(vector.client_id, vector.client_secret, vector.timestamp, message) === vector.signature,
      `hmac ${vector.name}: signature`);
    expect(verifySigned({ 'x-client-id': vector.client_id, 'x-timestamp': vector.timestamp,
      'x-signature': vector.signature }, message, vector.client_id, [vector.client_secret], null,
    Number(vector.timestamp)) === null, `hmac ${vector.name}: verification`);
  }
  for (const link of document.hmac.result_links) {
    expect(resultLinkSignature(link.client_secret, link.client_id, link.partner_code, link.transaction_id,
      link.timestamp) === link.sig, `result link ${link.name}: sig`);
    expect(resultLink(link.url_checkout_result, link.client_id, link.client_secret, link.partner_code,
      link.transaction_id, link.timestamp) === link.url, `result link ${link.name}: url`);
  }
  const k = document.keys;
  const keys = {
    partner: { private: loadKey(k.partner_private_key_pem, 'private'), public: loadKey(k.partner_public_key_pem, 'public') },
    merchant: { private: loadKey(k.merchant_private_key_pem, 'private'), public: loadKey(k.merchant_public_key_pem, 'public') },
  };
  const modulus = (key) => key.export({ format: 'jwk' }).n;
  expect(modulus(loadKey(k.partner_private_key_xml, 'private')) === modulus(keys.partner.private), 'partner private XML key');
  expect(modulus(loadKey(k.partner_public_key_xml, 'public')) === modulus(keys.partner.public), 'partner public XML key');
  expect(modulus(loadKey(k.merchant_public_key_xml, 'public')) === modulus(keys.merchant.public), 'merchant public XML key');
  for (const v of document.envelope.messages) {
    const what = `envelope ${v.name} (${v.suite})`;
    const { signed, original } = layouts(v.name, v.suite);
    expect(signed.join('|') === v.signed_layout && original.join('|') === v.original_layout, `${what}: layout`);
    const sender = keys[v.sender]; const receiver = keys[v.receiver];
    expect(signed.map((field) => v.values[field]).join('|') === v.signature_data, `${what}: signature data`);
    expect(original.map((field) => (field === 'signature' ? v.signature : v.values[field])).join('|') === v.original_data,
      `${what}: original data`);
    expect(verifyText(v.suite, sender.public, v.signature_data, v.signature), `${what}: signature verifies`);
    const key = Buffer.from(v.symmetric_key_hex, 'hex');
    let unwrapped = null;
    try { unwrapped = unwrapKey(v.suite, receiver.private, b64decode(v.key)); } catch { /* reported below */ }
    expect(unwrapped !== null && unwrapped.equals(key), `${what}: wrapped key unwraps to the symmetric key`);
    const nonce = v.nonce_hex ? Buffer.from(v.nonce_hex, 'hex') : undefined;
    expect(b64url(encryptData(v.suite, key, Buffer.from(v.original_data, 'utf8'), nonce)) === v.data,
      `${what}: data reproduced from the fixed key${nonce ? ' and nonce' : ''}`);
    let opened = null;
    try { opened = open(v.name, v.suite, v, receiver.private, sender.public, Number(v.values.timestamp ?? Date.now())); } catch (error) {
      failures.push(`${what}: open: ${error.message}`);
    }
    expect(opened !== null && JSON.stringify(opened) === JSON.stringify(Object.fromEntries(original
      .filter((field) => field !== 'signature').map((field) => [field, v.values[field]]))), `${what}: opened fields`);
    if (v.suite === 'legacy') { // deterministic signature: our own seal gives the same data byte for byte
      expect(signText(v.suite, sender.private, v.signature_data) === v.signature, `${what}: signature reproduced`);
      expect(seal(v.name, v.suite, v.values, sender.private, receiver.public, { key }).data === v.data,
        `${what}: sealed data reproduced`);
    }
  }
  return { checks, failures };
}

// ------------------------------------------------------------------------------------- the partner server

function readBody(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function reply(response, status, payload, contentType = 'application/json') {
  const body = Buffer.from(contentType === 'application/json' ? JSON.stringify(payload) : payload, 'utf8');
  response.writeHead(status, { 'Content-Type': `${contentType}; charset=utf-8`, 'Content-Length': body.length });
  response.end(body);
}

const isId = (value, max = 100) => typeof value === 'string' && value.length > 0 && value.length <= max && !value.includes('|');
const isAmount = (value) => Number.isInteger(value) && value >= 0;

export function partnerServer(o) {
  const transactions = new Map(); // reference_transaction_id -> transaction
  const refunds = new Map(); // request_id -> {answer, ...}
  const envelopeOrders = new Map(); // booking_number -> order
  const seen = new Map(); // hmac replay store: key -> expiry (ms)
  const base = () => `http://127.0.0.1:${o.port}`;
  let counter = 0;

  const authenticate = (request, message) => {
    for (const [key, expiry] of seen) if (expiry < Date.now()) seen.delete(key);
    return verifySigned(request.headers, message, o.clientId, o.secrets, seen);
  };

  async function create(request, response, raw) {
    const problem = authenticate(request, raw);
    if (problem) return reply(response, 401, { code: 7, message: `authentication failed: ${problem}` });
    let body;
    try { body = JSON.parse(raw.toString('utf8')); } catch { body = null; }
    const bad = [];
    if (!body || typeof body !== 'object') bad.push('body');
    else {
      if (!isId(body.reference_transaction_id, 40)) bad.push('reference_transaction_id');
      if (!isAmount(body.amount) || body.amount === 0) bad.push('amount');
      if (body.currency !== 'VND') bad.push('currency');
      for (const name of ['ipn_url', 'return_url']) if (typeof body[name] !== 'string' || !/^https?:\/\//.test(body[name])) bad.push(name);
      if (!Number.isInteger(body.expires_at)) bad.push('expires_at');
      if (!body.customer || !isId(body.customer.identify_code)) bad.push('customer.identify_code');
    }
    if (bad.length) return reply(response, 400, { code: 1, message: 'invalid request', data: { fields: bad } });
    let transaction = transactions.get(body.reference_transaction_id);
    if (transaction && transaction.amount !== body.amount) {
      return reply(response, 200, { code: 5, message: 'amount differs from the first request' });
    }
    if (!transaction) { // idempotent on reference_transaction_id: a repeat answers the same transaction
      counter += 1;
      const transactionId = `NODE-${Date.now().toString(36).toUpperCase()}-${counter}`;
      transaction = { transaction_id: transactionId, reference_transaction_id: body.reference_transaction_id,
        amount: body.amount, status: 'PENDING', ipn_url: body.ipn_url, return_url: body.return_url,
        description: body.description, expires_at: body.expires_at, refunded_amount: 0, creates: 0 };
      transactions.set(body.reference_transaction_id, transaction);
    }
    transaction.creates += 1;
    return reply(response, 200, { code: 0, message: 'success', data: { transaction_id: transaction.transaction_id,
      payment_url: `${base()}/pay/${encodeURIComponent(transaction.transaction_id)}` } });
  }

  function query(request, response, target) {
    const problem = authenticate(request, Buffer.from(target, 'utf8')); // a GET is signed over its request target
    if (problem) return reply(response, 401, { code: 7, message: `authentication failed: ${problem}` });
    const reference = new URL(target, base()).searchParams.get('reference_transaction_id');
    const transaction = transactions.get(reference);
    if (!transaction) return reply(response, 200, { code: 3, message: 'transaction not found' });
    // the merchant reads `amount` here (not transaction_amount): integer VND of the payment
    return reply(response, 200, { code: 0, message: 'success', data: { transaction_id: transaction.transaction_id,
      status: transaction.status, amount: transaction.amount } });
  }

  async function refund(request, response, raw) {
    const problem = authenticate(request, raw);
    if (problem) return reply(response, 401, { code: 7, message: `authentication failed: ${problem}` });
    let body;
    try { body = JSON.parse(raw.toString('utf8')); } catch { body = null; }
    const bad = [];
    if (!body || typeof body !== 'object') bad.push('body');
    else {
      if (!isId(body.reference_transaction_id, 40)) bad.push('reference_transaction_id');
      if (!isAmount(body.transaction_amount) || body.transaction_amount === 0) bad.push('transaction_amount');
      if (!isId(body.request_id)) bad.push('request_id');
      if (typeof body.transaction_id !== 'string') bad.push('transaction_id');
    }
    if (bad.length) return reply(response, 400, { code: 1, message: 'invalid request', data: { fields: bad } });
    const previous = refunds.get(body.request_id); // idempotent on request_id: a retry gets the first answer
    if (previous) return reply(response, 200, previous.answer);
    const transaction = transactions.get(body.reference_transaction_id);
    let answer;
    if (!transaction || transaction.transaction_id !== body.transaction_id) answer = { code: 3, message: 'transaction not found' };
    else if (transaction.status !== 'SUCCESS') answer = { code: 6, message: 'transaction not paid' };
    else if (transaction.refunded_amount + body.transaction_amount > transaction.amount) answer = { code: 5, message: 'amount exceeds what is left' };
    else {
      transaction.refunded_amount += body.transaction_amount;
      answer = { code: 0, message: 'success', data: { refund_id: `NODE-RF-${refunds.size + 1}`, request_id: body.request_id } };
    }
    refunds.set(body.request_id, { answer, request: body });
    return reply(response, 200, answer);
  }

  async function approve(response, transactionId) { // the user paid: send the signed IPN, build the result link
    const transaction = [...transactions.values()].find((item) => item.transaction_id === transactionId);
    if (!transaction) return reply(response, 404, { error: 'no such transaction' });
    transaction.status = 'SUCCESS';
    const ipn = await hmacPost(transaction.ipn_url, o.clientId, o.secrets[0], {
      reference_transaction_id: transaction.reference_transaction_id, transaction_amount: transaction.amount,
      transaction_id: transaction.transaction_id, status: 'SUCCESS', partner_banking_method: 'WALLET' });
    return reply(response, 200, { transaction_id: transaction.transaction_id, ipn: { http_status: ipn.status, answer: ipn.json },
      result_url: resultLink(transaction.return_url, o.clientId, o.secrets[0], o.partnerCode, transaction.transaction_id) });
  }

  function placeOrder(response, target) { // envelope: the merchant's sealed redirect opens our payment page
    const params = new URL(target, base()).searchParams;
    let fields;
    try {
      fields = open('place_order', o.suite, { key: params.get('key'), data: params.get('data') }, o.partnerKey, o.merchantKey);
    } catch (error) { return reply(response, 400, { error: error.message }); }
    if (fields.access_code !== o.accessCode) return reply(response, 400, { error: 'access code mismatch' });
    counter += 1;
    const order = { ...fields, partner_trans_id: `NODE-ENV-${counter}`, status: 'PENDING' };
    envelopeOrders.set(fields.booking_number, order);
    return reply(response, 200, order);
  }

  async function commit(response, bookingNumber) { // envelope: we took the money; tell the merchant
    const order = envelopeOrders.get(bookingNumber);
    if (!order) return reply(response, 404, { error: 'no such order' });
    order.status = 'SUCCESS';
    const answer = await envelopeCall(o.merchantBaseUrl, '/api/v1/partner/commit', 'commit_request', 'commit_response',
      { access_code: o.accessCode, booking_number: order.booking_number, partner_trans_id: order.partner_trans_id,
        product_type: order.product_type }, o);
    return reply(response, 200, answer);
  }

  const server = http.createServer(async (request, response) => {
    try {
      const target = request.url;
      const path = target.split('?')[0];
      const raw = await readBody(request);
      if (request.method === 'POST' && path === '/txn') return await create(request, response, raw);
      if (request.method === 'GET' && path === '/txn/query') return query(request, response, target);
      if (request.method === 'POST' && path === '/refund') return await refund(request, response, raw);
      let match = path.match(/^\/pay\/([^/]+)$/);
      if (request.method === 'GET' && match) {
        return reply(response, 200, `<!doctype html><title>Pay</title><form method="post" action="/pay/${match[1]}/approve">`
          + '<button>Pay</button></form>', 'text/html');
      }
      match = path.match(/^\/pay\/([^/]+)\/approve$/);
      if (request.method === 'POST' && match) return await approve(response, decodeURIComponent(match[1]));
      if (request.method === 'GET' && path === '/envelope/pay') return placeOrder(response, target);
      match = path.match(/^\/envelope\/pay\/([^/]+)\/approve$/);
      if (request.method === 'POST' && match) return await commit(response, decodeURIComponent(match[1]));
      if (request.method === 'GET' && path === '/state') {
        return reply(response, 200, { transactions: [...transactions.values()], refunds: [...refunds.values()],
          envelope_orders: [...envelopeOrders.values()] });
      }
      return reply(response, 404, { code: 1, message: 'no such endpoint' });
    } catch (error) {
      return reply(response, 500, { code: 2, message: `system error: ${error.message}` });
    }
  });
  return server;
}

// ----------------------------------------------------------------------------------------------------- CLI

function parseArgs(argv) {
  const options = {};
  for (let index = 0; index < argv.length; index += 1) {
    const name = argv[index];
    if (!name.startsWith('--')) throw new Error(`unexpected argument ${name}`);
    const next = argv[index + 1];
    if (next === undefined || next.startsWith('--')) options[name.slice(2)] = true;
    else { options[name.slice(2)] = next; index += 1; }
  }
  return options;
}

function need(options, ...names) {
  const missing = names.filter((name) => !options[name]);
  if (missing.length) {
    process.stderr.write(`missing ${missing.map((name) => `--${name}`).join(', ')}\n`);
    process.exit(2);
  }
}

function envelopeOptions(options) {
  need(options, 'base-url', 'api-key', 'access-code', 'partner-key', 'merchant-key');
  return { suite: options.suite || 'modern', apiKey: options['api-key'], accessCode: options['access-code'],
    partnerKey: loadKey(fs.readFileSync(options['partner-key'], 'utf8'), 'private'),
    merchantKey: loadKey(fs.readFileSync(options['merchant-key'], 'utf8'), 'public') };
}

async function main(argv) {
  const [command, ...all] = argv;
  const positional = all[0] && !all[0].startsWith('--') ? all[0] : null;
  const rest = positional ? all.slice(1) : all;
  const o = parseArgs(rest);
  const base = (o['base-url'] || '').replace(/\/$/, '');
  switch (command) {
    case 'check-vectors': {
      const file = positional || o.file;
      if (!file) { process.stderr.write('usage: check-vectors FILE\n'); return 2; }
      const { checks, failures } = checkVectors(JSON.parse(fs.readFileSync(file, 'utf8')));
      for (const failure of failures) process.stderr.write(`MISMATCH ${failure}\n`);
      process.stdout.write(`${checks - failures.length}/${checks} vector checks passed\n`);
      return failures.length ? 1 : 0;
    }
    case 'launch': {
      need(o, 'base-url', 'client-id', 'client-secret');
      const launch = { identify_code: o['identify-code'] || 'user-42', identify_phone: o['identify-phone'] || '0912345678' };
      for (const name of ['identify-fullname', 'email', 'product', 'layout', 'locale']) if (o[name]) launch[name.replace('-', '_')] = o[name];
      const answer = await hmacPost(`${base}/api/v1/webview-url`, o['client-id'], o['client-secret'], launch);
      if (answer.json?.code !== 0) { process.stderr.write(`refused: code ${answer.json?.code}: ${answer.json?.message}\n`); return 1; }
      process.stdout.write(`${answer.json.data.url_open}\n`);
      return 0;
    }
    case 'transaction': {
      need(o, 'base-url', 'client-id', 'client-secret', 'reference');
      const url = `${base}/api/v1/transaction?reference_transaction_id=${encodeURIComponent(o.reference)}`;
      const answer = await hmacGet(url, o['client-id'], o['client-secret']);
      process.stdout.write(`${JSON.stringify(answer.json)}\n`);
      return answer.json?.code === 0 ? 0 : 1;
    }
    case 'ipn': {
      need(o, 'base-url', 'client-id', 'client-secret', 'reference', 'amount', 'transaction-id');
      const answer = await hmacPost(`${base}/api/v1/payment/ipn`, o['client-id'], o['client-secret'], {
        reference_transaction_id: o.reference, transaction_amount: Number(o.amount), transaction_id: o['transaction-id'],
        status: o.status || 'SUCCESS' });
      process.stdout.write(`${JSON.stringify(answer.json)}\n`);
      return answer.json?.code === 0 ? 0 : 1;
    }
    case 'result-link': {
      need(o, 'url-checkout-result', 'client-id', 'client-secret', 'partner-code', 'transaction-id');
      process.stdout.write(`${resultLink(o['url-checkout-result'], o['client-id'], o['client-secret'], o['partner-code'], o['transaction-id'])}\n`);
      return 0;
    }
    case 'envelope-login': {
      const e = envelopeOptions(o);
      const answer = await envelopeCall(base, '/api/v1/partner/login', 'login_request', 'login_response', {
        access_code: e.accessCode, user_id: o['user-id'] || 'user-42', layout: o.layout || 'dual', product: o.product || 'flight' }, e);
      if (answer.error_code !== '00') { process.stderr.write(`refused: error_code ${answer.error_code}\n`); return 1; }
      process.stdout.write(`${answer.redirect_url}\n`);
      return 0;
    }
    case 'envelope-query': {
      const e = envelopeOptions(o);
      need(o, 'booking-number');
      const answer = await envelopeCall(base, '/api/v1/partner/query-trans', 'query_request', 'query_response',
        { access_code: e.accessCode, booking_number: o['booking-number'] }, e);
      process.stdout.write(`${JSON.stringify(answer)}\n`);
      return answer.error_code === '00' ? 0 : 1;
    }
    case 'serve': {
      const config = { port: Number(o.port || 0), partnerCode: o['partner-code'], clientId: o['client-id'],
        secrets: [o['client-secret'], o['previous-secret']].filter(Boolean), merchantBaseUrl: base };
      if (o['access-code']) Object.assign(config, envelopeOptions(o));
      else need(o, 'client-id', 'client-secret', 'partner-code');
      const server = partnerServer(config);
      await new Promise((resolve) => server.listen(config.port, '127.0.0.1', resolve));
      config.port = server.address().port;
      process.stdout.write(`listening on http://127.0.0.1:${config.port}\n`);
      const stop = () => server.close(() => process.exit(0));
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
      return null; // keep running
    }
    default:
      process.stderr.write('usage: node partner.mjs check-vectors FILE | launch | transaction | ipn | result-link | '
        + 'envelope-login | envelope-query | serve  [--option value ...]\n');
      return 2;
  }
}

main(process.argv.slice(2)).then((code) => { if (code !== null) process.exitCode = code; }, (error) => {
  process.stderr.write(`error: ${error.message}\n`);
  process.exitCode = 1;
});
