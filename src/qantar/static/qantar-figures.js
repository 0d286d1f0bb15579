/* Interactive figures of the Qandy Qantar book, drawn in the page with the book's own copy
 * of Vega, Vega-Lite and vega-embed (no kernel, no request to another host).
 *
 * Each <figure class="qantar-figure"> holds its Vega-Lite specification in a JSON script, a
 * static image (shown when scripts are off and when the page is printed), a text
 * alternative, and an empty box where the live chart is drawn. The chart:
 * - draws its filters (Vega-Lite parameters bound to native <select>s) above the chart;
 * - shows a mark's details in a live region below the chart on hover, and on keyboard focus:
 *   the chart itself takes focus (Tab), and the arrow keys, Home and End move between marks;
 * - follows the page's light or dark theme, keeping the filters' choices.
 */
(function () {
  "use strict";

  var MARK_TYPES = { symbol: true, shape: true, rect: true };

  function isDark() {
    return document.documentElement.dataset.theme === "dark";
  }

  function describe(item) {
    return item && item.datum && typeof item.datum.description === "string" ? item.datum.description : null;
  }

  /* Every mark of the scene that has a description (the points of a chart): left to right,
   * or top to bottom for a chart whose rows are the order (usermeta.qantar_order = "y"). */
  function marksOf(view, byRow) {
    var found = [];
    function walk(node) {
      if (!node || !node.items) { return; }
      node.items.forEach(function (child) {
        if (child && child.mark && MARK_TYPES[child.mark.marktype] && describe(child)) {
          found.push(child);
        }
        walk(child);
      });
    }
    walk(view.scenegraph().root);
    found.sort(function (a, b) {
      var ax = a.bounds ? a.bounds.x1 : a.x, bx = b.bounds ? b.bounds.x1 : b.x;
      var ay = a.bounds ? a.bounds.y1 : a.y, by = b.bounds ? b.bounds.y1 : b.y;
      return byRow ? (ay - by || ax - bx) : (ax - bx || ay - by);
    });
    return found;
  }

  function parametersOf(spec) {
    var names = [];
    (spec.params || []).forEach(function (p) { if (p.bind) { names.push(p.name); } });
    return names;
  }

  function draw(figure) {
    var specNode = figure.querySelector(".qantar-figure__spec");
    var live = figure.querySelector(".qantar-figure__live");
    var details = figure.querySelector(".qantar-figure__details");
    if (!specNode || !live || typeof window.vegaEmbed !== "function") { return; }
    var spec = JSON.parse(specNode.textContent);
    var kept = {};
    if (figure.qantarView) {
      parametersOf(spec).forEach(function (name) {
        try { kept[name] = figure.qantarView.signal(name); } catch (e) { /* not a signal */ }
      });
      figure.qantarView.finalize();
    }
    live.innerHTML = "";
    var controls = figure.querySelector(".qantar-figure__controls");
    if (!controls) {
      controls = document.createElement("div");
      controls.className = "qantar-figure__controls";
      live.parentNode.insertBefore(controls, live);
    }
    controls.innerHTML = "";
    var chart = document.createElement("div");
    chart.className = "qantar-figure__chart";
    live.appendChild(chart);
    var dark = isDark();
    var options = {
      actions: false,
      logLevel: 1,   // errors only: Vega-Lite's notes on autosizing are not for readers
      renderer: "svg",
      bind: controls,
      config: { background: "transparent" },
      tooltip: { theme: dark ? "dark" : "light" }
    };
    if (dark) {
      options.theme = "dark";
      // A chart may carry its own settings for dark pages (e.g. the map's land colour).
      var patch = spec.usermeta && spec.usermeta.qantar_dark_config;
      if (patch) {
        spec.config = spec.config || {};
        Object.keys(patch).forEach(function (key) {
          spec.config[key] = Object.assign({}, spec.config[key] || {}, patch[key]);
        });
      }
    }
    window.vegaEmbed(chart, spec, options).then(function (result) {
      var view = result.view;
      figure.qantarView = view;
      figure.qantarByRow = Boolean(spec.usermeta && spec.usermeta.qantar_order === "y");
      Object.keys(kept).forEach(function (name) { view.signal(name, kept[name]); });
      view.runAsync();
      figure.classList.add("qantar-figure--live");
      enableDetails(figure, chart, view, details);
      parametersOf(spec).forEach(function (name) {
        view.addSignalListener(name, function () { clearFocus(figure); details.textContent = "No mark selected."; });
      });
    }).catch(function (error) {
      figure.classList.add("qantar-figure--failed");
      details.textContent = "The interactive chart could not be drawn (" + error.message +
        "); the image and the data table below show the same data.";
    });
  }

  function clearFocus(figure) {
    var focused = figure.querySelector(".qantar-mark-focus");
    if (focused) { focused.classList.remove("qantar-mark-focus"); }
    figure.qantarIndex = -1;
  }

  function focusMark(figure, details, marks, index) {
    clearFocus(figure);
    if (!marks.length) { details.textContent = "No marks are shown for this choice."; return; }
    index = Math.max(0, Math.min(index, marks.length - 1));
    figure.qantarIndex = index;
    var item = marks[index];
    if (item._svg && item._svg.classList) { item._svg.classList.add("qantar-mark-focus"); }
    details.textContent = "Mark " + (index + 1) + " of " + marks.length + ": " + describe(item);
  }

  function enableDetails(figure, chart, view, details) {
    var label = figure.querySelector(".qantar-figure__caption strong");
    chart.setAttribute("tabindex", "0");
    chart.setAttribute("role", "group");
    chart.setAttribute("aria-roledescription", "interactive chart");
    chart.setAttribute("aria-label", (label ? label.textContent : "Chart") +
      " Use the arrow keys to move between marks; their details are read below the chart.");
    chart.setAttribute("aria-describedby", details.id);
    figure.qantarIndex = -1;

    view.addEventListener("mouseover", function (event, item) {
      var text = describe(item);
      if (text) { details.textContent = text; }
    });
    view.addEventListener("click", function (event, item) {
      var marks = marksOf(view, figure.qantarByRow);
      var index = marks.indexOf(item);
      if (index >= 0) { focusMark(figure, details, marks, index); }
    });
    chart.addEventListener("focus", function () {
      if (figure.qantarIndex < 0) { focusMark(figure, details, marksOf(view, figure.qantarByRow), 0); }
    });
    chart.addEventListener("keydown", function (event) {
      var marks = marksOf(view, figure.qantarByRow);
      var index = figure.qantarIndex;
      var next = null;
      if (event.key === "ArrowRight" || event.key === "ArrowDown") { next = index + 1; }
      else if (event.key === "ArrowLeft" || event.key === "ArrowUp") { next = index - 1; }
      else if (event.key === "Home") { next = 0; }
      else if (event.key === "End") { next = marks.length - 1; }
      else if (event.key === "Escape") { clearFocus(figure); details.textContent = "No mark selected."; return; }
      if (next === null) { return; }
      event.preventDefault();
      if (marks.length && next >= marks.length) { next = marks.length - 1; }
      focusMark(figure, details, marks, Math.max(0, next));
    });
  }

  /* For tests and for curious readers: the marks a figure currently shows, as keyboard focus walks them. */
  window.qantarFigures = {
    marks: function (figure) {
      return figure.qantarView ? marksOf(figure.qantarView, figure.qantarByRow).map(describe) : [];
    }
  };

  function drawAll() {
    document.querySelectorAll(".qantar-figure").forEach(draw);
  }

  function start() {
    drawAll();
    // A printed page shows each figure's static image and its text description in full.
    window.addEventListener("beforeprint", function () {
      document.querySelectorAll(".qantar-figure__alternative").forEach(function (details) {
        if (!details.open) { details.open = true; details.dataset.qantarOpenedForPrint = "1"; }
      });
    });
    window.addEventListener("afterprint", function () {
      document.querySelectorAll("[data-qantar-opened-for-print]").forEach(function (details) {
        details.open = false;
        delete details.dataset.qantarOpenedForPrint;
      });
    });
    var theme = document.documentElement.dataset.theme;
    new MutationObserver(function () {
      if (document.documentElement.dataset.theme !== theme) {
        theme = document.documentElement.dataset.theme;
        drawAll();
      }
    }).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
