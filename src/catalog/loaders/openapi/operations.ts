// From an OpenAPI 3.x document (Swagger 2.0 is converted first) to the API model (model.ts): every
// operation named, its parameters collected, its body and output typed.

import { uniqueName } from '../../naming.js';
import { buildBody, outputSchema } from './media.js';
import { HTTP_METHODS, type ApiModel, type OAuthFlowModel, type OperationModel, type ParameterModel, type ServerModel } from './model.js';
import { assignOperationPaths } from './naming.js';
import { SchemaConverter, escapePointer, isObject, oneLine, plainText, refsIn, type Schema } from './schemas.js';

type Obj = Record<string, unknown>;

export function buildApiModel(document: Obj, dialect: '2.0' | '3.0' | '3.1'): ApiModel {
  const converter = new SchemaConverter(document, dialect);
  const tagTexts = tagDescriptions(document.tags);
  const found: Omit<OperationModel, 'path'>[] = [];
  const paths = isObject(document.paths) ? document.paths : {};
  for (const [route, rawItem] of Object.entries(paths)) {
    const itemAt = `#/paths/${escapePointer(route)}`;
    const item = converter.resolve<Obj>(rawItem, itemAt);
    if (!isObject(item)) continue;
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      const built = buildOperation(converter, route, method, item, operation, `${itemAt}/${method}`);
      const details = [plainText(operation.description), ...built.tags.map((tag) => tagTexts.get(tag))]
        .filter((text): text is string => text !== undefined && text !== built.description);
      if (details.length > 0) built.details = details.join('\n\n');
      found.push(built);
    }
  }
  const names = assignOperationPaths(found.map((op) => ({ operationId: op.operationId, method: op.method, path: op.route })));
  const info = isObject(document.info) ? document.info : {};
  const oauth2 = authorizationCodeFlow(document);
  return {
    title: typeof info.title === 'string' ? info.title : undefined,
    description: oneLine(info.description),
    servers: servers(document.servers) ?? [],
    ...(oauth2 && { oauth2 }),
    defs: converter.defs,
    operations: found.map((op, i) => ({ path: names[i], ...op })),
  };
}

/** Each tag's description (the document's `tags`), as plain text. */
function tagDescriptions(tags: unknown): Map<string, string> {
  const texts = new Map<string, string>();
  if (!Array.isArray(tags)) return texts;
  for (const tag of tags) {
    const text = isObject(tag) && typeof tag.name === 'string' ? plainText(tag.description, 500) : undefined;
    if (text) texts.set((tag as Obj).name as string, text);
  }
  return texts;
}

function buildOperation(converter: SchemaConverter, route: string, method: string, item: Obj, operation: Obj, at: string): Omit<OperationModel, 'path'> {
  const operationId = typeof operation.operationId === 'string' && operation.operationId.trim() ? operation.operationId.trim() : undefined;
  const deprecated = operation.deprecated === true;
  const summary = oneLine(operation.summary) ?? oneLine(operation.description) ?? `${method.toUpperCase()} ${route}`;
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  const parameters = collectParameters(converter, item.parameters, operation.parameters, at).map(({ parameter, schema, required: needed }) => {
    properties[parameter.key] = schema;
    if (needed) required.push(parameter.key);
    return parameter;
  });
  const allOf: Schema[] = [];
  const body = buildBody(converter, operation.requestBody, `${at}/requestBody`, properties, required, allOf);
  const input: Obj = { type: 'object', properties, additionalProperties: false };
  if (required.length > 0) input.required = required;
  if (allOf.length > 0) input.allOf = allOf;
  const model: Omit<OperationModel, 'path'> = {
    sourceName: operationId ?? `${method.toUpperCase()} ${route}`,
    method,
    route,
    description: (summary.replace(/\.$/, '') + (deprecated ? ' (deprecated)' : '')).trim(),
    tags: Array.isArray(operation.tags) ? operation.tags.filter((t): t is string => typeof t === 'string') : [],
    parameters,
    input,
  };
  if (operationId) model.operationId = operationId;
  if (deprecated) model.deprecated = true;
  const opServers = servers(operation.servers) ?? servers(item.servers);
  if (opServers) model.servers = opServers;
  if (body) model.body = body;
  const output = outputSchema(converter, operation.responses, `${at}/responses`);
  if (output !== undefined) model.output = output;
  const inputRefs = refsIn(input);
  if (inputRefs.length > 0) model.inputRefs = inputRefs;
  const outputRefs = output === undefined ? [] : refsIn(output);
  if (outputRefs.length > 0) model.outputRefs = outputRefs;
  return model;
}

