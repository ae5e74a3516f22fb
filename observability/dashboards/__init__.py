"""Dashboards: the chart registry (each chart one metrics query), SVG rendering, saved dashboards."""
