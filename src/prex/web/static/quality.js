// prex data-quality charts: the ranking's bars and trend lines, a centre's trend by month.
//
// The page carries its numbers as JSON (#quality-data, rendered on the server with translated
// series names, in the order of the table's columns) and shows the same in its tables; this
// script only draws them with the vendored ECharts (/static/vendor). Scores are 0–100; a
// missing score is a gap (null).
"use strict";

(function () {
  const data = document.getElementById("quality-data");
  if (!data || typeof echarts === "undefined") return;
  const chart = JSON.parse(data.textContent);
  const scoreAxis = { type: "value", min: 0, max: 100 };
  const drawn = [];

  function draw(id, option) {
    const element = document.getElementById(id);
    if (!element) return;
    const instance = echarts.init(element);
    instance.setOption(option);
    drawn.push(instance);
  }

  if (chart.centres) {
    draw("quality-bars", {
      tooltip: { trigger: "axis" },
      legend: {},
      xAxis: { type: "category", data: chart.centres },
      yAxis: scoreAxis,
      series: chart.bars.map((b) => ({ name: b.name, type: "bar", data: b.values })),
    });
    draw("quality-trends", {
      tooltip: { trigger: "axis" },
      legend: {},
      xAxis: { type: "category", data: chart.months },
      yAxis: scoreAxis,
      series: chart.trends.map((t) => ({
        name: t.name,
        type: "line",
        connectNulls: true,
        data: t.values,
      })),
    });
  } else {
    draw("quality-centre-trend", {
      tooltip: { trigger: "axis" },
      legend: {},
      xAxis: { type: "category", data: chart.months },
      yAxis: scoreAxis,
      series: chart.lines.map((l) => ({
        name: l.name,
        type: "line",
        connectNulls: true,
        data: l.values,
      })),
    });
  }
  window.addEventListener("resize", () => drawn.forEach((c) => c.resize()));
})();