interface CollectedParameter { parameter: ParameterModel; schema: Schema; required: boolean }

function collectParameters(converter: SchemaConverter, pathLevel: unknown, operationLevel: unknown, at: string): CollectedParameter[] {
  const byLocation = new Map<string, { raw: Obj; at: string }>();
  const add = (list: unknown, listAt: string) => {
    if (!Array.isArray(list)) return;
    list.forEach((entry, i) => {
      const raw = converter.resolve<Obj>(entry, `${listAt}/${i}`);
      if (isObject(raw) && typeof raw.name === 'string' && typeof raw.in === 'string') byLocation.set(`${raw.in}:${raw.name}`, { raw, at: `${listAt}/${i}` });
    });
  };
  add(pathLevel, `${at.slice(0, at.lastIndexOf('/'))}/parameters`);
  add(operationLevel, `${at}/parameters`);
  const keys = new Set<string>();
  const out: CollectedParameter[] = [];
  for (const { raw, at: paramAt } of byLocation.values()) {
    const location = raw.in as string;
    if (location !== 'path' && location !== 'query' && location !== 'header' && location !== 'cookie') continue;
    const name = raw.name as string;
    const key = uniqueName(keys.has(name) ? `${name}_${location}` : name, keys);
    const style = typeof raw.style === 'string' ? raw.style : location === 'query' || location === 'cookie' ? 'form' : 'simple';
    const parameter: ParameterModel = { key, name, in: location, style, explode: typeof raw.explode === 'boolean' ? raw.explode : style === 'form' };
    if (raw.allowReserved === true) parameter.allowReserved = true;
    let schemaSource = raw.schema;
    if (schemaSource === undefined && isObject(raw.content)) {
      const media = Object.values(raw.content)[0];
      schemaSource = isObject(media) ? media.schema : undefined;
      parameter.json = true;
    }
    const converted = converter.convert(schemaSource ?? {}, `${paramAt}/schema`);
    const description = oneLine(raw.description);
    const schema = description && isObject(converted) ? { ...converted, description } : converted;
    out.push({ parameter, schema, required: location === 'path' || raw.required === true });
  }
  return out;
}

function servers(value: unknown): ServerModel[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const list = value.filter(isObject).filter((s) => typeof s.url === 'string').map((s): ServerModel => {
    const server: ServerModel = { url: s.url as string };
    if (isObject(s.variables)) {
      server.variables = Object.fromEntries(Object.entries(s.variables).filter(([, v]) => isObject(v)).map(([name, v]) => {
        const variable = v as Obj;
        return [name, {
          ...(variable.default !== undefined && { default: String(variable.default) }),
          ...(Array.isArray(variable.enum) && { enum: variable.enum.map(String) }),
        }];
      }));
    }
    return server;
  });
  return list.length > 0 ? list : undefined;
}

/**
 * The first OAuth 2.0 scheme with an authorization code flow: components.securitySchemes (OpenAPI 3) or
 * securityDefinitions with flow accessCode (Swagger 2.0, which the conversion leaves at the root).
 */
function authorizationCodeFlow(document: Obj): OAuthFlowModel | undefined {
  const schemes = [
    ...Object.values(isObject(document.components) && isObject(document.components.securitySchemes) ? document.components.securitySchemes : {}),
    ...Object.values(isObject(document.securityDefinitions) ? document.securityDefinitions : {}),
  ];
  for (const scheme of schemes) {
    if (!isObject(scheme) || scheme.type !== 'oauth2') continue;
    const flow = isObject(scheme.flows) ? scheme.flows.authorizationCode : scheme.flow === 'accessCode' ? scheme : undefined;
    if (!isObject(flow)) continue;
    const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : undefined);
    const model: OAuthFlowModel = { scopes: isObject(flow.scopes) ? Object.keys(flow.scopes) : [] };
    for (const key of ['authorizationUrl', 'tokenUrl', 'refreshUrl'] as const) {
      const value = text(flow[key]);
      if (value) model[key] = value;
    }
    return model;
  }
  return undefined;
}
