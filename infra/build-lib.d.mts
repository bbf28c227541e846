export declare function buildLib(): void;
