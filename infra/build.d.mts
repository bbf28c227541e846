export declare const root: string;
export declare const SOURCE_CONDITION: string;
export declare const ENTRIES: ReadonlyArray<{ name: string; entry: string; outfile: string }>;
export declare function build(names?: readonly string[]): Promise<Record<string, unknown>>;
