/* Regulars — the profile's charts (Chart.js, vendored). Each <canvas data-chart="…"
 * data-chart-source="id"> reads its numbers from the JSON script of that id; the same
 * numbers are on the page as text (caption and table), so nothing depends on this.
 * Also: after a tab's panel is paged or sorted with htmx, the focus goes to its heading. */
(function () {
  "use strict";

  var ACCENT = "#0f766e";
  var SOFT = "rgba(15, 118, 110, .15)";

  function draw(canvas) {
    if (canvas._chart || typeof window.Chart !== "function") return;
    var source = document.getElementById(canvas.getAttribute("data-chart-source"));
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var kind = canvas.getAttribute("data-chart");
    var values = (data[kind] || []).map(Number);
    var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    canvas._chart = new window.Chart(canvas, {
      type: kind === "visits" ? "bar" : "line",
      data: {
        labels: data.labels,
        datasets: [{
          label: kind === "visits" ? "Visits" : "Spent",
          data: values,
          backgroundColor: kind === "visits" ? ACCENT : SOFT,
          borderColor: ACCENT,
          borderWidth: kind === "visits" ? 0 : 2,
          fill: kind !== "visits",
          tension: 0.25,
          cubicInterpolationMode: "monotone",
          pointRadius: 2
        }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reduced ? false : { duration: 300 },
        plugins: { legend: { display: false } },
        scales: {
          x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
          y: { beginAtZero: true, ticks: kind === "visits" ? { precision: 0 } : {} }
        }
      }
    });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:load", function (e) { drawAll(e.target); });

  document.addEventListener("htmx:afterSettle", function (e) {
    var cause = e.detail && e.detail.requestConfig && e.detail.requestConfig.triggeringEvent;
    if (!cause || cause.type !== "click") return;
    var panel = e.detail.elt && e.detail.elt.isConnected ? e.detail.elt : null;
    var id = e.detail.target && e.detail.target.id;
    panel = (id && document.getElementById(id)) || panel;
    var heading = panel && panel.querySelector("h2[tabindex]");
    if (heading) heading.focus();
  });
})();
