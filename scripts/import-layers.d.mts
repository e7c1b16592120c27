// Types for scripts/import-layers.mjs (plain JavaScript so that `npm run lint` runs it without a loader).

/** The layers of src/, top first: folders on one line may not import each other. */
export declare const LAYERS: string[][]

/** What breaks the layer and circle rules in `root`/src, one line each; empty when nothing does. */
export declare function checkImportLayers(root: string): string[]
