/* 个案看板: draws the four charts from the counts the page carries. Chart.js is vendored. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var palette = ["#0b6e99", "#b4232a", "#1f7a4d", "#8a5a00", "#6b4fa3", "#d9622b", "#3b8ea5", "#7a7f2a", "#a63d6a"];
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#52606d";

  function bars(id, chart) {
    var el = document.getElementById(id);
    if (!el) { return; }
    new Chart(el, {
      type: "bar",
      data: {
        labels: chart.labels,
        datasets: chart.datasets.map(function (d, i) {
          return {label: d.label, data: d.data, backgroundColor: palette[i % palette.length], borderWidth: 0};
        })
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: {x: {ticks: {autoSkip: false, maxRotation: 45}}, y: {beginAtZero: true, ticks: {precision: 0}}},
        plugins: {legend: {display: chart.datasets.length > 1, position: "bottom", labels: {boxWidth: 12}}}
      }
    });
  }
  bars("chart-state", data.state);
  bars("chart-days", data.days);
  bars("chart-area", data.area);
  bars("chart-aid_type", data.aid_type);
})();
