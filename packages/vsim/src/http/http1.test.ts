/**
 * The HTTP/1.1 server side, byte by byte: what clients other than undici may send
 * (pipelining, HTTP/1.0, chunked bodies with extensions and trailers, split writes) and
 * the malformed requests it refuses with node:http's statuses.
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type NodeServer, serveNode } from './node-http.js';
import type { Handler } from './types.js';

const servers: NodeServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** Answers of `/held` requests, waiting for the test to let them go. */
const held: (() => void)[] = [];

/**
 * Echoes method, path and body; `/slow` answers on a later turn, so order is tested, and
 * `/held` when the test calls `release`.
 */
const echo: Handler = (req) => {
  const response = {
    status: 200,
    headers: { 'content-type': 'text/plain' },
    body: `${req.method} ${req.path}?${req.query} ${Buffer.from(req.body).toString('utf8')}`,
  };
  if (req.path === '/held') return new Promise((resolve) => held.push(() => resolve(response)));
  return req.path === '/slow' ? new Promise((resolve) => setImmediate(() => resolve(response))) : response;
};

/** Lets every held answer go after `turns` turns of the event loop (no timers). */
const release = async (turns: number) => {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
  for (const go of held.splice(0)) go();
};

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Reads `count` answers (bodies framed by content-length) from what the server sent. */
const parseAnswers = (text: string, count: number): Answer[] | undefined => {
  const answers: Answer[] = [];
  let at = 0;
  while (answers.length < count) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end === -1) return undefined;
    const [statusLine = '', ...lines] = text.slice(at, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    if (text.length < end + 4 + length) return undefined;
    answers.push({
      status: Number(statusLine.split(' ')[1]),
      headers,
      body: text.slice(end + 4, end + 4 + length),
    });
    at = end + 4 + length;
  }
  return answers;
};

/**
 * Sends `writes` one after the other on one connection and answers the first `count`
 * answers that came back. With `closes`, it waits for the server to close the connection
 * too (a server that keeps it open fails the test by its timeout).
 */
const exchange = async (
  writes: readonly string[],
  count: number,
  options: { maxBodyBytes?: number; closes?: boolean; halfClose?: boolean } = {},
): Promise<Answer[]> => {
  const server = await serveNode(echo, options);
  servers.push(server);
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    socket.setNoDelay(true); // each write its own segment, so the server sees the splits
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const answers = parseAnswers(text, count);
      if (answers !== undefined && !options.closes) {
        socket.destroy();
        resolve(answers);
      }
    });
    socket.on('end', () => {
      const answers = parseAnswers(text, count);
      if (answers !== undefined && options.closes) resolve(answers);
      else reject(new Error(`connection closed after: ${JSON.stringify(text)}`));
    });
    socket.on('error', reject);
    socket.on('connect', async () => {
      // Half-closing sends the last bytes and the FIN together, so the server reads both
      // before a deferred answer is ready.
      if (options.halfClose) {
        socket.end(writes.join(''), 'latin1');
        return;
      }
      for (const write of writes) {
        await new Promise<void>((done) => socket.write(write, 'latin1', () => done()));
      }
    });
  });
};

const post = (path: string, body: string, extra = '') =>
  `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-length: ${body.length}\r\n${extra}\r\n${body}`;

