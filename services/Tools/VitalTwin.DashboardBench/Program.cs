using System.ComponentModel.DataAnnotations;
using System.Runtime.InteropServices;
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

using var stop = new CancellationTokenSource();
// Ctrl-C and SIGTERM stop the run, the browser and the services in order instead of leaving processes behind.
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

try
{
    var results = await new DashboardBenchmark(options, Console.Out, TimeProvider.System).RunAsync(stop.Token);
    results.Write(Console.Out);
    return 0;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.Error.WriteLine("Dashboard benchmark interrupted.");
    return 130;
}
catch (Exception e) when (e is InvalidOperationException or TimeoutException or Grpc.Core.RpcException or Microsoft.Playwright.PlaywrightException or IOException)
{
    Console.Error.WriteLine($"Dashboard benchmark failed: {e.Message}");
    return 1;
}
