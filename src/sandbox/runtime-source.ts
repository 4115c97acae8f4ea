// The part of the atp.* runtime that lives inside each isolate. tsc compiles it; its source text is evaluated
// in every fresh isolate, so it must stay self-contained: no imports, no references outside its own body.
// It is a thin, deterministic marshaller: every decision about what a call may do is made on the host.
// It captures the intrinsics it uses before user code runs, so a program that patches prototypes only breaks itself.

/* eslint-disable */
export interface SandboxRuntimeOptions {
  /** Server calls (api, cache) in flight at once; further calls wait inside the sandbox. */
  maxInFlight: number;
  /** Client callbacks (llm, approval, embedding, client tools) pending at once. */
  maxPendingCallbacks: number;
  maxTimers: number;
  maxLogChars: number;
  /** Clock readings journaled for replay; beyond this the execution can only resume in place. */
  maxClockReadings: number;
}

export interface SandboxSetup {
  clientTools: { namespace: string; name: string }[];
  seed: number[];
  /** Clock readings to serve, in order, while replaying; null when running live. */
  replayClock: number[] | null;
  maxLogEntries: number;
  maxResultChars: number;
}

export function atpSandboxRuntime(apiTree: string[], options: SandboxRuntimeOptions): any {
  'use strict';
  // The host's callback: set as a global by the host after this bootstrap ran, taken (and the global deleted)
  // when the program starts, before any of its code runs.
  let postToHost: (...args: any[]) => void;
  /** Everything posted to the host, counted: the host knows from a snapshot when all of it has arrived. */
  let posted = 0;
  /**
   * In a turn the host runs on its own thread and waits for, posts are kept here and the host takes them all
   * in one copy when the turn ends (postedOrSnapshot): no call back into the host's isolate per post.
   * Otherwise each post reaches the host's event loop on its own. What a post carries is data made by this
   * runtime (the arguments of a call are already JSON text), so keeping it until the turn ends is safe. The
   * store has no prototype: a setter agent code puts on Array.prototype cannot see or drop a post.
   */
  let recording = false;
  let recorded: any = Object.create(null);
  let recordedCount = 0;
  function post(type: string, a?: any, b?: any, c?: any, d?: any): void {
    if (recording) {
      // trailing undefined values are left out: they read as undefined on the host, not as JSON's null
      recorded[recordedCount++] = d !== undefined ? [type, a, b, c, d] : c !== undefined ? [type, a, b, c] : b !== undefined ? [type, a, b] : a !== undefined ? [type, a] : [type];
    } else {
      postToHost(type, a, b, c, d);
    }
    posted++;
  }
  const g: any = globalThis;
  const R = Reflect;
  const apply = R.apply;
  const defineProperty = R.defineProperty;
  const getPrototypeOf = R.getPrototypeOf;
  const getOwnPropertyDescriptor = R.getOwnPropertyDescriptor;
  const ObjectCreate = Object.create;
  const ObjectKeys = Object.keys;
  const ObjectFreeze = Object.freeze;
  const isArray = Array.isArray;
  const ObjectProto = Object.prototype;
  const ArrayProto = Array.prototype;
  const jsonParse = JSON.parse;
  const jsonStringify = JSON.stringify;
  const PromiseCtor = Promise;
  const promiseThen = Promise.prototype.then;
  const promiseResolve = Promise.resolve.bind(Promise);
  const promiseReject = Promise.reject.bind(Promise);
  const NativeDate = Date;
  const DateProto = Date.prototype;
  const dateNow = Date.now;
  const dateToString = Date.prototype.toString;
  const ErrorCtor = Error;
  const TypeErrorCtor = TypeError;
  const RangeErrorCtor = RangeError;
  const ReferenceErrorCtor = ReferenceError;
  const SyntaxErrorCtor = SyntaxError;
  const captureStackTrace = (Error as any).captureStackTrace;
  const StringCtor = String;
  const NumberCtor = Number;
  const isFinite = Number.isFinite;
  const stringSlice = String.prototype.slice;
  const stringIndexOf = String.prototype.indexOf;
  const MathImul = Math.imul;
  const MathSqrt = Math.sqrt;
  const MathMin = Math.min;
  const MathMax = Math.max;
  const WeakSetCtor = WeakSet;
  const weakSetAdd = WeakSet.prototype.add;
  const weakSetHas = WeakSet.prototype.has;

  const toolErrors = new WeakSetCtor();
  const callbackErrors = new WeakSetCtor();

  // Capabilities agent code never needs, and sources of nondeterminism that would break replay.
  for (const name of ['SharedArrayBuffer', 'Atomics', 'WebAssembly', 'WeakRef', 'FinalizationRegistry']) delete g[name];

  const slice = (s: string, a: number, b?: number): string => apply(stringSlice, s, b === undefined ? [a] : [a, b]);
  const truncate = (s: string, max: number): string => (s.length > max ? slice(s, 0, max) + '…' : s);
  const safeString = (value: unknown): string => {
    try {
      return StringCtor(value);
    } catch {
      return '[value that cannot be shown as text]';
    }
  };

  // ---- clock and randomness: journaled so another instance can replay the same program --------------------
  let live = true;
  let replayClock: number[] | null = null;
  let replayIndex = 0;
  let clockLog: any = ObjectCreate(null);
  let clockLogCount = 0;
  let clockTotal = 0;
  let clockOverflow = false;
  let diverged = false;

  function diverge(message: string): void {
    if (diverged) return;
    diverged = true;
    post('diverged', message);
  }

  function now(): number {
    if (replayClock !== null && replayIndex < replayClock.length) return replayClock[replayIndex++];
    if (!live) diverge('the code read the clock more often than when it first ran');
    const t: number = apply(dateNow, NativeDate, []);
    if (clockTotal < options.maxClockReadings) {
      clockLog[clockLogCount++] = t;
      clockTotal++;
    } else clockOverflow = true;
    return t;
  }

  function DateShim(this: any, ...args: any[]): any {
    if (new.target === undefined) return apply(dateToString, new NativeDate(now()), []);
    return R.construct(NativeDate, args.length === 0 ? [now()] : args, new.target);
  }
  defineProperty(DateShim, 'prototype', { value: DateProto, writable: false });
  defineProperty(DateShim, 'now', { value: function now_() { return now(); }, writable: true, configurable: true });
  defineProperty(DateShim, 'parse', { value: NativeDate.parse, writable: true, configurable: true });
  defineProperty(DateShim, 'UTC', { value: NativeDate.UTC, writable: true, configurable: true });
  defineProperty(DateShim, 'name', { value: 'Date' });
  defineProperty(DateProto, 'constructor', { value: DateShim, writable: true, configurable: true });
  defineProperty(g, 'Date', { value: DateShim, writable: true, configurable: true });

  // xoshiro128** seeded by the host: Math.random replays identically from the journaled seed.
  let s0 = 1, s1 = 2, s2 = 3, s3 = 4;
  const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));
  function next32(): number {
    const result = MathImul(rotl(MathImul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11);
    return result;
  }
  defineProperty(Math, 'random', {
    value: function random() { return ((next32() >>> 5) * 67108864 + (next32() >>> 6)) / 9007199254740992; },
    writable: true, configurable: true,
  });

  // ---- copying values out: plain JSON only -----------------------------------------------------------------
  /** `stack[0 .. depth - 1]`: the objects that contain value (no prototype, so no setter of agent code runs). */
  function jsonProblem(value: unknown, where: string, stack: any, depth: number): string | null {
    switch (typeof value) {
      case 'string': case 'boolean': case 'number': case 'undefined': return null;
      case 'bigint': return `${where} is a BigInt; convert it to a string or number`;
      case 'symbol': return `${where} is a Symbol`;
      case 'function': return `${where} is a function; only plain data can be sent`;
    }
    if (value === null) return null;
    if (depth > 200) return `${where} is nested more than 200 levels deep`;
    for (let i = 0; i < depth; i++) if (stack[i] === value) return `${where} refers back to itself (a cycle); JSON cannot express cycles`;
    const proto = getPrototypeOf(value as object);
    const array = isArray(value);
    if (proto === DateProto) return null;
    if (array ? proto !== ArrayProto : proto !== ObjectProto && proto !== null) {
      const tag = safeString(apply(ObjectProto.toString, value, []));
      return `${where} is ${tag === '[object Object]' ? 'a class instance' : 'a ' + slice(tag, 8, tag.length - 1)}, not plain data; convert it to a plain object or array`;
    }
    stack[depth] = value;
    const keys = ObjectKeys(value as object);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (key === '__proto__') return `${where} has a "__proto__" key; rename it`;
      const descriptor = getOwnPropertyDescriptor(value as object, key);
      const at = array ? `${where}[${key}]` : `${where}.${key}`;
      if (!descriptor) continue;
      if (!('value' in descriptor)) return `${at} is a getter or setter; pass plain data`;
      const problem = jsonProblem(descriptor.value, at, stack, depth + 1);
      if (problem !== null) return problem;
    }
    return null;
  }

  // ---- host calls -----------------------------------------------------------------------------------------
  const OK = 0, ERR = 1, TIMER = 2, OK_UNDEFINED = 3;
  let nextId = 0;
  let issued = 0;
  let inFlight = 0;
  let pendingCallbacks = 0;
  const pending: any = ObjectCreate(null);
  const waiting: any = ObjectCreate(null);
  let waitHead = 0, waitTail = 0;

  /** `json`: the arguments as JSON text, made when the call was made (a later change to them is not sent). */
  function send(id: number, op: string, name: string, json: string): void {
    post('call', id, op, name, json);
    issued++;
  }

  function pump(): void {
    while (waitHead < waitTail && inFlight < options.maxInFlight) {
      const id = waiting[waitHead];
      delete waiting[waitHead++];
      const entry = pending[id];
      if (!entry) continue;
      inFlight++;
      send(id, entry.op, entry.name, entry.json);
      entry.json = undefined;
    }
  }

  /** Starts one host call; `throttled` calls are server work, the others wait for the client. */
  function hostCall(op: string, name: string, label: string, args: unknown, throttled: boolean, transform?: (v: any) => any): Promise<any> {
    const problem = jsonProblem(args, 'the argument', ObjectCreate(null), 0);
    if (problem !== null) return promiseReject(new TypeErrorCtor(`${label}: ${problem}`));
    // a Proxy passes jsonProblem with the answers of its traps; they run here, in the sandbox, and what the host
    // gets is the JSON text they made
    let json: string;
    try {
      json = args === undefined ? 'undefined' : jsonStringify(args);
    } catch (error) {
      return promiseReject(new TypeErrorCtor(`${label}: the argument could not be turned into JSON (${safeString((error as any)?.message)}); pass plain JSON data`));
    }
    if (!throttled && pendingCallbacks >= options.maxPendingCallbacks) {
      return promiseReject(new RangeErrorCtor(`${label}: more than ${options.maxPendingCallbacks} client callbacks pending at once`));
    }
    return new PromiseCtor((resolve: any, reject: any) => {
      const id = ++nextId;
      const site: any = {};
      captureStackTrace(site);
      const entry: any = { op, name, label, site, resolve, reject, transform, json: undefined, settled: undefined };
      pending[id] = entry;
      if (throttled) {
        entry.settled = () => { inFlight--; pump(); };
        if (inFlight < options.maxInFlight) {
          inFlight++;
          send(id, op, name, json);
        } else {
          entry.json = json;
          waiting[waitTail++] = id;
        }
      } else {
        pendingCallbacks++;
        entry.settled = () => { pendingCallbacks--; };
        send(id, op, name, json);
      }
    });
  }

  function errorFrom(payload: any, entry: any): any {
    const info = payload && typeof payload === 'object' ? payload : { message: safeString(payload) };
    const error: any = new ErrorCtor(typeof info.message === 'string' ? info.message : 'the call failed');
    if (typeof info.status === 'number') error.status = info.status;
    if (typeof info.code === 'string') error.code = info.code;
    if (typeof info.retryable === 'boolean') error.retryable = info.retryable;
    if (typeof info.authorizationUrl === 'string') error.authorizationUrl = info.authorizationUrl;
    apply(weakSetAdd, info.callback ? callbackErrors : toolErrors, [error]);
    try {
      const frames = safeString(entry.site.stack);
      const cut = apply(stringIndexOf, frames, ['\n']);
      error.stack = `Error: ${error.message}${cut >= 0 ? slice(frames, cut) : ''}`;
    } catch {}
    return error;
  }

  // ---- timers: arming and firing go through the host, so replay delivers them in the same order -----------
  const timers: any = ObjectCreate(null);
  let timerCount = 0;
  function addTimer(fn: unknown, delay: unknown, args: any[], repeat: boolean): number {
    if (typeof fn !== 'function') throw new TypeErrorCtor('the callback must be a function');
    if (timerCount >= options.maxTimers) throw new RangeErrorCtor(`more than ${options.maxTimers} timers pending at once`);
    const ms = MathMin(MathMax(NumberCtor(delay) || 0, repeat ? 1 : 0), 2147483647);
    const id = ++nextId;
    timers[id] = { fn, args, repeat };
    timerCount++;
    post('call', id, 'timer', '', `{"delay":${ms},"repeat":${repeat ? 'true' : 'false'}}`);
    issued++;
    return id;
  }
  function clearTimer(id: unknown): void {
    if (typeof id !== 'number' || !timers[id]) return;
    delete timers[id];
    timerCount--;
    post('clear', id);
  }
  function fireTimer(id: number): void {
    const timer = timers[id];
    if (!timer) return;
    if (!timer.repeat) {
      delete timers[id];
      timerCount--;
    }
    try {
      apply(timer.fn, undefined, timer.args);
    } catch (error) {
      finish(false, error);
    }
  }
  const timerGlobals: any = {
    setTimeout: (fn: unknown, delay?: unknown, ...args: any[]) => addTimer(fn, delay, args, false),
    setInterval: (fn: unknown, delay?: unknown, ...args: any[]) => addTimer(fn, delay, args, true),
    clearTimeout: clearTimer,
    clearInterval: clearTimer,
    queueMicrotask: (fn: unknown) => {
      if (typeof fn !== 'function') throw new TypeErrorCtor('the callback must be a function');
      apply(promiseThen, promiseResolve(), [fn]);
    },
  };
  for (const key of ObjectKeys(timerGlobals)) defineProperty(g, key, { value: timerGlobals[key], writable: true, configurable: true });

  // ---- logs and progress: bounded inside the sandbox and again on the host --------------------------------
  let maxLogEntries = 1000;
  let logCount = 0;
  let logLimitNoticed = false;
  function format(value: unknown): string {
    if (typeof value === 'string') return value;
    if (value instanceof ErrorCtor) {
      try { return safeString((value as any).stack || value); } catch { return safeString(value); }
    }
    if (typeof value === 'object' && value !== null) {
      try {
        const text = jsonStringify(value);
        if (typeof text === 'string') return text;
      } catch {}
    }
    return safeString(value);
  }
  function emitLog(level: string, parts: any[], data?: unknown, hasData?: boolean): void {
    if (logCount >= maxLogEntries) {
      if (!logLimitNoticed && live) post('logLimit');
      logLimitNoticed = true;
      return;
    }
    logCount++;
    if (!live) return;
    let message = '';
    for (let i = 0; i < parts.length; i++) message += (i ? ' ' : '') + format(parts[i]);
    let dataText: string | undefined;
    if (hasData && data !== undefined) {
      try { dataText = jsonStringify(data); } catch { dataText = jsonStringify(format(data)); }
      if (typeof dataText === 'string') dataText = truncate(dataText, options.maxLogChars);
    }
    post('log', level, truncate(message, options.maxLogChars), dataText);
  }
  const makeConsole = (level: string) => function (...parts: any[]) { emitLog(level, parts); };
  const consoleObject: any = {
    log: makeConsole('info'), info: makeConsole('info'), debug: makeConsole('debug'), trace: makeConsole('debug'),
    warn: makeConsole('warn'), error: makeConsole('error'), dir: makeConsole('info'),
  };
  defineProperty(g, 'console', { value: consoleObject, writable: true, configurable: true });
  const logFor = (level: string) => function (message: unknown, data?: unknown) { emitLog(level, [message], data, arguments.length > 1); };
  function reportProgress(first: unknown, second?: unknown): void {
    if (logCount >= maxLogEntries) return;
    logCount++;
    if (!live) return;
    let event: any;
    if (first !== null && typeof first === 'object') {
      const o: any = first;
      const current = typeof o.current === 'number' && isFinite(o.current) ? o.current : undefined;
      const total = typeof o.total === 'number' && isFinite(o.total) ? o.total : undefined;
      event = { message: truncate(o.message === undefined ? '' : safeString(o.message), options.maxLogChars), current, total,
        fraction: current !== undefined && total ? MathMin(1, MathMax(0, current / total)) : undefined };
    } else {
      const fraction = NumberCtor(second);
      event = { message: truncate(first === undefined ? '' : safeString(first), options.maxLogChars), fraction: isFinite(fraction) ? MathMin(1, MathMax(0, fraction)) : undefined };
    }
    post('progress', event);
  }

  // ---- api and atp ----------------------------------------------------------------------------------------
  // api.* is made as the code reaches into it: the host hands the tree over as one JSON array per namespace
  // (api-tree.ts), and a namespace's functions and sub-namespaces are made when it is first read. Making
  // all of them up front cost every isolate about 8 ms for GitHub's 1,223 operations.
  const ownValue = (target: any, key: string, value: unknown): void => {
    defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  };
  function lazy(target: any, key: string, make: () => any): void {
    defineProperty(target, key, {
      configurable: true,
      enumerable: true,
      get() {
        const value = make();
        ownValue(target, key, value);
        return value;
      },
      set(value: unknown) { ownValue(target, key, value); },
    });
  }
  function apiFunction(op: string, name: string, label: string, shortName: string): any {
    const fn = function (input?: unknown) { return hostCall(op, name, label, input, op === 'api'); };
    defineProperty(fn, 'name', { value: shortName });
    return fn;
  }
  /** Gives `target` the entries of namespace `index`: a name is a function; [name, namespace, 1] a function with members too. */
  function branch(target: any, index: number, prefix: string): any {
    const entries: any[] = jsonParse(apiTree[index]);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      if (typeof entry === 'string') {
        const id = prefix + entry;
        lazy(target, entry, () => apiFunction('api', id, `api.${id}`, entry));
        continue;
      }
      const key: string = entry[0];
      const child: number = entry[1];
      const callable = entry.length > 2;
      const id = prefix + key;
      lazy(target, key, () => branch(callable ? apiFunction('api', id, `api.${id}`, key) : {}, child, id + '.'));
    }
    return target;
  }
  const api: any = apiTree.length > 0 ? branch({}, 0, '') : {};
  /** A client tool at api.<namespace>.<name>, unless the catalog has a function there. */
  function placeClientTool(namespace: string, name: string, fn: any): void {
    if (api[namespace] === undefined || api[namespace] === null) api[namespace] = {};
    if (api[namespace][name] === undefined) api[namespace][name] = fn;
  }

  const requireString = (label: string, what: string, value: unknown): void => {
    if (typeof value !== 'string') throw new TypeErrorCtor(`${label}: ${what} must be a string`);
  };
  const wrapSync = (fn: (...a: any[]) => Promise<any>) => function (...args: any[]) {
    try { return fn(...args); } catch (error) { return promiseReject(error); }
  };
  const isPlainObject = (value: unknown): boolean => value !== null && typeof value === 'object' && !isArray(value);

  function llmOperation(operation: string, required: string[]): any {
    const label = `atp.llm.${operation}`;
    return wrapSync((arg: unknown) => {
      const options: any = typeof arg === 'string' && operation === 'call' ? { prompt: arg } : arg;
      if (!isPlainObject(options)) throw new TypeErrorCtor(`${label}: pass an options object, e.g. ${label}({ ${required.join(', ')} })`);
      for (const key of required) if (options[key] === undefined) throw new TypeErrorCtor(`${label}: options.${key} is required`);
      let payload: any;
      if (operation === 'call') payload = { prompt: options.prompt, options };
      else if (operation === 'extract') payload = { prompt: options.prompt, schema: options.schema, options };
      else payload = { text: options.text, categories: options.categories, options };
      return hostCall(`llm.${operation}`, '', label, payload, false);
    });
  }

  // Embeddings live in the sandbox: the client only turns text into vectors, and replay rebuilds the store.
  const vectors: any[] = [];
  let vectorCount = 0;
  function checkVector(label: string, value: any): number[] {
    if (!isArray(value) || value.length === 0) throw new TypeErrorCtor(`${label}: the client answered with ${safeString(typeof value)}, not a list of numbers`);
    for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'number' || !isFinite(value[i])) throw new TypeErrorCtor(`${label}: the client's vector has a non-number at ${i}`);
    return value;
  }
  function cosine(a: number[], b: number[]): number {
    let dot = 0, na = 0, nb = 0;
    const n = MathMin(a.length, b.length);
    for (let i = 0; i < n; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
    return na === 0 || nb === 0 ? 0 : dot / (MathSqrt(na) * MathSqrt(nb));
  }
  function embedOne(text: unknown, metadata: unknown): Promise<string> {
    requireString('atp.embedding.embed', 'the text', text);
    return hostCall('embedding.embed', '', 'atp.embedding.embed', { text }, false, (answer: any) => {
      const vector = checkVector('atp.embedding.embed', answer);
      const id = `emb_${++vectorCount}`;
      vectors[vectors.length] = { id, text, vector, metadata };
      return id;
    });
  }
  const embedding: any = {
    embed: wrapSync((input: unknown, metadata?: unknown) => {
      if (metadata !== undefined && !isPlainObject(metadata)) throw new TypeErrorCtor('atp.embedding.embed: metadata must be an object');
      if (!isArray(input)) return embedOne(input, metadata);
      const all: Promise<string>[] = [];
      for (let i = 0; i < input.length; i++) all[all.length] = embedOne(input[i], metadata);
      return PromiseCtor.all(all);
    }),
    search: wrapSync((query: unknown, searchOptions?: unknown) => {
      requireString('atp.embedding.search', 'the query', query);
      const o: any = searchOptions === undefined ? {} : searchOptions;
      if (!isPlainObject(o)) throw new TypeErrorCtor('atp.embedding.search: options must be an object, e.g. { topK: 5 }');
      const topK = o.topK === undefined ? 5 : NumberCtor(o.topK);
      const minSimilarity = o.minSimilarity === undefined ? -1 : NumberCtor(o.minSimilarity);
      return hostCall('embedding.search', '', 'atp.embedding.search', { query, options: o }, false, (answer: any) => {
        const vector = checkVector('atp.embedding.search', answer);
        const hits: any[] = [];
        for (let i = 0; i < vectors.length; i++) {
          const record = vectors[i];
          if (o.collection !== undefined && (!record.metadata || record.metadata.collection !== o.collection)) continue;
          const similarity = cosine(vector, record.vector);
          if (similarity < minSimilarity) continue;
          const hit: any = { id: record.id, text: record.text, similarity };
          if (record.metadata !== undefined) hit.metadata = record.metadata;
          hits[hits.length] = hit;
        }
        // insertion sort keeps ties in embedding order, deterministic for replay
        for (let i = 1; i < hits.length; i++) {
          const hit = hits[i];
          let j = i - 1;
          while (j >= 0 && hits[j].similarity < hit.similarity) { hits[j + 1] = hits[j]; j--; }
          hits[j + 1] = hit;
        }
        if (hits.length > topK) hits.length = MathMax(0, topK);
        return hits;
      });
    }),
  };

  const cacheKey = (operation: string, key: unknown): void => {
    if (typeof key !== 'string' || key.length === 0 || key.length > 512) throw new TypeErrorCtor(`atp.cache.${operation}: the key must be a non-empty string of at most 512 characters`);
  };
  const cache: any = {
    get: wrapSync((key: unknown) => { cacheKey('get', key); return hostCall('cache.get', '', 'atp.cache.get', { key }, true); }),
    has: wrapSync((key: unknown) => { cacheKey('has', key); return hostCall('cache.has', '', 'atp.cache.has', { key }, true); }),
    delete: wrapSync((key: unknown) => { cacheKey('delete', key); return hostCall('cache.delete', '', 'atp.cache.delete', { key }, true); }),
    set: wrapSync((key: unknown, value: unknown, ttlSeconds?: unknown) => {
      cacheKey('set', key);
      if (ttlSeconds !== undefined && (typeof ttlSeconds !== 'number' || !(ttlSeconds > 0))) throw new TypeErrorCtor('atp.cache.set: ttlSeconds must be a positive number');
      return hostCall('cache.set', '', 'atp.cache.set', { key, value, ttlSeconds }, true);
    }),
  };

  const atp: any = {
    api,
    llm: { call: llmOperation('call', ['prompt']), extract: llmOperation('extract', ['prompt', 'schema']), classify: llmOperation('classify', ['text', 'categories']) },
    approval: {
      request: wrapSync((message: unknown, context?: unknown) => {
        requireString('atp.approval.request', 'the message', message);
        if (context !== undefined && !isPlainObject(context)) throw new TypeErrorCtor('atp.approval.request: the context must be an object');
        return hostCall('approval.request', '', 'atp.approval.request', { message, context: context === undefined ? {} : context }, false);
      }),
    },
    embedding,
    cache,
    log: { debug: logFor('debug'), info: logFor('info'), warn: logFor('warn'), error: logFor('error') },
    progress: { report: reportProgress },
  };
  for (const key of ['llm', 'approval', 'embedding', 'cache', 'log', 'progress']) ObjectFreeze(atp[key]);
  ObjectFreeze(atp);
  defineProperty(g, 'api', { value: api, writable: true, configurable: true });
  defineProperty(g, 'atp', { value: atp, writable: true, configurable: true });

  // ---- the end of the program ----------------------------------------------------------------------------
  let finished = false;
  let maxResultChars = 8 * 1024 * 1024;
  function describe(error: any): any {
    if (error === null || (typeof error !== 'object' && typeof error !== 'function')) {
      return { kind: 'Thrown', name: 'Error', message: truncate(safeString(error), 4000), stack: '' };
    }
    let kind = 'Error';
    if (apply(weakSetHas, toolErrors, [error])) kind = 'ToolError';
    else if (apply(weakSetHas, callbackErrors, [error])) kind = 'CallbackError';
    else if (error instanceof TypeErrorCtor) kind = 'TypeError';
    else if (error instanceof ReferenceErrorCtor) kind = 'ReferenceError';
    else if (error instanceof SyntaxErrorCtor) kind = 'SyntaxError';
    else if (error instanceof RangeErrorCtor) kind = 'RangeError';
    else if (!(error instanceof ErrorCtor)) kind = 'Thrown';
    let name = 'Error', message = '', stack = '';
    let status: number | undefined, code: string | undefined, retryable: boolean | undefined, authorizationUrl: string | undefined;
    try { name = safeString(error.name); } catch {}
    try { message = kind === 'Thrown' ? format(error) : safeString(error.message); } catch {}
    try { stack = typeof error.stack === 'string' ? error.stack : ''; } catch {}
    if (kind === 'ToolError') {
      try {
        status = typeof error.status === 'number' ? error.status : undefined;
        code = typeof error.code === 'string' ? error.code : undefined;
        retryable = typeof error.retryable === 'boolean' ? error.retryable : undefined;
        authorizationUrl = typeof error.authorizationUrl === 'string' ? truncate(error.authorizationUrl, 4000) : undefined;
      } catch {}
    }
    return { kind, name: truncate(name, 100), message: truncate(message, 4000), stack: truncate(stack, 8000), status, code, retryable, authorizationUrl };
  }
  function finish(ok: boolean, value: unknown): void {
    if (finished) return;
    finished = true;
    if (!live) {
      diverge(ok ? 'the code finished before reaching the pause it was resumed from' : 'the code failed before reaching the pause it was resumed from');
      return;
    }
    if (!ok) {
      post('fail', describe(value));
      return;
    }
    if (value === undefined) {
      post('done', undefined);
      return;
    }
    const problem = jsonProblem(value, 'the result', ObjectCreate(null), 0);
    if (problem !== null) {
      post('fail', { kind: 'Result', name: 'TypeError', message: `the code returned a value that is not JSON: ${problem}`, stack: '' });
      return;
    }
    let text: string;
    try {
      text = jsonStringify(value);
    } catch (error) {
      post('fail', describe(error));
      return;
    }
    if (text.length > maxResultChars) {
      post('tooLarge', text.length);
      return;
    }
    post('done', text);
  }
  defineProperty(g, '__atp_start', {
    configurable: true,
    value: function start(settings: SandboxSetup, record: boolean, program: () => Promise<unknown>) {
      delete g.__atp_start;
      postToHost = g.__atp_post;
      delete g.__atp_post;
      recording = record;
      setup(settings);
      let result: any;
      try {
        result = program();
      } catch (error) {
        finish(false, error);
        return;
      }
      apply(promiseThen, result, [(value: unknown) => finish(true, value), (error: unknown) => finish(false, error)]);
    },
  });

  // ---- entry points for the host (never reachable from agent code) ----------------------------------------
  function setup(s: SandboxSetup): void {
    s0 = s.seed[0] | 0; s1 = s.seed[1] | 0; s2 = s.seed[2] | 0; s3 = s.seed[3] | 0;
    if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
    maxLogEntries = s.maxLogEntries;
    maxResultChars = s.maxResultChars;
    if (s.replayClock !== null) {
      live = false;
      replayClock = s.replayClock;
      clockTotal = s.replayClock.length; // the bound counts readings over the whole execution
    }
    for (const tool of s.clientTools) {
      const label = `api.${tool.namespace}.${tool.name}`;
      placeClientTool(tool.namespace, tool.name, apiFunction('tool', `${tool.namespace}.${tool.name}`, label, tool.name));
    }
  }
  /**
   * `text` is a JSON array of [call id, mode, value]: one parse for the whole batch, no structured clone.
   * `record`: the host runs this turn on its thread and takes what it posted when it ends.
   */
  function deliver(text: string, goLive: boolean, record: boolean): void {
    recording = record;
    const batch: any[] = jsonParse(text);
    if (goLive && !live) {
      if (replayClock !== null && replayIndex < replayClock.length) diverge('the code read the clock fewer times than when it first ran');
      replayClock = null;
      live = true;
    }
    for (let i = 0; i < batch.length; i++) {
      const delivery = batch[i];
      const id = delivery[0];
      const mode = delivery[1];
      if (mode === TIMER) {
        fireTimer(id);
        continue;
      }
      const entry = pending[id];
      if (!entry) {
        diverge(`an answer arrived for call #${id}, which the code has not made`);
        return;
      }
      delete pending[id];
      entry.settled();
      if (mode === OK || mode === OK_UNDEFINED) {
        let value: any = mode === OK ? delivery[2] : undefined;
        try {
          if (entry.transform) value = entry.transform(value);
        } catch (error) {
          entry.reject(error);
          continue;
        }
        entry.resolve(value);
      } else {
        entry.reject(errorFrom(delivery[2], entry));
      }
    }
  }
  /** The clock readings made since they were last taken. */
  function takeClock(): number[] {
    const clock: number[] = [];
    for (let i = 0; i < clockLogCount; i++) clock[i] = clockLog[i];
    clockLog = ObjectCreate(null);
    clockLogCount = 0;
    return clock;
  }
  function snapshot(): any {
    return { issued, posted, clock: takeClock(), clockOverflow };
  }
  /**
   * For the host's thread, after each inline turn: a bare number (no copy of an object) when the turn posted
   * nothing and did not read the clock; else snapshot() with the turn's posts, in order, as JSON text, which
   * copies in a fraction of the time an object takes. Should agent code have given the prototypes a toJSON,
   * which JSON.stringify would call, the object itself is copied instead.
   */
  function postedOrSnapshot(): any {
    if (recordedCount === 0 && clockLogCount === 0 && !clockOverflow) return posted;
    const answer = { issued, posted, clock: takeClock(), clockOverflow, posts: recorded, postCount: recordedCount };
    recorded = ObjectCreate(null);
    recordedCount = 0;
    return getOwnPropertyDescriptor(ObjectProto, 'toJSON') || getOwnPropertyDescriptor(ArrayProto, 'toJSON') ? answer : jsonStringify(answer);
  }
  /** The oldest call still unanswered, and where the code made it: what an idle program is waiting for. */
  function waitingFor(): any {
    for (const id in pending) {
      const entry = pending[id];
      let stack = '';
      try { stack = safeString(entry.site.stack); } catch {}
      return { label: entry.label, stack };
    }
    return null;
  }
  return { deliver, snapshot, postedOrSnapshot, waitingFor };
}
