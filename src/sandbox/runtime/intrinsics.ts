// The built-ins the runtime uses, captured when the bundle is evaluated: before any agent code runs, so a
// program that patches prototypes or globals only breaks itself.

export const g: any = globalThis;
export const R = Reflect;
export const apply = R.apply;
export const construct = R.construct;
export const defineProperty = R.defineProperty;
export const getPrototypeOf = R.getPrototypeOf;
export const getOwnPropertyDescriptor = R.getOwnPropertyDescriptor;
export const ObjectCreate = Object.create;
export const ObjectKeys = Object.keys;
export const ObjectFreeze = Object.freeze;
export const isArray = Array.isArray;
export const ObjectProto = Object.prototype;
export const ArrayProto = Array.prototype;
export const jsonParse = JSON.parse;
export const jsonStringify = JSON.stringify;
export const PromiseCtor = Promise;
export const promiseThen = Promise.prototype.then;
export const promiseResolve = Promise.resolve.bind(Promise);
export const promiseReject = Promise.reject.bind(Promise);
export const NativeDate = Date;
export const DateProto = Date.prototype;
export const dateNow = Date.now;
export const dateParse = Date.parse;
export const dateUTC = Date.UTC;
export const dateToString = Date.prototype.toString;
export const ErrorCtor = Error;
export const TypeErrorCtor = TypeError;
export const RangeErrorCtor = RangeError;
export const ReferenceErrorCtor = ReferenceError;
export const SyntaxErrorCtor = SyntaxError;
export const captureStackTrace: (target: object) => void = (Error as any).captureStackTrace;
export const StringCtor = String;
export const NumberCtor = Number;
export const isFinite = Number.isFinite;
export const stringSlice = String.prototype.slice;
export const stringIndexOf = String.prototype.indexOf;
export const MathImul = Math.imul;
export const MathSqrt = Math.sqrt;
export const MathMin = Math.min;
export const MathMax = Math.max;
export const WeakSetCtor = WeakSet;
export const weakSetAdd = WeakSet.prototype.add;
export const weakSetHas = WeakSet.prototype.has;

/** A store with no prototype: a setter agent code puts on Object.prototype cannot see or change it. */
export const table = (): any => ObjectCreate(null);

export const slice = (s: string, a: number, b?: number): string => apply(stringSlice, s, b === undefined ? [a] : [a, b]);
export const truncate = (s: string, max: number): string => (s.length > max ? slice(s, 0, max) + '…' : s);
export const safeString = (value: unknown): string => {
  try {
    return StringCtor(value);
  } catch {
    return '[value that cannot be shown as text]';
  }
};
