using System.ComponentModel.DataAnnotations;
using System.Globalization;
using VitalTwin.DevHost;
using VitalTwin.DeviceTransports;
using VitalTwin.Load;
using VitalTwin.Load.Reporting;

// ./build.sh --target=Load --rate=<readings/s> --duration=<seconds> [--transports=grpc,mqtt,fhir,hl7] [--partitions=<n>] [--replicas=<n>]; other options: LoadOptions.Parse.
var output = TextWriter.Synchronized(Console.Out);
LoadOptions options;
try
{
    options = LoadOptions.Parse(args).Resolve();
}
catch (Exception e) when (e is ArgumentException or ValidationException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

using var stop = new StopSignal();

try
{
    // One run per front door, each on a system of its own, then the doors side by side.
    var runs = new List<LoadRun>();
    foreach (var transport in options.Transports)
    {
        runs.Add(await new LoadBenchmark(options.ForPath(transport), output, TimeProvider.System).RunAsync(stop.Token));
    }
    if (runs.Count > 1)
    {
        var comparison = PathComparison.Of(runs);
        var (json, markdown) = ReportWriter.Write(comparison, options.OutputDirectory);
        output.WriteLine();
        foreach (var row in comparison.Table())
        {
            output.WriteLine(row);
        }
        output.WriteLine($"Side by side: {json} and {markdown}");
    }
    foreach (var run in runs)
    {
        // With several doors each closing line names its door first, in brackets.
        var door = runs.Count > 1 ? $"[{run.Report.Settings.Transport}] " : "";
        var report = run.Report;
        if (report.DeviceToAlertP99Ms is null)
        {
            output.WriteLine(door + (report.Alerts.Expected == 0
                ? "No device->alert latency: no deterioration was sent in the window (too short a window or too few patients)."
                : $"No device->alert latency: none of the {report.Alerts.Expected} NEWS2_HIGH alerts arrived within the drain timeout."));
        }
        output.WriteLine(door + string.Create(CultureInfo.InvariantCulture, $"sustained readings/s: {report.SustainedReadingsPerSecond}"));
        output.WriteLine(door + (report.DeviceToAlertP99Ms is { } p99
            ? string.Create(CultureInfo.InvariantCulture, $"device->alert p99 ms: {p99:0.0}")
            : "device->alert p99 ms: n/a"));
    }
    return 0;
}
catch (OperationCanceledException) when (stop.IsStopping)
{
    Console.Error.WriteLine("Load run interrupted; no report written.");
    return 130;
}
catch (Exception e) when (e is InvalidOperationException or TimeoutException or Grpc.Core.RpcException or Confluent.Kafka.KafkaException or IOException
    or NotSupportedException or GatewayUnavailableException or DeviceRefusedException)
{
    Console.Error.WriteLine($"Load run failed: {e.Message}");
    return 1;
}
