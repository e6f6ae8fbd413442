using System.Globalization;
using ScottPlot;
using VitalTwin.Clinical;
using VitalTwin.Evaluation.Baselines;
using VitalTwin.Evaluation.Metrics;
using VitalTwin.Evaluation.Pipeline;

namespace VitalTwin.Evaluation.Reporting;

/// <summary>The report's PNGs, drawn with ScottPlot. Time runs in hours from the start of the run.</summary>
public static class Plots
{
    private const int AlarmRowVitalTwin = 4;
    private const int AlarmRowNews2 = 3;
    private const int AlarmRowHeldMonitor = 2;
    private const int AlarmRowMonitor = 1;

    private static readonly (VitalSign Sign, string Label)[] Panels =
    [
        (VitalSign.HeartRate, "Pulse /min"),
        (VitalSign.OxygenSaturation, "SpO2 %"),
        (VitalSign.RespiratoryRate, "Breaths /min"),
        (VitalSign.SystolicBloodPressure, "Systolic mmHg"),
        (VitalSign.BodyTemperature, "Temperature °C"),
    ];

    private static readonly Color VitalTwinColor = Colors.Crimson;
    private static readonly Color News2Color = Colors.DarkOrange;
    private static readonly Color MonitorColor = Colors.SlateGray;
    private static readonly Color HeldMonitorColor = Colors.Teal;

    // Fixed padding, so the panels' data areas line up whatever their tick labels' widths.
    private static readonly PixelPadding PanelPadding = new(95, 20, 22, 8);

    /// <summary>One patient's vitals, NEWS2 and every system's alerts, with its events and artifact episodes shaded.</summary>
    public static void PatientTimeline(PatientTrace trace, GroundTruth truth, string title, string path)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(truth);
        double Hours(DateTimeOffset at) => (at - truth.Start).TotalHours;
        var hours = Hours(truth.End);
        var events = truth.Events.Where(e => e.PatientId == trace.PatientId).ToList();
        var artifacts = truth.Artifacts.Where(a => a.PatientIds.Contains(trace.PatientId)).ToList();

        var multiplot = new Multiplot();
        multiplot.AddPlots(Panels.Length + 2);
        var plots = multiplot.GetPlots();
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Rows();
        multiplot.SharedAxes.ShareX(plots);

        void Shade(Plot plot)
        {
            foreach (var artifact in artifacts)
            {
                plot.Add.HorizontalSpan(Hours(artifact.Start), Math.Max(Hours(artifact.End), Hours(artifact.Start) + 0.01), Colors.Gray.WithAlpha(0.18));
            }
            foreach (var labelled in events)
            {
                plot.Add.HorizontalSpan(Hours(labelled.Onset), labelled.End is { } end ? Hours(end) : hours, Colors.Red.WithAlpha(0.12));
            }
        }

        for (var i = 0; i < Panels.Length; i++)
        {
            var (sign, label) = Panels[i];
            var plot = plots[i];
            Shade(plot);
            var clean = trace.Readings.Where(r => r.Sign == sign && !r.Flagged).ToList();
            var flagged = trace.Readings.Where(r => r.Sign == sign && r.Flagged).ToList();
            if (clean.Count > 0)
            {
                var line = plot.Add.ScatterLine(clean.Select(r => Hours(r.At)).ToArray(), clean.Select(r => r.Value).ToArray(), Colors.Navy);
                line.LineWidth = 1;
            }
            if (flagged.Count > 0)
            {
                var points = plot.Add.ScatterPoints(flagged.Select(r => Hours(r.At)).ToArray(), flagged.Select(r => r.Value).ToArray(), Colors.Gray);
                points.MarkerSize = 3;
            }
            var limits = FixedLimitMonitor.DefaultLimits.First(l => l.Sign == sign);
            foreach (var limit in new[] { limits.Low, limits.High }.OfType<double>())
            {
                plot.Add.HorizontalLine(limit, 1, MonitorColor.WithAlpha(0.7), LinePattern.Dashed);
            }
            plot.Axes.Left.Label.Text = label;
            plot.Layout.Fixed(PanelPadding);
        }

        var news2 = plots[Panels.Length];
        Shade(news2);
        if (trace.News2.Count > 0)
        {
            // A step line: the score holds until the next change.
            var xs = new List<double>();
            var ys = new List<double>();
            for (var i = 0; i < trace.News2.Count; i++)
            {
                var (at, total) = trace.News2[i];
                if (i > 0)
                {
                    xs.Add(Hours(at));
                    ys.Add(ys[^1]);
                }
                xs.Add(Hours(at));
                ys.Add(total);
            }
            xs.Add(hours);
            ys.Add(ys[^1]);
            var line = news2.Add.ScatterLine(xs.ToArray(), ys.ToArray(), Colors.Black);
            line.LineWidth = 1;
        }
        news2.Add.HorizontalLine(5, 1, News2Color, LinePattern.Dashed);
        news2.Add.HorizontalLine(7, 1, VitalTwinColor, LinePattern.Dashed);
        news2.Axes.Left.Label.Text = "NEWS2";
        news2.Layout.Fixed(PanelPadding);

