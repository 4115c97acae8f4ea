// The API model: what an OpenAPI document becomes, one entry per operation with its name, how to build its
// request and one merged input schema. Plain JSON, so it is what the spec cache stores.

import type { Schema } from './schemas.js';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export type ParameterLocation = 'path' | 'query' | 'header' | 'cookie';

export interface ParameterModel {
  /** The property of the input object. */
  key: string;
  name: string;
  in: ParameterLocation;
  style: string;
  explode: boolean;
  allowReserved?: boolean;
  /** Declared with `content` rather than `schema`: sent as JSON text. */
  json?: boolean;
}

export type BodyEncoding = 'json' | 'form' | 'multipart' | 'text' | 'binary';

export interface BodyModel {
  contentType: string;
  encoding: BodyEncoding;
  /** The body's properties are top-level input properties (listed); otherwise the body is input[key]. */
  flatKeys?: string[];
  key?: string;
}

export interface ServerModel {
  url: string;
  variables?: Record<string, { default?: string; enum?: string[] }>;
}

export interface OperationModel {
  path: string[];
  /** operationId, or `METHOD /route` when there is none. */
  sourceName: string;
  operationId?: string;
  method: string;
  route: string;
  servers?: ServerModel[];
  description: string;
  /** The whole description and the tags' descriptions, as plain text, when they say more than `description`. */
  details?: string;
  tags: string[];
  deprecated?: boolean;
  parameters: ParameterModel[];
  body?: BodyModel;
  input: Schema;
  output?: Schema;
  /** The shared schemas input and output reference directly (names under defs). */
  inputRefs?: string[];
  outputRefs?: string[];
}

/** The document's OAuth 2.0 authorization code flow (securitySchemes), the defaults of a group's oauth2 auth. */
export interface OAuthFlowModel {
  authorizationUrl?: string;
  tokenUrl?: string;
  refreshUrl?: string;
  scopes: string[];
}

export interface ApiModel {
  title?: string;
  description?: string;
  servers: ServerModel[];
  oauth2?: OAuthFlowModel;
  defs: Record<string, Schema>;
  operations: OperationModel[];
}
