/** Compiler version: part of every cache key and artifact manifest. */
export const AXON_VERSION = '0.1.0';
