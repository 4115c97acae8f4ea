// The Store contract, run against every backend: memory always, Redis and Postgres when installed (always in CI).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, StoreError, claimFor } from '../../dist/store/index.js';
import Keyv from 'keyv';
import { startRedis, startPostgres, freePort } from '../e2e/serve-harness.js';
import { serviceMissing } from '../services.js';

async function until(predicate, what, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

function contract(name, setup) {
  describe(`${name} store`, () => {
    let server;
    let url;
    before(async (t) => {
      server = await setup();
      url = server?.url;
    });
    after(async () => server?.stop?.());

    test('keeps JSON values, copies them, and deletes them', async (t) => {
      if (!url) return serviceMissing(t, name);
      const store = await openStore(url, { namespace: `t${Date.now()}` });
      try {
        const value = { list: [1, 'two', { three: true }], nested: { n: null } };
        await store.set('k', value);
        value.list.push('mutated after set');
        assert.deepEqual(await store.get('k'), { list: [1, 'two', { three: true }], nested: { n: null } });
        assert.equal(await store.get('missing'), undefined);
        assert.equal(await store.delete('k'), true);
        assert.equal(await store.delete('k'), false);
        assert.equal(await store.get('k'), undefined);
      } finally {
        await store.close();
      }
    });

    test('expires entries after their TTL', async (t) => {
      if (!url) return serviceMissing(t, name);
      const store = await openStore(url, { namespace: `t${Date.now()}` });
      try {
        await store.set('short', 'v', 50);
        await store.set('long', 'v', 60_000);
        assert.equal(await store.get('short'), 'v');
        await until(async () => (await store.get('short')) === undefined, 'the short entry to expire');
        assert.equal(await store.get('long'), 'v');
      } finally {
        await store.close();
      }
    });

    test('claim succeeds exactly once among concurrent callers, and again after expiry', async (t) => {
      if (!url) return serviceMissing(t, name);
      const a = await openStore(url, { namespace: 'claims' });
      const b = await openStore(url, { namespace: 'claims' });
      try {
        const key = `pause-${Date.now()}`;
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).claim(key, { by: i }, 1000)));
        assert.equal(results.filter(Boolean).length, 1);
        const winner = results.indexOf(true);
        assert.deepEqual(await a.get(key), { by: winner });
        await until(async () => (await a.get(key)) === undefined, 'the claim to expire');
        assert.equal(await b.claim(key, 'again', 1000), true);
        assert.equal(await a.get(key), 'again');
      } finally {
        await a.close();
        await b.close();
      }
    });

    test('store.keyv reads and writes the same keys, inside the namespace', async (t) => {
      if (!url) return serviceMissing(t, name);
      const a = await openStore(url, { namespace: 'view-a' });
      const b = await openStore(url, { namespace: 'view-b' });
      try {
        await a.set('shared-key', { from: 'store' });
        assert.deepEqual(await a.keyv.get('shared-key'), { from: 'store' });
        await a.keyv.set('other', 42, 60_000);
        assert.equal(await a.get('other'), 42);
        assert.equal(await b.keyv.get('shared-key'), undefined);
        assert.equal(await a.keyv.has('other'), true);
        assert.equal(await a.keyv.delete('other'), true);
        assert.equal(await a.get('other'), undefined);
      } finally {
        await a.close();
        await b.close();
      }
    });

    test('claimFor gives the atomic claim to holders of the store\'s Keyv only', async (t) => {
      if (!url) return serviceMissing(t, name);
      const a = await openStore(url, { namespace: 'claim-for' });
      const b = await openStore(url, { namespace: 'claim-for' });
      try {
        const key = `k-${Date.now()}`;
        const results = await Promise.all([claimFor(a.keyv)(key, 'a', 5000), claimFor(b.keyv)(key, 'b', 5000)]);
        assert.deepEqual(results.sort(), [false, true]);
        assert.equal(claimFor(new Keyv()), undefined);
      } finally {
        await a.close();
        await b.close();
      }
    });

    test('namespaces keep keys apart', async (t) => {
      if (!url) return serviceMissing(t, name);
      const state = await openStore(url, { namespace: 'ns-state' });
      const cache = await openStore(url, { namespace: 'ns-cache' });
      try {
        await state.set('same', 'state');
        await cache.set('same', 'cache');
        assert.equal(await state.get('same'), 'state');
        assert.equal(await cache.get('same'), 'cache');
        await cache.close();
        // closing one store on a URL leaves the other on the same connection working
        assert.equal(await state.get('same'), 'state');
      } finally {
        await state.close();
      }
    });
  });
}

contract('memory', async () => ({ url: 'memory://' }));
contract('redis', startRedis);
contract('postgres', startPostgres);

test('an unreachable Redis fails with a message naming the URL, without the password', async () => {
  const port = await freePort();
  await assert.rejects(openStore(`redis://user:hunter2@127.0.0.1:${port}`, { namespace: 'x' }), (error) => {
    assert.ok(error instanceof StoreError);
    assert.match(error.message, new RegExp(`cannot reach Redis at redis://user:\\*\\*\\*@127\\.0\\.0\\.1:${port}`));
    assert.doesNotMatch(error.message, /hunter2/);
    return true;
  });
});

test('a Redis that goes away fails reads and writes with StoreError, through the Store and its Keyv', async (t) => {
  const redis = await startRedis();
  if (!redis) return serviceMissing(t, 'redis-server');
  const store = await openStore(redis.url, { namespace: 'gone' });
  try {
    await store.set('k', 1);
    await redis.stop();
    await assert.rejects(store.get('k'), (error) => error instanceof StoreError && /redis store at redis:\/\/127\.0\.0\.1:\d+ failed to read k/.test(error.message));
    await assert.rejects(store.keyv.set('k', 2), (error) => error instanceof StoreError && /failed to write k/.test(error.message));
  } finally {
    await store.close().catch(() => undefined);
  }
});

test('a Postgres that goes away fails with StoreError instead of crashing the process', async (t) => {
  const postgres = await startPostgres();
  if (!postgres) return serviceMissing(t, 'Postgres');
  const store = await openStore(postgres.url, { namespace: 'gone' });
  try {
    await store.set('k', 1);
    assert.equal(await store.get('k'), 1);
    await postgres.stop();
    await assert.rejects(store.get('k'), (error) => error instanceof StoreError && /postgres store at postgres:\/\/atp@127\.0\.0\.1:\d+\/postgres failed to read k/.test(error.message));
    await assert.rejects(store.claim('c', 1, 1000), StoreError);
  } finally {
    await store.close().catch(() => undefined);
  }
});

test('sqlite and unknown schemes are refused with what to use instead', async () => {
  await assert.rejects(openStore('sqlite:///tmp/x.db', { namespace: 'x' }), /unsupported store URL sqlite:\/\/\/tmp\/x.db; use memory:\/\/, redis:\/\/, rediss:\/\/ or postgres:\/\//);
  await assert.rejects(openStore('mongodb://h/db', { namespace: 'x' }), /unsupported store URL mongodb:\/\/h\/db/);
});
