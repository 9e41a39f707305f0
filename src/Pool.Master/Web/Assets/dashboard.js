// Pool dashboard: progressive enhancement only. Every page works without this file.
// - Overview: refreshes the numbers and redraws the per-minute chart every 5 s from api/stats.
// - Failed: a "select all" checkbox.
(function () {
  "use strict";

  function stats(chart) {
    var url = new URL("api/stats", document.querySelector("header .brand").href);
    var width = +chart.dataset.width, height = +chart.dataset.height, minutes = +chart.dataset.minutes;
    function points(rows, column, max, now) {
      return rows.map(function (r) {
        var age = (now - r[0]) / 60000;
        var x = width * (1 - age / minutes);
        var y = (height - 2) * (1 - r[column] / max) + 1;
        return x.toFixed(1) + "," + y.toFixed(1);
      }).join(" ");
    }
    function refresh() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) {
          if (!s) return;
          document.querySelectorAll("[data-stat]").forEach(function (el) {
            var v = s[el.dataset.stat];
            if (typeof v === "number") el.textContent = v.toLocaleString("en-US");
          });
          var max = Math.max(1, ...s.minutes.map(function (r) { return Math.max(r[1], r[2]); }));
          chart.querySelector("polyline.processed").setAttribute("points", points(s.minutes, 1, max, s.now));
          chart.querySelector("polyline.failed").setAttribute("points", points(s.minutes, 2, max, s.now));
          chart.querySelector("text.max").textContent = max.toLocaleString("en-US") + "/min";
        })
        .catch(function () { /* the next tick tries again; the page itself shows the Redis banner on reload */ });
    }
    setInterval(refresh, 5000);
  }

  function selectAll(box) {
    box.addEventListener("change", function () {
      document.querySelectorAll("input[name='selected']").forEach(function (c) { c.checked = box.checked; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var chart = document.getElementById("live-chart");
    if (chart) stats(chart);
    document.querySelectorAll("input[data-select-all]").forEach(selectAll);
  });
})();