        var alarms = plots[Panels.Length + 1];
        Shade(alarms);
        AddAlarmRow(alarms, trace, "vitaltwin", AlarmRowVitalTwin, VitalTwinColor, Hours);
        AddAlarmRow(alarms, trace, "news2", AlarmRowNews2, News2Color, Hours);
        AddAlarmRow(alarms, trace, "monitor-held", AlarmRowHeldMonitor, HeldMonitorColor, Hours);
        AddAlarmRow(alarms, trace, "monitor", AlarmRowMonitor, MonitorColor, Hours);
        alarms.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [AlarmRowMonitor, AlarmRowHeldMonitor, AlarmRowNews2, AlarmRowVitalTwin], ["monitor", "held", "NEWS2", "VitalTwin"]);
        alarms.Axes.SetLimitsY(0.3, 4.7);
        alarms.Axes.Left.Label.Text = "Alerts";
        alarms.Axes.Bottom.Label.Text = "Hours from the start of the run (red: clinical event, grey: artifact episode; hollow: technical alert; held: the monitor with its alarm delay)";
        alarms.Layout.Fixed(new PixelPadding(95, 20, 40, 8));

        plots[0].Title(title);
        plots[0].Layout.Fixed(new PixelPadding(95, 20, 22, 40));
        foreach (var plot in plots)
        {
            plot.Axes.SetLimitsX(0, hours);
        }
        multiplot.SavePng(path, 1400, 1700);
    }

    private static void AddAlarmRow(Plot plot, PatientTrace trace, string system, double row, Color color, Func<DateTimeOffset, double> hours)
    {
        var alarms = trace.Alarms.Where(a => a.System == system).Select(a => a.Alarm).ToList();
        foreach (var group in alarms.GroupBy(a => a.Technical))
        {
            var xs = group.Select(a => hours(a.At)).ToArray();
            var markers = plot.Add.Markers(xs, xs.Select(_ => row).ToArray(), group.Key ? MarkerShape.OpenCircle : MarkerShape.FilledTriangleUp, 7, color);
            markers.MarkerStyle.LineWidth = 1;
        }
    }

    /// <summary>One point of the trade-off plot; points of the same series are joined (a sweep).</summary>
    public sealed record TradeOffPoint(string Series, string Label, double FalseAlarmsPerPatientDay, double Sensitivity);

    /// <summary>Sensitivity against false alerts per patient-day (logarithmic), one point per system and a line per sweep.</summary>
    public static void TradeOff(IReadOnlyList<TradeOffPoint> points, string title, string path)
    {
        ArgumentNullException.ThrowIfNull(points);
        const double Floor = 0.01;
        double X(double perDay) => Math.Log10(Math.Max(perDay, Floor));
        var plot = new Plot();
        Color[] others = [Colors.SeaGreen, Colors.SteelBlue, Colors.Olive];
        var index = 0;
        foreach (var series in points.GroupBy(p => p.Series))
        {
            var color = series.Key switch
            {
                EvaluationResults.VitalTwin => VitalTwinColor,
                EvaluationResults.VitalTwinUrgent => Colors.Purple,
                EvaluationResults.Monitor => MonitorColor,
                EvaluationResults.News2Alone => News2Color,
                _ when series.Key.StartsWith($"{EvaluationResults.Monitor} held", StringComparison.Ordinal) => HeldMonitorColor,
                _ => others[index++ % others.Length],
            };
            var list = series.ToList();
            var scatter = list.Count > 1
                ? plot.Add.Scatter(list.Select(p => X(p.FalseAlarmsPerPatientDay)).ToArray(), list.Select(p => p.Sensitivity * 100).ToArray(), color)
                : plot.Add.ScatterPoints(list.Select(p => X(p.FalseAlarmsPerPatientDay)).ToArray(), list.Select(p => p.Sensitivity * 100).ToArray(), color);
            scatter.MarkerSize = 9;
            scatter.LegendText = series.Key;
            foreach (var point in list)
            {
                var text = plot.Add.Text(point.Label, X(point.FalseAlarmsPerPatientDay), point.Sensitivity * 100);
                text.LabelFontSize = 11;
                text.LabelFontColor = color;
                text.OffsetX = 6;
                text.OffsetY = -6;
            }
        }
        plot.Add.VerticalLine(X(1), 1, Colors.Green, LinePattern.Dashed).LegendText = "target: ≤ 1 false alert per patient-day";
        plot.Add.HorizontalLine(95, 1, Colors.Green, LinePattern.Dotted).LegendText = "target: sensitivity ≥ 95 %";

        var decades = Enumerable.Range(-2, 6).Select(d => (double)d).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            decades, [.. decades.Select(d => Math.Pow(10, d).ToString("0.##", CultureInfo.InvariantCulture))]);
        var xs = points.Select(p => X(p.FalseAlarmsPerPatientDay)).Append(X(1)).ToList();
        plot.Axes.SetLimitsX(Math.Floor(xs.Min()) - 0.2, Math.Ceiling(xs.Max()) + 0.4);
        var ys = points.Select(p => p.Sensitivity * 100).Where(double.IsFinite).Append(95).ToList();
        plot.Axes.SetLimitsY(Math.Max(0, ys.Min() - 10), 102);
        plot.Axes.Bottom.Label.Text = "False clinical alerts per patient-day (log scale)";
        plot.Axes.Left.Label.Text = "Sensitivity, all events (%)";
        plot.Title(title);
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, 1000, 650);
    }
}
