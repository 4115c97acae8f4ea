// isolated-vm behind a small surface: warm isolates, client isolates, transpiling, and one Sandbox (a fresh context) per execution.

export { Sandbox, RuntimeBootstrap, ScriptCompileError, AGENT_FILENAME, RUNTIME_VERSION, type SandboxListener, type TurnFailure } from './sandbox.js';
export { IsolatePool, type IsolatePoolOptions } from './pool.js';
export { FreshIsolates, type SandboxSource } from './sandboxes.js';
export { ClientIsolates, type ClientIsolateLimits, type ClientIsolateInfo } from './client-isolates.js';
export { transpile, CodeSyntaxError, type Transpiled } from './transpile.js';
export { userFrames, renderStack, stackIn, type UserFrame } from './stack.js';
export { OK, ERR, TIMER, OK_UNDEFINED, type Delivery, type PostArguments, type PostType, type ThrownDescription, type SandboxRuntimeOptions, type SandboxSetup, type SnapshotData, type WaitingFor } from './protocol.js';
