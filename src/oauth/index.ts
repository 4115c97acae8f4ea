export { UserDelegation, SignInError, EARLY_REFRESH_MS, type DelegationOptions } from './delegation.js';
export { delegatedGroups, serverDelegation, terminalDelegation, terminalUser, type ServerDelegation, type TerminalDelegation } from './setup.js';
export { TokenCipher } from './cipher.js';
export { TokenVault, type KeyValue, type TokenRecord } from './vault.js';
export { FileStore, defaultCredentialsFile } from './file-store.js';
