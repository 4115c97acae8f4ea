// The route table: exact paths by map, :params by pattern, 404 for unknown paths, 405 with Allow for other methods.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { router } from '../../dist/http/router.js';

const seen = [];
const route = (method, path) => ({ method, path, handler: (ctx, params) => void seen.push({ route: `${method} ${path}`, params, state: ctx.state.route }) });
const dispatch = router([
  route('GET', '/api/info'),
  route('GET', '/api/search'),
  route('POST', '/api/search'),
  route('POST', '/api/resume/:executionId'),
  route('GET', '/api/oauth/:group'),
  route('DELETE', '/api/oauth/:group'),
]);
const call = async (method, path) => {
  seen.length = 0;
  await dispatch({ method, path, state: {} }, async () => {});
  return seen[0];
};

test('an exact path finds its route, with or without a trailing slash, and HEAD is served by GET', async () => {
  assert.deepEqual(await call('GET', '/api/info'), { route: 'GET /api/info', params: {}, state: '/api/info' });
  assert.equal((await call('GET', '/api/info/')).route, 'GET /api/info');
  assert.equal((await call('HEAD', '/api/info')).route, 'GET /api/info');
  assert.equal((await call('POST', '/api/search')).route, 'POST /api/search');
  assert.equal((await call('GET', '/api/search')).route, 'GET /api/search');
});

test('a :param path gets its decoded segment and the template as the route', async () => {
  assert.deepEqual(await call('POST', '/api/resume/exe_a%20b'), { route: 'POST /api/resume/:executionId', params: { executionId: 'exe_a b' }, state: '/api/resume/:executionId' });
  assert.deepEqual((await call('DELETE', '/api/oauth/github/')).params, { group: 'github' });
});

test('unknown paths are 404; known paths with another method are 405 naming the allowed ones', async () => {
  for (const path of ['/api/nothing', '/api/info/more', '/api/resume/a/b', '/api/Info']) {
    await assert.rejects(call('GET', path), (error) => error.status === 404 && error.message === `not found: GET ${path}`);
  }
  await assert.rejects(call('POST', '/api/info'), (error) => error.status === 405 && error.headers.Allow === 'GET' && /POST is not allowed on \/api\/info; use GET/.test(error.message));
  await assert.rejects(call('DELETE', '/api/search'), (error) => error.status === 405 && error.headers.Allow === 'GET, POST');
  await assert.rejects(call('GET', '/api/resume/exe_1'), (error) => error.status === 405 && error.headers.Allow === 'POST');
  await assert.rejects(call('POST', '/api/oauth/github'), (error) => error.status === 405 && error.headers.Allow === 'GET, DELETE');
});
