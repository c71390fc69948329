import { describe, expect, it } from 'vitest';
import { RestError } from './errors.js';
import { api, rest } from './styles.js';

const notFound = new RestError('not_found', 'gone', 'x.not_found', ['vm-1']);

describe('the /api style', () => {
  it('answers bare JSON, 201 for creations and 204 without a result', () => {
    expect(api.ok({ value: { a: 1 } }, {})).toMatchObject({ status: 200, body: '{"a":1}' });
    expect(api.ok({ value: 'tok', created: true }, {})).toMatchObject({ status: 201, body: '"tok"' });
    expect(api.ok({}, {})).toEqual({ status: 204, headers: {}, body: '' });
  });

  it('writes errors as {error_type, messages}', () => {
    const res = api.error(notFound, {});
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toEqual({
      error_type: 'NOT_FOUND',
      messages: [{ id: 'x.not_found', default_message: 'gone', args: ['vm-1'] }],
    });
  });

  it('reads repeated filter keys, ?action= and bare specs; maps are objects', () => {
    const query = new URLSearchParams('names=a&names=b&action=start');
    expect(api.filter(query, 'names')).toEqual(['a', 'b']);
    expect(api.action(query)).toBe('start');
    expect(api.spec({ name: 'x' }, 'spec')).toEqual({ name: 'x' });
    expect(api.map([[2000, 'disk']])).toEqual({ 2000: 'disk' });
  });
});

describe('the /rest style', () => {
  it('wraps results in {value} and answers 200 throughout', () => {
    expect(rest.ok({ value: [1] }, {})).toMatchObject({ status: 200, body: '{"value":[1]}' });
    expect(rest.ok({ value: 'tok', created: true }, {})).toMatchObject({
      status: 200,
      body: '{"value":"tok"}',
    });
    expect(rest.ok({}, {})).toEqual({ status: 200, headers: {}, body: '' });
  });

  it('writes errors as {type, value: {messages}}', () => {
    const res = rest.error(notFound, {});
    expect(res.status).toBe(404);
    const body = JSON.parse(res.body);
    expect(body.type).toBe('com.vmware.vapi.std.errors.not_found');
    expect(body.value.messages).toEqual([{ id: 'x.not_found', default_message: 'gone', args: ['vm-1'] }]);
  });

  it('reads filter.x and filter.x.N, ?~action= and wrapped specs; maps are key/value lists', () => {
    const query = new URLSearchParams('filter.names=a&filter.names.1=b&filter.namesx=c&~action=get');
    expect(rest.filter(query, 'names')).toEqual(['a', 'b']);
    expect(rest.action(query)).toBe('get');
    expect(rest.spec({ create_spec: { name: 'x' } }, 'create_spec')).toEqual({ name: 'x' });
    expect(() => rest.spec({ name: 'x' }, 'spec')).toThrow(RestError);
    expect(rest.map([[2000, 'disk']])).toEqual([{ key: '2000', value: 'disk' }]);
  });
});
