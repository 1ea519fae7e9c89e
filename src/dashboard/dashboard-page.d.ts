/**
 * What the dashboard's browser script (public/dashboard.js) finds on `window`
 * besides the DOM: Chart.js's UMD build, loaded by its own script tag first,
 * missing when that failed to load. Only tsconfig.dashboard.json needs it.
 */
import type { Chart } from 'chart.js';

declare global {
  interface Window {
    Chart?: typeof Chart;
  }
}
