// How OpenAPI operations become api.<group>.* functions. The rules, as the man page states them:
//
//   1. With an operationId, split it on "/" and "." into parts; each part becomes a camelCase identifier:
//        issues/create            -> api.<group>.issues.create
//        repos/get-content        -> api.<group>.repos.getContent
//        getPetById               -> api.<group>.getPetById
//        Pets.List                -> api.<group>.pets.list
//   2. Without an operationId, one name from the method and the path; a path parameter {x} reads "by X":
//        GET  /users/{userId}/notes -> api.<group>.getUsersByUserIdNotes
//        POST /v1/pets              -> api.<group>.postV1Pets
//   3. A part that is a JavaScript reserved word (or a name every object already has, such as constructor)
//      gets a trailing "_": repos/delete -> repos.delete_. A part starting with a digit gets a leading "_":
//      2fa/enable -> _2fa.enable.
//   4. Names are unique: a function that would take a name already used at the same level (by an earlier
//      operation in document order, or by a namespace such as `issues` in issues/create) gets the first free
//      numeric suffix: getUser, getUser2, getUser3. Namespaces never get suffixes.
//   5. Names are computed over the whole document before include/exclude filters, so filtering a group
//      never renames the functions that remain. The same document always gives the same names.
//
// And how a call's one input object maps to the request (operations.ts, request.ts):
//
//   - Every path, query, header and cookie parameter is a property named exactly like the parameter
//     (`owner`, `per_page`, `X-Trace-Id`); a name used by two locations gets `_<in>` on the second.
//   - A JSON, form or multipart body that is an object with declared properties is flattened: its properties
//     sit next to the parameters (`{ owner, repo, title, body }` for issues/create). When one of them has a
//     parameter's name, or the body is not such an object (an array, a oneOf, text, bytes), the whole body is
//     the property `body`.
//   - Bytes (octet-stream bodies, multipart files) are a string or `{ base64, contentType?, filename? }`.
//   - The input is checked against its schema before any request; unknown properties are refused with a
//     "did you mean" when one is close.
//   - Answers: JSON parsed, text as a string, 204 and empty bodies as null, other content types as
//     `{ contentType, size, base64 }` up to 8 MiB. A non-2xx answer throws an error with `status`.

import { toIdentifier, uniqueName } from '../../naming.js';

export interface NamedOperation {
  operationId?: string;
  method: string;
  path: string;
}

/** The identifier parts of one operation, before collisions are resolved (rules 1 to 3). */
export function operationNameParts(operation: NamedOperation): string[] {
  const parts = operation.operationId
    ?.split(/[/.]/)
    .map((part) => part.trim())
    .filter(Boolean)
    .map(toIdentifier)
    .filter((part) => part !== '_');
  if (parts && parts.length > 0) return parts;
  return [nameFromMethodAndPath(operation.method, operation.path)];
}

function nameFromMethodAndPath(method: string, path: string): string {
  const words = path
    .split('/')
    .filter(Boolean)
    .map((segment) => segment.replace(/\{([^}]+)\}/g, ' by $1 '));
  return toIdentifier([method.toLowerCase(), ...words].join(' '));
}

/** Unique paths for every operation, in the order given (rules 4 and 5). */
export function assignOperationPaths(operations: readonly NamedOperation[]): string[][] {
  const wanted = operations.map(operationNameParts);
  const takenAt = new Map<string, Set<string>>();
  const taken = (parent: string[]) => {
    const key = parent.join('.');
    let set = takenAt.get(key);
    if (!set) takenAt.set(key, (set = new Set()));
    return set;
  };
  // Namespaces are reserved first, so a function never shadows one whatever the document order.
  for (const parts of wanted) {
    for (let depth = 0; depth < parts.length - 1; depth++) taken(parts.slice(0, depth)).add(parts[depth]);
  }
  return wanted.map((parts) => {
    const parent = parts.slice(0, -1);
    return [...parent, uniqueName(parts[parts.length - 1], taken(parent))];
  });
}
