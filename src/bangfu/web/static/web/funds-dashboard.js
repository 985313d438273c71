/* 资金看板: draws the four charts from the JSON the page carries (amounts as strings made from
   Decimal; converted to numbers only to draw, and shown back as yuan). Chart.js is vendored. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var palette = ["#b4232a", "#0b6e99", "#1f7a4d", "#8a5a00", "#6b4fa3", "#d9622b", "#3b8ea5", "#7a7f2a",
                 "#a63d6a", "#4a5a6a", "#c9a227", "#2f6f4f", "#8f1b21", "#5476b5", "#9c6b3f", "#3f8f8f", "#707070"];
  var yuan = new Intl.NumberFormat("zh-CN", {style: "currency", currency: "CNY"});
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#52606d";

  function datasets(chart) {
    return chart.datasets.map(function (d, i) {
      return {label: d.label, data: d.data.map(Number), backgroundColor: palette[i % palette.length],
              borderColor: palette[i % palette.length], borderWidth: 0};
    });
  }
  function money(ctx) { return ctx.dataset.label + "：" + yuan.format(ctx.raw); }
  function axis(v) { return v >= 10000 ? (v / 10000).toLocaleString("zh-CN") + "万" : v.toLocaleString("zh-CN"); }

  function bars(id, chart, horizontal) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var value = {stacked: true, ticks: {callback: axis}, beginAtZero: true};
    var category = {stacked: true, ticks: {autoSkip: false, maxRotation: 45}};
    new Chart(el, {
      type: "bar",
      data: {labels: chart.labels, datasets: datasets(chart)},
      options: {
        indexAxis: horizontal ? "y" : "x",
        maintainAspectRatio: false,
        animation: false,
        scales: horizontal ? {x: value, y: category} : {x: category, y: value},
        plugins: {legend: {position: "bottom", labels: {boxWidth: 12}}, tooltip: {callbacks: {label: money}}}
      }
    });
  }
  bars("chart-district", data.district, false);
  bars("chart-source", data.source, false);
  bars("chart-aid_type", data.aid_type, false);
  bars("chart-left", data.left, true);
})();
