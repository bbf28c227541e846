import type { ChildProcess } from 'node:child_process';
export declare function offlineEnv(extra?: Record<string, string>): NodeJS.ProcessEnv;
export declare function startOffline(extraEnv?: Record<string, string>): ChildProcess;
