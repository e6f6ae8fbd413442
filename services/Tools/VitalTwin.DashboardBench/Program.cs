using System.ComponentModel.DataAnnotations;
using VitalTwin.DevHost;
using VitalTwin.DashboardBench;

// ./build.sh --target=DashboardBench [--busy-seconds=<s>] [--readings=<n>] [--rate=<readings/s>]; options: DashboardBenchOptions.
DashboardBenchOptions options;
try
{
    options = DashboardBenchOptions.Parse(args);
}
catch (Exception e) when (e is ValidationException or InvalidOperationException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

using var stop = new StopSignal();

try
{
    var results = await new DashboardBenchmark(options, Console.Out, TimeProvider.System).RunAsync(stop.Token);
    results.Write(Console.Out);
    return 0;
}
catch (OperationCanceledException) when (stop.IsStopping)
{
    Console.Error.WriteLine("Dashboard benchmark interrupted.");
    return 130;
}
catch (Exception e) when (e is InvalidOperationException or TimeoutException or Grpc.Core.RpcException or Microsoft.Playwright.PlaywrightException or IOException)
{
    Console.Error.WriteLine($"Dashboard benchmark failed: {e.Message}");
    return 1;
}
