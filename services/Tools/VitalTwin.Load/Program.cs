using System.ComponentModel.DataAnnotations;
using System.Globalization;
using VitalTwin.DevHost;
using VitalTwin.Load;

// ./build.sh --target=Load --rate=<readings/s> --duration=<seconds> [--partitions=<n>] [--replicas=<n>]; other options: LoadOptions.Parse.
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
    var run = await new LoadBenchmark(options, output, TimeProvider.System).RunAsync(stop.Token);
    var report = run.Report;
    if (report.DeviceToAlertP99Ms is null)
    {
        output.WriteLine(report.Alerts.Expected == 0
            ? "No device->alert latency: no deterioration was sent in the window (too short a window or too few patients)."
            : $"No device->alert latency: none of the {report.Alerts.Expected} NEWS2_HIGH alerts arrived within the drain timeout.");
    }
    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sustained readings/s: {report.SustainedReadingsPerSecond}"));
    output.WriteLine(report.DeviceToAlertP99Ms is { } p99
        ? string.Create(CultureInfo.InvariantCulture, $"device->alert p99 ms: {p99:0.0}")
        : "device->alert p99 ms: n/a");
    return 0;
}
catch (OperationCanceledException) when (stop.IsStopping)
{
    Console.Error.WriteLine("Load run interrupted; no report written.");
    return 130;
}
catch (Exception e) when (e is InvalidOperationException or TimeoutException or Grpc.Core.RpcException or Confluent.Kafka.KafkaException or IOException)
{
    Console.Error.WriteLine($"Load run failed: {e.Message}");
    return 1;
}
