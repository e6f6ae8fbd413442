using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using VitalTwin.DevHost;

// ./build.sh --target=Demo [--duration=<seconds>] [--patients=<n>] [--deteriorating=<n>]
var settings = new ConfigurationBuilder().AddCommandLine(args).Build();
var duration = settings.GetValue<double?>("duration");
var patients = settings.GetValue("patients", 20);
var deteriorating = settings.GetValue("deteriorating", 3);

using var stop = new CancellationTokenSource();
// Ctrl-C, and SIGTERM from a supervisor, stop everything in order instead of killing this process outright.
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
if (duration is { } seconds)
{
    stop.CancelAfter(TimeSpan.FromSeconds(seconds));
}

var output = TextWriter.Synchronized(Console.Out);
void Print(string service, string line) => output.WriteLine($"  [{service}] {line}");

// Services log warnings and worse here, so the status line stays readable.
var quiet = new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning", ["Logging__Console__FormatterName"] = "simple" };
await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { Environment = quiet, Output = Print }, stop.Token);

output.WriteLine($"Kafka bootstrap: {cluster.Kafka.BootstrapServers}");
foreach (var service in cluster.Endpoints.Values)
{
    output.WriteLine($"{service.Name} gRPC: {service.Grpc.ToString().TrimEnd('/')}");
}

cluster.StartProgram("Simulator", "VitalTwin.Simulator", new Dictionary<string, string>(quiet)
{
    ["Simulator__GatewayUrl"] = cluster["Gateway"].Grpc.ToString(),
    ["Simulator__Patients"] = patients.ToString(CultureInfo.InvariantCulture),
    ["Simulator__Deteriorating"] = deteriorating.ToString(CultureInfo.InvariantCulture),
}, Print);
output.WriteLine($"Simulating {patients} patients ({deteriorating} deteriorating). Ctrl-C stops.");

await new StatusBoard(cluster, output).RunAsync(TimeSpan.FromSeconds(5), stop.Token);
output.WriteLine("Stopping...");