describe('HTTP/1.1 connections', () => {
  it('answers pipelined requests in order, even when the first answers later', async () => {
    const answers = await exchange(
      [`${post('/slow', 'one')}${post('/fast', 'two')}GET /q?a=1 HTTP/1.1\r\n\r\n`],
      3,
    );
    expect(answers.map((a) => a.body)).toEqual(['POST /slow? one', 'POST /fast? two', 'GET /q?a=1 ']);
    expect(answers[0]?.headers).toMatchObject({ connection: 'keep-alive', 'keep-alive': 'timeout=5' });
    expect(answers[0]?.headers.date).toMatch(/ GMT$/);
  });

  it('reads a request whose head and body arrive a few bytes at a time, after empty lines', async () => {
    const request = `\r\n\r\n${post('/split', 'hello world')}`;
    const [answer] = await exchange(request.match(/[\s\S]{1,3}/g) ?? [], 1);
    expect(answer?.body).toBe('POST /split? hello world');
  });

  it('reads a chunked body with extensions and trailers, split anywhere', async () => {
    const request =
      'POST /chunked HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n' +
      '5;name=value\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nx-trailer: 1\r\n\r\n';
    for (const size of [1, 7, request.length]) {
      const [answer] = await exchange(request.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g')) ?? [], 1);
      expect(answer?.body).toBe('POST /chunked? hello 0123456789');
    }
  });

  it('closes after answering HTTP/1.0, unless it asked for keep-alive', async () => {
    const [plain] = await exchange(['GET /a HTTP/1.0\r\n\r\n'], 1, { closes: true });
    expect(plain?.headers.connection).toBe('close');
    const kept = await exchange(
      ['GET /a HTTP/1.0\r\nconnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\n\r\n'],
      2,
      {
        closes: true,
      },
    );
    expect(kept.map((a) => [a.headers.connection, a.body])).toEqual([
      ['keep-alive', 'GET /a? '],
      ['close', 'GET /b? '],
    ]);
  });

  it('closes after answering a request that says connection: close, and answers nothing after it', async () => {
    const [answer] = await exchange(
      ['GET /a HTTP/1.1\r\nconnection: close\r\n\r\nGET /b HTTP/1.1\r\n\r\n'],
      1,
      {
        closes: true,
      },
    );
    expect(answer?.body).toBe('GET /a? ');
  });

  it('answers a client that closed its side after sending, then closes', async () => {
    // The first answer is held until long after the server has read the client's FIN.
    const exchanged = exchange([`${post('/held', 'one')}${post('/fast', 'two')}`], 2, {
      halfClose: true,
      closes: true,
    });
    await release(50);
    const answers = await exchanged;
    expect(answers.map((a) => a.body)).toEqual(['POST /held? one', 'POST /fast? two']);
  });

  it('accepts a repeated content-length whose copies agree', async () => {
    const [answer] = await exchange(
      ['POST /a HTTP/1.1\r\ncontent-length: 2\r\ncontent-length: 2\r\n\r\nok'],
      1,
    );
    expect(answer?.body).toBe('POST /a? ok');
  });

  it.each([
    ['a malformed request line', 'GET /a\r\n\r\n', 400, 'malformed request line'],
    ['a request line with extra parts', 'GET /a b HTTP/1.1\r\n\r\n', 400, 'malformed request line'],
    ['another HTTP version', 'GET /a HTTP/2.0\r\n\r\n', 505, "unsupported version 'HTTP/2.0'"],
    [
      'a header line without a colon',
      'GET /a HTTP/1.1\r\nnot a header\r\n\r\n',
      400,
      'malformed header line',
    ],
    [
      'a header name with a space',
      'GET /a HTTP/1.1\r\nbad name: x\r\n\r\n',
      400,
      "invalid header name 'bad name'",
    ],
    [
      'a control character in a value',
      'GET /a HTTP/1.1\r\nx: a\u0001b\r\n\r\n',
      400,
      "invalid character in header 'x'",
    ],
    [
      'content-length beside transfer-encoding',
      'POST /a HTTP/1.1\r\ncontent-length: 1\r\ntransfer-encoding: chunked\r\n\r\n',
      400,
      'both content-length and transfer-encoding',
    ],
    [
      'a transfer-encoding other than chunked',
      'POST /a HTTP/1.1\r\ntransfer-encoding: gzip\r\n\r\n',
      501,
      "unsupported transfer-encoding 'gzip'",
    ],
    [
      'a content-length that is not a number',
      'POST /a HTTP/1.1\r\ncontent-length: 1x\r\n\r\n',
      400,
      "invalid content-length '1x'",
    ],
    [
      'copies of content-length that disagree',
      'POST /a HTTP/1.1\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n',
      400,
      "invalid content-length '1, 2'",
    ],
    [
      'an expectation other than 100-continue',
      'GET /a HTTP/1.1\r\nexpect: magic\r\n\r\n',
      417,
      "cannot meet the expectation 'magic'",
    ],
    [
      'a malformed chunk size',
      'POST /a HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n',
      400,
      'malformed chunk size',
    ],
    [
      'chunk data longer than its size',
      'POST /a HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n1\r\nab\r\n',
      400,
      'malformed chunk',
    ],
    ['a head over 16 KiB', `GET /a HTTP/1.1\r\nx: ${'a'.repeat(17 * 1024)}`, 431, 'request head too large'],
  ])('refuses %s and closes the connection', async (_, request, status, error) => {
    const [answer] = await exchange([request], 1, { closes: true });
    expect(answer?.status).toBe(status);
    expect(JSON.parse(answer?.body ?? '')).toEqual({ error });
  });

  it('refuses a chunked body past the limit as soon as a chunk size says so', async () => {
    const [answer] = await exchange(['POST /a HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n', '10\r\n'], 1, {
      maxBodyBytes: 15,
      closes: true,
    });
    expect(answer?.status).toBe(413);
  });
});
