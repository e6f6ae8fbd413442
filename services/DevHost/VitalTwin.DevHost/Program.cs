using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using VitalTwin.DevHost;
using VitalTwin.ServiceDefaults.Security;

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
// A token for trying the APIs by hand (grpcurl -H "authorization: Bearer <token>"); it is only good for this run.
output.WriteLine($"Clinician token (every ward, 12 h): {cluster.Tokens.Mint("demo-clinician", [Roles.Clinician, Roles.Integration], [Caller.EveryWard], TimeSpan.FromHours(12))}");
foreach (var service in cluster.Endpoints.Values)
{
    output.WriteLine($"{service.Name} gRPC: {service.Grpc.ToString().TrimEnd('/')}");
}

cluster.StartProgram("Simulator", "VitalTwin.Simulator", new Dictionary<string, string>(quiet)
{
    ["Simulator__GatewayUrl"] = cluster["Gateway"].Grpc.ToString(),
    ["Simulator__Patients"] = patients.ToString(CultureInfo.InvariantCulture),
    ["Simulator__Deteriorating"] = deteriorating.ToString(CultureInfo.InvariantCulture),
    // The simulator plays the hospital's registration system when it binds its devices to patients.
    ["Simulator__AccessToken"] = cluster.Tokens.Mint("simulator", [Roles.Registrar], lifetime: TimeSpan.FromDays(7)),
}, Print);
output.WriteLine($"Simulating {patients} patients ({deteriorating} deteriorating). Ctrl-C stops.");

await new StatusBoard(cluster, output).RunAsync(TimeSpan.FromSeconds(5), stop.Token);
output.WriteLine("Stopping...");
