export interface LogTail {
  push(chunk: string): void;
  text(): string;
  held(): number;
}
export declare function createLogTail(limit: number): LogTail;
