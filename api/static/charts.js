// Plotly charts: plotly.js is served by the service itself (/static/plotly.min.js, from the installed
// plotly package) and loaded on first use. Figures come from the tools as Plotly JSON; they are data
// (Plotly renders text with its own escaping) and are themed to the page's light or dark colours.

let loading = null;

export function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = '/static/plotly.min.js';
      s.async = true;
      s.onload = () => (window.Plotly ? resolve(window.Plotly) : reject(new Error('plotly.js did not load')));
      s.onerror = () => { loading = null; reject(new Error('could not load /static/plotly.min.js')); };
      document.head.append(s);
    });
  }
  return loading;
}

const dark = () => window.matchMedia('(prefers-color-scheme: dark)').matches;

function themed(figure, { compact = false } = {}) {
  const css = getComputedStyle(document.documentElement);
  const fg = css.getPropertyValue('--fg').trim() || (dark() ? '#e6e6e6' : '#1d1d1f');
  const muted = css.getPropertyValue('--muted').trim() || '#888';
  const grid = css.getPropertyValue('--grid').trim() || 'rgba(128,128,128,.2)';
  const data = (figure?.data || []).map((t) => {
    const trace = structuredClone(t);
    if (trace.name === 'value' && trace.line && /^#(444|444444|000|333)$/i.test(trace.line.color || '')) {
      trace.line = { ...trace.line, color: fg };
    }
    if (compact) trace.showlegend = false;
    return trace;
  });
  const layout = structuredClone(figure?.layout || {});
  Object.assign(layout, {
    paper_bgcolor: 'rgba(0,0,0,0)', plot_bgcolor: 'rgba(0,0,0,0)',
    font: { ...(layout.font || {}), color: fg, family: 'system-ui, -apple-system, Segoe UI, sans-serif', size: compact ? 10 : 12 },
    autosize: true,
  });
  for (const ax of ['xaxis', 'yaxis']) {
    layout[ax] = { ...(layout[ax] || {}), gridcolor: grid, zerolinecolor: grid, linecolor: muted };
  }
  if (compact) {
    layout.height = 150;
    layout.margin = { l: 40, r: 8, t: 8, b: 26 };
    layout.xaxis = { ...layout.xaxis, tickformat: '%b %d', nticks: 5 };
    layout.showlegend = false;
    delete layout.title;
    layout.yaxis = { ...layout.yaxis, title: null };
  } else {
    layout.height = layout.height || 340;
    layout.legend = { ...(layout.legend || {}), font: { color: fg } };
    if (layout.title && typeof layout.title === 'object') layout.title = { ...layout.title, font: { color: fg, size: 14 } };
  }
  return { data, layout };
}

const rendered = new Set();

/** Render a Plotly figure into el (returns a promise); re-themed when the colour scheme changes. */
export async function renderFigure(el, figure, opts = {}) {
  el.classList.add('chart-loading');
  try {
    const Plotly = await loadPlotly();
    const { data, layout } = themed(figure, opts);
    await Plotly.newPlot(el, data, layout, {
      responsive: true, displaylogo: false, displayModeBar: opts.compact ? false : 'hover',
      modeBarButtonsToRemove: ['select2d', 'lasso2d', 'autoScale2d'], staticPlot: Boolean(opts.static),
    });
    el.__figure = figure;
    el.__opts = opts;
    rendered.add(el);
    el.classList.remove('chart-loading');
    el.dataset.rendered = 'true';
  } catch (err) {
    el.classList.remove('chart-loading');
    el.textContent = `Chart unavailable: ${err.message}`;
  }
}

window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
  for (const el of [...rendered]) {
    if (!el.isConnected) { rendered.delete(el); continue; }
    const { data, layout } = themed(el.__figure, el.__opts);
    window.Plotly?.react(el, data, layout);
  }
});
