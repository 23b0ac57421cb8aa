/// <reference types="svelte" />
/// <reference types="vite/client" />
import type { CamscopeApi } from '../../shared/api';

declare global {
  interface Window {
    /** Set by the preload in Electron (or by a test bridge on the web); absent in a plain browser. */
    camscope?: CamscopeApi;
  }
}

export {};
