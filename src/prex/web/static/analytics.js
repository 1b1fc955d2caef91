// prex market dashboards: one ECharts chart per dashboard.
//
// The page carries its charts as JSON (#analytics-data: an element id, categories, series with
// translated names, each a bar or a line on the left axis 0 or the right axis 1), built on the
// server from the same tables the page shows; this script only draws them with the vendored
// ECharts (/static/vendor). A right axis marked "percent" holds fractions shown as percent.
"use strict";

(function () {
  const data = document.getElementById("analytics-data");
  if (!data || typeof echarts === "undefined") return;
  const charts = JSON.parse(data.textContent);
  const drawn = [];
  const percent = (value) => (value * 100).toFixed(0) + "%";

  charts.forEach((chart) => {
    const element = document.getElementById(chart.id);
    if (!element) return;
    const right = chart.series.some((s) => s.axis === 1);
    const yAxis = [{ type: "value" }];
    if (right) {
      yAxis.push({
        type: "value",
        axisLabel: chart.percent ? { formatter: percent } : {},
        splitLine: { show: false },
      });
    }
    const series = chart.series.map((s) => ({
      name: s.name,
      type: s.type,
      yAxisIndex: s.axis,
      connectNulls: true,
      data: s.values,
    }));
    if (chart.mark !== undefined && series.length) {
      series[0].markLine = { symbol: "none", data: [{ yAxis: chart.mark }] };
    }
    const instance = echarts.init(element);
    instance.setOption({
      tooltip: { trigger: "axis" },
      legend: {},
      xAxis: { type: "category", data: chart.categories },
      yAxis: yAxis,
      series: series,
    });
    drawn.push(instance);
  });
  window.addEventListener("resize", () => drawn.forEach((c) => c.resize()));
})();
