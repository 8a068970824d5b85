package io.kafkaenvelope.benchmarks.report;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG charts for docs/performance.md, drawn with XChart: {@link #line} (one series per contender
 * over a numeric axis, e.g. time per record against record size) and {@link #bars} (grouped bars,
 * e.g. CPU per record per contender and JDK). Both write {@code file} (a {@code .png} path) and
 * return it; they know nothing about benchmarks, so every part of the report (micro, end to end)
 * draws through them.
 */
public final class Charts {

  static final int WIDTH = 880;
  static final int HEIGHT = 480;

  static {
    System.setProperty("java.awt.headless", "true");
  }

  private Charts() {}

  /**
   * A line chart: {@code series} maps each label to its points, {@code {xs, ys}}, drawn in the
   * map's order.
   */
  public static Path line(Path file, String title, String xTitle, String yTitle, boolean logX,
      boolean logY, Map<String, double[][]> series) throws IOException {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
        .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
    Styler s = chart.getStyler();
    chart.getStyler().setXAxisLogarithmic(logX);
    chart.getStyler().setYAxisLogarithmic(logY);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
    chart.getStyler().setMarkerSize(7);
    style(s);
    for (Map.Entry<String, double[][]> e : series.entrySet()) {
      chart.addSeries(e.getKey(), e.getValue()[0], e.getValue()[1]).setMarker(SeriesMarkers.CIRCLE);
    }
    return save(chart, file);
  }

  /**
   * Grouped bars: {@code categories} along the axis, one bar per series in each ({@code series}
   * maps each label to one value per category; {@code NaN} for none).
   */
  public static Path bars(Path file, String title, String yTitle, List<String> categories,
      Map<String, List<Double>> series) throws IOException {
    CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
        .yAxisTitle(yTitle).build();
    style(chart.getStyler());
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
    chart.getStyler().setLabelsVisible(true);
    chart.getStyler().setDecimalPattern("#,##0");
    chart.getStyler().setXAxisLabelRotation(0);
    for (Map.Entry<String, List<Double>> e : series.entrySet()) {
      List<Double> ys = e.getValue().stream().map(d -> d.isNaN() ? 0.0 : Math.rint(d)).toList();
      chart.addSeries(e.getKey(), categories, ys);
    }
    return save(chart, file);
  }

  private static void style(Styler s) {
    s.setChartBackgroundColor(Color.WHITE);
    s.setPlotBackgroundColor(Color.WHITE);
    s.setLegendBorderColor(new Color(200, 200, 200));
    s.setChartTitleBoxVisible(false);
    s.setPlotBorderVisible(false);
    s.setAntiAlias(true);
  }

  private static Path save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path file)
      throws IOException {
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    String name = file.toString();
    String base = name.endsWith(".png") ? name.substring(0, name.length() - 4) : name;
    BitmapEncoder.saveBitmap(chart, base, BitmapFormat.PNG);
    return Path.of(base + ".png");
  }
}
