// The AUM chart of the Customer 360 page (vendored ECharts; data from json_script, no inline JS).
(function () {
  function draw() {
    var el = document.getElementById("aum-chart");
    var data = document.getElementById("aum-data");
    if (!el || !data || !window.echarts) return;
    var d = JSON.parse(data.textContent);
    var chart = window.echarts.init(el);
    chart.setOption({
      grid: { left: 64, right: 16, top: 16, bottom: 28 },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return "¥" + Number(v).toLocaleString("zh-CN", { minimumFractionDigits: 2 }); } },
      xAxis: { type: "category", data: d.dates, boundaryGap: false },
      yAxis: { type: "value", scale: true, axisLabel: { formatter: function (v) { return v >= 10000 ? (v / 10000) + "万" : v; } } },
      series: [{ type: "line", data: d.aum, showSymbol: false, areaStyle: { opacity: 0.15 }, lineStyle: { width: 2 } }],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
