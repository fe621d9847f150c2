/* 保运管理后台 · 报表图表: draws each [data-chart] element with ECharts from the JSON block it names.
   The panel's CSP forbids inline scripts, so the data travels in <script type="application/json">. */
(function () {
  "use strict";

  function formatValue(value, kind) {
    if (value === null || value === undefined || isNaN(value)) { return "—"; }
    if (kind === "rate") { return (value * 100).toFixed(2) + "%"; }
    if (kind === "count") { return Math.round(value).toLocaleString("zh-CN"); }
    if (kind === "days") { return value.toFixed(1) + " 天"; }
    return value.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function axisFormatter(kind) {
    return function (value) {
      if (kind === "rate") { return (value * 100).toFixed(0) + "%"; }
      if (Math.abs(value) >= 10000) { return (value / 10000).toLocaleString("zh-CN") + "万"; }
      return value.toLocaleString("zh-CN");
    };
  }

  function pieOption(data) {
    var series = data.series[0];
    return {
      tooltip: {
        trigger: "item",
        formatter: function (p) { return p.name + "<br>" + formatValue(p.value, series.kind) + "(" + p.percent + "%)"; }
      },
      legend: { type: "scroll", bottom: 0 },
      series: [{
        name: series.name, type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"],
        data: data.categories.map(function (name, i) { return { name: name, value: series.data[i] }; })
      }]
    };
  }

  function cartesianOption(data) {
    // Rates beside amounts would flatten one or the other: rates get their own axis on the right.
    var kinds = [];
    data.series.forEach(function (s) { if (kinds.indexOf(s.kind === "rate" ? "rate" : "value") < 0) { kinds.push(s.kind === "rate" ? "rate" : "value"); } });
    var yAxes = kinds.map(function (k, i) {
      return { type: "value", position: i === 0 ? "left" : "right", axisLabel: { formatter: axisFormatter(k) } };
    });
    return {
      tooltip: {
        trigger: "axis",
        formatter: function (items) {
          var lines = [items[0].axisValueLabel];
          items.forEach(function (it) {
            lines.push(it.marker + it.seriesName + ":" + formatValue(it.value, data.series[it.seriesIndex].kind));
          });
          return lines.join("<br>");
        }
      },
      legend: { top: 0 },
      grid: { left: 60, right: kinds.length > 1 ? 60 : 24, top: 36, bottom: 60 },
      xAxis: { type: "category", data: data.categories, axisLabel: { interval: 0, rotate: data.categories.length > 8 ? 30 : 0 } },
      yAxis: yAxes,
      dataZoom: data.categories.length > 20 ? [{ type: "slider", bottom: 0 }] : [],
      series: data.series.map(function (s) {
        return {
          name: s.name, type: data.type, data: s.data, smooth: data.type === "line",
          yAxisIndex: kinds.indexOf(s.kind === "rate" ? "rate" : "value")
        };
      })
    };
  }

  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    if (!data.categories.length) { return; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(data.type === "pie" ? pieOption(data) : cartesianOption(data));
    el.setAttribute("data-drawn", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), draw);
  });
})();
