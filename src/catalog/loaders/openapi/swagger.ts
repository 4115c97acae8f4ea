// Swagger 2.0 to the OpenAPI 3 shape the operation builder reads: servers from host/basePath, body and
// formData parameters to requestBody, response schemas to content, collectionFormat to style/explode.
// `definitions`, `parameters` and `responses` stay at the root so their `$ref`s keep resolving.

import { HTTP_METHODS } from './model.js';
import { SchemaConverter, escapePointer, isObject } from './schemas.js';

type Obj = Record<string, unknown>;

const PARAMETER_SCHEMA_KEYS = [
  'type', 'format', 'items', 'enum', 'default', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength',
  'maxLength', 'pattern', 'minItems', 'maxItems', 'uniqueItems', 'multipleOf', 'x-nullable',
];

export function swaggerToOpenApi(doc: Obj): Obj {
  const resolver = new SchemaConverter(doc, '2.0');
  const consumes = stringList(doc.consumes);
  const produces = stringList(doc.produces);
  const paths: Obj = {};
  for (const [route, rawItem] of Object.entries(isObject(doc.paths) ? doc.paths : {})) {
    const itemAt = `#/paths/${escapePointer(route)}`;
    const item = resolver.resolve<Obj>(rawItem, itemAt);
    if (!isObject(item)) continue;
    const converted: Obj = {};
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      converted[method] = convertOperation(resolver, operation, item.parameters, `${itemAt}/${method}`, stringList(operation.consumes) ?? consumes, stringList(operation.produces) ?? produces);
    }
    paths[route] = converted;
  }
  const out: Obj = { ...doc, openapi: '3.0.0', paths };
  const host = typeof doc.host === 'string' ? doc.host : undefined;
  const basePath = typeof doc.basePath === 'string' ? doc.basePath : '';
  const scheme = stringList(doc.schemes)?.includes('https') || !stringList(doc.schemes) ? 'https' : stringList(doc.schemes)![0];
  if (host) out.servers = [{ url: `${scheme}://${host}${basePath}` }];
  else if (basePath) out.servers = [{ url: basePath }];
  return out;
}

function convertOperation(resolver: SchemaConverter, operation: Obj, pathParameters: unknown, at: string, consumes: string[] | undefined, produces: string[] | undefined): Obj {
  const merged = new Map<string, Obj>();
  for (const [list, listAt] of [[pathParameters, `${at}/..`], [operation.parameters, at]] as const) {
    if (!Array.isArray(list)) continue;
    list.forEach((entry, i) => {
      const parameter = resolver.resolve<Obj>(entry, `${listAt}/parameters/${i}`);
      if (isObject(parameter) && typeof parameter.name === 'string') merged.set(`${parameter.in}:${parameter.name}`, parameter);
    });
  }
  const parameters: Obj[] = [];
  const formFields: Obj[] = [];
  let bodyParameter: Obj | undefined;
  for (const parameter of merged.values()) {
    if (parameter.in === 'body') bodyParameter = parameter;
    else if (parameter.in === 'formData') formFields.push(parameter);
    else parameters.push(convertParameter(parameter));
  }
  const converted: Obj = { ...operation, parameters };
  delete converted.consumes;
  delete converted.produces;
  if (bodyParameter) {
    const type = consumes?.find((t) => /json/i.test(t)) ?? consumes?.[0] ?? 'application/json';
    converted.requestBody = { description: bodyParameter.description, required: bodyParameter.required === true, content: { [type]: { schema: bodyParameter.schema ?? {} } } };
  } else if (formFields.length > 0) {
    const multipart = formFields.some((field) => field.type === 'file') || consumes?.some((t) => /multipart/i.test(t));
    const properties = Object.fromEntries(formFields.map((field) => [field.name as string, parameterSchema(field)]));
    const required = formFields.filter((field) => field.required === true).map((field) => field.name as string);
    const type = multipart ? 'multipart/form-data' : 'application/x-www-form-urlencoded';
    converted.requestBody = { required: required.length > 0, content: { [type]: { schema: { type: 'object', properties, required } } } };
  }
  if (isObject(operation.responses)) {
    const produced = produces?.find((t) => /json/i.test(t)) ?? produces?.[0] ?? 'application/json';
    converted.responses = Object.fromEntries(Object.entries(operation.responses).map(([code, raw]) => {
      const response = resolver.resolve<Obj>(raw, `${at}/responses/${code}`);
      if (!isObject(response)) return [code, {}];
      return [code, { description: response.description, ...(response.schema !== undefined && { content: { [produced]: { schema: response.schema } } }) }];
    }));
  }
  return converted;
}

function convertParameter(parameter: Obj): Obj {
  const out: Obj = { name: parameter.name, in: parameter.in, required: parameter.required === true, description: parameter.description, schema: parameterSchema(parameter) };
  if (parameter.type === 'array') {
    const format = typeof parameter.collectionFormat === 'string' ? parameter.collectionFormat : 'csv';
    const location = parameter.in;
    if (format === 'multi') Object.assign(out, { style: 'form', explode: true });
    else if (format === 'ssv') Object.assign(out, { style: 'spaceDelimited', explode: false });
    else if (format === 'pipes') Object.assign(out, { style: 'pipeDelimited', explode: false });
    else Object.assign(out, { style: location === 'query' ? 'form' : 'simple', explode: false });
  }
  return out;
}

function parameterSchema(parameter: Obj): Obj {
  return Object.fromEntries(PARAMETER_SCHEMA_KEYS.filter((key) => parameter[key] !== undefined).map((key) => [key, parameter[key]]));
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.length > 0 ? value.filter((v): v is string => typeof v === 'string') : undefined;
}
