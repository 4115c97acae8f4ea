export { Sessions, AuthError, type Session, type IssuedToken, type Authenticated, type NewSession, type SessionsOptions } from './sessions.js';
export { signToken, verifyToken, TokenError, type TokenClaims } from './jwt.js';
export { apiKeyChecker, apiKeyIdentity } from './api-keys.js';
