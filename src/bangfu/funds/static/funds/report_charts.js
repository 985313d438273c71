/* Charts of the report pages (Chart.js 4, served by the application). The figures come from the
   page's <script type="application/json" id="report-charts">; amounts are strings (exact
   decimals) and are turned into numbers only here, for drawing. */
(function () {
  "use strict";
  var el = document.getElementById("report-charts");
  if (!el || typeof Chart === "undefined") return;
  var data = JSON.parse(el.textContent);
  var yuan = function (v) { return "¥" + Number(v).toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 }); };
  var nums = function (xs) { return (xs || []).map(Number); };
  var palette = ["#1f6feb", "#d97706", "#059669", "#9333ea", "#dc2626", "#0891b2", "#65a30d", "#db2777"];
  var money = { callbacks: { label: function (ctx) { return (ctx.dataset.label ? ctx.dataset.label + "：" : "") + yuan(ctx.raw); } } };

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) new Chart(canvas, config);
  }
  draw("chart-aid-type", {
    type: "bar",
    data: { labels: data.aid_type.labels, datasets: [{ label: "发放金额", data: nums(data.aid_type.amounts), backgroundColor: palette[0] }] },
    options: { plugins: { title: { display: true, text: "按帮扶类型的发放金额" }, legend: { display: false }, tooltip: money } },
  });
  draw("chart-category", {
    type: "doughnut",
    data: { labels: data.category.labels, datasets: [{ data: nums(data.category.amounts), backgroundColor: palette }] },
    options: { plugins: { title: { display: true, text: "按家庭类别的发放金额" }, tooltip: money } },
  });
  draw("chart-street", {
    type: "bar",
    data: { labels: data.street.labels, datasets: [{ label: "发放金额", data: nums(data.street.amounts), backgroundColor: palette[2] }] },
    options: { plugins: { title: { display: true, text: "按街镇的发放金额" }, legend: { display: false }, tooltip: money } },
  });
  draw("chart-source", {
    type: "bar",
    data: {
      labels: data.source.labels,
      datasets: [
        { label: "本期收入", data: nums(data.source.receipts), backgroundColor: palette[2] },
        { label: "本期支出", data: nums(data.source.payments), backgroundColor: palette[4] },
        { label: "期末余额", data: nums(data.source.closing), backgroundColor: palette[0] },
      ],
    },
    options: { plugins: { title: { display: true, text: "按资金来源的收支与余额" }, tooltip: money } },
  });
  if (data.months) {
    draw("chart-months", {
      type: "line",
      data: {
        labels: data.months.map(function (m) { return m.label; }),
        datasets: [
          { label: "收入", data: data.months.map(function (m) { return Number(m["in"]); }), borderColor: palette[2] },
          { label: "支出", data: data.months.map(function (m) { return Number(m.out); }), borderColor: palette[4] },
          { label: "帮扶支出", data: data.months.map(function (m) { return Number(m.aid); }), borderColor: palette[0] },
        ],
      },
      options: { plugins: { title: { display: true, text: "各月收入与支出" }, tooltip: money } },
    });
  }
})();
