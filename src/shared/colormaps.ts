/**
 * Colormaps for the renderer: the engine's exact lookup tables and blend (pure TypeScript, no Node), so what the
 * window shows is pixel for pixel what figures and the CLI write.
 */
export { COLORMAPS, colormapLut, overlayHeatmap, type ColormapName } from '../main/engine/image/colormap';
