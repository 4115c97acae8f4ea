export { MIN_SECRET_LENGTH, REDACTED, Secrets } from './secrets.js';
export { SECRET_NAME, configSecrets, secretsOf, type ConfiguredSecret } from './config.js';
