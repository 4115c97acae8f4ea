// include/exclude: an operation is kept when it matches any criterion of `include` (or there is no include)
// and no criterion of `exclude`. Tags compare case-insensitively; operation and path patterns are globs.

import picomatch from 'picomatch';
import type { OperationFilter } from '../../../config/index.js';
import type { OperationModel } from './model.js';

type Matcher = (operation: OperationModel) => boolean;

function compile(filter: OperationFilter): Matcher {
  const tags = new Set((filter.tags ?? []).map((tag) => tag.toLowerCase()));
  const methods = new Set((filter.methods ?? []).map((method) => method.toLowerCase()));
  const operations = filter.operations?.length ? picomatch(filter.operations, { dot: true }) : undefined;
  const paths = filter.paths?.length ? picomatch(filter.paths, { dot: true }) : undefined;
  return (operation) =>
    operation.tags.some((tag) => tags.has(tag.toLowerCase())) ||
    methods.has(operation.method) ||
    (operations !== undefined && (operations(operation.operationId ?? '') || operations(operation.path.join('.')))) ||
    (paths !== undefined && paths(operation.route));
}

export function operationFilter(include?: OperationFilter, exclude?: OperationFilter): Matcher {
  const kept = include ? compile(include) : () => true;
  const dropped = exclude ? compile(exclude) : () => false;
  return (operation) => kept(operation) && !dropped(operation);
}
